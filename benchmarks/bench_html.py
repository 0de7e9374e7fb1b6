"""HTML throughput: the HTML reader and the whole extraction, beside the floor of merely parsing the same
pages with lxml.

    PYTHONPATH=. python3 benchmarks/bench_html.py [--n 500] [--seed 1] [--repeat 3]

Two sets of pages, all held in memory (no disk I/O is timed):

- the corpus HTML files (../shared/corpus/*.html, skipped when absent);
- N generated pages (`ogi.synth.render_html`), both template versions, spread over `HTML_STYLES`.

For each set (and each generated style) it prints, per page:

- the floor: `lxml.html.fromstring` on the page decoded to text (and on the bytes: libxml2 stops early on
  a GB18030 page labelled gb2312, which makes the bytes floor meaningless for those pages);
- the HTML reader (`extract.readers.read_document`: bytes -> decoded, parsed, merged-cell grids, tables
  told apart, prose, page metadata), and its ratio to the floor: the target is within 3x;
- the whole extraction (`ogi.api.extract_bytes`: the reader, then template mapping, reconstruction,
  checks and the result document, which are not HTML work), its ratio, pages/s and the slowest page.

Timed runs keep no result (as a batch, which writes each report and drops it); the best of `--repeat`
runs counts. One more, untimed, run gives the share of truth cells read exactly and the statuses.
Measures only; asserts nothing.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import lxml.html  # noqa: E402

from extract.readers import read_document  # noqa: E402
from ogi import synth  # noqa: E402
from ogi.api import extract_bytes  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("OGI_SHARED", ROOT.parent / "shared")) / "corpus"
TARGET = 3.0


def corpus_pages() -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in sorted(CORPUS.glob("*.html"))] if CORPUS.is_dir() else []


def generated_pages(n: int, seed: int) -> list[tuple[str, bytes, synth.Synth, str]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        version = ("2019", "2021")[i % 2]
        style = synth.HTML_STYLES[(i // 2) % len(synth.HTML_STYLES)]
        s = synth.generate(rng, version)
        out.append((f"synth_{i:04d}_{version}_{style}.html", synth.render_html(s, style), s, style))
    return out


def _decode(data: bytes) -> str:
    for enc in ("utf-8", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def _best(fn, items, repeat: int) -> tuple[float, list[float]]:
    """Best total seconds over `repeat` runs and the per-item seconds of that run; results are dropped."""
    best, best_per = float("inf"), []
    for _ in range(repeat):
        per = []
        t0 = time.perf_counter()
        for item in items:
            t1 = time.perf_counter()
            try:
                fn(item)
            except Exception:  # noqa: BLE001 - only the time matters here; crashes are counted below
                pass
            per.append(time.perf_counter() - t1)
        total = time.perf_counter() - t0
        if total < best:
            best, best_per = total, per
    return best, best_per


def line(label: str, named: list[tuple[str, bytes]], repeat: int) -> tuple[float, float, float]:
    """Prints one set's figures; returns (floor, reader, extraction) seconds over the set."""
    n, mb = len(named), sum(len(d) for _, d in named) / 2**20
    data = [d for _, d in named]
    floor_bytes, _ = _best(lxml.html.fromstring, data, repeat)
    floor, _ = _best(lxml.html.fromstring, [_decode(d) for d in data], repeat)
    reader, _ = _best(lambda nd: read_document(Path(nd[0]), nd[1]), named, repeat)
    whole, per = _best(lambda nd: extract_bytes(nd[1], nd[0]), named, repeat)
    worst = max(zip(per, (name for name, _ in named)), default=(0.0, "-"))
    ms = lambda secs: 1000 * secs / n  # noqa: E731
    print(f"{label:<16} {n:>4} pages {mb:5.1f} MB | lxml parse {ms(floor):5.2f} ms (bytes {ms(floor_bytes):5.2f}) | "
          f"HTML reader {ms(reader):5.2f} ms = {reader / floor:4.1f}x | "
          f"whole extraction {ms(whole):5.2f} ms = {whole / floor:4.1f}x, {n / whole:5.0f} pages/s, "
          f"{mb / whole:5.1f} MB/s, worst {1000 * worst[0]:.0f} ms ({worst[1]})")
    return floor, reader, whole


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=500, help="number of generated pages")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement (best is kept)")
    args = ap.parse_args(argv)

    corpus = corpus_pages()
    gen = generated_pages(args.n, args.seed)
    for name, data, *_ in gen[:14]:  # warm caches (OpenCC, label keys) before timing
        try:
            extract_bytes(data, name)
        except Exception:  # noqa: BLE001
            pass

    print(f"HTML throughput, one core, best of {args.repeat} runs, per page; ratios to lxml's parse of the "
          f"decoded page (target: HTML reader within {TARGET:g}x)\n")
    totals = []
    if corpus:
        totals.append(("corpus", line("corpus", corpus, args.repeat)))
    else:
        print(f"corpus           (none: {CORPUS} absent)")
    totals.append(("generated", line("generated", [(n, d) for n, d, *_ in gen], args.repeat)))
    for style in synth.HTML_STYLES:
        line(f"  {style}", [(n, d) for n, d, _, st in gen if st == style], args.repeat)

    exact = total = crashes = 0
    statuses: Counter[str] = Counter()
    cell_status: Counter[str] = Counter()
    for name, data, s, _ in gen:
        try:
            r = extract_bytes(data, name)
        except Exception as e:  # noqa: BLE001 - a benchmark counts crashes, it does not stop on them
            crashes += 1
            statuses[type(e).__name__] += 1
            continue
        e, t, per, _ = synth.exactness(r, s)
        exact += e
        total += t
        statuses[r.status] += 1
        cell_status.update(per)
    print(f"\ngenerated pages: {exact}/{total} truth cells exact ({100 * exact / max(total, 1):.2f}%); "
          f"report status {dict(statuses)}; truth-cell status {dict(cell_status)}; crashes {crashes}")
    for label, (floor, reader, whole) in totals:
        verdict = "met" if reader <= TARGET * floor else "NOT met"
        print(f"{label}: HTML reader {reader / floor:.1f}x lxml's parse (target <= {TARGET:g}x: {verdict}); "
              f"whole extraction {whole / floor:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
