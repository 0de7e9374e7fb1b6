"""`ogi fetch`'s store: RAW/<host>/<file>, `manifest.tsv` (one row per stored URL and content), `skipped.tsv`,
and the crawler's cache under RAW/.fetch/; every file replaced atomically."""
from __future__ import annotations

import csv
import json
import os
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Iterable, Sequence

from extract.fetch_links import FetchError, safe_name
from extract.files import write_atomic

MANIFEST_COLUMNS = ("url", "final_url", "listing_url", "title", "publish_date", "http_status", "content_type",
                    "charset", "sha256", "bytes", "fetched_at", "file", "role", "parent_url", "read", "etag",
                    "last_modified")
SKIPPED_COLUMNS = ("url", "listing_url", "title", "reason", "http_status", "detail")


@dataclass(frozen=True)
class ManifestRow:
    """One stored file: where it came from and what it is. `file` is relative to RAW (POSIX)."""
    url: str
    final_url: str
    listing_url: str
    title: str
    publish_date: str
    http_status: int
    content_type: str
    charset: str
    sha256: str
    bytes: int
    fetched_at: str
    file: str
    role: str  # page | attachment | document (a report linked directly)
    parent_url: str = ""
    read: bool = False  # the reading copy of its report (handed to `ogi batch`)
    etag: str = ""
    last_modified: str = ""


@dataclass(frozen=True)
class Skipped:
    url: str
    listing_url: str
    title: str
    reason: str  # robots | http | timeout | network | redirects | too_large | not_report | error
    http_status: int | None = None
    detail: str = ""



def _cell(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else ""
    return " ".join(str(value).split()) if value is not None else ""


def _tsv(columns: Sequence[str], rows: Iterable[dict]) -> bytes:
    lines = ["\t".join(columns)] + ["\t".join(_cell(r[c]) for c in columns) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def read_manifest(raw: str | Path) -> list[ManifestRow]:
    path = Path(raw) / "manifest.tsv"
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        types = {f.name: f.type for f in fields(ManifestRow)}
        rows = []
        for rec in reader:
            vals = {k: rec.get(k) or "" for k in types}
            vals["http_status"] = int(vals["http_status"] or 0)
            vals["bytes"] = int(vals["bytes"] or 0)
            vals["read"] = vals["read"] == "yes"
            rows.append(ManifestRow(**vals))
    return rows


class _Store:
    """RAW/: files by host, manifest.tsv, skipped.tsv, and the crawler's cache under .fetch/."""

    def __init__(self, raw: Path) -> None:
        self.raw = raw
        self.state = raw / ".fetch"
        self.tmp = self.state / "tmp"
        self.bodies = self.state / "bodies"
        for d in (raw, self.tmp, self.bodies):
            d.mkdir(parents=True, exist_ok=True)
        for stale in [*self.tmp.iterdir(), *raw.glob(".tmp-*"), *self.state.glob(".tmp-*")]:  # a killed run
            stale.unlink(missing_ok=True)
        self.rows = read_manifest(raw)
        cache = self.state / "cache.json"
        self.cache: dict[str, dict] = json.loads(cache.read_text("utf-8")) if cache.exists() else {}
        self.by_sha = {r.sha256: r.file for r in self.rows if (raw / r.file).is_file()}
        self.taken: set[str] = set()

    def row_index(self, url: str, sha: str) -> int | None:
        return next((i for i, r in enumerate(self.rows) if r.url == url and r.sha256 == sha), None)

    def place(self, tmp: Path, sha: str, host: str, name: str) -> str:
        """Move a downloaded body into RAW/<host>/ under a fresh name; the same bytes are stored once."""
        known = self.by_sha.get(sha)
        if known and (self.raw / known).is_file():
            tmp.unlink(missing_ok=True)
            return known
        folder = self.raw / safe_name(host.replace(":", "_"), "host")
        folder.mkdir(exist_ok=True)
        stem, ext = os.path.splitext(name)
        for i in range(1, 10_000):
            candidate = folder / (name if i == 1 else f"{stem}-{i}{ext}")
            rel = candidate.relative_to(self.raw).as_posix()
            if not candidate.exists() and rel not in self.taken:
                break
        else:
            raise FetchError(f"{folder}: no free name for {name}")
        assert candidate.resolve().parent == folder.resolve()  # safe_name leaves no way out
        os.replace(tmp, candidate)
        self.taken.add(rel)
        self.by_sha[sha] = rel
        return rel

    def keep_body(self, tmp: Path, sha: str) -> str:
        """Listing pages and robots.txt: kept for conditional requests, not part of the store."""
        target = self.bodies / sha
        if target.exists():
            tmp.unlink(missing_ok=True)
        else:
            os.replace(tmp, target)
        return target.relative_to(self.raw).as_posix()

    def add(self, row: ManifestRow) -> tuple[ManifestRow, bool]:
        i = self.row_index(row.url, row.sha256)
        if i is not None and (self.raw / self.rows[i].file).is_file():
            return self.rows[i], False
        if i is not None:  # its file was removed since: the new copy takes its place
            del self.rows[i]
        self.rows.append(row)
        self.save()
        return row, True

    def mark_read(self, keys: set[tuple[str, str]], pages: set[tuple[str, str]]) -> None:
        """The reading copies of one report: `keys` become read, the page rows in `pages` not."""
        changed = False
        for i, r in enumerate(self.rows):
            key = (r.url, r.sha256)
            want = True if key in keys else (False if key in pages else r.read)
            if want != r.read:
                self.rows[i] = replace(r, read=want)
                changed = True
        if changed:
            self.save()

    def save(self) -> None:
        self.rows.sort(key=lambda r: (r.url, r.fetched_at))  # one order, whatever order the downloads ended in
        write_atomic(self.raw / "manifest.tsv", _tsv(MANIFEST_COLUMNS, (asdict(r) for r in self.rows)))
        write_atomic(self.state / "cache.json", json.dumps(self.cache, ensure_ascii=False, indent=0).encode())

    def save_skipped(self, skipped: Sequence[Skipped]) -> None:
        rows = sorted((asdict(s) for s in skipped), key=lambda r: (r["url"], r["reason"]))
        write_atomic(self.raw / "skipped.tsv", _tsv(SKIPPED_COLUMNS, rows))
