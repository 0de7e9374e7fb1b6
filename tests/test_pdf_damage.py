"""Damage test for PDF readings: the cells extracted from generated PDFs are damaged the way PDF extraction
damages them — a number split over two cells (`20` -> `2` | `0`), two cells merged into one (`2` | `0` ->
`20`), a digit dropped (`20` -> `2`) — and the pipeline must repair each damage to the truth (only when the
repair is unique) or flag it. Never a confident wrong value:

- a cell whose value differs from the truth must be `ambiguous`, or sit in a failing check (flagged);
- a `repaired` cell with a wrong value is a failure, as is a wrong `read`/`inferred`/`blank` outside every
  failing check.

Damage goes into t3 and t4 only: t2 has no identities, so arithmetic cannot see a dropped digit there (a
split or merge in t2 shows as a wrong cell count and comes out `ambiguous`).
"""
from __future__ import annotations

import random
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import pytest

from extract.raw import RawCell, RawDocument
from extract.readers import read_document
from normalize.numbers import parse_cell
from normalize.templates import identities
from ogi import synth, synth_pdf
from ogi.api import build_report
from tests.test_pdf_generated import _cases, _pdfs, _synth

PER_RENDERER = 50
KINDS = ("split", "merge", "drop")


@lru_cache(maxsize=None)
def _doc(renderer: str, style: str, version: str, seed: int) -> RawDocument:
    path = _pdfs(renderer)[f"{style}-{version}-{seed}"]
    return read_document(Path(path.name), path.read_bytes())


def _int_cells(doc: RawDocument) -> list[tuple[int, int, int]]:
    """(table, row, cell) of every non-negative integer cell of t3/t4."""
    out = []
    for ti, t in enumerate(doc.tables):
        if t.section not in ("t3", "t4"):
            continue
        for ri, row in enumerate(t.rows):
            for ci, c in enumerate(row.cells):
                p = parse_cell(c.text)
                if p.kind == "value" and isinstance(p.value, int) and p.value >= 0 and c.text.isdigit():
                    out.append((ti, ri, ci))
    return out


def damage(doc: RawDocument, kind: str, rng: random.Random) -> tuple[RawDocument, str] | None:
    """The document with one cell damaged by `kind`, and a description; None when no cell allows it."""
    cells = _int_cells(doc)
    if kind in ("split", "drop"):
        cells = [x for x in cells if len(_text(doc, x)) >= 2]
    if kind == "merge":
        cells = [x for x in cells if (x[0], x[1], x[2] + 1) in set(cells)]
    if not cells:
        return None
    ti, ri, ci = rng.choice(cells)
    row = doc.tables[ti].rows[ri]
    c = row.cells[ci]
    new = list(row.cells)
    if kind == "split":
        cut = rng.randrange(1, len(c.text))
        new[ci:ci + 1] = [replace(c, text=c.text[:cut]), RawCell(c.text[cut:], col=c.col, page=c.page, bbox=c.bbox)]
        what = f"{c.text} -> {c.text[:cut]} | {c.text[cut:]}"
    elif kind == "merge":
        nxt = row.cells[ci + 1]
        new[ci:ci + 2] = [replace(c, text=c.text + nxt.text)]
        what = f"{c.text} | {nxt.text} -> {c.text + nxt.text}"
    else:
        i = rng.randrange(len(c.text))
        dropped = c.text[:i] + c.text[i + 1:]
        new[ci] = replace(c, text=dropped)
        what = f"{c.text} -> {dropped}"
    rows = list(doc.tables[ti].rows)
    rows[ri] = replace(row, cells=tuple(new))
    tables = list(doc.tables)
    tables[ti] = replace(tables[ti], rows=tuple(rows))
    return replace(doc, tables=tuple(tables)), f"{kind} at table {ti} row {ri}: {what}"


def _text(doc: RawDocument, at: tuple[int, int, int]) -> str:
    ti, ri, ci = at
    return doc.tables[ti].rows[ri].cells[ci].text


def judge(report, s: synth.Synth) -> tuple[list[str], int]:
    """(confident wrong cells, cells repaired to the truth)."""
    failing = {c.id for c in report.checks if c.ok is False}
    in_failing = {k for t in ("t3", "t4") for idn in identities(t, s.version) if idn.id in failing for k in idn.cells}
    wrong, repaired = [], 0
    for c in report.cells:
        if c.key not in s.truth:
            continue
        right = synth._same(c.value, s.truth[c.key])
        if c.status == "repaired":
            if right:
                repaired += 1
            else:
                wrong.append(f"{c.key}: repaired to {c.value} (raw {c.raw!r}), truth {s.truth[c.key]}")
        elif not right and c.status != "ambiguous" and c.key not in in_failing:
            wrong.append(f"{c.key}: {c.status} {c.value} (raw {c.raw!r}), truth {s.truth[c.key]}, in no failing check")
    return wrong, repaired


CASES = [(r, st, v, sd) for r in synth_pdf.RENDERERS for (_, st, v, sd) in _cases(r)[:PER_RENDERER]]


@pytest.mark.parametrize("renderer,style,version,seed", CASES, ids=[f"{r}-{st}-{v}-{sd}" for r, st, v, sd in CASES])
def test_damaged_pdf_cells_are_repaired_or_flagged(renderer, style, version, seed):
    s = _synth(version, seed)
    doc = _doc(renderer, style, version, seed)
    rng = random.Random(seed)
    for kind in KINDS:
        hurt = damage(doc, kind, rng)
        if hurt is None:
            continue
        damaged, what = hurt
        wrong, _ = judge(build_report(damaged), s)
        assert not wrong, f"{what}:\n" + "\n".join(wrong)


def test_repairs_happen_and_only_when_unique():
    """Across the damaged reports, a good share of damages is repaired to the truth (the repair is not inert),
    and a report needing none gets none."""
    repaired = damaged = 0
    for renderer, style, version, seed in CASES:
        s, doc, rng = _synth(version, seed), _doc(renderer, style, version, seed), random.Random(seed)
        clean = build_report(doc)
        assert not [c.key for c in clean.cells if c.status == "repaired"]
        for kind in KINDS:
            hurt = damage(doc, kind, rng)
            if hurt is not None:
                damaged += 1
                repaired += judge(build_report(hurt[0]), s)[1] > 0
    print(f"\n{repaired} of {damaged} damaged reports repaired to the truth")
    assert damaged >= 150 and repaired >= damaged // 2, (repaired, damaged)
