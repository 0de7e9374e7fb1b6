"""Exact reconstruction: choose one candidate per row so that the fewest identities are violated.

Every row of a table arrives with a list of candidates (complete value vectors for its cells, each with a
prior weight). The solver finds the minimum number of violated identities over all combinations, then,
among the combinations reaching that minimum (the optimal set), computes for every row the probability
of each candidate (prior-weighted), the most probable combination (MAP), the number of optimal
combinations and, for each identity, whether every optimal combination violates it.

Method: dynamic programming over the rows in a fixed order. The state after a row is the vector of
partial sums of the identities that are open (some of their rows assigned, not all). An identity that can
no longer hold (its negated partial sum is not among the sums the remaining rows can still add, each
identity taken on its own) is marked violated at once and drops out of the state, so states merge.
Budgets 0, 1, 2… of violations are tried in turn; states over budget are dropped. A forward pass (min cost, weight, count, best path) and a
backward pass over the stored transitions give exact marginals. No sampling, no greedy choice: if the
work exceeds `max_work` transitions, the solve reports `exhausted` and callers must not claim certainty.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

from normalize.templates import Identity

_MAX_REACH = 20_000
_VIOL = None  # sentinel in a state: this identity is already violated


@dataclass(frozen=True)
class RowVar:
    """A row: its cell keys and its candidates (values per cell; None = empty cell, counted as 0)."""

    cells: tuple[str, ...]
    candidates: tuple[tuple[int | float | None, ...], ...]
    weights: tuple[float, ...]


@dataclass(frozen=True)
class Solution:
    cost: int  # weighted count of violated identities in every optimal combination (the minimum)
    count: int  # number of optimal combinations
    map_choice: tuple[int, ...]  # per row: candidate index in the most probable optimal combination
    marginals: tuple[tuple[float, ...], ...]  # per row, per candidate: probability within the optimal set
    possible: tuple[tuple[bool, ...], ...]  # per row, per candidate: used by some optimal combination
    violated_always: frozenset[str]  # identities violated by every optimal combination
    violated_map: frozenset[str]  # identities violated by the MAP combination
    exhausted: bool = False


def solve(rows: Sequence[RowVar], identities: Sequence[Identity], *, max_budget: int = 8,
          max_work: int = 300_000) -> Solution:
    """`max_work` bounds the transitions tried over all budgets (about a second of work). A table whose
    rows have one reading each (read with its cell positions) needs no search (`_settled`)."""
    if all(len(r.candidates) == 1 for r in rows):
        return _settled(rows, identities)
    return _search(rows, identities, max_budget, max_work)


def _search(rows: Sequence[RowVar], identities: Sequence[Identity], max_budget: int = 8,
            max_work: int = 300_000) -> Solution:
    cell_row = {c: (i, j) for i, r in enumerate(rows) for j, c in enumerate(r.cells)}
    idents = [idn for idn in identities if all(c in cell_row for c in idn.cells)]
    # identities over rows with one reading only are settled before the search: their violations are
    # facts every combination shares, and must not eat the search's violation budget
    fixed = [idn for idn in idents if all(len(rows[cell_row[c][0]].candidates) == 1 for c in idn.cells)]
    settled = frozenset(idn.id for idn in fixed if abs(sum(
        coef * (rows[cell_row[c][0]].candidates[0][cell_row[c][1]] or 0) for c, coef in idn.terms)) > 1e-9)
    base = sum(idn.weight for idn in fixed if idn.id in settled)
    fixed_ids = {id(idn) for idn in fixed}
    idents = [idn for idn in idents if id(idn) not in fixed_ids]
    order = _row_order(rows, idents, cell_row)
    plan = _Plan(rows, idents, cell_row, order)
    for budget in range(max_budget + 1):
        try:
            result = plan.run(budget, max_work)
        except _TooLarge:
            return _exhausted(rows)
        if result is not None:
            return replace(result, cost=result.cost + base, violated_always=result.violated_always | settled,
                           violated_map=result.violated_map | settled)
    return _exhausted(rows)


class _TooLarge(Exception):
    pass


def _settled(rows: Sequence[RowVar], identities: Sequence[Identity]) -> Solution:
    """Every row has one reading (a table read with its cell positions): the one combination, the
    identities it violates, and the weights multiplied in the order the search would (the same floats)."""
    value = {c: v for r in rows for c, v in zip(r.cells, r.candidates[0])}
    violated, base = set(), 0
    for idn in identities:
        total = 0
        for c, coef in idn.terms:
            if c not in value:
                break
            total += coef * (value[c] or 0)
        else:
            if abs(total) > 1e-9:
                violated.add(idn.id)
                base += idn.weight
    settled = frozenset(violated)
    w = [r.weights[0] for r in rows]
    ahead = [1.0]
    for x in w:
        ahead.append(ahead[-1] * x)
    behind = [1.0] * (len(w) + 1)
    for k in range(len(w) - 1, -1, -1):
        behind[k] = w[k] * behind[k + 1]
    norm = behind[0] or 1.0
    return Solution(cost=base, count=1, map_choice=(0,) * len(rows),
                    marginals=tuple((ahead[k] * w[k] * behind[k + 1] / norm,) for k in range(len(w))),
                    possible=((True,),) * len(rows), violated_always=settled, violated_map=settled)


def _exhausted(rows: Sequence[RowVar]) -> Solution:
    marg = tuple(tuple(w / (sum(r.weights) or 1.0) for w in r.weights) for r in rows)
    best = tuple(max(range(len(r.weights)), key=r.weights.__getitem__) if r.weights else 0 for r in rows)
    return Solution(cost=-1, count=0, map_choice=best, marginals=marg,
                    possible=tuple(tuple(True for _ in r.candidates) for r in rows),
                    violated_always=frozenset(), violated_map=frozenset(), exhausted=True)


def _row_order(rows, idents, cell_row) -> list[int]:
    """Greedy order that keeps states small: fixed rows first; then the row that closes identities or
    leaves them monotone (only additions, or only subtractions, still to come: then an overshoot is a
    certain violation and the state collapses), fewest candidates first."""
    signs_of_row = [dict() for _ in rows]  # row -> {identity: set of coefficient signs of that row}
    for i, idn in enumerate(idents):
        for c, coef in idn.terms:
            signs_of_row[cell_row[c][0]].setdefault(i, set()).add(1 if coef > 0 else -1)
    left = [{1: 0, -1: 0} for _ in idents]  # per identity: rows not yet ordered with each sign
    for r in range(len(rows)):
        for i, signs in signs_of_row[r].items():
            for sg in signs:
                left[i][sg] += 1

    def score(r: int) -> tuple:
        closes = monotone = mixed = 0
        for i, signs in signs_of_row[r].items():
            rest = {sg for sg in (1, -1) if left[i][sg] - (sg in signs) > 0}
            if not rest:
                closes += 1
            elif len(rest) == 1:
                monotone += 1
            else:
                mixed += 1
        return (len(rows[r].candidates) > 1, -(closes + monotone), mixed, -bulk[r], len(rows[r].candidates), r)

    # big numbers fit in few places: placing them early prunes the most
    bulk = [max((sum(abs(v or 0) for v in cand) for cand in row.candidates), default=0) for row in rows]
    order = [r for r in range(len(rows)) if len(rows[r].candidates) <= 1]  # fixed rows: any order
    remaining = set(range(len(rows))) - set(order)
    for r in order:
        for i, signs in signs_of_row[r].items():
            for sg in signs:
                left[i][sg] -= 1
    while remaining:
        nxt = min(remaining, key=score)
        remaining.remove(nxt)
        order.append(nxt)
        for i, signs in signs_of_row[nxt].items():
            for sg in signs:
                left[i][sg] -= 1
    return order


class _Plan:
    def __init__(self, rows, idents, cell_row, order):
        self.rows, self.idents, self.order = rows, idents, order
        self.work = 0
        pos = {r: k for k, r in enumerate(order)}
        n = len(order)
        first = [min(pos[cell_row[c][0]] for c in idn.cells) for idn in idents]
        last = [max(pos[cell_row[c][0]] for c in idn.cells) for idn in idents]
        # open identities before step k: first < k <= last
        self.open_before = [[i for i in range(len(idents)) if first[i] < k <= last[i]] for k in range(n + 1)]
        self.closing = [[i for i in range(len(idents)) if last[i] == k] for k in range(n)]
        # per step and candidate: contribution to each identity touching that row
        terms_of_row: list[dict[int, list[tuple[int, int]]]] = [dict() for _ in rows]
        for i, idn in enumerate(idents):
            for c, coef in idn.terms:
                r, j = cell_row[c]
                terms_of_row[r].setdefault(i, []).append((j, coef))
        self.contrib: list[list[dict[int, float]]] = []
        for r in order:
            touching = list(terms_of_row[r].items())
            self.contrib.append([{i: sum(coef * (cand[j] or 0) for j, coef in terms) for i, terms in touching}
                                 for cand in rows[r].candidates])
        # what the rows after step k can still add to each open identity (each identity on its own): a
        # partial sum whose negation is not reachable is a certain violation. None: too many to track.
        self.reach: list[dict[int, frozenset | None]] = [dict() for _ in range(n)]
        ahead: dict[int, frozenset | None] = {i: frozenset({0}) for i in range(len(idents))}
        for k in range(n - 1, -1, -1):
            self.reach[k] = {i: ahead[i] for i in self.open_before[k + 1]}
            for i in {i for c in self.contrib[k][:1] for i in c}:
                vals = {c.get(i, 0) for c in self.contrib[k]}
                if ahead[i] is None or len(vals) * len(ahead[i]) > _MAX_REACH:
                    ahead[i] = None
                elif vals != {0}:
                    ahead[i] = frozenset(a + b for a in vals for b in ahead[i])
        # lower bound on violations still to come from identities local to one row
        local_min = []
        for k in range(n):
            local = [i for i in self.closing[k] if first[i] == k]
            local_min.append(min((sum(idents[i].weight for i in local if abs(c.get(i, 0)) > 1e-9)
                                  for c in self.contrib[k]),
                                 default=0))
        self.lb_after = [sum(local_min[k + 1:]) for k in range(n)]

    def run(self, budget: int, max_work: int) -> Solution | None:
        idents, order, rows = self.idents, self.order, self.rows
        n = len(order)
        # layer states: key -> [cost, weight_sum, count, best_weight, best_back]
        layers: list[dict] = [{(): [0, 1.0, 1, 1.0, None]}]
        edges: list[list[tuple]] = []
        for k in range(n):
            row = rows[order[k]]
            before, after = self.open_before[k], self.open_before[k + 1]
            bpos = {i: j for j, i in enumerate(before)}
            reach = self.reach[k]
            # identities carried from the previous state that close here, and the open ones after this row
            close_src = [(bpos[i], i, idents[i].weight) for i in self.closing[k] if i in bpos]
            after_src = [(bpos.get(i), i, idents[i].weight, reach[i]) for i in after]
            local = [i for i in self.closing[k] if i not in bpos]
            per_cand = []  # (additions to closing, additions to open, local cost, local violations)
            for contrib in self.contrib[k]:
                lv = tuple(i for i in local if abs(contrib.get(i, 0)) > 1e-9)
                per_cand.append(([contrib.get(i, 0) for _, i, _ in close_src],
                                 [contrib.get(i, 0) for _, i, _, _ in after_src],
                                 sum(idents[i].weight for i in lv), lv))
            nxt: dict = {}
            layer_edges = []
            self.work += len(layers[k]) * len(per_cand)
            if self.work > max_work:
                raise _TooLarge
            for key, (cost, _w, _n, _bw, _bb) in layers[k].items():
                for ci, (add_close, add_after, add, lv) in enumerate(per_cand):
                    violated = list(lv)
                    for (p, i, w8), a in zip(close_src, add_close):
                        val = key[p]
                        if val is not _VIOL and abs(val + a) > 1e-9:
                            add += w8
                            violated.append(i)
                    new = []
                    for (p, i, w8, r), a in zip(after_src, add_after):
                        val = a if p is None else key[p]
                        if val is _VIOL:
                            new.append(_VIOL)
                            continue
                        if p is not None:
                            val += a
                        if r is not None and -val not in r:
                            new.append(_VIOL)
                            add += w8
                            violated.append(i)
                        else:
                            new.append(val)
                    c2 = cost + add
                    if c2 + self.lb_after[k] > budget:
                        continue
                    nkey = tuple(new)
                    w = row.weights[ci]
                    slot = nxt.get(nkey)
                    layer_edges.append((key, ci, nkey, add, tuple(violated)))
                    if slot is None:
                        nxt[nkey] = [c2, 0.0, 0, -1.0, None]
                        slot = nxt[nkey]
                    if c2 < slot[0]:
                        slot[:] = [c2, 0.0, 0, -1.0, None]
                    if c2 == slot[0]:
                        prev = layers[k][key]
                        slot[1] += prev[1] * w
                        slot[2] += prev[2]
                        if prev[3] * w > slot[3]:
                            slot[3], slot[4] = prev[3] * w, (key, ci, tuple(violated))
            layers.append(nxt)
            edges.append(layer_edges)
            if not nxt:
                return None
        final = layers[n]
        if not final:
            return None
        opt = min(v[0] for v in final.values())
        # backward pass: min remaining cost, weight, count
        back: list[dict] = [dict() for _ in range(n + 1)]
        back[n] = {key: [0, 1.0, 1] for key in final}
        for k in range(n - 1, -1, -1):
            bk = back[k]
            for key, ci, nkey, add, _v in edges[k]:
                b = back[k + 1].get(nkey)
                if b is None:
                    continue
                c = add + b[0]
                w = rows[order[k]].weights[ci] * b[1]
                slot = bk.get(key)
                if slot is None or c < slot[0]:
                    bk[key] = [c, w, b[2]]
                elif c == slot[0]:
                    slot[1] += w
                    slot[2] += b[2]
        start = back[0].get(())
        if start is None or start[0] != opt:
            return None
        total_w, total_n = start[1], start[2]
        marg = [[0.0] * len(rows[r].candidates) for r in range(len(rows))]
        possible = [[False] * len(rows[r].candidates) for r in range(len(rows))]
        viol_count = [0] * len(idents)
        for k in range(n):
            r = order[k]
            for key, ci, nkey, add, violated in edges[k]:
                f, b = layers[k].get(key), back[k + 1].get(nkey)
                if f is None or b is None or f[0] + add + b[0] != opt:
                    continue
                marg[r][ci] += f[1] * rows[r].weights[ci] * b[1]
                possible[r][ci] = True
                for i in violated:
                    viol_count[i] += f[2] * b[2]
        norm = total_w or 1.0
        marginals = tuple(tuple(m / norm for m in mr) for mr in marg)
        # MAP path: best final state, follow back pointers
        best_key = max((key for key, v in final.items() if v[0] == opt), key=lambda kk: final[kk][3])
        choice = [0] * len(rows)
        key = best_key
        map_viol: set[str] = set()
        for k in range(n, 0, -1):
            prev_key, ci, violated = layers[k][key][4]
            choice[order[k - 1]] = ci
            map_viol.update(idents[i].id for i in violated)
            key = prev_key
        return Solution(
            cost=opt, count=total_n, map_choice=tuple(choice), marginals=marginals,
            possible=tuple(tuple(p) for p in possible),
            violated_always=frozenset(idents[i].id for i in range(len(idents)) if viol_count[i] == total_n),
            violated_map=frozenset(map_viol),
        )
