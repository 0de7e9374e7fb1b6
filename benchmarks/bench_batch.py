"""Batch scaling: wall time and peak memory of `ogi batch` over generated text and HTML reports, with 1 and 2
worker processes and on a Dask LocalCluster, side by side.

    python benchmarks/bench_batch.py --n 10000

Peak memory is the largest sum of proportional set sizes (PSS: resident memory with pages shared between
processes, such as the libraries of forked workers, divided among them) over the batch's whole process
tree, sampled from /proc every 0.1 s; the RSS sum, which counts shared pages once per process, is printed
beside it. Targets: near-linear scaling from 1 to 2 workers, peak memory under 500 MB.
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


def _tree_rss(pid: int) -> tuple[int, int]:
    """(PSS, RSS) bytes of a process and all its descendants."""
    pss = total = 0
    stack, seen = [pid], set()
    while stack:
        p = stack.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    pss += int(line.split()[1]) * 1024
            for task in Path(f"/proc/{p}/task").iterdir():
                stack.extend(int(c) for c in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return pss, total


def run(cmd: list[str]) -> tuple[float, int, int]:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = peak_rss = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak, peak_rss
        while not done.is_set():
            pss, rss = _tree_rss(proc.pid)
            peak, peak_rss = max(peak, pss), max(peak_rss, rss)
            time.sleep(0.1)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    _, err = proc.communicate()
    done.set()
    t.join()
    if proc.returncode:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{err.decode()[-2000:]}")
    return time.perf_counter() - start, peak, peak_rss


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-dask", action="store_true")
    ap.add_argument("--runs", default="1,2,dask", help="which runs, of 1, 2 and dask (default: all three)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src"
        t0 = time.perf_counter()
        size = make_reports(src, args.n, args.seed)
        print(f"{args.n} generated reports (3/4 text forms, 1/4 HTML styles), {size / 1e6:.1f} MB, "
              f"made in {time.perf_counter() - t0:.1f} s")
        base = [sys.executable, "-m", "ogi.cli", "batch", str(src), "--quiet"]
        rows = []
        runs = set(args.runs.split(",")) - ({"dask"} if args.no_dask else set())
        for label, extra in (("1 worker", ["--workers", "1"]), ("2 workers", ["--workers", "2"])):
            if label[0] in runs:
                rows.append((label, *run(base + ["-o", str(Path(tmp) / label.replace(" ", "")), *extra])))
        if "dask" in runs:
            script = (
                "import sys; from pathlib import Path; from distributed import LocalCluster;"
                "from ogi.runner import run_batch\n"
                "with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:\n"
                f"    run_batch([Path({str(src)!r})], Path({str(Path(tmp) / 'dask')!r}), engine='dask',"
                " scheduler=c.scheduler_address, progress=False)\n")
            rows.append(("Dask LocalCluster, 2 workers", *run([sys.executable, "-c", script])))
        one = rows[0][1] if "1" in runs else None
        print(f"{'run':<30}{'wall s':>10}{'reports/s':>12}{'speed-up':>10}{'peak PSS MB':>13}{'(RSS sum)':>11}")
        for label, secs, peak, peak_rss in rows:
            print(f"{label:<30}{secs:>10.1f}{args.n / secs:>12.1f}{one / secs if one else float('nan'):>10.2f}{peak / 2**20:>13.0f}"
                  f"{peak_rss / 2**20:>11.0f}")
        print("targets: near-linear scaling (2 workers ~2x), peak memory < 500 MB")


if __name__ == "__main__":
    main()
