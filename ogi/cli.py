"""The `ogi` command: a thin layer over the Python API."""
from __future__ import annotations

import argparse
import json
import sys

from ogi import __version__
from ogi.render import render_report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ogi", description=__doc__)
    parser.add_argument("--version", action="version", version=f"ogi {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("extract", help="read one report and print its tables (or --json: the result document)")
    ex.add_argument("file")
    ex.add_argument("--json", action="store_true", help="print the JSON document of shared/spec/OUTPUT.md")
    ba = sub.add_parser("batch", help="read every report below the given folders into tables (Parquet, CSV, DuckDB)")
    ba.add_argument("inputs", nargs="+", help="files or folders (recursive)")
    ba.add_argument("-o", "--out", required=True, help="output folder")
    ba.add_argument("--workers", type=int, default=None, help="worker processes (default: all cores)")
    ba.add_argument("--timeout", type=float, default=120.0, help="seconds allowed per file (default 120)")
    ba.add_argument("--force", action="store_true", help="redo files already done in an earlier run")
    ba.add_argument("--quiet", action="store_true", help="no progress bar")
    ba.add_argument("--engine", choices=("local", "dask"), default="local",
                    help="local process pool (default) or an existing Dask cluster")
    ba.add_argument("--scheduler", help="Dask scheduler address, with --engine dask")
    rv = sub.add_parser("review", help="write OUT/review.html: every cell coloured by status, failing checks beside")
    rv.add_argument("out", help="the output folder of `ogi batch`")
    ve = sub.add_parser("verify", help="compare each report below DIR with the expected file beside it "
                                       "(NAME.expected.json or expected/NAME.json); exit 1 when anything differs")
    ve.add_argument("dir")
    ve.add_argument("--write", action="store_true",
                    help="create or update the expected files from the current output (review them before committing)")
    di = sub.add_parser("diff", help="what changed between two `ogi batch` output folders; nothing and exit 0 when "
                                     "they agree, else exit 1")
    di.add_argument("out_a")
    di.add_argument("out_b")
    di.add_argument("--html", metavar="PAGE", help="also write the changes as a page in the review format")
    fe = sub.add_parser("fetch", help="collect reports (pages and attachments) from a site's 年报 column or a "
                                      "list of URLs into RAW, with RAW/manifest.tsv; politely (robots.txt, delays)")
    src = fe.add_mutually_exclusive_group(required=True)
    src.add_argument("--listing", metavar="URL", action="append", help="a listing page; its pagination is followed")
    src.add_argument("--urls", metavar="FILE", help="one report URL a line (optionally a tab and its title)")
    fe.add_argument("-o", "--out", required=True, metavar="RAW", help="the raw store (created; reruns update it)")
    fe.add_argument("--years", help="report years to take from a listing: 2023, 2019-2024, 2019- or -2022")
    fe.add_argument("--title", default=None, help="regex an entry's title must match (default: 年度报告|年报)")
    fe.add_argument("--delay", type=float, default=1.0, help="seconds between requests to one host (default 1)")
    fe.add_argument("--per-host", type=int, default=2, help="requests in flight per host (default 2)")
    fe.add_argument("--timeout", type=float, default=30.0, help="seconds to connect and per read (default 30)")
    fe.add_argument("--retries", type=int, default=3, help="retries on timeouts and 5xx, never on 4xx (default 3)")
    fe.add_argument("--max-mb", type=float, default=100.0, help="size limit per file in MB (default 100)")
    fe.add_argument("--max-pages", type=int, default=50, help="listing pages followed at most (default 50)")
    fe.add_argument("--contact", help="an e-mail or URL added to the User-Agent, for the site's webmaster")
    fe.add_argument("--then-batch", metavar="OUT", help="then read the fetched reports with `ogi batch` into OUT")
    fe.add_argument("--quiet", action="store_true", help="no line per stored file")
    pa = sub.add_parser("panel", help="one row per agency × year from an `ogi batch` output folder, with the "
                                      "indicators of docs/PANEL.md")
    pa.add_argument("out", help="the output folder of `ogi batch`")
    pa.add_argument("-o", "--output", required=True, help="panel.parquet or panel.csv")
    args = parser.parse_args(argv)
    if args.command == "panel":
        return _panel(args.out, args.output)
    if args.command == "verify":
        return _verify(args.dir, args.write)
    if args.command == "diff":
        return _diff(args.out_a, args.out_b, args.html)
    if args.command == "review":
        return _review(args.out)
    if args.command == "extract":
        return _extract(args.file, args.json)
    if args.command == "batch":
        return _batch(args)
    if args.command == "fetch":
        return _fetch(args)
    return 2


def _panel(out: str, target: str) -> int:
    from pathlib import Path

    from ogi.indicators import panel, write_panel

    if not (Path(out) / "reports.parquet").exists():
        print(f"ogi: error: {out}: not an `ogi batch` output folder (no reports.parquet)", file=sys.stderr)
        return 2
    df = panel(out)
    write_panel(df, target)
    print(f"{target}: {len(df)} agency × year rows from {int(df.n_reports.sum()) if len(df) else 0} reports")
    return 0


def _review(out: str) -> int:
    from pathlib import Path

    from ogi.review import write_review

    if not (Path(out) / "reports.parquet").exists():
        print(f"ogi: error: {out}: no batch output here (run `ogi batch … -o {out}` first)", file=sys.stderr)
        return 1
    print(write_review(Path(out)))
    return 0


def _verify(folder: str, write: bool) -> int:
    from ogi.expected import verify

    try:
        result = verify(folder, write=write)
    except (FileNotFoundError, NotADirectoryError, PermissionError) as exc:
        print(f"ogi: error: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(result.text())
    if write:
        return 0 if all(v.error is None for v in result.verdicts) else 1
    return 0 if result.ok else 1


def _diff(out_a: str, out_b: str, page: str | None) -> int:
    from ogi.rundiff import diff_runs

    try:
        result = diff_runs(out_a, out_b)
    except (FileNotFoundError, PermissionError, ValueError) as exc:
        print(f"ogi: error: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(result.text())
    if page:
        from ogi.diffpage import write_diff_page

        write_diff_page(result, page)
    return 1 if result else 0


def _batch(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ogi.runner import run_batch

    try:
        result = run_batch([Path(p) for p in args.inputs], Path(args.out), workers=args.workers,
                           timeout=args.timeout, force=args.force, progress=False if args.quiet else None,
                           engine=args.engine, scheduler=args.scheduler)
    except (FileNotFoundError, NotADirectoryError, PermissionError, ValueError) as exc:
        print(f"ogi: error: {exc}", file=sys.stderr)
        return 1
    sys.stdout.write(result.summary())
    return 0


def _fetch(args: argparse.Namespace) -> int:
    from pathlib import Path

    from extract.fetch import DEFAULT_TITLE, FetchConfig, FetchError, default_user_agent, fetch, parse_years, \
        read_url_file

    try:
        years = parse_years(args.years)
        config = FetchConfig(user_agent=default_user_agent(args.contact), delay=args.delay, per_host=args.per_host,
                             timeout=args.timeout, retries=args.retries, max_bytes=int(args.max_mb * 1024 * 1024),
                             max_pages=args.max_pages)
        urls = read_url_file(args.urls) if args.urls else None
        log = None if args.quiet else (lambda row: print(f"stored {row.file}  <- {row.url}", file=sys.stderr))
        result = fetch(Path(args.out), listing=args.listing, urls=urls, years=years,
                       title=args.title or DEFAULT_TITLE, config=config, on_stored=log,
                       then_batch=Path(args.then_batch) if args.then_batch else None,
                       **({"progress": False} if args.quiet else {}))
    except ValueError as exc:
        print(f"ogi: error: {exc}", file=sys.stderr)
        return 2
    except (FetchError, OSError) as exc:
        print(f"ogi: error: {exc}", file=sys.stderr)
        return 1
    sys.stdout.write(result.summary())
    return 0


def _extract(path: str, as_json: bool) -> int:
    from ogi.api import ReadError, extract

    try:
        report = extract(path)
    except ReadError as exc:
        print(f"ogi: error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - one clear line, never a traceback
        print(f"ogi: error: {path}: could not be processed ({type(exc).__name__}: {exc})", file=sys.stderr)
        return 1
    if as_json:
        json.dump(report.to_dict(), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render_report(report))
    return 0 if report.status != "failed" else 3


if __name__ == "__main__":
    raise SystemExit(main())
