"""Batch runs over folders: parallel, resumable, never losing a file; tidy long-format outputs.

Every input file ends up in `reports` or in `errors`, exactly once. Each file's result is kept under
`OUT/.work/` keyed by its content hash and the ogi version, written atomically, so a run killed at any
moment (even SIGKILL) resumes where it stopped and a rerun skips what is done (`force` redoes it). The
tables are rebuilt from those results at the end of every run, in a deterministic order, and each output
file is replaced atomically: a reader never sees a half-written table. One run at a time per OUT folder.
"""
from __future__ import annotations

import faulthandler
import hashlib
import json
import os
import shutil
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from extract.files import write_atomic
from ogi import __version__
from ogi.crosscheck import CARRY_ROWS, cross_checks

if TYPE_CHECKING:
    import pandas as pd

SKIPPED_SUFFIXES = (".json", ".tsv", ".parquet", ".duckdb", ".csv")  # data files, not reports
TABLES = ("reports", "cells", "checks", "issues", "errors")
DUCKDB_MEMORY = ("16MB", "1GB")  # copying the Parquet files into DuckDB needs little; more if it must
SHARD_MIN = 200  # inputs per process when the tables are built in parallel
HARD_GRACE = 10.0  # seconds past the time limit before a stuck worker process is ended
_POOL_WORKER = "OGI_BATCH_POOL_WORKER"
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
    marker = Path(work) / f"{target.stem}.running"
    if main and os.environ.get(_POOL_WORKER):
        # a parser stuck inside C code never returns to Python to see the soft limit: then this worker
        # process is ended from a watchdog thread, and the batch records the file as killed
        marker.write_text(path, encoding="utf-8")
        faulthandler.dump_traceback_later(timeout + HARD_GRACE, exit=True)
    try:
        if main:
            signal.setitimer(signal.ITIMER_REAL, timeout)
        _fault_injection(path)
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
            faulthandler.cancel_dump_traceback_later()
            marker.unlink(missing_ok=True)
    result["seconds"] = round(time.perf_counter() - start, 4)
    result["sha256"] = hashlib.sha256(data).hexdigest()
    result["path"] = path  # messages name it; another file with the same content gets its own name back
    return _store(target, result, path)


def _fault_injection(path: str) -> None:
    """Tests only: OGI_TEST_STALL_IN_C=<name> makes the file of that name hang inside C code."""
    name = os.environ.get("OGI_TEST_STALL_IN_C")
    if name and Path(path).name == name:
        import ctypes

        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})  # C code that never yields to Python
        ctypes.CDLL(None).sleep(3600)


def _pool_init() -> None:
    os.environ[_POOL_WORKER] = "1"


def _run_pool(todo: list[Path], work: Path, where: dict[Path, Path], n: int, timeout: float, bar) -> None:
    """A process pool; when a worker is ended by the hard limit, its file is recorded and the rest goes on."""
    while todo:
        try:
            with ProcessPoolExecutor(max_workers=n, initializer=_pool_init) as pool:
                futures = [pool.submit(process_one, str(p), str(work), timeout) for p in todo]
                for fut in as_completed(futures):
                    fut.result()
                    bar.update(1)
            return
        except BrokenProcessPool:
            for marker in work.glob("*.running"):
                path = marker.read_text(encoding="utf-8")
                _store(work / f"{marker.stem}.json",
                       {"error": f"{path}: killed after {timeout + HARD_GRACE:g} s (stuck beyond the time limit "
                                 "per file)", "sha256": marker.stem.split("-")[0], "path": path}, path)
                marker.unlink()
                bar.update(1)
            todo = [p for p in todo if not where[p].exists()]


def _store(target: Path, result: dict, path: str) -> tuple[str, bool]:
    write_atomic(target, json.dumps(result, ensure_ascii=False).encode("utf-8"))
    return path, False


def _result_path(path: Path, work: Path) -> Path:
    """Where the result of this input is (or will be) kept: by content hash and ogi version."""
    try:
        return work / f"{_key(path.read_bytes())}.json"
    except OSError:
        return work / f"unreadable-{hashlib.sha256(str(path).encode()).hexdigest()}.json"


def _remove(path: Path) -> None:
    """A leftover of a killed run: a file, or a folder (DuckDB spills into `<database>.tmp/`)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def run_batch(paths: list[Path], out: Path, *, workers: int | None = None, timeout: float = 120.0,
              force: bool = False, progress: bool | None = None, engine: str = "local",
              scheduler: str | None = None) -> BatchResult:
    """`engine="dask"` sends the same per-file work to the Dask scheduler at `scheduler` (its workers must
    see the input files and OUT); the time limit per file is then not enforced by ogi."""
    start = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    work = out / ".work" / "results"
    work.mkdir(parents=True, exist_ok=True)
    for stale in [*out.glob(".tmp-*"), *work.glob(".tmp-*"), *work.glob("*.running")]:  # from a killed run
        _remove(stale)
    inputs = discover(paths, out)
    where = {p: _result_path(p, work) for p in inputs}  # each input read and hashed once here
    todo = [p for p in inputs if force or not where[p].exists()]
    if force:
        for p in todo:
            where[p].unlink(missing_ok=True)
    bar = _progress(len(todo), progress)
    if todo and engine == "dask":
        _run_dask(todo, work, timeout, scheduler, bar)
    elif todo:
        _run_pool(todo, work, where, workers or os.cpu_count() or 1, timeout, bar)
    bar.close()
    # with Dask the cluster's worker processes stay up beside this one: the tables are built here alone
    written = write_all(inputs, where, out, 1 if engine == "dask" else workers or os.cpu_count() or 1)
    failing = _count_failing(out)
    return BatchResult(out=out, inputs=len(inputs), reports=written.rows["reports"], errors=written.rows["errors"],
                       done_before=len(inputs) - len(todo), by_status=written.by_status,
                       cells_by_status=written.cells_by_status, failing_checks=failing,
                       seconds=round(time.perf_counter() - start, 2))


def _count_failing(out: Path) -> int:
    import duckdb

    con = duckdb.connect(str(out / "ogi.duckdb"), read_only=True)
    try:
        return con.execute("select count(*) from checks where ok = false").fetchone()[0]
    finally:
        con.close()


def process_many(paths: list[str], work: str, timeout: float) -> list[tuple[str, bool]]:
    """`process_one` over a chunk of files: one Dask task per chunk, not per file (10,000 tiny tasks cost the
    scheduler more than the work)."""
    return [process_one(p, work, timeout) for p in paths]


DASK_CHUNKS_PER_THREAD = 4  # enough chunks to balance uneven files, few enough to keep scheduling cheap


def _run_dask(todo: list[Path], work: Path, timeout: float, scheduler: str | None, bar) -> None:
    from distributed import Client, as_completed as dask_completed

    if not scheduler:
        raise ValueError("--engine dask needs --scheduler ADDRESS (e.g. tcp://127.0.0.1:8786)")
    with Client(scheduler) as client:
        threads = max(1, sum(client.nthreads().values()))
        size = max(1, min(100, len(todo) // (threads * DASK_CHUNKS_PER_THREAD)))
        chunks = [[str(p) for p in todo[i:i + size]] for i in range(0, len(todo), size)]
        futures = client.map(process_many, chunks, work=str(work), timeout=timeout, pure=False)
        for fut in dask_completed(futures):
            bar.update(len(fut.result()))
        del futures
        client.run(release_memory)


def release_memory() -> None:
    """What a process keeps between files (text caches, freed heap) given back: by the Dask workers when
    their part of the batch is done, and by this process before DuckDB builds its file."""
    import ctypes
    import gc

    from normalize.text import clear_text_caches

    clear_text_caches()
    gc.collect()
    if "pyarrow" in sys.modules:  # Arrow's own allocator keeps freed buffers for reuse
        sys.modules["pyarrow"].default_memory_pool().release_unused()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def _progress(total: int, enabled: bool | None):
    from tqdm import tqdm

    on = sys.stderr.isatty() if enabled is None else enabled
    return tqdm(total=total, disable=not on or total == 0, unit="file", desc="ogi batch")


def collect(inputs: list[Path], where: dict[Path, Path], sinks: dict[str, "_Sink"]) -> dict:
    """Streams the five long tables, in input order, from the per-file results into `sinks`; returns what
    the summary and the cross-report checks need, which stays small: `reports` (a few columns of each
    report row) and `carry` (each report's carried-over/forward cells, see `cross_checks`)."""
    keep: dict = {"reports": [], "carry": {}, "cells_by_status": dict.fromkeys(CELL_STATUSES, 0)}
    for p in inputs:
        hit = where[p]
        if not hit.exists():
            sinks["errors"].add({"path": str(p), "sha256": None, "error": f"{p}: no result (not processed)"})
            continue
        text = hit.read_text(encoding="utf-8")
        res = json.loads(text)
        first = res.get("path")
        if first and first != str(p):  # the same content under another name: messages name this file
            quoted = [json.dumps(x, ensure_ascii=False)[1:-1] for x in (first, str(p))]
            res = json.loads(text.replace(*quoted))
        if "error" in res:
            sinks["errors"].add({"path": str(p), "sha256": res.get("sha256"), "error": res["error"]})
            continue
        doc, rid = res["report"], res["sha256"]
        counts = {s: 0 for s in CELL_STATUSES}
        carry = {}
        for c in doc["cells"]:
            counts[c["status"]] += 1
            at = c["at"]
            row = {"report_id": rid, "path": str(p), "key": c["key"], "value": c["value"], "unit": c["unit"],
                   "raw": c["raw"], "status": c["status"], "confidence": c["confidence"],
                   "alternatives": json.dumps(c["alternatives"]) if c["alternatives"] else "[]", "note": c["note"], "at_table": at["table"],
                   "at_row": at["row"], "at_col": at["col"], "at_page": at["page"], "at_line": at["line"],
                   "at_bbox": ",".join(map(str, at["bbox"])) if at.get("bbox") else None,
                   "at_ocr_confidence": at.get("ocr_confidence")}
            sinks["cells"].add(row)
            if c["key"].startswith(CARRY_ROWS):
                carry[c["key"]] = (c["value"], c["status"])
        for c in doc["checks"]:
            sinks["checks"].add({"report_id": rid, "path": str(p), **c})
        for i in doc["issues"]:
            sinks["issues"].add({"report_id": rid, "path": str(p), "code": i["code"], "severity": i["severity"],
                                 "message": i["message"], "keys": json.dumps(i["keys"], ensure_ascii=False)})
        rep = doc["report"]
        row = {"report_id": rid, "path": str(p), "sha256": rid, "format": doc["source"]["format"],
               "agency": rep["agency"], "year": rep["year"], "title": rep["title"],
               **{k: rep.get(k) for k in ("level", "published", "scope", "url")},
               **{k: (rep.get("region") or {}).get(k) for k in _REGION_COLUMNS},
               "templates": json.dumps(rep["templates"]), "status": doc["status"],
               **{f"cells_{s}": n for s, n in counts.items()}, "seconds": res.get("seconds")}
        sinks["reports"].add(row)
        keep["reports"].append({k: row[k] for k in _KEPT})  # only what the summary and cross-checks need
        for status, n in counts.items():
            keep["cells_by_status"][status] += n
        if carry and rep["agency"] and rep["year"]:
            keep["carry"][(rid, str(p))] = json.dumps(carry)  # one string, not 16 objects, per report
    return keep


_KEPT = ("report_id", "path", "sha256", "agency", "year", "status")


def _schemas():
    import pyarrow as pa

    text, i64, f64 = pa.string(), pa.int64(), pa.float64()
    types = {"year": i64, "seconds": f64, "value": f64, "confidence": f64, "at_table": i64, "at_row": i64,
             "at_col": i64, "at_page": i64, "at_line": i64, "at_ocr_confidence": f64, "ok": pa.bool_(), "lhs": f64, "rhs": f64,
             **{f"cells_{s}": i64 for s in CELL_STATUSES}}
    return {name: pa.schema([(c, types.get(c, text)) for c in cols]) for name, cols in _COLUMNS.items()}


_REGION_COLUMNS = ("province", "province_code", "city", "city_code", "county", "county_code")
_COLUMNS = {
    "reports": ["report_id", "path", "sha256", "format", "agency", "year", "title", "level", *_REGION_COLUMNS,
                "published", "scope", "url", "templates", "status",
                *[f"cells_{s}" for s in CELL_STATUSES], "seconds"],
    "cells": ["report_id", "path", "key", "value", "unit", "raw", "status", "confidence", "alternatives", "note",
              "at_table", "at_row", "at_col", "at_page", "at_line", "at_bbox", "at_ocr_confidence"],
    "checks": ["report_id", "path", "id", "ok", "lhs", "rhs", "cause", "detail"],
    "issues": ["report_id", "path", "code", "severity", "message", "keys"],
    "errors": ["path", "sha256", "error"],
}


class _Sink:
    """One long table written in chunks to a temporary Parquet and CSV file (the CSV with a UTF-8 BOM and
    a header only when `head` is set: shards written in parallel are joined after the head one)."""

    CHUNK = 5_000  # rows per Parquet row group; also what a table buffers before writing

    def __init__(self, name: str, out: Path, schema, tag: str = "", head: bool = True) -> None:
        import pyarrow.parquet as pq

        self.name, self.out, self.schema, self.count = name, out, schema, 0
        self.columns: dict[str, list] = {n: [] for n in schema.names}  # rows kept as columns: few objects
        self.pending = 0
        self.tmp_parquet = out / f".tmp-{tag}{name}.parquet"
        self.tmp_csv = out / f".tmp-{tag}{name}.csv"
        self.parquet = pq.ParquetWriter(self.tmp_parquet, schema)
        self.tmp_csv.write_bytes(b"\xef\xbb\xbf" if head else b"")  # BOM: Excel then reads Chinese right
        self.csv_header = head

    def add(self, row: dict) -> None:
        for name, column in self.columns.items():
            column.append(row.get(name))
        self.pending += 1
        if self.pending >= self.CHUNK:
            self.flush()

    def flush(self) -> None:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        table = pa.Table.from_pydict(self.columns, schema=self.schema)
        if table.num_rows or self.csv_header:
            self.parquet.write_table(table)
            with open(self.tmp_csv, "ab") as f:
                pacsv.write_csv(table, f, pacsv.WriteOptions(include_header=self.csv_header))
        self.csv_header = False
        self.count += self.pending
        self.columns, self.pending = {n: [] for n in self.schema.names}, 0

    def close(self) -> None:
        self.flush()
        self.parquet.close()

    def append(self, parquet: Path, csv: Path, count: int) -> None:
        """Adds a closed shard's rows (its two files) after this sink's own, in order, with bounded memory."""
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(parquet).iter_batches(batch_size=self.CHUNK):  # not 65,536 rows at once
            self.parquet.write_batch(batch)
        with open(self.tmp_csv, "ab") as dst, open(csv, "rb") as src:
            while block := src.read(1 << 20):
                dst.write(block)
        self.count += count
        parquet.unlink()
        csv.unlink()

    def publish(self) -> None:
        os.replace(self.tmp_parquet, self.out / f"{self.name}.parquet")
        os.replace(self.tmp_csv, self.out / f"{self.name}.csv")


def write_tables(tables: dict[str, list[dict]], out: Path) -> None:
    """Writes given rows (the columns of `_COLUMNS`) as the batch tables of `out`."""
    schemas = _schemas()
    sinks = {name: _Sink(name, out, schemas[name]) for name in TABLES}
    for name in TABLES:
        for row in tables.get(name, []):
            sinks[name].add(row)
    _publish(sinks, out)


def _publish(sinks: dict[str, _Sink], out: Path) -> None:
    import duckdb

    for sink in sinks.values():
        sink.close()
    tmp_db = out / ".tmp-ogi.duckdb"
    for limit in DUCKDB_MEMORY:
        tmp_db.unlink(missing_ok=True)
        con = duckdb.connect(str(tmp_db), config={"memory_limit": limit, "threads": 1,
                                                  "preserve_insertion_order": False})
        try:
            for name, sink in sinks.items():
                con.execute(f"create table {name} as select * from read_parquet(?)", [str(sink.tmp_parquet)])
            break
        except duckdb.OutOfMemoryException:
            if limit == DUCKDB_MEMORY[-1]:
                raise
        finally:
            con.close()
    for sink in sinks.values():
        sink.publish()
    os.replace(tmp_db, out / "ogi.duckdb")


def _write_shard(index: int, inputs: list[Path], where: dict[Path, Path], out: Path) -> tuple[dict, dict]:
    """Rows of a contiguous part of the inputs into shard files; returns the rows cross-checks need and,
    per table, (parquet file, csv file, row count)."""
    schemas = _schemas()
    sinks = {name: _Sink(name, out, schemas[name], tag=f"shard{index}-", head=False) for name in TABLES}
    keep = collect(inputs, where, sinks)
    for sink in sinks.values():
        sink.close()
    return keep, {name: (s.tmp_parquet, s.tmp_csv, s.count) for name, s in sinks.items()}


@dataclass(frozen=True)
class Written:
    """What `write_all` wrote: rows per table, reports by status, cells by status."""

    rows: dict[str, int]
    by_status: dict[str, int]
    cells_by_status: dict[str, int]


def write_all(inputs: list[Path], where: dict[Path, Path], out: Path, workers: int = 1) -> Written:
    """Parquet, CSV and one DuckDB file, built with bounded memory; each output replaced atomically.
    The rows are built by `workers` processes over contiguous shards of the inputs, joined in order."""
    schemas = _schemas()
    n = max(1, min(workers, len(inputs) // SHARD_MIN or 1))
    step = -(-len(inputs) // n) if inputs else 1
    shards = [inputs[i:i + step] for i in range(0, len(inputs), step)] or [[]]
    if len(shards) == 1:
        sinks = {name: _Sink(name, out, schemas[name]) for name in TABLES}
        keep = collect(shards[0], where, sinks)
    else:
        with ProcessPoolExecutor(max_workers=len(shards)) as pool:
            parts = [{p: where[p] for p in shard} for shard in shards]
            results = list(pool.map(_write_shard, range(len(shards)), shards, parts, [out] * len(shards)))
        sinks = {name: _Sink(name, out, schemas[name]) for name in TABLES}
        for name, sink in sinks.items():
            sink.flush()  # the header
            for _keep, files in results:
                sink.append(*files[name])
        keep = {"reports": [r for k, _ in results for r in k["reports"]],
                "carry": {key: cells for k, _ in results for key, cells in k["carry"].items()},
                "cells_by_status": {s: sum(k["cells_by_status"][s] for k, _ in results) for s in CELL_STATUSES}}
    extra: dict[str, list[dict]] = {"checks": [], "issues": []}
    cross_checks(keep["reports"], lambda rid, path: json.loads(keep["carry"].get((rid, path), "{}")),
                 extra["checks"], extra["issues"])
    for name, rows in extra.items():
        for row in rows:
            sinks[name].add(row)
    by_status: dict[str, int] = {}
    for r in keep["reports"]:
        by_status[r["status"]] = by_status.get(r["status"], 0) + 1
    cells_by_status = keep["cells_by_status"]
    keep.clear()
    release_memory()  # before DuckDB takes its share
    _publish(sinks, out)
    return Written({name: sinks[name].count for name in TABLES}, by_status, cells_by_status)


@dataclass(frozen=True)
class Tables:
    """The five long tables of a batch output folder as pandas DataFrames (`ogi.load(OUT)`)."""

    reports: pd.DataFrame
    cells: pd.DataFrame
    checks: pd.DataFrame
    issues: pd.DataFrame
    errors: pd.DataFrame


def load(out: str | Path) -> Tables:
    """`ogi.load(OUT)`: the tables an `ogi batch` run wrote to OUT, read from its Parquet files."""
    import pandas as pd

    out = Path(out)
    missing = [t for t in TABLES if not (out / f"{t}.parquet").is_file()]
    if missing:
        raise FileNotFoundError(f"{out}: not an `ogi batch` output folder (no {', '.join(f'{t}.parquet' for t in missing)})")
    return Tables(**{t: pd.read_parquet(out / f"{t}.parquet") for t in TABLES})


def batch(paths, out, **options) -> BatchResult:
    """`ogi.batch(paths, out=…)`: `run_batch` for a path or a list of paths; returns the run's summary."""
    paths = [paths] if isinstance(paths, (str, Path)) else list(paths)
    return run_batch([Path(p) for p in paths], Path(out), **options)
