"""Candidates for one template row: every way the source's tokens can fill the row's cells.

- `read`: positions known -> one candidate.
- `ordered`: k values in order, empty cells dropped -> each increasing placement of the k values into the
  row's n cells (C(n, k) of them).
- `glued`: one digit run holds all n numbers -> each split into n numbers (no leading zeros; a space is a
  boundary; signs only in signed columns, decimals only in money columns).

Row-local identities (a row's total, a t4 group's total) come first: only the candidates that violate the
fewest of them are kept. A total printed beside its own components is rarely wrong in published reports,
while column sums across many rows are where their errors concentrate, so the objective is lexicographic:
fewest row-local violations, then (in the solver) fewest table-wide violations. Enumeration is bounded;
a row whose enumeration hit the bound is marked `truncated` and never yields a certain cell.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

from normalize import prior
from normalize.observe import RowObs
from normalize.templates import Identity, TableTemplate
from normalize.text import register_cache

MAX_CANDIDATES = 20_000


@dataclass(frozen=True)
class Candidate:
    values: tuple[int | float | None, ...]  # None: the cell is empty in this candidate
    sources: tuple[int | None, ...]  # index of the token each cell came from (glued: the run token, 0)
    raws: tuple[str, ...]  # the cell's text in this candidate ("" when empty)
    units: tuple[str | None, ...]
    notes: tuple[str | None, ...]
    repaired: tuple[bool, ...] = ()  # per cell: the value is a repair (two cells merged back, one split)


REPAIR_WEIGHT = 0.01  # a repaired reading is far less likely a priori than one the source shows as it is


@dataclass(frozen=True)
class RowCandidates:
    row: RowObs
    cells: tuple[str, ...]  # full keys table.row.col
    cols: tuple[str, ...]
    candidates: tuple[Candidate, ...]
    weights: tuple[float, ...]
    truncated: bool = False
    problem: str | None = None
    positional: bool = False  # the source shows which cell each value sits in


def row_candidates(obs: RowObs, tpl: TableTemplate, local: tuple[Identity, ...],
                   repairable: bool = False) -> RowCandidates:
    cols = tpl.row(obs.key).cols
    cells = _row_cells(tpl.table, obs.key, cols)
    n, toks = len(cols), obs.tokens
    truncated, problem = False, None
    if obs.layout == "glued":
        cands, truncated = _glued(toks[0].cell.text if toks else "", tpl, cols, cells, local)
    elif len(toks) == n:
        cands = [_from_tokens(obs, list(range(n)))]
    elif len(toks) < n:
        cands = _placements(obs, n, cells, local) + (_splits(obs, n) if repairable and len(toks) == n - 1 else [])
    elif obs.layout == "read":  # a stray column: which empty cells to leave out is decided by the identities
        cands = _drop_blanks(obs, n) + (_merged(obs, n) if repairable and len(toks) == n + 1 else [])
        problem = None if cands else f"{len(toks)} values for {n} cells"
    else:
        cands, problem = [], f"{len(toks)} values for {n} cells"
    cands = _keep_best(cands, cells, local)
    positional = obs.layout in ("read", "ordered") and (len(toks) == n or (obs.layout == "read" and len(toks) > n
                                                                         and len(cands) == 1
                                                                         and not cands[0].repaired))
    weights = tuple(_weight(c, tpl.table, obs.key, cols, "read" if positional else obs.layout)
                    * (REPAIR_WEIGHT if any(c.repaired) else 1.0) for c in cands)
    return RowCandidates(obs, cells, cols, tuple(cands), weights, truncated, problem, positional)


@lru_cache(maxsize=4096)
def _row_cells(table: str, row: str, cols: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f"{table}.{row}.{c}" for c in cols)


def _drop_blanks(obs: RowObs, n: int) -> list[Candidate]:
    blanks = [i for i, t in enumerate(obs.tokens) if t.parsed.kind == "blank"]
    extra = len(obs.tokens) - n
    if len(blanks) < extra or len(blanks) > 24:
        return []
    out = []
    for dropped in combinations(blanks, extra):
        keep = [i for i in range(len(obs.tokens)) if i not in dropped]
        out.append(_from_tokens(obs, keep))
    return out


def _merged(obs: RowObs, n: int) -> list[Candidate]:
    """One number read as two cells (`20` as `2` | `0`): each adjacent pair of integers joined back."""
    out = []
    toks = obs.tokens
    for i in range(len(toks) - 1):
        a, b = toks[i].parsed, toks[i + 1].parsed
        left, right = a.raw.replace(" ", ""), b.raw.replace(" ", "")
        if a.kind != "value" or b.kind != "value" or not (left.isdigit() and right.isdigit()) or left[0] == "0":
            continue
        base = _from_tokens(obs, [k if k <= i else k + 1 for k in range(n)])
        vals, raws = list(base.values), list(base.raws)
        vals[i], raws[i] = int(left + right), f"{a.raw} | {b.raw}"
        out.append(Candidate(tuple(vals), base.sources, tuple(raws), base.units, base.notes,
                             tuple(k == i for k in range(n))))
    return out


def _splits(obs: RowObs, n: int) -> list[Candidate]:
    """Two cells read as one number (`2` | `0` as `20`): each number of two or more digits cut in two."""
    out = []
    toks = obs.tokens
    for i, tok in enumerate(toks):
        p = tok.parsed
        if p.kind != "value" or not isinstance(p.value, int) or p.value < 10:
            continue
        digits = str(p.value)
        for cut in range(1, len(digits)):
            left, right = digits[:cut], digits[cut:]
            if len(right) > 1 and right[0] == "0":
                continue
            base = _from_tokens(obs, [k if k <= i else k - 1 for k in range(n)])
            vals, raws = list(base.values), list(base.raws)
            vals[i], vals[i + 1] = int(left), int(right)
            raws[i] = raws[i + 1] = p.raw
            out.append(Candidate(tuple(vals), base.sources, tuple(raws), base.units, base.notes,
                                 tuple(k in (i, i + 1) for k in range(n))))
    return out


def _placements(obs: RowObs, n: int, cells, local) -> list[Candidate]:
    """Each order-preserving placement of the row's k values into its n cells; only the best by local cost
    become candidates."""
    vals = tuple(t.parsed.value if t.parsed.kind == "value" else None for t in obs.tokens)
    signature = tuple((w, tuple(ts)) for w, ts in _local_terms(cells, local))
    return [_from_tokens(obs, _positions(n, combo)) for combo in _best_combos(vals, n, signature)]


@lru_cache(maxsize=16384)
def _best_combos(vals: tuple, n: int, terms: tuple) -> tuple[tuple[int, ...], ...]:
    """The placements (columns of each value) with the fewest row-local violations. Cached: the same small
    rows (`2 | 2`, `1 | 1`) recur across reports."""
    combos = list(combinations(range(n), len(vals)))
    if not terms:
        return tuple(combos)
    costs = []
    for combo in combos:
        vec: list = [None] * n
        for v, col in zip(vals, combo):
            vec[col] = v
        costs.append(_cost(vec, terms))
    best = min(costs)
    return tuple(c for c, k in zip(combos, costs) if k == best)


def _positions(n: int, combo: tuple[int, ...]) -> list[int | None]:
    pos: list[int | None] = [None] * n
    for tok_idx, col in enumerate(combo):
        pos[col] = tok_idx
    return pos


def _from_tokens(obs: RowObs, sources: list[int | None]) -> Candidate:
    vals, raws, units, notes = [], [], [], []
    for s in sources:
        p = obs.tokens[s].parsed if s is not None else None
        vals.append(None if p is None or p.kind != "value" else p.value)
        raws.append(p.raw if p is not None else "")
        units.append(p.unit if p is not None else None)
        notes.append(p.note if p is not None else None)
    return Candidate(tuple(vals), tuple(sources), tuple(raws), tuple(units), tuple(notes))


def local_cost(values: tuple, cells: tuple[str, ...], local: tuple[Identity, ...]) -> int:
    return _cost(values, _local_terms(cells, local))


def _local_terms(cells: tuple[str, ...], local: tuple[Identity, ...]) -> list[tuple[int, list[tuple[int, int]]]]:
    hit = _TERMS.get((cells, id(local)))
    if hit is not None and hit[0] is local:  # the same tuple of identities (kept alive by the entry)
        return hit[1]
    idx = {c: i for i, c in enumerate(cells)}
    terms = [(idn.weight, [(idx[c], coef) for c, coef in idn.terms]) for idn in local]
    if len(_TERMS) > 4096:
        _TERMS.clear()
    _TERMS[cells, id(local)] = (local, terms)
    return terms


_TERMS: dict[tuple[tuple[str, ...], int], tuple[tuple[Identity, ...], list]] = {}
register_cache(_TERMS.clear)


def _cost(values, terms) -> int:
    cost = 0
    for weight, ts in terms:
        total = 0
        for i, coef in ts:
            v = values[i]
            if v:
                total += coef * v
        if abs(total) > 1e-9:
            cost += weight
    return cost


def _keep_best(cands: list[Candidate], cells, local) -> list[Candidate]:
    if not local or len(cands) < 2:
        return cands
    terms = _local_terms(cells, local)
    costs = [_cost(c.values, terms) for c in cands]
    best = min(costs)
    return [c for c, k in zip(cands, costs) if k == best]


def _weight(c: Candidate, table: str, row: str, cols: tuple[str, ...], layout: str) -> float:
    if layout == "read":
        return 1.0
    w = 1.0
    for col, v in zip(cols, c.values):
        p = prior.p_nonzero(f"{table}.{row}.{col}")
        if v:
            w *= p * (prior.digits_weight(table, col, v) if layout == "glued" else 1.0)
        else:
            w *= 1.0 - p
    return w


_UNIT = re.compile(r"(万元|元)\s*$")


def _glued(run: str, tpl: TableTemplate, cols: tuple[str, ...], cells, local) -> tuple[list[Candidate], bool]:
    """Every split of the run into len(cols) numbers, pruned by row-local identities as cells complete."""
    unit = None
    m = _UNIT.search(run)
    if m:
        unit, run = m.group(1), run[: m.start()]
    segments = [s for s in run.replace(",", "").split() if s]
    text = " ".join(segments)
    specs = [tpl.col(c) for c in cols]
    idx = {c: i for i, c in enumerate(cells)}
    checks: dict[int, list[Identity]] = {}
    for idn in local:
        checks.setdefault(max(idx[c] for c in idn.cells), []).append(idn)
    out: list[tuple[list[str], int]] = []
    truncated = False
    n = len(cols)

    def numbers_at(pos: int, spec) -> list[str]:
        if pos >= len(text) or text[pos] == " ":
            return []
        m = re.compile(r"[+-]?\d+(?:\.\d+)?" if (spec.signed or spec.money) else r"\d+").match(text, pos)
        if not m:
            return []
        full = m.group(0)
        out_nums = []
        sign = full[0] if full[0] in "+-" else ""
        body = full[len(sign):]
        if sign and not spec.signed:
            return []
        intpart, _, frac = body.partition(".")
        for end in range(1, len(intpart) + 1):
            digits = intpart[:end]
            if len(digits) > 1 and digits[0] == "0":
                break
            out_nums.append(sign + digits)
            if frac and end == len(intpart) and spec.money:
                out_nums.append(sign + digits + "." + frac)
        return out_nums

    def dfs(pos: int, col: int, acc: list[str], viol: int, bound: int) -> None:
        nonlocal truncated
        if truncated:
            return
        if col == n:
            if pos >= len(text):
                out.append((list(acc), viol))
                if len(out) >= MAX_CANDIDATES:
                    truncated = True
            return
        while pos < len(text) and text[pos] == " ":
            pos += 1
        for num in numbers_at(pos, specs[col]):
            acc.append(num)
            v = viol
            for idn in checks.get(col, ()):
                vals = [_num(acc[idx[c]]) for c, _ in idn.terms]
                if abs(sum(coef * x for (_, coef), x in zip(idn.terms, vals))) > 1e-9:
                    v += 1
            if v <= bound:
                dfs(pos + len(num), col + 1, acc, v, bound)
            acc.pop()

    for bound in range(0, len(local) + 1):
        dfs(0, 0, [], 0, bound)
        if out:
            break
    cands = []
    for nums, _v in out:
        vals = tuple(_num(x) for x in nums)
        units = tuple(unit if (i == n - 1 and specs[i].money) else None for i in range(n))
        raws = tuple(x + (u or "") for x, u in zip(nums, units))
        cands.append(Candidate(vals, tuple(0 for _ in nums), raws, units, tuple(None for _ in nums)))
    return cands, truncated


def _num(s: str) -> int | float:
    return float(s) if "." in s else int(s)
