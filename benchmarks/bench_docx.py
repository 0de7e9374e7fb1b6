"""DOCX and DOC throughput of `ogi.api.extract_bytes` on generated reports (conversion included for DOC).

    PYTHONPATH=. python3 benchmarks/bench_docx.py [--n 60] [--n-doc 6] [--seed 1] [--repeat 3]

- N generated reports (`ogi.synth_docx.render_docx`), both template versions, spread over `DOCX_STYLES`,
  held in memory: seconds per DOCX report through `extract_bytes` (best of `--repeat`), the DOCX reader
  alone (bytes -> RawDocument), python-docx's bare `Document()` open as a floor, and exactness.
- The first `--n-doc` of them saved as .doc by LibreOffice (one run, not timed), then read one by one
  through `extract_bytes`: each read converts the file back to DOCX with LibreOffice in a private profile,
  as a user's .doc is read. Prints seconds per DOC report (conversion included) and exactness.
- The corpus DOCX files (../shared/corpus/*.docx), when present.
Measures only; asserts nothing.
"""
from __future__ import annotations

import argparse
import io
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import docx  # noqa: E402

from extract.convert import convert_files, soffice_path  # noqa: E402
from extract.docx import read_docx  # noqa: E402
from ogi import synth  # noqa: E402
from ogi.api import extract_bytes  # noqa: E402
from ogi.synth_docx import DOCX_STYLES, render_docx  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("OGI_SHARED", ROOT.parent / "shared")) / "corpus"


def generated(n: int, seed: int) -> list[tuple[str, bytes, synth.Synth]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        version, style = ("2019", "2021")[i % 2], DOCX_STYLES[(i // 2) % len(DOCX_STYLES)]
        s = synth.generate(rng, version)
        out.append((f"synth_{i:04d}_{version}_{style}.docx", render_docx(s, style), s))
    return out


def best(fn, items, repeat: int) -> tuple[float, list]:
    best_t, results = float("inf"), []
    for _ in range(repeat):
        t0 = time.perf_counter()
        results = [fn(item) for item in items]
        best_t = min(best_t, time.perf_counter() - t0)
    return best_t, results


def exact(results, truths) -> str:
    e = t = 0
    statuses: Counter[str] = Counter()
    for r, s in zip(results, truths):
        a, b, _, _ = synth.exactness(r, s)
        e, t = e + a, t + b
        statuses[r.status] += 1
    return f"{e}/{t} truth cells exact ({100 * e / max(t, 1):.2f}%), report status {dict(statuses)}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=60, help="number of generated DOCX reports")
    ap.add_argument("--n-doc", type=int, default=6, help="number of them read as .doc (conversion included)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)

    gen = generated(args.n, args.seed)
    for name, data, _ in gen[:6]:  # warm caches (OpenCC, label keys)
        extract_bytes(data, name)
    n = len(gen)
    mb = sum(len(d) for _, d, _ in gen) / 2**20
    secs, results = best(lambda g: extract_bytes(g[1], g[0]), gen, args.repeat)
    reader, _ = best(lambda g: read_docx(Path(g[0]), g[1]), gen, args.repeat)
    floor, _ = best(lambda g: docx.Document(io.BytesIO(g[1])), gen, args.repeat)
    print(f"DOCX generated {n:>4} reports {mb:5.1f} MB | {secs / n:.4f} s per DOCX report ({n / secs:5.1f} reports/s) | "
          f"DOCX reader alone {1000 * reader / n:5.1f} ms | python-docx open {1000 * floor / n:5.1f} ms")
    print(f"     {exact(results, [s for *_, s in gen])}")
    for style in DOCX_STYLES:
        part = [g for g in gen if g[0].endswith(f"_{style}.docx")]
        t, _ = best(lambda g: extract_bytes(g[1], g[0]), part, args.repeat)
        print(f"  {style:<8} {len(part):>4} reports | {t / len(part):.4f} s per DOCX report")
    corpus = sorted(CORPUS.glob("*.docx")) if CORPUS.is_dir() else []
    for p in corpus:
        data = p.read_bytes()
        t, (r,) = best(lambda d: extract_bytes(d, p.name), [data], args.repeat)
        print(f"corpus {p.name}: {t:.4f} s, status {r.status}, {Counter(c.status for c in r.cells)}")

    if soffice_path() is None:
        print("DOC: skipped (LibreOffice is not installed: apt-get install libreoffice-writer-nogui)")
        return 0
    picked = gen[: args.n_doc]
    with tempfile.TemporaryDirectory() as tmp:
        srcs = []
        for name, data, _ in picked:
            (Path(tmp) / name).write_bytes(data)
            srcs.append(Path(tmp) / name)
        docs = [p.read_bytes() for p in convert_files(srcs, Path(tmp) / "doc", "doc")]
    per, results = [], []
    for (name, _, _), data in zip(picked, docs):
        t0 = time.perf_counter()
        results.append(extract_bytes(data, name[:-1]))
        per.append(time.perf_counter() - t0)
    print(f"DOC  generated {len(docs):>4} reports | {sum(per) / len(per):.3f} s per DOC report, conversion included "
          f"(min {min(per):.3f}, max {max(per):.3f}; one LibreOffice run in a fresh profile each)")
    print(f"     {exact(results, [s for *_, s in picked])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
