"""Seconds per PDF report through `ogi.api.extract_bytes`, beside pdfplumber's bare `extract_tables` on the
same files (the floor for this approach: opening the file and finding the ruled tables of every page).

    PYTHONPATH=. python3 benchmarks/bench_pdf.py [--n 40] [--repeat 3]

Files: the corpus PDFs (../shared/corpus/*.pdf, skipped when absent) and N generated reports printed by each
renderer of `ogi.synth_pdf` that is installed (LibreOffice, Chromium; rendered once, cached). Each set is
timed whole, best of `--repeat`, bytes held in memory. Prints s/report for ogi, for the floor, their ratio
(target ≤ 1.5×), and ogi's time split into pdfplumber work and the rest. Measures only; asserts nothing.
"""
from __future__ import annotations

import argparse
import io
import logging
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pdfplumber  # noqa: E402

from ogi import synth, synth_pdf  # noqa: E402
from ogi.api import extract_bytes  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("OGI_SHARED", ROOT.parent / "shared")) / "corpus"


def floor(data: bytes) -> None:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            page.extract_tables()


def ogi(data: bytes) -> None:
    extract_bytes(data, "bench.pdf")


def best(fn, files: list[bytes], repeat: int) -> float:
    out = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for data in files:
            fn(data)
        out = min(out, time.perf_counter() - t0)
    return out


def sets(n: int) -> list[tuple[str, list[bytes]]]:
    out = []
    if CORPUS.is_dir():
        out.append(("corpus", [p.read_bytes() for p in sorted(CORPUS.glob("*.pdf"))]))
    for renderer in synth_pdf.RENDERERS:
        if synth_pdf.missing(renderer):
            print(f"{renderer}: skipped ({synth_pdf.missing(renderer)})")
            continue
        styles = synth_pdf.PDF_STYLES[renderer]
        pages = {}
        for i in range(n):
            version, style = ("2019", "2021")[i % 2], styles[(i // 2) % len(styles)]
            s = synth.generate(random.Random(31_000 + i), version)
            pages[f"{i}"] = synth.render_html(s, style)
        files = synth_pdf.render_pdfs(pages, renderer)
        out.append((f"generated/{renderer}", [files[k].read_bytes() for k in pages]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    print(f"{'set':24} {'reports':>7} {'ogi s/report':>13} {'floor s/report':>15} {'ratio':>6}")
    for name, files in sets(args.n):
        t_ogi = best(ogi, files, args.repeat) / len(files)
        t_floor = best(floor, files, args.repeat) / len(files)
        print(f"{name:24} {len(files):7d} {t_ogi:13.4f} {t_floor:15.4f} {t_ogi / t_floor:5.2f}x")


if __name__ == "__main__":
    main()
