"""Generated reports printed to PDF by LibreOffice (HTML→DOCX→PDF, Word-like) and by headless Chromium, read
back through `ogi.api.extract_bytes` and compared with their truth, cell by cell.

A ruled PDF table shows every cell at its position, so the expectations are those of the HTML pages the PDFs
are made from (tests/test_html_generated.py): every truth cell exact, `read` where a number is printed,
`blank` where the cell is empty, `imputed` only where the page left a t3 总计 blank. 200 reports per renderer,
both template versions, over the styles of `ogi.synth_pdf.PDF_STYLES`; tables cross pages, and LibreOffice
breaks rows across pages. Skipped, with the reason, where a renderer is not installed.
"""
from __future__ import annotations

import random
from functools import lru_cache

import pytest

from ogi import synth, synth_pdf
from ogi.api import extract_bytes
from tests.test_html_generated import _problems

N_REPORTS = 200
SEEDS = {"libreoffice": tuple(range(90_001, 90_001 + N_REPORTS)), "chromium": tuple(range(95_001, 95_001 + N_REPORTS))}


def _cases(renderer: str) -> list[tuple[str, str, str, int]]:
    styles = synth_pdf.PDF_STYLES[renderer]
    return [(renderer, styles[(i // 2) % len(styles)], ("2019", "2021")[i % 2], seed)
            for i, seed in enumerate(SEEDS[renderer])]


CASES = _cases("libreoffice") + _cases("chromium")


@lru_cache(maxsize=None)
def _synth(version: str, seed: int) -> synth.Synth:
    return synth.generate(random.Random(seed), version)


@lru_cache(maxsize=None)
def _pdfs(renderer: str) -> dict:
    if (why := synth_pdf.missing(renderer)) is not None:
        pytest.skip(why)
    pages = {f"{st}-{v}-{sd}": synth.render_html(_synth(v, sd), st) for _, st, v, sd in _cases(renderer)}
    return synth_pdf.render_pdfs(pages, renderer)


@pytest.mark.parametrize("renderer,style,version,seed", CASES, ids=[f"{r}-{st}-{v}-{sd}" for r, st, v, sd in CASES])
def test_generated_pdf_is_read_exactly(renderer, style, version, seed):
    s = _synth(version, seed)
    path = _pdfs(renderer)[f"{style}-{version}-{seed}"]
    report = extract_bytes(path.read_bytes(), f"synth-{renderer}-{style}-{version}-{seed}.pdf")
    assert report.source.format == "pdf"
    problems = _problems(report, s, style)
    assert not problems, f"{path}: {len(problems)} problems:\n" + "\n".join(problems[:20])


def test_tables_cross_pages():
    """The renderers really put t3 over two pages in a good share of the reports (else the test shows little)."""
    crossing = 0
    for renderer in synth_pdf.RENDERERS:
        for _, st, v, sd in _cases(renderer)[:40]:
            report = extract_bytes(_pdfs(renderer)[f"{st}-{v}-{sd}"].read_bytes(), "x.pdf")
            pages = {c.at.page for c in report.cells if c.key.startswith("t3.") and c.at.page}
            crossing += len(pages) > 1
    assert crossing >= 20, crossing
