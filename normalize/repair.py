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


def doubt_unchecked(cells: dict[str, Cell], idents: tuple[Identity, ...], checks, money: set[str],
                    table: str) -> list[Issue]:
    """Cells read by OCR with low confidence that no holding identity confirms (t2 has no identities) become
    `ambiguous` (in place): `confidence` is the engine's, `alternatives` for money the dropped decimal points."""
    confirmed = {k for c in checks if c.ok for idn in idents if idn.id == c.id for k in idn.cells}
    doubted = []
    for key, cell in cells.items():
        conf = cell.at.ocr_confidence
        if cell.status != "read" or conf is None or conf >= OCR_SURE or key in confirmed:
            continue
        digits = cell.raw if cell.raw.isdigit() else ""
        alts = tuple(float(f"{digits[:i]}.{digits[i:]}") for i in (len(digits) - 2, len(digits) - 1)
                     if key in money and i >= 1)
        cells[key] = replace(cell, status="ambiguous", confidence=conf, alternatives=alts)
        doubted.append(key)
    if not doubted:
        return []
    return [Issue("ocr_doubtful", "warning", f"{table}: {len(doubted)} cells read by OCR with low confidence and "
                                             "confirmed by no identity are left ambiguous", tuple(doubted))]
