"""`ogi diff OUT_A OUT_B`: what changed between two batch runs, report by report, cell by cell.

A run is read from its tables (`reports`, `cells`, `checks`, `issues`, `errors` Parquet files; the
cross-report checks of the run included). Inputs of the two runs are paired by content hash (same sha256;
with the same path first where one content lies at several paths), then by path (the file changed), then
by the path below the folder all of a run's inputs lie in (the same tree read from another place); the
rest are added or removed. A pair is changed when its result differs (`ogi.compare.diff_reports`: cells,
checks, report status, issues; the input's content) or it went from error to report or back. Reports the
tables do not carry in full (encoding, script, page count, section texts) are not compared on those.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from ogi.compare import ReportDiff, diff_reports
from ogi.model import At, Cell, Check, Issue, Report, ReportInfo, Source

TABLES = ("reports", "cells", "checks", "issues", "errors")


@dataclass(frozen=True)
class RunEntry:
    """One input of a run: its report, or the error that kept it out of `reports`."""
    path: str
    sha256: str | None
    report: Report | None
    error: str | None = None

    @property
    def status(self) -> str:
        return self.report.status if self.report else "error"

    @property
    def portable_error(self) -> str | None:
        """The error message with the input's own path replaced (the same failure elsewhere is the same)."""
        return self.error.replace(self.path, "<file>") if self.error and self.path else self.error


@dataclass(frozen=True)
class EntryChange:
    before: RunEntry
    after: RunEntry
    diff: ReportDiff  # empty when either side is an error

    @property
    def path(self) -> str:
        return self.after.path


@dataclass(frozen=True)
class RunDiff:
    a: Path
    b: Path
    added: tuple[RunEntry, ...]
    removed: tuple[RunEntry, ...]
    changed: tuple[EntryChange, ...]
    unchanged: int

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def text(self) -> str:
        """Nothing at all when the runs agree; else one block per changed report, added, removed, a summary."""
        if not self:
            return ""
        out = []
        for c in self.changed:
            head = f"changed  {c.path}" + (f"  (was {c.before.path})" if c.before.path != c.after.path else "")
            if c.before.sha256 != c.after.sha256:
                head += f"  content {(c.before.sha256 or '?')[:12]} -> {(c.after.sha256 or '?')[:12]}"
            formats = [e.report.source.format if e.report else None for e in (c.before, c.after)]
            if None not in formats and formats[0] != formats[1]:
                head += f"  format {formats[0]} -> {formats[1]}"
            out.append(head)
            if c.before.status != c.after.status:
                out.append(f"  status: {c.before.status} -> {c.after.status}")
            for e in (c.before, c.after):
                if e.error:
                    out.append(f"  {'before' if e is c.before else 'after'}: {e.error}")
            out += ["  " + line for line in c.diff.lines(material_only=True)
                    if not line.startswith(("status:", "source:"))]  # both said above
        out += [f"added    {e.path}  [{e.status}]" for e in self.added]
        out += [f"removed  {e.path}  [{e.status}]" for e in self.removed]
        cells = sum(1 for c in self.changed for x in c.diff.cells if x.material)
        out.append(f"{len(self.changed)} changed ({cells} cells with a new value or status), {len(self.added)} added, "
                   f"{len(self.removed)} removed, {self.unchanged} unchanged")
        return "\n".join(out) + "\n"


def _rows(out: Path, name: str) -> list[dict]:
    import pyarrow.parquet as pq

    return pq.read_table(out / f"{name}.parquet").to_pylist()


def _n(x):
    """A number read back from a float column: int when whole (counts), else the float."""
    return int(x) if isinstance(x, float) and x.is_integer() else x


def _cell(r: dict) -> Cell:
    return Cell(r["key"], _n(r["value"]), r["status"], r["raw"] or "", r["unit"], r["confidence"],
                tuple(_n(a) for a in json.loads(r["alternatives"] or "[]")), r["note"],
                At(*(_n(r[f"at_{k}"]) for k in ("table", "row", "col", "page", "line"))))


def load_run(out: str | Path) -> tuple[RunEntry, ...]:
    """Every input of a batch output folder, in the order of its tables. Raises FileNotFoundError naming the
    folder when it holds no batch output."""
    out = Path(out)
    missing = [n for n in TABLES if not (out / f"{n}.parquet").is_file()]
    if missing:
        raise FileNotFoundError(f"{out}: not a batch output folder (no {', '.join(m + '.parquet' for m in missing)}; "
                                f"run `ogi batch … -o {out}` first)")
    group: dict[str, dict[str, list]] = {n: {} for n in ("cells", "checks", "issues")}
    for r in _rows(out, "cells"):
        group["cells"].setdefault(r["path"], []).append(_cell(r))
    for r in _rows(out, "checks"):
        group["checks"].setdefault(r["path"], []).append(
            Check(r["id"], r["ok"], _n(r["lhs"]), _n(r["rhs"]), r["cause"], r["detail"]))
    for r in _rows(out, "issues"):
        group["issues"].setdefault(r["path"], []).append(
            Issue(r["code"], r["severity"], r["message"], tuple(json.loads(r["keys"] or "[]"))))
    entries = []
    for r in _rows(out, "reports"):
        p = r["path"]
        report = Report(Source(p, r["sha256"], r["format"], None, None, ""),
                        ReportInfo(r["agency"], r["year"], r["title"],
                                   tuple(json.loads(r["templates"] or "{}").items())),
                        r["status"], tuple(group["cells"].get(p, ())), tuple(group["checks"].get(p, ())),
                        tuple(group["issues"].get(p, ())), ())
        entries.append(RunEntry(p, r["sha256"], report))
    entries += [RunEntry(r["path"], r["sha256"], None, r["error"]) for r in _rows(out, "errors")]
    return tuple(entries)


def _relative(entries: tuple[RunEntry, ...]) -> dict[int, str]:
    """Each entry's path below the folder all inputs of its run lie in (the same tree read from elsewhere)."""
    if not entries:
        return {}
    dirs = [os.path.dirname(os.path.abspath(e.path)) for e in entries]
    root = os.path.commonpath(dirs)
    return {id(e): os.path.relpath(os.path.abspath(e.path), root) for e in entries}


def pair(a: tuple[RunEntry, ...], b: tuple[RunEntry, ...]) -> tuple[list[tuple[RunEntry, RunEntry]], list, list]:
    """(pairs, added, removed): by content hash and path, by content hash, by path, then by the path below
    the run's common input folder."""
    ra, rb = _relative(a), _relative(b)
    rules = (lambda x, y: x.sha256 is not None and (x.sha256, x.path) == (y.sha256, y.path),
             lambda x, y: x.sha256 is not None and x.sha256 == y.sha256,
             lambda x, y: x.path == y.path,
             lambda x, y: ra[id(x)] == rb[id(y)])
    left, pairs, todo = list(a), [], list(b)
    for same in rules:
        rest = []
        for y in todo:
            x = next((x for x in left if same(x, y)), None)
            if x is None:
                rest.append(y)
            else:
                left.remove(x)
                pairs.append((x, y))
        todo = rest
    return pairs, todo, left


def diff_runs(a: str | Path, b: str | Path) -> RunDiff:
    """The changes from batch output folder `a` to `b` (see the module docstring)."""
    pairs, added, removed = pair(load_run(a), load_run(b))
    changed, same = [], 0
    for x, y in pairs:
        d = diff_reports(x.report, y.report) if x.report and y.report else ReportDiff()
        same_kind = (x.report is None) == (y.report is None)
        if d or not same_kind or x.portable_error != y.portable_error or x.sha256 != y.sha256:
            changed.append(EntryChange(x, y, d))
        else:
            same += 1
    changed.sort(key=lambda c: c.path)
    return RunDiff(Path(a), Path(b), tuple(sorted(added, key=lambda e: e.path)),
                   tuple(sorted(removed, key=lambda e: e.path)), tuple(changed), same)
