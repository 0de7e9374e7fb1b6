"""Throughput and exactness of `ogi.extract` on generated reports (ogi.synth), one core.

    PYTHONPATH=. python3 benchmarks/bench_extract.py [--n 1000] [--seed 1]

Writes N seed-style (pipe) reports to a temp dir — half simplified, half traditional like the seed, both
templates — and prints reports/second through `ogi.extract` (the Python API) beside the time to merely
read the same files and convert them with OpenCC (`normalize.text.normalize_text`), the worst single
report, and the share of cells whose value equals the truth, overall and per status. The same exactness
figures follow for N glued reports. Targets: ≥ 50 reports/s and worst < 1 s. Measures only; asserts nothing.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from normalize.text import normalize_text  # noqa: E402
from ogi import synth  # noqa: E402
from ogi.api import extract  # noqa: E402
from ogi.model import CELL_STATUSES  # noqa: E402

FORMS = {"pipe": ("pipe", "pipe-traditional"), "glued": ("glued",)}


def write_reports(out: Path, n: int, seed: int, kind: str) -> list[tuple[Path, synth.Synth]]:
    rng = random.Random(seed)
    forms = FORMS[kind]
    items = []
    for i in range(n):
        version = ("2019", "2021")[i % 2]
        form = forms[(i // 2) % len(forms)]
        s = synth.generate(rng, version)
        p = out / f"{kind}_{i:05d}_{version}_{form}.txt"
        p.write_text(synth.render(s, form), encoding="utf-8")
        items.append((p, s))
    return items


def time_read(items) -> float:
    t0 = time.perf_counter()
    for p, _ in items:
        normalize_text(p.read_bytes().decode("utf-8"))
    return time.perf_counter() - t0


def run(items):
    """Extract every file; per-report seconds, exactness counters, problem counts."""
    secs: list[tuple[float, str]] = []
    exact = total = 0
    per: Counter[str] = Counter()
    exact_per: Counter[str] = Counter()
    problems: Counter[str] = Counter()
    report_status: Counter[str] = Counter()
    crashes = 0
    for p, s in items:
        t0 = time.perf_counter()
        try:
            r = extract(p)
        except Exception as e:  # noqa: BLE001 - a benchmark counts crashes, it does not stop on them
            secs.append((time.perf_counter() - t0, p.name))
            crashes += 1
            print(f"  crash on {p.name}: {e!r}", file=sys.stderr)
            continue
        secs.append((time.perf_counter() - t0, p.name))
        e, t, st, est = synth.exactness(r, s)
        exact += e
        total += t
        per.update(st)
        exact_per.update(est)
        problems.update(kind for _, kind, _ in synth.compare(r, s))
        report_status[r.status] += 1
    return secs, exact, total, per, exact_per, problems, report_status, crashes


def exactness_table(title: str, exact: int, total: int, per: Counter, exact_per: Counter) -> list[str]:
    lines = [f"{title}: {exact}/{total} truth cells exact ({exact / max(total, 1):.2%})",
             f"  {'status':<10} {'cells':>8} {'share':>8} {'exact':>8} {'exact %':>8}"]
    for st in (*CELL_STATUSES, "absent"):
        if per.get(st):
            lines.append(f"  {st:<10} {per[st]:>8} {per[st] / total:>8.2%} {exact_per.get(st, 0):>8} "
                         f"{exact_per.get(st, 0) / per[st]:>8.2%}")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1000, help="reports per form (default 1000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-glued", action="store_true", help="skip the glued exactness run")
    args = ap.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        try:
            os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
        except OSError:
            pass
    with tempfile.TemporaryDirectory(prefix="ogi_bench_") as tmp:
        out = Path(tmp)
        items = write_reports(out, args.n, args.seed, "pipe")
        extract(items[0][0])  # warm-up: imports, OpenCC dictionaries
        t_read = time_read(items)
        secs, exact, total, per, exact_per, problems, rstatus, crashes = run(items)
        t_extract = sum(s for s, _ in secs)
        worst, worst_name = max(secs)
        ordered = sorted(s for s, _ in secs)
        median, p95 = ordered[len(ordered) // 2], ordered[int(len(ordered) * 0.95)]
        slow = sum(1 for s in ordered if s > 0.25)
        print(f"ogi.extract on {args.n} generated seed-style reports (pipe; half traditional; 2019+2021), one core")
        print(f"  {'step':<34} {'seconds':>9} {'reports/s':>10}")
        print(f"  {'read + OpenCC (normalize_text)':<34} {t_read:>9.2f} {args.n / t_read:>10.1f}")
        print(f"  {'ogi.extract (Python API)':<34} {t_extract:>9.2f} {args.n / t_extract:>10.1f}   (target ≥ 50)")
        print(f"  median report {median * 1000:.1f} ms; p95 {p95 * 1000:.1f} ms; {slow} reports > 0.25 s "
              f"taking {sum(s for s in ordered if s > 0.25):.1f} s in all")
        print(f"  worst report {worst:.3f} s ({worst_name})   (target < 1 s)")
        print(f"  report status: {dict(rstatus)}; crashes: {crashes}")
        print(f"  soundness problems: {dict(problems) or 'none'}")
        print("\n".join(exactness_table("  pipe exactness", exact, total, per, exact_per)))
        if not args.no_glued:
            gitems = write_reports(out, args.n, args.seed + 1, "glued")
            secs, exact, total, per, exact_per, problems, rstatus, crashes = run(gitems)
            t_g = sum(s for s, _ in secs)
            worst, worst_name = max(secs)
            print(f"\nglued reports ({args.n}): {args.n / t_g:.1f} reports/s, worst {worst:.3f} s ({worst_name})")
            print(f"  report status: {dict(rstatus)}; crashes: {crashes}")
            print(f"  soundness problems: {dict(problems) or 'none'}")
            print("\n".join(exactness_table("  glued exactness", exact, total, per, exact_per)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
