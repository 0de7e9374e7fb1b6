"""Narrative figures that restate table cells: as evidence for the reconstruction (an exact figure keeps
only the readings of an ambiguous row that agree with it) and as checks `narrative.<key>` (cause `source`
when prose and table disagree; a disagreement of scope — the prose counting one office, the table the
whole region — said as such)."""
from __future__ import annotations

import re
from dataclasses import replace

from normalize.candidates import RowCandidates
from ogi.model import Cell, Check, Figure, Issue

_REGION = re.compile(r"全(区|市|县|省|州|旗)|各级|各部门|本行政区域")
_AGENCY = re.compile(r"本机关|本级|我局|我委|我办|本单位|办公室|[（(]办公室[）)]|政府办")


def known_values(figs: tuple[Figure, ...]) -> dict[str, Figure]:
    """Exact figures (no 余/多/近) restating one cell, by cell key (either key of a `a|b` pair); first wins."""
    out: dict[str, Figure] = {}
    for f in figs:
        if f.key and f.approx is None and "+" not in f.key:  # a sum or a choice of sums narrows nothing
            for k in f.key.split("|"):
                out.setdefault(k, f)
    return out


def narrow(rc: RowCandidates, known: dict[str, Figure]) -> tuple[RowCandidates, Issue | None]:
    """The row's readings that agree with the known values, when the source leaves the row ambiguous and
    some (not all, not none) readings agree; else the row as it was."""
    hits = [(j, known[k]) for j, k in enumerate(rc.cells) if k in known]
    if not hits or rc.positional or len(rc.candidates) < 2:
        return rc, None
    keep = [i for i, c in enumerate(rc.candidates) if all((c.values[j] or 0) == f.value for j, f in hits)]
    if not keep or len(keep) == len(rc.candidates):
        return rc, None
    narrowed = replace(rc, candidates=tuple(rc.candidates[i] for i in keep),
                       weights=tuple(rc.weights[i] for i in keep))
    said = "; ".join(f"{rc.cells[j]} = {f.value} by 「{f.text}」 (section {f.section})" for j, f in hits)
    return narrowed, Issue("narrowed_by_narrative", "info",
                           f"{len(rc.candidates)} readings of the row → {len(keep)}: {said}",
                           tuple(rc.cells[j] for j, _ in hits))


def narrative_checks(figs: tuple[Figure, ...], cells: dict[str, Cell],
                     scope: str | None) -> tuple[list[Check], list[Issue]]:
    checks, issues, seen = [], [], set()
    for f in figs:
        if not f.key:
            continue
        alts = [a.split("+") for a in f.key.split("|")
                if all(k in cells and cells[k].value is not None for k in a.split("+"))]
        cid = f"narrative.{alts[0][0] if len(alts) > 1 else '+'.join(alts[0])}" if alts else ""
        if not alts or cid in seen:  # the first figure restating a cell is its check
            continue
        seen.add(cid)
        keys = next((a for a in alts if _agrees(f, sum(cells[k].value for k in a))), alts[0])
        table = sum(cells[k].value for k in keys)
        ok = _agrees(f, table)
        where = f"「{f.text}」 (section {f.section})"
        detail = f"{where} {'agrees with' if ok else 'says'} {_fmt(f)}; the table {' + '.join(keys)} = {table}"
        cause = None
        if not ok:
            cause = "source"
            kind = _scope_of(f.sentence, f.value, table, scope)
            if kind:
                detail += f"; {kind}"
            issues.append(Issue("narrative_scope_differs" if kind else "narrative_disagrees",
                                "info" if kind else "warning",
                                f"the prose and the table disagree: {detail}", tuple(keys)))
        checks.append(Check(cid, ok, f.value, table, cause, detail))
    return checks, issues


def _fmt(f: Figure) -> str:
    return f"{f.value}{f.approx or ''}{f.unit}" if f.approx in ("余", "多") else f"{f.approx or ''}{f.value}{f.unit}"


def _agrees(f: Figure, table: int | float) -> bool:
    v = int(f.value)
    step = 10 ** max(1, len(str(v)) - len(str(v).rstrip("0"))) if v else 10
    if f.approx in ("余", "多", "超", "超过", "逾"):
        return v <= table < v + step
    if f.approx == "近":
        return v - step < table <= v
    if f.approx == "约":
        return abs(table - v) < step
    return abs(table - f.value) < 1e-9


def _scope_of(sentence: str, said, table, report_scope: str | None) -> str | None:
    """Why prose and table may count different things: the sentence speaks of one office while the table
    (or the report) covers the region, or the reverse."""
    if _AGENCY.search(sentence) and not _REGION.search(sentence) and (said < table or report_scope == "region"):
        return "scope: the prose counts this office only, the table the whole area (neither is an error)"
    if _REGION.search(sentence) and (said > table or report_scope == "agency"):
        return "scope: the prose counts the whole area, the table this office only (neither is an error)"
    return None
