"""Seconds per scanned page through `ogi.api.extract_bytes`, for each OCR engine, with exactness beside it.

    PYTHONPATH=. python3 benchmarks/bench_ocr.py [--n 6] [--engines rapidocr,tesseract]

Files: N generated reports (both renderers of `ogi.synth_pdf`, both template versions) scanned by
`ogi.synth_scan` (150 dpi, 1–2° skew, blur, grain, one page turned; cached). For each engine (`OGI_OCR_ENGINE`):
total seconds, seconds per page and per report, cells exact, and confident wrong cells (the judge of
tests/test_pdf_damage.py). The engines run on the 2 cores of the machine (RapidOCR's onnxruntime with 2 threads,
Tesseract with OMP_THREAD_LIMIT=2). Measures only; asserts nothing.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from extract.ocr_engines import ENGINES, OcrUnavailable, get_engine  # noqa: E402
from ogi import synth, synth_pdf, synth_scan  # noqa: E402
from ogi.api import extract_bytes  # noqa: E402
from tests.test_pdf_damage import judge  # noqa: E402
from tests.test_pdf_generated import _cases, _synth  # noqa: E402


def scans(n: int) -> list[tuple[bytes, synth.Synth]]:
    out = []
    renderers = [r for r in synth_pdf.RENDERERS if synth_pdf.missing(r) is None]
    for renderer in renderers:
        cases = _cases(renderer)[: max(1, n // len(renderers))]
        pages = {f"{st}-{v}-{sd}": synth.render_html(_synth(v, sd), st) for _, st, v, sd in cases}
        pdfs = synth_pdf.render_pdfs(pages, renderer)
        for _, st, v, sd in cases:
            out.append((synth_scan.scan_pdf(pdfs[f"{st}-{v}-{sd}"], sd).read_bytes(), _synth(v, sd)))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=6)
    ap.add_argument("--engines", default=",".join(ENGINES))
    args = ap.parse_args()
    files = scans(args.n)
    print(f"{len(files)} scanned reports, {os.cpu_count()} cores")
    for name in args.engines.split(","):
        try:
            get_engine(name)  # loaded before the clock starts
        except OcrUnavailable as exc:
            print(f"{name}: {exc}")
            continue
        os.environ["OGI_OCR_ENGINE"] = name
        pages = exact = total = wrong = 0
        t0 = time.perf_counter()
        for data, s in files:
            report = extract_bytes(data, "bench.pdf")
            pages += report.source.pages or 0
            cells = {c.key: c for c in report.cells}
            exact += sum(1 for k, v in s.truth.items() if k in cells and synth._same(cells[k].value, v))
            total += len(s.truth)
            wrong += len(judge(report, s)[0])
        secs = time.perf_counter() - t0
        print(f"{name:10s} {secs:7.1f} s  {secs / pages:5.2f} s/page  {secs / len(files):5.1f} s/report  "
              f"exact {exact}/{total} ({100 * exact / total:.2f}%)  confident wrong {wrong}")


if __name__ == "__main__":
    main()
