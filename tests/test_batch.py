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
from ogi.batch import discover, run_batch
from tests.conftest import CORPUS, ROOT


def _inputs() -> list[Path]:
    return [ROOT / "fixtures"] + ([CORPUS] if CORPUS.exists() else [])


def test_every_input_lands_once_in_reports_or_errors(tmp_path):
    out = tmp_path / "out"
    result = run_batch(_inputs(), out, workers=2, progress=False)
    files = {str(p) for p in discover(_inputs(), out)}
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
