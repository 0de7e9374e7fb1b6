"""Batch runs: every input once in reports or errors, tidy tables, resumable after SIGKILL."""
from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from ogi import synth
from ogi.runner import discover, run_batch
from tests.conftest import CORPUS, ROOT, SEED


def _inputs() -> list[Path]:
    return [ROOT / "fixtures"] + ([CORPUS] if CORPUS.exists() else [])


def test_every_input_lands_once_in_reports_or_errors(tmp_path):
    """fixtures/, the corpus and 1,000 generated reports in one batch."""
    out = tmp_path / "out"
    _corpus_of(tmp_path / "generated", 1000)
    inputs = _inputs() + [tmp_path / "generated"]
    result = run_batch(inputs, out, workers=2, progress=False)
    files = {str(p) for p in discover(inputs, out)}
    reports = pd.read_parquet(out / "reports.parquet")
    errors = pd.read_parquet(out / "errors.parquet")
    assert set(reports.path) | set(errors.path) == files
    assert not set(reports.path) & set(errors.path)
    assert len(reports) + len(errors) == len(files) == result.inputs
    # bad inputs are errors with a specific message naming the file, and the batch went on
    edge = errors[errors.path.str.contains("fixtures/edge")].set_index("path").error
    assert any("empty file" in e for e in edge) and any("binary" in e for e in edge)
    assert all(p.split("/")[-1] in e for p, e in edge.items())
    con = duckdb.connect(str(out / "ogi.duckdb"), read_only=True)
    by_status = dict(con.sql("select status, count(*) from reports group by 1").fetchall())
    assert sum(by_status.values()) == len(reports) and by_status.get("inconsistent", 0) >= 1
    assert len(reports[reports.path.str.contains("/generated/")]) == 1000
    seed = con.sql("select value, status from cells where path like '%000_e121fe427aa0e29e.txt' "
                   "and key = 't3.new_received.total'").fetchall()
    assert seed == [(161.0, "inferred")]
    assert (out / "cells.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_rerun_skips_done_inputs_and_gives_the_same_tables(tmp_path):
    out = tmp_path / "out"
    first = run_batch([ROOT / "fixtures"], out, workers=1, progress=False)
    before = pd.read_parquet(out / "cells.parquet")
    second = run_batch([ROOT / "fixtures"], out, workers=1, progress=False)
    assert second.done_before == second.inputs == first.inputs
    pd.testing.assert_frame_equal(before, pd.read_parquet(out / "cells.parquet"))


def test_time_limit_per_file_is_an_error_not_a_stop(tmp_path):
    out = tmp_path / "out"
    run_batch([ROOT / "fixtures" / "seed"], out, workers=1, timeout=1e-4, progress=False)
    errors = pd.read_parquet(out / "errors.parquet")
    assert len(errors) == 1 and "time limit" in errors.error[0]


def _corpus_of(folder: Path, n: int) -> None:
    folder.mkdir()
    for i in range(n):
        s = synth.generate(random.Random(900 + i), ("2019", "2021")[i % 2])
        form = ("pipe", "glued", "html-plain")[i % 3]
        data = synth.render_html(s, "plain") if form == "html-plain" else synth.render(s, form).encode()
        (folder / f"r{i:03d}.{'html' if form.startswith('html') else 'txt'}").write_bytes(data)


def _tables(out: Path) -> dict[str, pd.DataFrame]:
    frames = {}
    for name in ("reports", "cells", "checks", "issues", "errors"):
        df = pd.read_parquet(out / f"{name}.parquet").drop(columns=["seconds"], errors="ignore")
        frames[name] = df.sort_values(list(df.columns)).reset_index(drop=True)
    return frames


def test_sigkill_at_random_moments_then_resume_gives_the_same_tables(tmp_path):
    src = tmp_path / "src"
    _corpus_of(src, 90)
    whole = tmp_path / "whole"
    run_batch([src], whole, workers=2, progress=False)
    out = tmp_path / "killed"
    rng = random.Random(5)
    cmd = [sys.executable, "-m", "ogi.cli", "batch", str(src), "-o", str(out), "--workers", "2", "--quiet"]
    for _ in range(5):
        proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.05, 1.5))
        import os
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    a, b = _tables(whole), _tables(out)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], check_dtype=True)
    assert not list(out.glob(".tmp-*"))


def test_leftovers_of_a_killed_run_are_removed_files_and_folders(tmp_path):
    """A run killed while DuckDB spilled to disk leaves `.tmp-ogi.duckdb.tmp/`, a folder, beside the files."""
    out = tmp_path / "out"
    run_batch([ROOT / "fixtures"], out, workers=1, progress=False)
    spill = out / ".tmp-ogi.duckdb.tmp"
    spill.mkdir()
    (spill / "duckdb_temp_storage-0.tmp").write_bytes(b"x" * 10)
    (out / ".tmp-ogi.duckdb.wal").write_bytes(b"x")
    (out / ".work" / "results" / "abc.json.running").write_text("")
    again = run_batch([ROOT / "fixtures"], out, workers=1, progress=False)
    assert again.done_before == again.inputs
    assert not list(out.glob(".tmp-*")) and not list((out / ".work" / "results").glob("*.running"))
    assert (out / "ogi.duckdb").exists()


def test_missing_input_folder_is_a_clear_error(tmp_path):
    p = subprocess.run([sys.executable, "-m", "ogi.cli", "batch", str(tmp_path / "nope"), "-o", str(tmp_path / "o")],
                       cwd=ROOT, capture_output=True, text=True)
    assert p.returncode == 1 and "no such file or directory" in p.stderr and "Traceback" not in p.stderr


@pytest.mark.parametrize("workers", [1, 2])
def test_generated_reports_in_batch_are_sound(tmp_path, workers):
    src = tmp_path / "src"
    _corpus_of(src, 30)
    out = tmp_path / "out"
    result = run_batch([src], out, workers=workers, progress=False)
    assert result.errors == 0 and result.reports == 30


def _pair(folder: Path, carried_over: int) -> None:
    """Two years of one agency; the later report's carried-over row is set to `carried_over`."""
    folder.mkdir()
    a = synth.generate(random.Random(41), "2021")
    b = synth.generate(random.Random(42), "2021")
    truth_b = dict(b.truth)
    # year 2 must start from year 1's carried-forward requests
    for col in ("natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org",
                "total"):
        delta = a.truth[f"t3.carried_forward.{col}"] - truth_b[f"t3.carried_over.{col}"]
        truth_b[f"t3.carried_over.{col}"] += delta
        truth_b[f"t3.new_received.{col}"] = max(0, truth_b[f"t3.new_received.{col}"] - delta)
    truth_b["t3.carried_over.natural_person"] += carried_over
    truth_b["t3.carried_over.total"] += carried_over
    from dataclasses import replace
    b = replace(b, truth=truth_b, agency=a.agency, year=a.year + 1)
    (folder / "y1.html").write_bytes(synth.render_html(a, "plain"))
    (folder / "y2.html").write_bytes(synth.render_html(b, "plain"))
    (folder / "y2-copy.html").write_bytes(synth.render_html(b, "plain"))


def test_cross_report_carry_checks_and_duplicates(tmp_path):
    _pair(tmp_path / "src", carried_over=3)
    out = tmp_path / "out"
    run_batch([tmp_path / "src"], out, workers=1, progress=False)
    checks = pd.read_parquet(out / "checks.parquet")
    carry = checks[checks.id.str.startswith("t3.carry.")]
    # the pairing is a guess when the later year appears twice: no carry check then, a duplicate issue instead
    assert carry.empty
    issues = pd.read_parquet(out / "issues.parquet")
    assert set(issues[issues.code == "duplicate_content"].path.str.rsplit("/", n=1).str[-1]) == {"y2.html",
                                                                                                "y2-copy.html"}
    (tmp_path / "src" / "y2-copy.html").unlink()
    run_batch([tmp_path / "src"], out, workers=1, progress=False)
    checks = pd.read_parquet(out / "checks.parquet")
    carry = checks[checks.id.str.startswith("t3.carry.")].set_index("id")
    assert carry.loc["t3.carry.natural_person", "ok"] == False  # noqa: E712
    assert carry.loc["t3.carry.natural_person", "cause"] == "source"
    assert carry.loc["t3.carry.natural_person", "lhs"] - carry.loc["t3.carry.natural_person", "rhs"] == 3
    assert carry.loc["t3.carry.commercial", "ok"] == True  # noqa: E712


def test_dask_engine_on_a_local_cluster(tmp_path):
    distributed = pytest.importorskip("distributed")
    src = tmp_path / "src"
    _corpus_of(src, 12)
    local = tmp_path / "local"
    run_batch([src], local, workers=1, progress=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        out = tmp_path / "dask"
        result = run_batch([src], out, engine="dask", scheduler=cluster.scheduler_address, progress=False)
    assert result.reports == 12
    a, b = _tables(local), _tables(out)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])


def _corrupt(folder: Path) -> int:
    """100 bad inputs of the kinds a crawl produces."""
    import io
    import zipfile

    folder.mkdir()
    rng = random.Random(7)
    n = 0

    def put(name: str, data: bytes) -> None:
        nonlocal n
        (folder / name).write_bytes(data)
        n += 1

    for i in range(20):
        put(f"empty{i}.txt", b"" if i % 2 else b" \n\t ")
    for i in range(25):
        put(f"random{i}.bin", bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 5000))))
    seed_pdf = b"%PDF-1.7\n1 0 obj <</Type /Catalog>> endobj\n"
    for i in range(20):
        put(f"truncated{i}.pdf", seed_pdf[: rng.randint(5, len(seed_pdf))])
    for i in range(15):
        put(f"notables{i}.html", f"<html><body><p>新闻 {i}</p><div>没有表格</div></body></html>".encode())
    for i in range(10):  # a DOCX zip bomb: a tiny zip announcing a huge entry
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("word/document.xml", b"<w:document>" + b"0" * 2_000_000 + b"</w:document>")
        put(f"bomb{i}.docx", buf.getvalue())
    for i in range(9):  # wrong extension: a text report named .pdf, an HTML page named .docx
        seed = (ROOT / "fixtures" / "seed" / "000_e121fe427aa0e29e.txt").read_bytes()
        put(f"wrong_ext{i}.pdf" if i % 2 else f"wrong_ext{i}.docx", seed if i % 3 else b"<html><table>")
    put("huge.txt", b"\xe4\xb8\x80" * (50 * 1024 * 1024 // 3))  # 50 MB of text
    return n


def test_corrupt_inputs_land_in_errors_or_failed_with_a_specific_message(tmp_path):
    src = tmp_path / "bad"
    n = _corrupt(src)
    assert n == 100
    out = tmp_path / "out"
    result = run_batch([src], out, workers=2, progress=False)
    assert result.inputs == 100
    reports = pd.read_parquet(out / "reports.parquet")
    errors = pd.read_parquet(out / "errors.parquet")
    assert len(reports) + len(errors) == 100
    for path, error in zip(errors.path, errors.error):
        name = path.rsplit("/", 1)[-1]
        assert error.startswith(path) and len(error) > len(path) + 10, (name, error)
    by_kind = {p.rsplit("/", 1)[-1]: e for p, e in zip(errors.path, errors.error)}
    assert "empty file" in by_kind["empty1.txt"] and "too large" in by_kind["huge.txt"]
    assert "PDF" in by_kind["truncated0.pdf"] and "DOCX" in by_kind["bomb0.docx"]
    # a report under a wrong extension is still read (the format is sniffed from the content)
    assert set(reports[reports.path.str.contains("wrong_ext")].status) <= {"inconsistent", "failed"}
    assert "inconsistent" in set(reports.status)


def test_a_parser_stuck_in_c_code_is_killed_and_recorded(tmp_path, monkeypatch):
    import ogi.runner

    src = tmp_path / "src"
    _corpus_of(src, 6)
    stuck = sorted(src.iterdir())[2].name
    monkeypatch.setenv("OGI_TEST_STALL_IN_C", stuck)
    monkeypatch.setattr(ogi.runner, "HARD_GRACE", 1.0)
    out = tmp_path / "out"
    start = time.time()
    result = run_batch([src], out, workers=2, timeout=1.0, progress=False)
    assert time.time() - start < 60
    errors = pd.read_parquet(out / "errors.parquet")
    assert list(errors.path.str.rsplit("/", n=1).str[-1]) == [stuck]
    assert "killed after" in errors.error[0] and errors.error[0].startswith(str(src / stuck))
    assert result.reports == 5


def test_tables_built_in_parallel_shards_equal_one_process(tmp_path, monkeypatch):
    import ogi.runner

    src = tmp_path / "src"
    _corpus_of(src, 45)
    (src / "bad.txt").write_bytes(b"")
    run_batch([src], tmp_path / "one", workers=1, progress=False)
    monkeypatch.setattr(ogi.runner, "SHARD_MIN", 10)
    run_batch([src], tmp_path / "four", workers=4, progress=False)
    a, b = _tables(tmp_path / "one"), _tables(tmp_path / "four")
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])
    raw_a = pd.read_parquet(tmp_path / "one" / "cells.parquet")
    raw_b = pd.read_parquet(tmp_path / "four" / "cells.parquet")
    pd.testing.assert_frame_equal(raw_a, raw_b)  # same order too, not only the same rows
    assert (tmp_path / "four" / "cells.csv").read_bytes().count(b"report_id") == 1
    con = duckdb.connect(str(tmp_path / "four" / "ogi.duckdb"), read_only=True)
    assert con.execute("select count(*) from cells").fetchone()[0] == len(raw_b)


def test_duckdb_short_of_memory_is_given_more_and_the_tables_are_complete(tmp_path, monkeypatch):
    import ogi.runner

    src = tmp_path / "src"
    _corpus_of(src, 12)
    run_batch([src], tmp_path / "plain", workers=1, progress=False)
    monkeypatch.setattr(ogi.runner, "DUCKDB_MEMORY", ("256KB", "1GB"))  # 256KB cannot hold one block
    run_batch([src], tmp_path / "tight", workers=1, progress=False, force=True)
    for out in ("plain", "tight"):
        con = duckdb.connect(str(tmp_path / out / "ogi.duckdb"), read_only=True)
        counts = [con.execute(f"select count(*) from {t}").fetchone()[0] for t in ("reports", "cells", "checks")]
        assert counts[1] == len(pd.read_parquet(tmp_path / out / "cells.parquet")) > 0
        con.close()
        if out == "plain":
            expected = counts
    assert counts == expected
    assert not list((tmp_path / "tight").glob(".tmp-*"))
    monkeypatch.setattr(ogi.runner, "DUCKDB_MEMORY", ("256KB",))
    with pytest.raises(duckdb.OutOfMemoryException):
        run_batch([src], tmp_path / "tight", workers=1, progress=False, force=True)


def test_python_api_batch_and_load(tmp_path):
    import ogi

    src = tmp_path / "in"
    src.mkdir()
    (src / "seed.txt").write_bytes(SEED.read_bytes())
    (src / "junk.txt").write_bytes(b"\x00\x01 not a report")
    result = ogi.batch(src, out=tmp_path / "out", workers=1, progress=False)
    assert (result.inputs, result.reports, result.errors) == (2, 1, 1)
    tables = ogi.load(tmp_path / "out")
    assert list(tables.reports["path"]) == [str(src / "seed.txt")] and list(tables.errors["path"]) == [str(src / "junk.txt")]
    cell = tables.cells.set_index("key").loc["t2.licensing.decisions"]
    assert (cell["value"], cell["status"]) == (15503, "read")
    assert int((tables.checks["ok"] == False).sum()) == result.failing_checks  # noqa: E712
    with pytest.raises(FileNotFoundError, match="not an `ogi batch` output folder"):
        ogi.load(tmp_path / "in")
