"""One-digit repairs of cells read at known positions, for readings that can lose or garble digits (PDF).

When identities fail, every single-digit edit of every `read` integer cell in a failing identity is tried: a
digit deleted, inserted, substituted, or two adjacent digits transposed (in the spirit of deductive correction
of balance edits). An edit counts when, applied alone, it makes every identity of the table hold.

- exactly one such edit: the cell becomes `repaired` (the corrected value; `raw` keeps what was read);
- several: nothing changes, the failing checks get cause `extraction` (the reading may be wrong, but how is
  not known) and an issue lists the candidate edits;
- none: nothing changes; a failure no single misread explains stays what the page shows (`source`).
"""
from __future__ import annotations

from dataclasses import replace

from normalize.numbers import parse_cell
from normalize.templates import Identity
from ogi.model import Cell, Check, Issue

MAX_EDITS_SHOWN = 6


def edits(digits: str) -> set[int]:
    """Every integer one edit away from `digits` (no leading zeros, at least one digit)."""
    out: set[str] = set()
    n = len(digits)
    for i in range(n):
        out.add(digits[:i] + digits[i + 1:])  # deleted
        for d in "0123456789":
            out.add(digits[:i] + d + digits[i + 1:])  # substituted
    for i in range(n + 1):
        for d in "0123456789":
            out.add(digits[:i] + d + digits[i:])  # inserted
    for i in range(n - 1):
        out.add(digits[:i] + digits[i + 1] + digits[i] + digits[i + 2:])  # transposed
    return {int(s) for s in out if s and (s == "0" or s[0] != "0") and s != digits}


def _holds(idn: Identity, value_of) -> bool | None:
    total = 0
    for key, coef in idn.terms:
        v = value_of(key)
        if v is None:
            return None
        total += coef * v
    return abs(total) < 1e-9


def repair(cells: dict[str, Cell], idents: tuple[Identity, ...], checks: list[Check], table: str,
           recheck) -> tuple[list[Check], list[Issue]]:
    """Apply the unique one-digit repair, if there is one, to `cells` (in place); return the checks as they
    now stand and the issues to report. `recheck(cells)` recomputes the checks."""
    failing = [c for c in checks if c.ok is False]
    if not failing:
        return checks, []

    def published(key: str):  # checks speak of the report as published: an imputed cell is the blank printed
        c = cells.get(key)
        return None if c is None or c.value is None else 0 if c.status == "imputed" else c.value

    suspects = {k for c in failing for idn in idents if idn.id == c.id for k in idn.cells}
    found: list[tuple[str, int]] = []
    for key in sorted(suspects):
        cell = cells[key]
        if cell.status != "read" or not isinstance(cell.value, int) or cell.value < 0 or "." in cell.raw:
            continue
        for new in sorted(edits(str(cell.value))):
            value_of = lambda k, key=key, new=new: new if k == key else published(k)  # noqa: E731
            if all(_holds(idn, value_of) is not False for idn in idents):
                found.append((key, new))
    if len(found) == 1:
        key, new = found[0]
        old = cells[key]
        cells[key] = replace(old, value=new, status="repaired")
        return recheck(cells), [Issue("cell_repaired", "warning",
                                      f"{table}: {key} read as {old.raw!r} is repaired to {new}: the only one-digit "
                                      "edit that makes every identity hold", (key,))]
    if not found:
        return checks, []
    shown = ", ".join(f"{k} {cells[k].value}→{v}" for k, v in found[:MAX_EDITS_SHOWN])
    more = f" and {len(found) - MAX_EDITS_SHOWN} more" if len(found) > MAX_EDITS_SHOWN else ""
    out = [replace(c, cause="extraction") if c.ok is False else c for c in checks]
    return out, [Issue("repair_ambiguous", "warning",
                       f"{table}: {len(found)} different one-digit edits would each make every identity hold "
                       f"({shown}{more}); the cells are left as read", tuple(dict.fromkeys(k for k, _ in found)))]


OCR_SURE = 0.9  # an OCR engine's confidence below which a cell no identity confirms is not taken as read
SIGN_DOUBT = 0.5  # the confidence of a cell whose sign the engine and the image disagree on (either is as likely)


def doubt_unchecked(cells: dict[str, Cell], idents: tuple[Identity, ...], checks, money: set[str],
                    table: str, others: dict[str, tuple[str, ...]] | None = None,
                    signed: set[str] | frozenset[str] = frozenset()) -> list[Issue]:
    """Cells read by OCR that no holding identity confirms (t2 has none) become `ambiguous` (in place) when
    the engine's confidence is low (`confidence` is the engine's, `alternatives` for money the dropped decimal
    points) or when the OCR has other readings of the cell (`others`: texts by key, e.g. the other sign where
    engine and image disagree; negative ones count only in `signed` columns): those are the alternatives."""
    confirmed = {k for c in checks if c.ok for idn in idents if idn.id == c.id for k in idn.cells}
    doubted, signs = [], []
    for key, cell in cells.items():
        conf = cell.at.ocr_confidence
        if cell.status != "read" or conf is None or key in confirmed:
            continue
        other = _other_values((others or {}).get(key, ()), cell.value, key in signed)
        if conf >= OCR_SURE and not other:
            continue
        digits = cell.raw if cell.raw.isdigit() else ""
        alts = other + tuple(float(f"{digits[:i]}.{digits[i:]}") for i in (len(digits) - 2, len(digits) - 1)
                             if key in money and i >= 1)
        cells[key] = replace(cell, status="ambiguous", confidence=min(conf, SIGN_DOUBT) if other else conf,
                             alternatives=alts)
        (signs if other else doubted).append(key)
    out = []
    if doubted:
        out.append(Issue("ocr_doubtful", "warning", f"{table}: {len(doubted)} cells read by OCR with low confidence "
                                                    "and confirmed by no identity are left ambiguous", tuple(doubted)))
    if signs:
        out.append(Issue("ocr_sign_doubtful", "warning", f"{table}: {len(signs)} cells whose sign the OCR engine and "
                                                         "the image disagree on (a dash before the digits seen or "
                                                         "read, not both) are left ambiguous", tuple(signs)))
    return out


def _other_values(texts: tuple[str, ...], value, signed: bool) -> tuple[int | float, ...]:
    out: list[int | float] = []
    for text in texts:
        p = parse_cell(text)
        if p.kind == "value" and p.value != value and p.value not in out and (signed or p.value >= 0):
            out.append(p.value)
    return tuple(out)
