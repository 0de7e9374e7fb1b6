"""Batch runs over folders: parallel, resumable, never losing a file; tidy long-format outputs.

Every input file ends up in `reports` or in `errors`, exactly once. Each file's result is kept under
`OUT/.work/` keyed by its content hash and the ogi version, written atomically, so a run killed at any
moment (even SIGKILL) resumes where it stopped and a rerun skips what is done (`force` redoes it). The
tables are rebuilt from those results at the end of every run, in a deterministic order, and each output
file is replaced atomically: a reader never sees a half-written table. One run at a time per OUT folder.
"""
from __future__ import annotations

import hashlib
import json
import os
import signal
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from ogi import __version__
from ogi.crosscheck import cross_checks

SKIPPED_SUFFIXES = (".json", ".tsv", ".parquet", ".duckdb", ".csv")  # data files, not reports
TABLES = ("reports", "cells", "checks", "issues", "errors")
CELL_STATUSES = ("read", "blank", "inferred", "ambiguous", "repaired", "imputed", "derived", "missing")


@dataclass(frozen=True)
class BatchResult:
    out: Path
    inputs: int
    reports: int
    errors: int
    done_before: int  # results reused from an earlier run
    by_status: dict[str, int] = field(default_factory=dict)
    cells_by_status: dict[str, int] = field(default_factory=dict)
    failing_checks: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        parts = [f"{self.inputs} inputs: {self.reports} reports, {self.errors} errors "
                 f"({self.done_before} reused from an earlier run) in {self.seconds:.1f} s",
                 "reports by status: " + ", ".join(f"{k} {v}" for k, v in sorted(self.by_status.items())),
                 "cells by status: " + ", ".join(f"{k} {v}" for k, v in self.cells_by_status.items() if v),
                 f"failing checks: {self.failing_checks}", f"tables in {self.out}"]
        return "\n".join(parts) + "\n"


def discover(paths: list[Path], out: Path) -> list[Path]:
    """Every regular file below the given paths (recursively), hidden ones and the output folder excluded."""
    found: set[Path] = set()
    out = out.resolve()
    for p in paths:
        if p.is_file():
            found.add(p)
            continue
        if not p.is_dir():
            raise FileNotFoundError(f"{p}: no such file or directory")
        for root, dirs, files in os.walk(p):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and Path(root, d).resolve() != out)
            for name in files:
                if not name.startswith(".") and not name.endswith(SKIPPED_SUFFIXES):
                    found.add(Path(root, name))
    return sorted(found, key=lambda q: str(q))


def _key(data: bytes) -> str:
    return f"{hashlib.sha256(data).hexdigest()}-{__version__}"


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class _Timeout(Exception):
    pass


def _alarm(signum, frame):  # noqa: ARG001
    raise _Timeout


def process_one(path: str, work: str, timeout: float) -> tuple[str, bool]:
    """Extract one file into its result file under `work`; returns (path, reused)."""
    from ogi.api import ReadError, extract_bytes

    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return _store(Path(work) / f"unreadable-{hashlib.sha256(path.encode()).hexdigest()}.json",
                      {"error": f"{path}: cannot be read ({exc.strerror or exc})", "sha256": None}, path)
    target = Path(work) / f"{_key(data)}.json"
    if target.exists():
        return path, True
    start = time.perf_counter()
    main = threading.current_thread() is threading.main_thread()  # signals only there (Dask runs threads)
    old = signal.signal(signal.SIGALRM, _alarm) if main else None
    if main:
        signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        report = extract_bytes(data, path)
        result = {"report": report.to_dict()}
    except _Timeout:
        result = {"error": f"{path}: gave up after the {timeout:g} s time limit per file"}
    except ReadError as exc:
        result = {"error": str(exc)}
    except Exception as exc:  # noqa: BLE001 - a batch never stops for one bad file
        result = {"error": f"{path}: could not be processed ({type(exc).__name__}: {exc})"}
    finally:
        if main:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
    result["seconds"] = round(time.perf_counter() - start, 4)
    result["sha256"] = hashlib.sha256(data).hexdigest()
    return _store(target, result, path)


def _store(target: Path, result: dict, path: str) -> tuple[str, bool]:
    _write_atomic(target, json.dumps(result, ensure_ascii=False).encode("utf-8"))
    return path, False


def _result_file(path: Path, work: Path) -> Path | None:
    try:
        data = path.read_bytes()
    except OSError:
        hit = work / f"unreadable-{hashlib.sha256(str(path).encode()).hexdigest()}.json"
        return hit if hit.exists() else None
    hit = work / f"{_key(data)}.json"
    return hit if hit.exists() else None


def run_batch(paths: list[Path], out: Path, *, workers: int | None = None, timeout: float = 120.0,
              force: bool = False, progress: bool | None = None, engine: str = "local",
              scheduler: str | None = None) -> BatchResult:
    """`engine="dask"` sends the same per-file work to the Dask scheduler at `scheduler` (its workers must
    see the input files and OUT); the time limit per file is then not enforced by ogi."""
    start = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    work = out / ".work" / "results"
    work.mkdir(parents=True, exist_ok=True)
    for stale in [*out.glob(".tmp-*"), *work.glob(".tmp-*")]:  # left by a run that was killed
        stale.unlink(missing_ok=True)
    inputs = discover(paths, out)
    todo = [p for p in inputs if force or _result_file(p, work) is None]
    if force:
        for p in todo:
            hit = _result_file(p, work)
            if hit:
                hit.unlink()
    bar = _progress(len(todo), progress)
    if todo and engine == "dask":
        _run_dask(todo, work, timeout, scheduler, bar)
    elif todo:
        n = workers or os.cpu_count() or 1
        if n == 1:
            for p in todo:
                process_one(str(p), str(work), timeout)
                bar.update(1)
        else:
            with ProcessPoolExecutor(max_workers=n) as pool:
                futures = [pool.submit(process_one, str(p), str(work), timeout) for p in todo]
                for fut in as_completed(futures):
                    fut.result()
                    bar.update(1)
    bar.close()
    tables = collect(inputs, work)
    cross_checks(tables)
    write_tables(tables, out)
    reports = tables["reports"]
    cells_by_status = {s: sum(r[f"cells_{s}"] for r in reports) for s in CELL_STATUSES}
    by_status: dict[str, int] = {}
    for r in reports:
        by_status[r["status"]] = by_status.get(r["status"], 0) + 1
    return BatchResult(out=out, inputs=len(inputs), reports=len(reports), errors=len(tables["errors"]),
                       done_before=len(inputs) - len(todo), by_status=by_status, cells_by_status=cells_by_status,
                       failing_checks=sum(1 for c in tables["checks"] if c["ok"] is False),
                       seconds=round(time.perf_counter() - start, 2))


def _run_dask(todo: list[Path], work: Path, timeout: float, scheduler: str | None, bar) -> None:
    from distributed import Client, as_completed as dask_completed

    if not scheduler:
        raise ValueError("--engine dask needs --scheduler ADDRESS (e.g. tcp://127.0.0.1:8786)")
    with Client(scheduler) as client:
        futures = client.map(process_one, [str(p) for p in todo], work=str(work), timeout=timeout, pure=False)
        for fut in dask_completed(futures):
            fut.result()
            bar.update(1)


def _progress(total: int, enabled: bool | None):
    from tqdm import tqdm

    on = sys.stderr.isatty() if enabled is None else enabled
    return tqdm(total=total, disable=not on or total == 0, unit="file", desc="ogi batch")


def collect(inputs: list[Path], work: Path) -> dict[str, list[dict]]:
    """The five long tables, in input order, from the per-file results."""
    t: dict[str, list[dict]] = {name: [] for name in TABLES}
    for p in inputs:
        hit = _result_file(p, work)
        if hit is None:
            t["errors"].append({"path": str(p), "sha256": None, "error": f"{p}: no result (not processed)"})
            continue
        res = json.loads(hit.read_text(encoding="utf-8"))
        if "error" in res:
            t["errors"].append({"path": str(p), "sha256": res.get("sha256"), "error": res["error"]})
            continue
        doc, rid = res["report"], res["sha256"]
        counts = {s: 0 for s in CELL_STATUSES}
        for c in doc["cells"]:
            counts[c["status"]] += 1
            at = c["at"]
            t["cells"].append({"report_id": rid, "path": str(p), "key": c["key"], "value": c["value"],
                               "unit": c["unit"], "raw": c["raw"], "status": c["status"],
                               "confidence": c["confidence"], "alternatives": json.dumps(c["alternatives"]),
                               "note": c["note"], "at_table": at["table"], "at_row": at["row"],
                               "at_col": at["col"], "at_page": at["page"], "at_line": at["line"]})
        for c in doc["checks"]:
            t["checks"].append({"report_id": rid, "path": str(p), **c})
        for i in doc["issues"]:
            t["issues"].append({"report_id": rid, "path": str(p), "code": i["code"], "severity": i["severity"],
                                "message": i["message"], "keys": json.dumps(i["keys"], ensure_ascii=False)})
        rep = doc["report"]
        t["reports"].append({"report_id": rid, "path": str(p), "sha256": rid, "format": doc["source"]["format"],
                             "agency": rep["agency"], "year": rep["year"], "title": rep["title"],
                             "templates": json.dumps(rep["templates"]), "status": doc["status"],
                             **{f"cells_{s}": n for s, n in counts.items()}, "seconds": res.get("seconds")})
    return t


_SCHEMAS = {
    "reports": {"year": "Int64", "seconds": "float64"},
    "cells": {"value": "float64", "confidence": "float64", "at_table": "Int64", "at_row": "Int64",
              "at_col": "Int64", "at_page": "Int64", "at_line": "Int64"},
    "checks": {"ok": "boolean", "lhs": "float64", "rhs": "float64"},
}
_COLUMNS = {
    "reports": ["report_id", "path", "sha256", "format", "agency", "year", "title", "templates", "status",
                *[f"cells_{s}" for s in CELL_STATUSES], "seconds"],
    "cells": ["report_id", "path", "key", "value", "unit", "raw", "status", "confidence", "alternatives", "note",
              "at_table", "at_row", "at_col", "at_page", "at_line"],
    "checks": ["report_id", "path", "id", "ok", "lhs", "rhs", "cause", "detail"],
    "issues": ["report_id", "path", "code", "severity", "message", "keys"],
    "errors": ["path", "sha256", "error"],
}


def write_tables(tables: dict[str, list[dict]], out: Path) -> None:
    """Parquet, CSV (UTF-8 with BOM, for Excel) and one DuckDB file; each replaced atomically."""
    import duckdb
    import pandas as pd

    frames = {}
    for name in TABLES:
        df = pd.DataFrame(tables[name], columns=_COLUMNS[name])
        for col, dtype in _SCHEMAS.get(name, {}).items():
            df[col] = df[col].astype(dtype)
        frames[name] = df
        for suffix, writer in ((".parquet", lambda d, f: d.to_parquet(f, index=False)),
                               (".csv", lambda d, f: d.to_csv(f, index=False, encoding="utf-8-sig"))):
            fd, tmp = tempfile.mkstemp(dir=out, prefix=".tmp-", suffix=suffix)
            os.close(fd)
            writer(df, tmp)
            os.replace(tmp, out / f"{name}{suffix}")
    fd, tmp = tempfile.mkstemp(dir=out, prefix=".tmp-", suffix=".duckdb")
    os.close(fd)
    os.unlink(tmp)
    con = duckdb.connect(tmp)
    try:
        for name, df in frames.items():
            con.register("frame", df)
            con.execute(f"create table {name} as select * from frame")
            con.unregister("frame")
    finally:
        con.close()
    os.replace(tmp, out / "ogi.duckdb")
