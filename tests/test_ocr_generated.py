"""Generated reports printed to PDF (LibreOffice and Chromium, as tests/test_pdf_generated.py), scanned
(ogi/synth_scan.py: 150 dpi, 1–2° skew, blur, grain, one page turned by a quarter, no text layer) and read back by
OCR. Judged as tests/test_pdf_damage.py judges damaged readings:

- at least 98% of the truth cells exact over the reports;
- no confident wrong cell: a wrong value is `ambiguous` or inside a failing check; a wrong `repaired` is wrong.
  A `missing` cell (a row OCR lost: no value, the report `partial`) claims nothing; it is counted against
  exactness, not as confident wrong (tests/test_pdf_damage.judge would count it).

The default run reads a fixed sample of SAMPLE reports (OCR takes seconds a page on 2 cores); `OGI_OCR_FULL=1`
reads all 100 (the first 50 cases of each renderer). Skipped, with the reason, where a renderer or the OCR
engine is missing.
"""
from __future__ import annotations

import os
from functools import lru_cache

import pytest

from extract.ocr_engines import OcrUnavailable, get_engine
from ogi import synth, synth_pdf, synth_scan
from ogi.api import extract_bytes
from tests.test_pdf_damage import judge
from tests.test_pdf_generated import _cases, _pdfs, _synth

PER_RENDERER = 50
SAMPLE = 6
ALL = [(r, st, v, sd) for r in synth_pdf.RENDERERS for (_, st, v, sd) in _cases(r)[:PER_RENDERER]]
FULL = os.environ.get("OGI_OCR_FULL") == "1"
CASES = ALL if FULL else ALL[:SAMPLE // 2] + ALL[PER_RENDERER:PER_RENDERER + SAMPLE // 2]


def _engine_or_skip() -> None:
    try:
        get_engine()
    except OcrUnavailable as exc:
        pytest.skip(str(exc))


@lru_cache(maxsize=None)
def _read(renderer: str, style: str, version: str, seed: int):
    _engine_or_skip()
    pdf = _pdfs(renderer)[f"{style}-{version}-{seed}"]
    scan = synth_scan.scan_pdf(pdf, seed)
    return extract_bytes(scan.read_bytes(), f"scan-{renderer}-{style}-{version}-{seed}.pdf")


def confident_wrong(report, s: synth.Synth) -> list[str]:
    """The judge of tests/test_pdf_damage.py, less the `missing` cells (no value claimed)."""
    missing = {c.key for c in report.cells if c.status == "missing"}
    return [w for w in judge(report, s)[0] if w.split(":", 1)[0] not in missing]


def _exact(report, s: synth.Synth) -> tuple[int, int]:
    cells = {c.key: c for c in report.cells}
    return sum(1 for k, v in s.truth.items() if k in cells and synth._same(cells[k].value, v)), len(s.truth)


@pytest.mark.parametrize("renderer,style,version,seed", CASES, ids=[f"{r}-{st}-{v}-{sd}" for r, st, v, sd in CASES])
def test_scanned_report_has_no_confident_wrong_cell(renderer, style, version, seed):
    report = _read(renderer, style, version, seed)
    s = _synth(version, seed)
    assert report.source.format == "pdf" and report.report.templates, report.issues
    wrong = confident_wrong(report, s)
    assert not wrong, "\n".join(wrong)
    ocr = [c for c in report.cells if c.status in ("read", "repaired") and c.at.ocr_confidence is not None]
    assert all(0 <= c.at.ocr_confidence <= 1 for c in ocr)
    assert all("ocr_confidence" in c.to_dict()["at"] for c in ocr)
    assert ocr or not any(s.truth.values())  # a report of nothing but blank cells gives the engine no text


def test_scanned_reports_are_98_percent_exact():
    exact = total = 0
    for case in CASES:
        e, n = _exact(_read(*case), _synth(case[2], case[3]))
        exact += e
        total += n
    print(f"\n{exact} of {total} cells exact ({100 * exact / total:.2f}%) over {len(CASES)} scanned reports")
    assert exact >= 0.98 * total, (exact, total)


def test_turned_pages_are_turned_back():
    """The cells that the PDF prints on the page the scan turns are read exactly (in the cases where that page
    holds table cells: at least two of them), and every report's tables, agency and year are found. Printed
    means read from the PDF's text layer: a total the report leaves blank (style `mismatch`) is imputed there,
    and is no measure of turning a page."""
    checked = 0
    for case in CASES:
        renderer, style, version, seed = case
        s, report = _synth(version, seed), _read(*case)
        assert {t for t, _ in report.report.templates} == {"t2", "t3", "t4"}
        assert (report.report.agency, report.report.year) == (s.agency, s.year)
        pdf = _pdfs(renderer)[f"{style}-{version}-{seed}"]
        turned = synth_scan.turned_page(pdf, seed) + 1
        born = extract_bytes(pdf.read_bytes(), "x.pdf")  # the text layer says which cells the page prints
        keys = [c.key for c in born.cells if c.at.page == turned and c.key in s.truth and c.status in ("read", "blank")]
        if keys:
            checked += 1
            cells = {c.key: c for c in report.cells}
            assert sum(synth._same(cells[k].value, s.truth[k]) for k in keys) >= 0.95 * len(keys), case
    assert checked >= 2, checked
