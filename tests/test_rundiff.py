"""`ogi diff OUT_A OUT_B`: two batch runs compared report by report, cell by cell, check by check."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

import ogi
from ogi.runner import run_batch
from ogi.diffpage import render_diff
from ogi.rundiff import EntryChange, RunDiff, RunEntry, pair
from ogi.testing import assert_no_diff
from tests.conftest import CORPUS, ROOT, SEED

NAMES = ["r005.html", "r103.txt", "r101.html"]


def _ogi(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ogi.cli", *args], capture_output=True, text=True, cwd=ROOT)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """Run A over three corpus reports and the seed; B the same with r005.html's 予以公开/自然人 71 made 72;
    A2 the same inputs as A, copied to another folder and run again."""
    if not CORPUS.exists():
        pytest.skip(f"{CORPUS} not available")
    base = tmp_path_factory.mktemp("diff")
    out = {}
    for name in ("a", "b", "a2"):
        src = base / f"in-{name}"
        src.mkdir()
        for n in NAMES:
            shutil.copy(CORPUS / n, src / n)
        shutil.copy(SEED, src / SEED.name)
        (src / "empty.txt").write_bytes(b"")  # an error in every run
        if name == "b":
            data = (src / "r005.html").read_bytes()
            assert data.count(b">71</p>") == 2  # natural_person, then total, of （一）予以公开
            (src / "r005.html").write_bytes(data.replace(b">71</p>", b">72</p>", 1))
        run_batch([src], base / f"out-{name}", workers=1, progress=False)
        out[name] = base / f"out-{name}"
    return out


def test_one_changed_file_is_exactly_the_change(runs):
    d = ogi.diff(runs["a"], runs["b"])
    assert not d.added and not d.removed and d.unchanged == 4
    [c] = d.changed
    assert Path(c.path).name == "r005.html" and c.before.sha256 != c.after.sha256
    assert [(x.key, x.before.value, x.after.value, x.after.status) for x in c.diff.cells if x.material] == [
        ("t3.granted.natural_person", 71, 72, "read")]
    assert {(x.id, x.before.ok, x.after.ok) for x in c.diff.checks if x.material} == {
        ("t3.row.granted", True, False), ("t3.outcomes.natural_person", True, False)}
    assert (c.before.status, c.after.status) == ("ok", "inconsistent")
    p = _ogi("diff", str(runs["a"]), str(runs["b"]))
    assert p.returncode == 1, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0].startswith(f"changed  {runs['b'].parent / 'in-b' / 'r005.html'}  (was ")
    assert "  status: ok -> inconsistent" in lines
    assert "  t3.granted.natural_person: 71 [read] -> 72 [read]  (differs in value, raw)" in lines
    assert lines[-1] == "1 changed (1 cells with a new value or status), 0 added, 0 removed, 4 unchanged"
    with pytest.raises(AssertionError, match="t3.granted.natural_person"):
        assert_no_diff(d)


def test_identical_runs_print_nothing(runs):
    """A2 ran over copies in another folder: paired by content hash, its paths are not a change."""
    assert not ogi.diff(runs["a"], runs["a2"])
    p = _ogi("diff", str(runs["a"]), str(runs["a2"]))
    assert (p.returncode, p.stdout, p.stderr) == (0, "", "")
    assert not ogi.diff(runs["a"], runs["a"])


def test_diff_page_in_the_review_format(runs, tmp_path):
    page = tmp_path / "diff.html"
    p = _ogi("diff", str(runs["a"]), str(runs["b"]), "--html", str(page))
    assert p.returncode == 1
    html = page.read_text(encoding="utf-8")
    assert "Content-Security-Policy" in html and "<script" not in html
    assert "t3.granted.natural_person" in html and 'class="c s-read"' in html
    assert re.search(r"<td[^>]*>71</td>.*<td[^>]*>72</td>", html)
    HTMLParser().feed(html)


def test_added_removed_and_pairing_by_hash_then_path():
    def e(path, sha):
        return RunEntry(path, sha, None, "x")

    a = (e("a/one.txt", "1"), e("a/two.txt", "2"), e("a/gone.txt", "3"), e("a/same.txt", "5"), e("a/d/x.txt", "6"))
    b = (e("b/two-renamed.txt", "2"), e("a/one.txt", "9"), e("a/new.txt", "4"), e("a/same.txt", "5"),
         e("a/d/x.txt", "7"))
    pairs, added, removed = pair(a, b)
    assert {(x.path, y.path) for x, y in pairs} == {("a/one.txt", "a/one.txt"), ("a/two.txt", "b/two-renamed.txt"),
                                                   ("a/same.txt", "a/same.txt"), ("a/d/x.txt", "a/d/x.txt")}
    assert [y.path for y in added] == ["a/new.txt"] and [x.path for x in removed] == ["a/gone.txt"]
    # the same tree read from another folder: paired by the path below each run's common folder
    pairs, added, removed = pair((e("/r/a/d/x.txt", "1"), e("/r/a/y.txt", "2")),
                                 (e("/s/b/d/x.txt", "3"), e("/s/b/y.txt", "4"), e("/s/b/z.txt", "5")))
    assert {(x.path, y.path) for x, y in pairs} == {("/r/a/d/x.txt", "/s/b/d/x.txt"), ("/r/a/y.txt", "/s/b/y.txt")}
    assert [y.path for y in added] == ["/s/b/z.txt"] and not removed


def test_added_and_removed_runs(runs, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(CORPUS / "r005.html", src / "r005.html")
    shutil.copy(CORPUS / "r114.html", src / "r114.html")
    run_batch([src], tmp_path / "out", workers=1, progress=False)
    d = ogi.diff(runs["a"], tmp_path / "out")
    assert [Path(x.path).name for x in d.added] == ["r114.html"]
    assert sorted(Path(x.path).name for x in d.removed) == sorted(["r103.txt", "r101.html", SEED.name, "empty.txt"])
    assert not d.changed and d.unchanged == 1


def test_not_a_batch_folder_is_one_clear_line(tmp_path):
    p = _ogi("diff", str(tmp_path), str(tmp_path))
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert p.stderr.strip() == (f"ogi: error: {tmp_path}: not a batch output folder (no reports.parquet, "
                                f"cells.parquet, checks.parquet, issues.parquet, errors.parquet; run `ogi batch … "
                                f"-o {tmp_path}` first)")


def test_diff_page_escapes_everything_from_a_report():
    bad = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
    entry = RunEntry(f"in/{bad}.html", "ab" * 32, None, f"in/{bad}.html: {bad}")
    d = RunDiff(Path("a"), Path("b"), (entry,), (entry,), (EntryChange(entry, entry, ogi.compare.ReportDiff()),), 0)
    html = render_diff(d)
    assert "<script" not in html and "<img" not in html and "&lt;script&gt;" in html
