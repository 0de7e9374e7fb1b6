"""Observed tables -> output cells with an honest status, and every identity checked."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from functools import lru_cache

from normalize.candidates import RowCandidates, row_candidates
from normalize.observe import TableObs
from normalize.repair import doubt_unchecked, repair
from normalize.solver import RowVar, Solution, solve
from normalize.templates import DERIVED_SUMS, T3_ORG_COLS, Identity, identities, template
from normalize.restated import narrow
from ogi.model import At, Cell, Check, Figure, Issue

_EPS = 1e-9


@dataclass(frozen=True)
class TableResult:
    table: str
    version: str
    cells: tuple[Cell, ...]
    checks: tuple[Check, ...]
    issues: tuple[Issue, ...]


def reconcile(obs: TableObs, known: dict[str, Figure] | None = None) -> TableResult:
    """`known`: exact values the report's prose gives for some cells (normalize/restated.py); they only
    narrow rows the source leaves ambiguous."""
    tpl = template(obs.table, obs.version)
    ident_version = "2019" if obs.other_as_one_row else obs.version
    idents = identities(obs.table, ident_version)
    issues: list[Issue] = []
    rcs: list[RowCandidates] = []
    for row in obs.rows:
        local = _row_identities(obs.table, obs.version, ident_version, row.key)
        rc = row_candidates(row, tpl, local, obs.repairable)
        if rc.problem or not rc.candidates:
            issues.append(Issue("row_unreadable", "warning",
                                f"{obs.table} row {row.key}: {rc.problem or 'no reading fits the template'}",
                                rc.cells))
            continue
        rc, narrowed = narrow(rc, known or {})
        if narrowed:
            issues.append(narrowed)
        rcs.append(rc)
    sol = solve([RowVar(rc.cells, tuple(c.values for c in rc.candidates), rc.weights) for rc in rcs], idents)
    if sol.exhausted:
        issues.append(Issue("reconstruction_too_large", "warning",
                            f"{obs.table}: too many possible placements to enumerate; cells left ambiguous"))
    cells: dict[str, Cell] = {}
    for i, rc in enumerate(rcs):
        for j, key in enumerate(rc.cells):
            cells[key] = _cell(rc, i, j, sol)
        if obs.table == "t3":
            cells[f"t3.{rc.row.key}.legal_entity_total"] = _derived_entity(rc, i, sol)
    _impute(cells, _impute_order(obs.table, ident_version))
    if obs.table == "t3" and obs.version == "2021" and not obs.other_as_one_row:
        for col in (*tpl.cols, None):
            ck = col.key if col else "legal_entity_total"
            cells[f"t3.other.{ck}"] = _derived_sum(f"t3.other.{ck}", [f"t3.{r}.{ck}" for r in DERIVED_SUMS["other"]],
                                                  cells)
    ordered = _in_template_order(obs, tpl, cells)
    seen: dict[str, int] = {}
    for slug, row in obs.extras:
        seen[slug] = seen.get(slug, 0) + 1
        if seen[slug] > 1:  # the same label again (a second report on the page): keys stay unique
            slug = f"{slug}~{seen[slug]}"
        for k, tok in enumerate(row.tokens):
            ordered.append(Cell(f"extra.{obs.table}.{slug}.{k + 1}", tok.parsed.value if tok.parsed.kind == "value"
                                else 0, "read" if tok.parsed.kind == "value" else "blank", tok.parsed.raw,
                                tok.parsed.unit, note=tok.parsed.note,
                                at=At(table=row.table_index, row=row.row_index, col=k, line=tok.cell.line,
                                      page=tok.cell.page, bbox=tok.cell.bbox,
                                      ocr_confidence=tok.cell.ocr_confidence)))
    final = {c.key: c for c in ordered}
    checks = tuple(_check(idn, final, sol, rcs) for idn in idents)
    if obs.repairable:
        fixed, more = repair(final, idents, list(checks), obs.table,
                             lambda cs: [_check(idn, cs, sol, rcs) for idn in idents])
        if more:
            _refresh_derived(final)
            ordered = [final[c.key] for c in ordered]
            checks = tuple(fixed)
            issues.extend(more)
        money = {f"{obs.table}.{r.key}.{c}" for r in tpl.rows for c in r.cols if tpl.col(c).money}
        signed = {f"{obs.table}.{r.key}.{c}" for r in tpl.rows for c in r.cols if tpl.col(c).signed}
        doubts = doubt_unchecked(final, idents, checks, money, obs.table, _ocr_others(rcs, sol), signed)
        if doubts:
            ordered = [final[c.key] for c in ordered]
            issues.extend(doubts)
    return TableResult(obs.table, obs.version, tuple(ordered), checks, tuple(issues))


def _ocr_others(rcs: list[RowCandidates], sol: Solution) -> dict[str, tuple[str, ...]]:
    """Per cell, the other texts the OCR could not rule out for the source cell it was read from."""
    out: dict[str, tuple[str, ...]] = {}
    for i, rc in enumerate(rcs):
        cand = rc.candidates[sol.map_choice[i]]
        for j, key in enumerate(rc.cells):
            src = cand.sources[j]
            tok = rc.row.tokens[src] if src is not None and src < len(rc.row.tokens) else None
            if tok is not None and tok.cell.ocr_alternatives:
                out[key] = tok.cell.ocr_alternatives
    return out


def _in_template_order(obs: TableObs, tpl, cells: dict[str, Cell]) -> list[Cell]:
    out: list[Cell] = []
    for row in tpl.rows:
        cols = list(row.cols) + (["legal_entity_total"] if obs.table == "t3" else [])
        for col in cols:
            key = f"{obs.table}.{row.key}.{col}"
            out.append(cells.get(key) or Cell(key, None, "missing"))
    return out


def _dist(rc: RowCandidates, i: int, sol: Solution, value_of) -> dict:
    dist: dict = defaultdict(float)
    for ci, cand in enumerate(rc.candidates):
        if sol.possible[i][ci]:
            dist[value_of(cand)] += sol.marginals[i][ci]
    return dist


def _uncertain(rc: RowCandidates, sol: Solution) -> bool:
    return sol.exhausted or rc.truncated or rc.row.placed


def _cell(rc: RowCandidates, i: int, j: int, sol: Solution) -> Cell:
    cand = rc.candidates[sol.map_choice[i]]
    src = cand.sources[j]
    tok = rc.row.tokens[src] if src is not None and src < len(rc.row.tokens) else None
    value = cand.values[j]
    if rc.positional:  # the source shows the column: a column index, and the value as read
        if tok is None:
            at = At(rc.row.table_index, rc.row.row_index, src, None, rc.row.line)
        else:
            cell = tok.cell
            at = At(rc.row.table_index, rc.row.row_index, src if cell.col is None else cell.col, cell.page,
                    cell.line, cell.bbox, cell.ocr_confidence)
        status = "inferred" if rc.row.placed else "blank" if value is None else "read"
        return Cell(rc.cells[j], 0 if value is None else value, status, cand.raws[j], cand.units[j], 1.0, (),
                    cand.notes[j], at)
    at = At(table=rc.row.table_index, row=rc.row.row_index, col=None,
            line=tok.cell.line if tok else rc.row.line, page=tok.cell.page if tok else None,
            bbox=tok.cell.bbox if tok else None, ocr_confidence=tok.cell.ocr_confidence if tok else None)
    base = dict(key=rc.cells[j], raw=cand.raws[j], unit=cand.units[j], note=cand.notes[j], at=at)
    dist = _dist(rc, i, sol, lambda c: c.values[j])
    if len(dist) == 1 and not _uncertain(rc, sol):
        status = "repaired" if cand.repaired and cand.repaired[j] else "blank" if value is None else "inferred"
        return Cell(value=0 if value is None else value, status=status, **base)
    return _ambiguous(base, value, dist)


def _ambiguous(base: dict, value, dist: dict) -> Cell:
    total = sum(dist.values()) or 1.0
    norm = lambda v: 0 if v is None else v  # noqa: E731
    merged: dict = defaultdict(float)
    for v, p in dist.items():
        merged[norm(v)] += p / total
    alts = tuple(v for v, _ in sorted(merged.items(), key=lambda kv: (-kv[1], kv[0])) if v != norm(value))
    conf = min(round(merged.get(norm(value), 0.0), 4), 0.9999)  # never 1.0 while alternatives exist
    return Cell(value=norm(value), status="ambiguous", confidence=conf,
                alternatives=alts, **base)


def _derived_entity(rc: RowCandidates, i: int, sol: Solution) -> Cell:
    idx = _org_indexes(rc.cols)
    value_of = lambda c: sum((c.values[k] or 0) for k in idx)  # noqa: E731
    value = value_of(rc.candidates[sol.map_choice[i]])
    base = dict(key=f"t3.{rc.row.key}.legal_entity_total", raw="",
                at=At(table=rc.row.table_index, row=rc.row.row_index, line=rc.row.line))
    if len(rc.candidates) == 1 and sol.possible[i][0]:  # one reading: the distribution has one value
        dist = {value: sol.marginals[i][0]}
    else:
        dist = _dist(rc, i, sol, value_of)
    if len(dist) == 1 and not _uncertain(rc, sol):
        return Cell(value=value, status="derived", **base)
    amb = _ambiguous(base, value, dist)
    return Cell(value=amb.value, status="derived", confidence=amb.confidence, alternatives=amb.alternatives, **base)


@lru_cache(maxsize=64)
def _org_indexes(cols: tuple[str, ...]) -> tuple[int, ...]:
    return tuple(cols.index(c) for c in T3_ORG_COLS)


def _derived_sum(key: str, parts: list[str], cells: dict[str, Cell]) -> Cell:
    ops = [cells.get(p) for p in parts]
    if any(c is None or c.value is None for c in ops):
        return Cell(key, None, "missing")
    conf = 1.0
    for c in ops:
        conf *= c.confidence
    return Cell(key, sum(c.value for c in ops), "derived", confidence=round(conf, 4))


def _refresh_derived(cells: dict[str, Cell]) -> None:
    """Derived cells again, after a repair changed one of their parts."""
    for key, cell in list(cells.items()):
        if cell.status != "derived" or not key.startswith("t3."):
            continue
        _, row, col = key.split(".")
        if col == "legal_entity_total":
            parts = [f"t3.{row}.{c}" for c in T3_ORG_COLS]
        elif row == "other":
            parts = [f"t3.{r}.{col}" for r in DERIVED_SUMS["other"]]
        else:
            continue
        if all(cells.get(k) is not None and cells[k].value is not None for k in parts):
            cells[key] = replace(cell, value=sum(cells[k].value for k in parts))


def _value(c: Cell | None):
    return None if c is None or c.status == "missing" else c.value


@lru_cache(maxsize=None)
def _row_identities(table: str, version: str, ident_version: str, row_key: str) -> tuple[Identity, ...]:
    """The identities within one template row (its 总计)."""
    cells = {f"{table}.{row_key}.{c}" for c in template(table, version).row(row_key).cols}
    return tuple(i for i in identities(table, ident_version) if set(i.cells) <= cells)


@lru_cache(maxsize=None)
def _impute_order(table: str, version: str) -> tuple[Identity, ...]:
    """Row-local identities first (a row's 总计), then the table-wide ones."""
    idents = identities(table, version)
    local = [i for i in idents if len({k.rsplit(".", 1)[0] for k in i.cells}) == 1]
    return (*local, *(i for i in idents if all(i is not j for j in local)))


def _impute(cells: dict[str, Cell], idents: tuple[Identity, ...]) -> None:
    """A blank total whose identity fixes it (components filled) becomes `imputed`; nothing else moves.
    `idents` in the order they are tried (`_impute_order`)."""
    for idn in idents:
        if len(idn.lhs) != 1:
            continue
        target = cells.get(idn.lhs[0])
        others = [cells.get(k) for k in idn.cells if k != idn.lhs[0]]
        if target is None or target.status != "blank" or any(_value(c) is None for c in others):
            continue
        need = -sum(coef * _value(cells[k]) for k, coef in idn.terms if k != idn.lhs[0])
        if need > 0 and all(c.status in ("read", "blank", "inferred") for c in others):
            cells[idn.lhs[0]] = Cell(target.key, need, "imputed", target.raw, target.unit, note=target.note,
                                     at=target.at)


def _fmt(v) -> str:
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def _check(idn: Identity, cells: dict[str, Cell], sol: Solution, rcs: list[RowCandidates]) -> Check:
    # checks speak of the report as published: an imputed cell counts as the blank the source printed
    vals = {}
    imputed = []
    for k in idn.cells:
        c = cells.get(k)
        if c is not None and c.status == "imputed":
            vals[k] = 0
            imputed.append(k)
        elif c is None or c.status == "missing" or c.value is None:
            return Check(idn.id, None, None, None, None, "an operand is missing")
        else:
            vals[k] = c.value
    lhs_terms = [vals[k] for k in idn.lhs]
    rhs_terms = [vals[k] for k, coef in idn.terms if k not in idn.lhs]
    lhs, rhs = sum(lhs_terms), sum(rhs_terms)
    ok = abs(lhs - rhs) < _EPS
    shown = rhs_terms if len(rhs_terms) <= 4 else ([v for v in rhs_terms if v] or [0])
    detail = f"{' + '.join(map(_fmt, lhs_terms))} {'=' if ok else '≠'} {' + '.join(map(_fmt, shown))}"
    if imputed:
        detail += "; left blank by the source, imputed " + ", ".join(f"{k} = {_fmt(cells[k].value)}" for k in imputed)
    cause = None
    if not ok:
        statuses = {cells[k].status for k in idn.cells}
        positional = statuses <= {"read", "blank", "imputed", "derived"}
        uncertain = any(_uncertain(rc, sol) for rc in rcs if set(rc.cells) & set(idn.cells))
        cause = "source" if positional or (idn.id in sol.violated_always and not uncertain) else "extraction"
    return Check(idn.id, ok, lhs, rhs, cause, detail)
