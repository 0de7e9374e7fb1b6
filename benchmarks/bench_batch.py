"""Batch scaling: wall time and peak memory of `ogi batch` over generated text and HTML reports, with 1 and 2
worker processes and on a Dask LocalCluster, side by side.

    python benchmarks/bench_batch.py --n 10000

Peak memory is the largest sum of resident memory over the batch's whole process tree (sampled from /proc
every 0.1 s). Targets: near-linear scaling from 1 to 2 workers, peak memory under 500 MB.
"""
from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ogi import synth  # noqa: E402


def make_reports(folder: Path, n: int, seed: int) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    total = 0
    for i in range(n):
        s = synth.generate(random.Random(seed + i), ("2019", "2021")[i % 2])
        kind = i % 4
        if kind == 3:
            data = synth.render_html(s, synth.HTML_STYLES[i % len(synth.HTML_STYLES)])
            name = f"r{i:05d}.html"
        else:
            data = synth.render(s, ("pipe", "pipe-traditional", "glued")[kind]).encode("utf-8")
            name = f"r{i:05d}.txt"
        (folder / name).write_bytes(data)
        total += len(data)
    return total


def _tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants."""
    total, stack, seen = 0, [pid], set()
    while stack:
        p = stack.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
            for task in Path(f"/proc/{p}/task").iterdir():
                stack.extend(int(c) for c in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def run(cmd: list[str]) -> tuple[float, int]:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            time.sleep(0.1)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    _, err = proc.communicate()
    done.set()
    t.join()
    if proc.returncode:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{err.decode()[-2000:]}")
    return time.perf_counter() - start, peak


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-dask", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src"
        t0 = time.perf_counter()
        size = make_reports(src, args.n, args.seed)
        print(f"{args.n} generated reports (3/4 text forms, 1/4 HTML styles), {size / 1e6:.1f} MB, "
              f"made in {time.perf_counter() - t0:.1f} s")
        base = [sys.executable, "-m", "ogi.cli", "batch", str(src), "--quiet"]
        rows = []
        for label, extra in (("1 worker", ["--workers", "1"]), ("2 workers", ["--workers", "2"])):
            secs, peak = run(base + ["-o", str(Path(tmp) / label.replace(" ", "")), *extra])
            rows.append((label, secs, peak))
        if not args.no_dask:
            script = (
                "import sys; from pathlib import Path; from distributed import LocalCluster;"
                "from ogi.batch import run_batch\n"
                "with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:\n"
                f"    run_batch([Path({str(src)!r})], Path({str(Path(tmp) / 'dask')!r}), engine='dask',"
                " scheduler=c.scheduler_address, progress=False)\n")
            secs, peak = run([sys.executable, "-c", script])
            rows.append(("Dask LocalCluster, 2 workers", secs, peak))
        one = rows[0][1]
        print(f"{'run':<30}{'wall s':>10}{'reports/s':>12}{'speed-up':>10}{'peak MB':>10}")
        for label, secs, peak in rows:
            print(f"{label:<30}{secs:>10.1f}{args.n / secs:>12.1f}{one / secs:>10.2f}{peak / 2**20:>10.0f}")
        print("targets: near-linear scaling (2 workers ~2x), peak memory < 500 MB")


if __name__ == "__main__":
    main()
