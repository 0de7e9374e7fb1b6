"""The one comparison of results that `ogi verify`, `ogi diff` and the golden tests share.

`diff_reports(a, b)` compares two typed Reports field by field: every cell (by key), every check (by id),
and the other parts of the document (source, report, status, issues, text sections). Where a file lies is
not part of its result: `source.path` is left out, and each report's own path inside issue messages is
replaced by `<file>` before comparing. `diff_cells(..., values_only=True)` is the rule for hand-checked
expected values (see `ogi/expected.py`): only the expected keys, only the value, and a cell that is
`ambiguous` or `missing` where a value was expected is a difference even when its best value agrees.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields

from ogi.model import Cell, Check, Report

CELL_FIELDS = tuple(f.name for f in fields(Cell) if f.name != "key")
CHECK_RESULT = ("ok", "lhs", "rhs", "cause")  # a check's result; `detail` only spells these out
UNSURE = ("ambiguous", "missing")  # where a value was expected, these never count as a match


@dataclass(frozen=True)
class CellChange:
    key: str
    before: Cell | None  # the expected (verify) or earlier (diff) cell; None: no such cell
    after: Cell | None
    fields: tuple[str, ...]  # the Cell fields that differ; ("cell",) when one side has no such cell

    @property
    def material(self) -> bool:
        """The value or the status changed (or the cell came or went), not only raw text or provenance."""
        return bool({"cell", "value", "status"} & set(self.fields))

    @property
    def reason(self) -> str:
        if self.after is None:
            return "not in the output"
        if self.before is None:
            return "new cell"
        if self.after.status == "missing":
            return "missing: the cell was not found in the source"
        if self.after.status == "ambiguous" and "status" in self.fields:
            alts = ", ".join(_num(a) for a in self.after.alternatives[:6]) or "none"
            alts += " …" if len(self.after.alternatives) > 6 else ""
            return f"ambiguous: several placements fit the source (alternatives {alts})"
        return "differs in " + ", ".join(self.fields)


@dataclass(frozen=True)
class CheckChange:
    id: str
    before: Check | None
    after: Check | None
    fields: tuple[str, ...]

    @property
    def material(self) -> bool:
        return bool({"check", *CHECK_RESULT} & set(self.fields))


@dataclass(frozen=True)
class PartChange:
    part: str  # source | report | status | issues | sections | template
    before: str  # the part as compact JSON
    after: str


@dataclass(frozen=True)
class ReportDiff:
    cells: tuple[CellChange, ...] = ()
    checks: tuple[CheckChange, ...] = ()
    parts: tuple[PartChange, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.cells or self.checks or self.parts)

    def lines(self, *, material_only: bool = False, limit: int = 200) -> list[str]:
        """Readable lines, one per change (`material_only`: value/status and check results only, with a count
        of the cells and checks that changed in other fields)."""
        out = [_issue_codes(p) if material_only and p.part == "issues" else f"{p.part}: {_cut(p.before)} -> "
               f"{_cut(p.after)}" for p in self.parts]
        cells = [c for c in self.cells if c.material or not material_only]
        out += [f"{c.key}: {cell_text(c.before)} -> {cell_text(c.after)}"
                + ("" if c.fields == ("cell",) or set(c.fields) <= {"value", "status"} else f"  ({c.reason})")
                for c in cells]
        checks = [c for c in self.checks if c.material or not material_only]
        out += [f"check {c.id}: {check_text(c.before)} -> {check_text(c.after)}" for c in checks]
        minor = (len(self.cells) - len(cells), len(self.checks) - len(checks))
        if any(minor):
            out.append(f"({minor[0]} cells and {minor[1]} checks changed only in raw text, provenance, "
                       "confidence or detail)")
        return out[:limit] + ([f"… {len(out) - limit} more"] if len(out) > limit else [])


def _issue_codes(p: PartChange) -> str:
    """The issues that came and went, by code (their messages are in the full view)."""
    before = [i["code"] for i in json.loads(p.before)]
    after = [i["code"] for i in json.loads(p.after)]
    gone = [c for c in before if c not in after or before.count(c) > after.count(c)]
    new = [c for c in after if c not in before or after.count(c) > before.count(c)]
    return "issues: " + (", ".join([*(f"+{c}" for c in dict.fromkeys(new)), *(f"-{c}" for c in dict.fromkeys(gone))])
                         or "same codes, other messages")


def _num(v) -> str:
    if v is None:
        return "—"
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def _cut(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit] + f"… (+{len(text) - limit} chars)"


def cell_text(c: Cell | None) -> str:
    return "(none)" if c is None else f"{_num(c.value)}{c.unit or ''} [{c.status}]"


def check_text(c: Check | None) -> str:
    if c is None:
        return "(none)"
    return {True: "ok", False: f"failing, cause {c.cause}", None: "not assessable"}[c.ok] + f" ({c.detail})"


def _by_id(items, ident) -> dict[str, object]:
    """Items by identifier, a repeated identifier numbered (`id#2`) so that nothing is dropped."""
    out: dict[str, object] = {}
    for x in items:
        k = ident(x)
        n = 1
        while (k if n == 1 else f"{k}#{n}") in out:
            n += 1
        out[k if n == 1 else f"{k}#{n}"] = x
    return out


def _changed(a, b, names: Sequence[str]) -> tuple[str, ...]:
    return tuple(n for n in names if getattr(a, n) != getattr(b, n))


def diff_cells(before: Sequence[Cell], after: Sequence[Cell], *, values_only: bool = False) -> tuple[CellChange, ...]:
    a, b = _by_id(before, lambda c: c.key), _by_id(after, lambda c: c.key)
    keys = list(a) if values_only else list(a) + [k for k in b if k not in a]
    out = []
    for k in keys:
        x, y = a.get(k), b.get(k)
        if x is None or y is None:
            out.append(CellChange(k, x, y, ("cell",)))
            continue
        if values_only:
            if x.status == "blank" and y.status == "imputed":  # blank in the source, filled by the identities
                continue
            diff = (("value",) if x.value != y.value else ()) + (("status",) if y.status in UNSURE else ())
        else:
            diff = _changed(x, y, CELL_FIELDS)
        if diff:
            out.append(CellChange(k, x, y, diff))
    return tuple(out)


def diff_checks(before: Sequence[Check], after: Sequence[Check]) -> tuple[CheckChange, ...]:
    a, b = _by_id(before, lambda c: c.id), _by_id(after, lambda c: c.id)
    out = []
    for k in list(a) + [k for k in b if k not in a]:
        x, y = a.get(k), b.get(k)
        diff = ("check",) if x is None or y is None else _changed(x, y, (*CHECK_RESULT, "detail"))
        if diff:
            out.append(CheckChange(k, x, y, diff))
    return tuple(out)


def _parts(r: Report) -> dict[str, object]:
    source = {k: v for k, v in asdict(r.source).items() if k != "path"}
    own = json.dumps(r.source.path, ensure_ascii=False)[1:-1]
    issues = json.dumps([i.to_dict() for i in r.issues], ensure_ascii=False)
    return {"source": source, "report": asdict(r.report), "status": r.status,
            "issues": json.loads(issues.replace(own, "<file>") if own else issues), "sections": dict(r.sections)}


def diff_parts(a: Report, b: Report) -> tuple[PartChange, ...]:
    pa, pb = _parts(a), _parts(b)
    return tuple(PartChange(k, json.dumps(pa[k], ensure_ascii=False), json.dumps(pb[k], ensure_ascii=False))
                 for k in pa if pa[k] != pb[k])


def diff_reports(a: Report, b: Report) -> ReportDiff:
    """Every difference between two results of the same report (all fields; see the module docstring)."""
    return ReportDiff(diff_cells(a.cells, b.cells), diff_checks(a.checks, b.checks), diff_parts(a, b))
