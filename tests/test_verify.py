"""`ogi verify`: corpus reports against their hand-checked expected files, in temporary folders."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import ogi
from ogi.expected import expected_path, load_expected, verify_pairs
from ogi.model import Report
from ogi.testing import assert_verified
from tests.conftest import CORPUS, ROOT

# the reports ogi reads exactly today: every HTML page, and the glued texts with no ambiguous cell
EXACT = ["r004.html", "r005.html", "r006.html", "r014.html", "r101.html", "r103.html", "r105.html", "r107.html",
         "r111.html", "r112.html", "r114.html", "r103.txt", "r107.txt"]
GOLDEN = ROOT / "fixtures" / "golden"


@pytest.fixture(autouse=True)
def _corpus():
    if not CORPUS.exists():
        pytest.skip(f"{CORPUS} not available")


def _hand(rid: str) -> dict:
    return json.loads((CORPUS / "expected" / f"{rid}.json").read_text(encoding="utf-8"))


def _layout(folder: Path, names: list[str]) -> Path:
    """The corpus layout: NAME.EXT beside expected/NAME.json (reports linked, expected files copied)."""
    (folder / "expected").mkdir(parents=True)
    for n in names:
        (folder / n).symlink_to(CORPUS / n)
        stem = n.rsplit(".", 1)[0]
        if not (folder / "expected" / f"{stem}.json").exists():
            shutil.copy(CORPUS / "expected" / f"{stem}.json", folder / "expected" / f"{stem}.json")
    return folder


def _ogi(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ogi.cli", *args], capture_output=True, text=True, cwd=ROOT)


def test_exactly_read_reports_match_their_hand_checked_values(tmp_path):
    folder = _layout(tmp_path / "v", EXACT)
    result = ogi.verify(folder)
    assert_verified(result)
    assert len(result.verdicts) == len(EXACT)
    assert sum(v.cells_checked for v in result.verdicts) == sum(len(_hand(n[:4])["cells"]) for n in EXACT) == 2594
    p = _ogi("verify", str(folder))
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout == "13 reports checked, 2594 cells checked, 0 cells differing, 13 reports fully matching\n"


def test_one_altered_expected_value_is_exactly_the_difference(tmp_path):
    folder = _layout(tmp_path / "v", ["r005.html", "r103.txt"])
    exp = folder / "expected" / "r005.json"
    doc = json.loads(exp.read_text(encoding="utf-8"))
    assert doc["cells"]["t3.granted.total"]["value"] == 71
    doc["cells"]["t3.granted.total"].update(value=70, raw="70")
    exp.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    result = ogi.verify(folder)
    assert not result.ok
    bad = [v for v in result.verdicts if not v.ok]
    assert [v.report.name for v in bad] == ["r005.html"]
    [change] = bad[0].diff.cells
    assert (change.key, change.before.value, change.after.value, change.after.status) == \
        ("t3.granted.total", 70, 71, "read")
    assert result.summary() == "2 reports checked, 400 cells checked, 1 cells differing, 1 reports fully matching"
    with pytest.raises(AssertionError, match=r"t3\.granted\.total: expected 70, got 71 \[read\]"):
        assert_verified(result)
    p = _ogi("verify", str(folder))
    assert p.returncode == 1
    assert p.stdout.splitlines() == [
        "r005.html  (expected: expected/r005.json): 1 of 200 cells differ",
        "  t3.granted.total: expected 70, got 71 [read]",
        "2 reports checked, 400 cells checked, 1 cells differing, 1 reports fully matching"]


def test_ambiguous_cells_differ_even_when_the_best_value_agrees(tmp_path):
    result = ogi.verify(_layout(tmp_path / "v", ["r005.txt"]))
    [v] = result.verdicts
    # issued is settled by the prose (制发行政规范性文件62件); the other two stay open
    assert {(c.key, c.before.value, c.after.value, c.after.status) for c in v.diff.cells} == {
        ("t2.normative_documents.repealed", 33, 33, "ambiguous"),
        ("t2.normative_documents.in_force", 440, 440, "ambiguous")}
    assert "ambiguous: several placements fit the source" in result.text()


def test_blank_cells_imputed_from_the_identities_match(tmp_path):
    # r014 prints 11 totals blank; ogi imputes them (status imputed) and the hand-checked file says blank
    result = ogi.verify(_layout(tmp_path / "v", ["r014.html"]))
    assert result.ok and result.verdicts[0].cells_checked == 198


def test_the_two_naming_rules_and_unreadable_reports(tmp_path):
    folder = tmp_path / "v"
    folder.mkdir()
    (folder / "report.html").symlink_to(CORPUS / "r101.html")
    shutil.copy(CORPUS / "expected" / "r101.json", folder / "report.expected.json")
    (folder / "broken.txt").write_bytes(b"")  # ogi cannot read it: a clear per-report error, not a crash
    shutil.copy(CORPUS / "expected" / "r101.json", folder / "broken.expected.json")
    (folder / "other.txt").write_text("no expected file beside this one", encoding="utf-8")
    assert expected_path(folder / "report.html") == folder / "report.expected.json"
    result = ogi.verify(folder)
    by_name = {v.report.name: v for v in result.verdicts}
    assert set(by_name) == {"report.html", "broken.txt"}
    assert by_name["report.html"].ok and by_name["report.html"].cells_checked == 200
    assert "broken.txt" in by_name["broken.txt"].error and "empty file" in by_name["broken.txt"].error
    assert [p.name for p in result.without_expected] == ["other.txt"]
    p = _ogi("verify", str(folder))
    assert p.returncode == 1 and "Traceback" not in p.stderr
    assert "broken.txt  (expected: broken.expected.json)\n  error: " in p.stdout
    assert p.stdout.endswith("2 reports checked, 400 cells checked, 0 cells differing, 1 reports fully matching, "
                             "1 reports not readable; 1 files without an expected file\n")


def test_whole_corpus_gives_a_verdict_per_expected_pair(tmp_path):
    """Including reports ogi cannot read yet (PDF): each is a verdict, with an error or a comparison."""
    result = ogi.verify(CORPUS)
    pairs = sorted(p.name for p in CORPUS.iterdir()
                   if p.is_file() and (CORPUS / "expected" / f"{p.name.rsplit('.', 1)[0]}.json").exists())
    assert sorted(v.report.name for v in result.verdicts) == pairs
    assert all(v.error is None or v.report.name in v.error for v in result.verdicts)


def test_write_creates_files_equal_to_the_hand_checked_values(tmp_path):
    folder = tmp_path / "v"
    folder.mkdir()
    (folder / "report.html").symlink_to(CORPUS / "r101.html")
    p = _ogi("verify", str(folder), "--write")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "wrote report.expected.json from report.html" in p.stdout
    written = json.loads((folder / "report.expected.json").read_text(encoding="utf-8"))
    hand = _hand("r101")
    assert written["template"] == hand["template"]
    assert {k: (e["value"], e["kind"], e["raw"]) for k, e in written["cells"].items()} == \
        {k: (e["value"], e["kind"], e["raw"]) for k, e in hand["cells"].items()}
    assert _ogi("verify", str(folder)).returncode == 0


def test_write_updates_from_the_best_read_report_and_keeps_labels(tmp_path):
    folder = _layout(tmp_path / "v", ["r005.html", "r005.txt"])  # one expected file, two reports
    exp = folder / "expected" / "r005.json"
    doc = json.loads(exp.read_text(encoding="utf-8"))
    doc["cells"]["t3.granted.total"]["value"] = 70
    exp.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    result = ogi.verify(folder, write=True)
    assert result.written == ((exp, folder / "r005.html"),)  # HTML: every cell read as printed
    assert json.loads(exp.read_text(encoding="utf-8")) == _hand("r005")  # labels kept, value restored


def test_nothing_to_check_or_no_folder_fails_clearly(tmp_path):
    (tmp_path / "r.html").symlink_to(CORPUS / "r005.html")
    p = _ogi("verify", str(tmp_path))
    assert p.returncode == 1 and p.stdout.splitlines()[0] == (
        f"no report below {tmp_path} has an expected file beside it (NAME.expected.json or expected/NAME.json)")
    p = _ogi("verify", str(tmp_path / "nope"))
    assert p.returncode == 2 and p.stderr == f"ogi: error: {tmp_path / 'nope'}: not a folder\n"


def test_malformed_expected_file_is_named(tmp_path):
    bad = tmp_path / "x.expected.json"
    bad.write_text('{"cells": {"t3.granted.total": {"value": "seventy", "kind": "value"}}}', encoding="utf-8")
    with pytest.raises(ValueError, match=r"x\.expected\.json: t3\.granted\.total: want"):
        load_expected(bad)
    (tmp_path / "x.html").symlink_to(CORPUS / "r005.html")
    [v] = ogi.verify(tmp_path, write=True).verdicts
    assert "x.expected.json" in v.error
    assert "seventy" in bad.read_text(encoding="utf-8")  # never overwritten


def test_golden_files_round_trip_as_typed_reports():
    for path in sorted(GOLDEN.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert Report.from_dict(doc).to_dict() == doc, path.name
    with pytest.raises(ValueError, match="not an ogi.report/1 document"):
        Report.from_dict({"cells": []})


def test_golden_comparison_names_the_changed_field(tmp_path):
    """The golden test's mechanism: a golden document differing in one cell's value and one check."""
    doc = json.loads((GOLDEN / "r005-html.json").read_text(encoding="utf-8"))
    cell = next(c for c in doc["cells"] if c["key"] == "t4.cases.review_total")
    assert cell["value"] == 7
    cell["value"] = 8
    doc["checks"][0]["ok"] = None
    golden = tmp_path / "g.json"
    golden.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    [v] = verify_pairs([(CORPUS / "r005.html", golden)]).verdicts
    assert [(c.key, c.fields) for c in v.diff.cells] == [("t4.cases.review_total", ("value",))]
    assert [(c.id, c.fields) for c in v.diff.checks] == [(doc["checks"][0]["id"], ("ok",))]
    assert not v.diff.parts
    with pytest.raises(AssertionError, match=r"t4\.cases\.review_total: 8 \[read\] -> 7 \[read\]"):
        assert_verified(verify_pairs([(CORPUS / "r005.html", golden)]))
