"""HTML throughput of `ogi.api.extract_bytes`, beside the floor of merely parsing the same bytes with lxml.

    PYTHONPATH=. python3 benchmarks/bench_html.py [--n 500] [--seed 1] [--repeat 3]

Two sets of pages, all held in memory (no disk I/O is timed):

- the corpus HTML files (../shared/corpus/*.html, skipped when absent);
- N generated pages (`ogi.synth.render_html`), both template versions, spread over `HTML_STYLES`.

For each set (and each generated style) it prints pages/s and MB/s through `extract_bytes`, the time
`lxml.html.fromstring` alone takes on the same bytes (and on the same page decoded to text: libxml2 stops
early on a GB18030 page labelled gb2312, which makes the bytes floor meaningless for those), their ratios
(target: within 3x of that floor), the time of the HTML reader alone (bytes -> RawDocument), the slowest
page, and for generated pages the share of truth cells read exactly, the cell and report statuses.
Times are the best of `--repeat` runs. Measures only; asserts nothing.
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

from ogi import synth  # noqa: E402
from ogi.api import ReadError, extract_bytes  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("OGI_SHARED", ROOT.parent / "shared")) / "corpus"


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


def _best(fn, items, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for item in items:
            try:
                fn(item)
            except Exception:  # noqa: BLE001 - only the time matters here
                pass
        best = min(best, time.perf_counter() - t0)
    return best


def _decode(data: bytes) -> str:
    for enc in ("utf-8", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def time_lxml(pages: list[bytes], repeat: int) -> tuple[float, float]:
    """lxml.html.fromstring on the bytes (the floor asked for; note that libxml2 silently stops early on a
    GB18030 page labelled gb2312, so that floor is too low for such pages), and on the decoded text."""
    texts = [_decode(d) for d in pages]
    return _best(lxml.html.fromstring, pages, repeat), _best(lxml.html.fromstring, texts, repeat)


def time_read(named: list[tuple[str, bytes]], repeat: int) -> float | None:
    """The HTML reader alone (bytes -> RawDocument, before observe/reconcile), if its entry point is there."""
    try:
        from extract.readers import read_document
    except ImportError:
        return None
    return _best(lambda nd: read_document(Path(nd[0]), nd[1]), named, repeat)


def time_extract(named: list[tuple[str, bytes]], repeat: int):
    """Best total seconds over `repeat` runs, per-page seconds of the best run, results of the last run."""
    best, best_per, results = float("inf"), [], []
    for _ in range(repeat):
        per, results = [], []
        t0 = time.perf_counter()
        for name, data in named:
            t1 = time.perf_counter()
            try:
                results.append(extract_bytes(data, name))
            except ReadError as e:
                results.append(e)
            except Exception as e:  # noqa: BLE001 - a benchmark counts crashes, it does not stop on them
                results.append(e)
                print(f"  crash on {name}: {e!r}", file=sys.stderr)
            per.append((time.perf_counter() - t1, name))
        total = time.perf_counter() - t0
        if total < best:
            best, best_per = total, per
    return best, best_per, results


def line(label: str, named: list[tuple[str, bytes]], repeat: int) -> tuple[float, float, list]:
    mb = sum(len(d) for _, d in named) / 2**20
    floor, floor_text = time_lxml([d for _, d in named], repeat)
    secs, per, results = time_extract(named, repeat)
    read = time_read(named, repeat)
    worst = max(per) if per else (0.0, "-")
    n = len(named)
    print(f"{label:<16} {n:>4} pages {mb:5.1f} MB | extract {1000 * secs / n:5.1f} ms/page {n / secs:6.1f} pages/s "
          f"{mb / secs:5.1f} MB/s (HTML reader alone {1000 * read / n if read else float('nan'):4.1f} ms) | "
          f"lxml.fromstring bytes {1000 * floor / n:5.2f} ms, text {1000 * floor_text / n:5.2f} ms | "
          f"ratio {secs / floor:5.1f}x ({secs / floor_text:4.1f}x vs text; reader alone "
          f"{(read or float('nan')) / floor_text:4.1f}x) | worst {worst[0] * 1000:.0f} ms ({worst[1]})")
    return secs, floor, results


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

    print(f"HTML throughput, one core (best of {args.repeat}); target: extract within 3x of lxml.fromstring\n")
    if corpus:
        line("corpus", corpus, args.repeat)
    else:
        print(f"corpus           (none: {CORPUS} absent)")
    secs, floor, results = line("generated", [(n, d) for n, d, *_ in gen], args.repeat)
    for style in synth.HTML_STYLES:
        line(f"  {style}", [(n, d) for n, d, _, st in gen if st == style], args.repeat)

    exact = total = 0
    statuses: Counter[str] = Counter()
    cell_status: Counter[str] = Counter()
    crashes = 0
    for (_, _, s, _), r in zip(gen, results):
        if isinstance(r, Exception):
            crashes += 1
            statuses[type(r).__name__] += 1
            continue
        e, t, per, _ = synth.exactness(r, s)
        exact += e
        total += t
        statuses[r.status] += 1
        cell_status.update(per)
    print(f"\ngenerated pages: {exact}/{total} truth cells exact ({100 * exact / max(total, 1):.2f}%); "
          f"report status {dict(statuses)}; truth-cell status {dict(cell_status)}; crashes {crashes}")
    print(f"overall ratio extract/lxml on generated pages: {secs / floor:.1f}x (target <= 3x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
