"""`ogi fetch`: collect reports (pages and their attachments) from government sites into a raw store.

Built on httpx (client, streaming, timeouts), tenacity (retries with exponential backoff) and protego
(robots.txt, Scrapy's parser). What this module adds is the crawl itself and its bookkeeping:

- robots.txt is read per origin before anything else there and obeyed for every request, redirects
  included (RFC 9309: a 4xx robots.txt allows all, 401/403, 5xx or no answer disallow all); its
  Crawl-delay raises the per-host delay (capped).
- Per host: at most `per_host` requests in flight and `delay` seconds between the starts of two requests.
  A descriptive User-Agent. Retries with backoff on timeouts, transport errors and 5xx, never on 4xx;
  redirects followed by hand (robots checked at every hop), at most `max_redirects`, loops stopped.
- Conditional requests (ETag / Last-Modified) from a cache in `RAW/.fetch/cache.json`: a rerun downloads
  nothing unchanged (304), and content already stored is never stored twice. Bodies stream to a temp file
  under `RAW/.fetch/tmp/` with a size limit and are moved into place whole; the manifest and the cache are
  replaced atomically after every stored file, so an interrupted run resumes where it stopped.
- Bytes are never executed; only links parsed deliberately are followed (listing entries, pagination links
  and the `createPageHTML(...)` pager of TRS sites, attachment links). Pages are decoded with
  `extract.html.decode_html` (gb2312/gbk read as gb18030, undeclared GBK detected).
- File names come from Content-Disposition or the URL, sanitised (no directories, no hidden or reserved
  names, bounded length) and never overwrite a different file: `name-2.pdf`, `name-3.pdf`, …

The store: `RAW/<host>/<file>`; `RAW/manifest.tsv` (UTF-8, tab-separated, one row per stored URL and
content, ordered by URL and time, untouched by a 304; columns `MANIFEST_COLUMNS`); `RAW/skipped.tsv` (what
the last run could not fetch, and why). The `read` column marks the reading copy of each report — its
report attachments (PDF/DOC/DOCX/WPS) when the page has any, else the page — which `--then-batch` hands to
`ogi batch`.
"""
from __future__ import annotations

import asyncio
import csv
import hashlib
import json
import os
import re
import tempfile
import unicodedata
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Sequence
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

import httpx
import lxml.html
from lxml.etree import ParserError
from protego import Protego
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential

from extract.html import decode_html
from extract.sniff import ReadError
from ogi.runner import _write_atomic  # the same atomic replace as the batch's tables

UA_TOKEN = "ogi-fetch"
DOC_EXTS = (".pdf", ".doc", ".docx", ".wps", ".xls", ".xlsx", ".et", ".zip")
READ_EXTS = (".pdf", ".doc", ".docx", ".wps")  # the attachment kinds ogi reads as reports
PAGE_EXTS = (".html", ".htm", ".shtml", ".jhtml", ".xhtml")
DEFAULT_TITLE = r"年度报告|年报"
MANIFEST_COLUMNS = ("url", "final_url", "listing_url", "title", "publish_date", "http_status", "content_type",
                    "charset", "sha256", "bytes", "fetched_at", "file", "role", "parent_url", "read", "etag",
                    "last_modified")
SKIPPED_COLUMNS = ("url", "listing_url", "title", "reason", "http_status", "detail")
_REDIRECTS = (301, 302, 303, 307, 308)
_MAGIC = ((b"%PDF", ".pdf"), (b"\xd0\xcf\x11\xe0", ".doc"), (b"PK\x03\x04", ".zip"))
_TYPES = {"application/pdf": ".pdf", "application/msword": ".doc", "application/vnd.ms-excel": ".xls",
          "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
          "application/zip": ".zip", "application/kswps": ".wps", "application/vnd.ms-works": ".wps"}
_NEXT = re.compile(r"^\s*(下一页|下页|后页|后一页|尾页|末页|next|>|>>|›|»)\s*$", re.I)
_PAGER_JS = re.compile(r"createPageHTML\(\s*['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,\s*['\"]([\w.-]+)['\"]\s*,"
                       r"\s*['\"](\w+)['\"]")
_DATE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_PUBDATE_META = ("pubdate", "publishdate", "firstpublishedtime", "dc.date", "article:published_time")
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}
MAX_NAME_BYTES = 150
MAX_ATTACHMENTS = 30


def default_user_agent(contact: str | None = None) -> str:
    from ogi import __version__

    who = f"; contact: {contact}" if contact else ""
    return (f"{UA_TOKEN}/{__version__} (ogi, research crawler for government information-disclosure annual "
            f"reports; obeys robots.txt{who})")


@dataclass(frozen=True)
class FetchConfig:
    """Politeness and limits. The defaults suit a real site; tests shorten the delays and timeouts."""
    user_agent: str = field(default_factory=default_user_agent)
    delay: float = 1.0  # seconds between the starts of two requests to one host
    per_host: int = 2  # requests in flight per host
    concurrency: int = 8  # reports in flight
    timeout: float = 30.0  # seconds for connect / each read
    total_timeout: float = 600.0  # seconds for one response, body included
    retries: int = 3  # further attempts after a timeout, transport error or 5xx
    backoff: float = 1.0  # first wait before a retry, doubling
    backoff_max: float = 60.0
    max_redirects: int = 5
    max_bytes: int = 100 * 1024 * 1024  # per attachment
    max_page_bytes: int = 20 * 1024 * 1024  # per page (the HTML reader's own limit)
    max_pages: int = 50  # listing pages followed
    max_crawl_delay: float = 30.0  # a robots.txt Crawl-delay is honoured up to this


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


@dataclass(frozen=True)
class Entry:
    """A report to fetch: from a listing (title, date) or from a list of URLs."""
    url: str
    title: str = ""
    publish_date: str = ""
    listing_url: str = ""


@dataclass(frozen=True)
class FetchResult:
    raw: Path
    entries: int  # reports found
    stored: tuple[ManifestRow, ...]  # new files or new content this run
    unchanged: int  # responses that were 304 or identical to what is stored
    skipped: tuple[Skipped, ...]
    requests: int  # HTTP requests sent, robots.txt and retries included
    documents: tuple[Path, ...]  # reading copies in the whole store (what `ogi batch` gets)
    batch: object | None = None  # ogi.runner.BatchResult with then_batch

    def summary(self) -> str:
        why: dict[str, int] = {}
        for s in self.skipped:
            why[s.reason] = why.get(s.reason, 0) + 1
        lines = [f"{self.entries} reports found; {len(self.stored)} files stored, {self.unchanged} unchanged, "
                 f"{len(self.skipped)} skipped" + (f" ({', '.join(f'{k} {v}' for k, v in sorted(why.items()))})"
                                                   if why else "") + f"; {self.requests} requests",
                 f"{len(self.documents)} reports to read; manifest in {self.raw / 'manifest.tsv'}"]
        text = "\n".join(lines) + "\n"
        if self.batch is not None:
            text += self.batch.summary()
        return text


class FetchError(Exception):
    """The fetch cannot start or its listing cannot be read at all."""


# ---------------------------------------------------------------------------------------------- parsing


def safe_name(raw: str, default: str = "file") -> str:
    """A file name without directories, controls, hidden dots or reserved names, at most MAX_NAME_BYTES."""
    name = unicodedata.normalize("NFC", raw.replace("\\", "/").split("/")[-1])
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    name = re.sub(r'[<>:"|?*]', "_", name).strip().strip(".").strip()
    if not name:
        name = default
    stem, ext = os.path.splitext(name)
    if not re.fullmatch(r"\.[A-Za-z0-9]{1,8}", ext):
        stem, ext = name, ""
    ext = ext.lower()
    while len((stem + ext).encode("utf-8")) > MAX_NAME_BYTES:
        stem = stem[:-1]
    if stem.split(".")[0].upper() in _RESERVED or not stem:
        stem = "_" + stem
    return stem + ext


def disposition_name(raw_headers: Sequence[tuple[bytes, bytes]]) -> str | None:
    """The file name of a Content-Disposition header (RFC 6266 `filename*` first), raw bytes decoded as
    UTF-8, else GB18030 (Chinese servers send both)."""
    value = next((v for k, v in raw_headers if k.lower() == b"content-disposition"), None)
    if not value:
        return None
    for enc in ("utf-8", "gb18030", "latin-1"):
        try:
            text = value.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    m = re.search(r"filename\*\s*=\s*([\w-]+)'[^']*'([^;]+)", text, re.I)
    if m:
        try:
            return unquote(m.group(2).strip().strip('"'), encoding=m.group(1), errors="strict")
        except (LookupError, UnicodeDecodeError):
            pass
    m = re.search(r'filename\s*=\s*"([^"]*)"', text, re.I) or re.search(r"filename\s*=\s*([^;]+)", text, re.I)
    if not m:
        return None
    name = m.group(1).strip()
    return unquote(name) if re.search(r"%[0-9A-Fa-f]{2}", name) else name


def _ext_of(url: str) -> str:
    return os.path.splitext(unquote(urlsplit(url).path))[1].lower()


def _year(title: str) -> int | None:
    m = _YEAR.search(title)
    return int(m.group(1)) if m else None


def _date(text: str) -> str:
    m = _DATE.search(text or "")
    if not m:
        return ""
    y, mo, d = (int(g) for g in m.groups())
    return f"{y:04d}-{mo:02d}-{d:02d}" if 1 <= mo <= 12 and 1 <= d <= 31 else ""


def _parse(text: str, base: str):
    try:
        root = lxml.html.document_fromstring(text.encode("utf-8"),
                                             parser=lxml.html.HTMLParser(encoding="utf-8", huge_tree=False))
    except (ParserError, ValueError):
        return None
    try:
        root.make_links_absolute(base, resolve_base_href=True)
    except ValueError:
        pass
    return root


def _http_link(href: str | None) -> str | None:
    if not href:
        return None
    url = urldefrag(href.strip())[0]
    return url if urlsplit(url).scheme in ("http", "https") and urlsplit(url).hostname else None


def _link_title(a) -> str:
    text = " ".join(a.text_content().split())
    attr = " ".join((a.get("title") or "").split())
    return attr if len(attr) > len(text.rstrip(".…")) else text  # listings cut long titles, keep the full one


def parse_listing(text: str, url: str, title_re: re.Pattern, years: tuple[int, int] | None
                  ) -> tuple[list[Entry], list[str]]:
    """Report entries (by title and year) and the pagination links of one listing page."""
    root = _parse(text, url)
    if root is None:
        return [], []
    entries: dict[str, Entry] = {}
    pages: list[str] = []
    here = urlsplit(url)
    folder = here.path.rsplit("/", 1)[0] + "/"
    for a in root.iter("a"):
        link = _http_link(a.get("href"))
        if not link:
            continue
        title = _link_title(a)
        target = urlsplit(link)
        if title_re.search(title):
            if link in entries or not _in_years(title, a, years):
                continue
            entries[link] = Entry(link, title, _entry_date(a), url)
        elif target.netloc == here.netloc and target.path.startswith(folder) and link != url and \
                (_NEXT.match(title) or title.strip().isdigit()):
            pages.append(link)
    for m in _PAGER_JS.finditer(text):
        total, prefix, ext = int(m.group(1)), m.group(3), m.group(4)
        pages.extend(urljoin(url, prefix + (f"_{i}" if i else "") + "." + ext) for i in range(min(total, 1000)))
    return list(entries.values()), list(dict.fromkeys(p for p in pages if p != url))


def _entry_date(a) -> str:
    node = a
    for _ in range(4):  # the date sits beside the link, in its list item or table row
        node = node.getparent()
        if node is None:
            return ""
        if node.tag in ("li", "tr", "dd", "dl", "p", "div"):
            d = _date(node.text_content())
            if d or node.tag in ("li", "tr"):
                return d
    return ""


def _in_years(title: str, a, years: tuple[int, int] | None) -> bool:
    if years is None:
        return True
    year = _year(title)
    if year is None:  # reports come out early the next year: the listing date's year minus one
        d = _entry_date(a)
        year = int(d[:4]) - 1 if d else None
    return year is None or years[0] <= year <= years[1]


def parse_page(text: str, url: str) -> tuple[str, str, list[tuple[str, str]]]:
    """A report page's title, publish date and attachment links (url, link text)."""
    root = _parse(text, url)
    if root is None:
        return "", "", []
    title_el = root.find(".//title")
    title = " ".join(title_el.text_content().split()) if title_el is not None else ""
    for meta in root.iter("meta"):
        if (meta.get("name") or "").lower() == "articletitle" and meta.get("content"):
            title = " ".join(meta.get("content").split())
    date = next((_date(m.get("content") or "") for m in root.iter("meta")
                 if (m.get("name") or m.get("property") or "").lower() in _PUBDATE_META and m.get("content")), "")
    if not date:
        m = re.search(r"(?:发布日期|发布时间|成文日期)\s*[:：]\s*(\S{8,12})", text)
        date = _date(m.group(1)) if m else ""
    found: dict[str, str] = {}
    for el in root.iter("a", "iframe", "embed", "object"):
        link = _http_link(el.get("href") or el.get("src") or el.get("data"))
        if not link or link == url:
            continue
        label = " ".join(el.text_content().split()) if el.tag == "a" else ""
        if _ext_of(link) in DOC_EXTS or re.search(r"\.(" + "|".join(e[1:] for e in DOC_EXTS) + r")\s*$", label, re.I):
            found.setdefault(link, label)
    return title, date, list(found.items())[:MAX_ATTACHMENTS]


def read_url_file(path: str | Path) -> list[Entry]:
    """One URL a line, optionally a tab and a title; blank lines and `#` comments ignored."""
    entries = []
    for line in Path(path).read_text(encoding="utf-8-sig").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        url, _, title = line.partition("\t")
        if not _http_link(url):
            raise FetchError(f"{path}: not an http(s) URL: {url[:200]}")
        entries.append(Entry(url.strip(), title.strip()))
    return entries


def parse_years(text: str | None) -> tuple[int, int] | None:
    """`2019-2024`, `2023`, `2019-` or `-2022`."""
    if not text:
        return None
    m = re.fullmatch(r"\s*(\d{4})?\s*(-)?\s*(\d{4})?\s*", text)
    if not m or not (m.group(1) or m.group(3)):
        raise ValueError(f"years: {text!r} is not YEAR, FROM-TO, FROM- or -TO")
    lo = int(m.group(1)) if m.group(1) else 1900
    hi = int(m.group(3)) if m.group(3) else (lo if not m.group(2) else 9999)
    return lo, hi


# --------------------------------------------------------------------------------------------- the store


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
        _write_atomic(self.raw / "manifest.tsv", _tsv(MANIFEST_COLUMNS, (asdict(r) for r in self.rows)))
        _write_atomic(self.state / "cache.json", json.dumps(self.cache, ensure_ascii=False, indent=0).encode())

    def save_skipped(self, skipped: Sequence[Skipped]) -> None:
        rows = sorted((asdict(s) for s in skipped), key=lambda r: (r["url"], r["reason"]))
        _write_atomic(self.raw / "skipped.tsv", _tsv(SKIPPED_COLUMNS, rows))


# ----------------------------------------------------------------------------------------- the crawler


class _Transient(Exception):
    """A 5xx answer: retried."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


class _Failed(Exception):
    def __init__(self, reason: str, status: int | None = None, detail: str = "") -> None:
        super().__init__(detail or reason)
        self.reason, self.status, self.detail = reason, status, detail


@dataclass
class _Response:
    url: str  # the final URL
    status: int
    headers: httpx.Headers
    tmp: Path | None = None  # the body, for a 200
    sha256: str = ""
    size: int = 0
    requested: str = ""  # the URL asked for, before redirects

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, (_Transient, httpx.TimeoutException, httpx.TransportError, TimeoutError))


class _Host:
    """Per-host politeness: a semaphore for requests in flight, a minimum gap between request starts."""

    def __init__(self, per_host: int, delay: float) -> None:
        self.slots = asyncio.Semaphore(per_host)
        self.lock = asyncio.Lock()
        self.delay = delay
        self.next_at = 0.0

    async def __aenter__(self):
        await self.slots.acquire()
        try:
            async with self.lock:
                loop = asyncio.get_running_loop()
                wait = self.next_at - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                self.next_at = loop.time() + self.delay
        except BaseException:
            self.slots.release()
            raise
        return self

    async def __aexit__(self, *exc) -> None:
        self.slots.release()


class _Crawler:
    def __init__(self, raw: Path, config: FetchConfig, on_stored: Callable[[ManifestRow], None] | None) -> None:
        self.cfg = config
        self.store = _Store(raw)
        self.on_stored = on_stored
        self.hosts: dict[str, _Host] = {}
        self.robots: dict[str, Protego] = {}
        self.robots_locks: dict[str, asyncio.Lock] = {}
        self.requests = 0
        self.unchanged = 0
        self.stored: list[ManifestRow] = []
        self.skipped: list[Skipped] = []
        self.client: httpx.AsyncClient | None = None

    # -- HTTP

    def _host(self, url: str) -> _Host:
        key = urlsplit(url).netloc.lower()
        if key not in self.hosts:
            self.hosts[key] = _Host(self.cfg.per_host, self.cfg.delay)
        return self.hosts[key]

    async def _allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc.lower()}"
        lock = self.robots_locks.setdefault(origin, asyncio.Lock())
        async with lock:
            if origin not in self.robots:
                self.robots[origin] = await self._load_robots(origin)
        return self.robots[origin].can_fetch(url, UA_TOKEN)

    async def _load_robots(self, origin: str) -> Protego:
        url = origin + "/robots.txt"
        try:
            resp = await self._get(url, self.cfg.max_page_bytes, check_robots=False)
        except _Failed as exc:
            if exc.status and 400 <= exc.status < 500 and exc.status not in (401, 403):
                return Protego.parse("")  # RFC 9309: no robots.txt, no restrictions
            return Protego.parse("User-agent: *\nDisallow: /")  # unreachable or forbidden: nothing allowed
        text = self._body(resp, url, keep=True).decode("utf-8", errors="replace")
        rules = Protego.parse(text)
        delay = rules.crawl_delay(UA_TOKEN)
        if delay:
            host = self._host(origin)
            host.delay = max(host.delay, min(float(delay), self.cfg.max_crawl_delay))
        return rules

    def _conditional(self, url: str) -> dict[str, str]:
        entry = self.store.cache.get(url)
        if not entry or not (self.store.raw / entry.get("file", "")).is_file():
            return {}
        headers = {}
        if entry.get("etag"):
            headers["If-None-Match"] = entry["etag"]
        if entry.get("last_modified"):
            headers["If-Modified-Since"] = entry["last_modified"]
        return headers

    async def _get(self, url: str, max_bytes: int, check_robots: bool = True, page_bytes: int | None = None
                   ) -> _Response:
        """GET with robots, politeness, retries and hand-followed redirects; 200 or 304, else _Failed.
        A body is limited to `max_bytes`, or to `page_bytes` (when given) if it is served as HTML."""
        seen: list[str] = []
        first = url
        while True:
            if check_robots and not await self._allowed(url):
                raise _Failed("robots", None, "disallowed by robots.txt")
            resp = await self._attempts(url, self._conditional(url), max_bytes, page_bytes)
            if resp.status in _REDIRECTS and resp.headers.get("location"):
                nxt = _http_link(urljoin(url, resp.headers["location"]))
                seen.append(url)
                if nxt is None:
                    raise _Failed("redirects", resp.status, f"redirect to a non-http location from {url}")
                if nxt in seen:
                    raise _Failed("redirects", resp.status, f"redirect loop: {' -> '.join(seen + [nxt])}")
                if len(seen) > self.cfg.max_redirects:
                    raise _Failed("redirects", resp.status, f"more than {self.cfg.max_redirects} redirects")
                url = nxt
                continue
            if resp.status == 304 and url not in self.store.cache:
                raise _Failed("http", 304, "304 Not Modified to a request that was not conditional")
            if resp.status in (200, 304):
                return replace(resp, requested=first)
            raise _Failed("http", resp.status, f"HTTP {resp.status}")

    async def _attempts(self, url: str, headers: dict[str, str], max_bytes: int, page_bytes: int | None
                        ) -> _Response:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.cfg.retries + 1), retry=retry_if_exception(_retryable), reraise=True,
            wait=wait_exponential(multiplier=self.cfg.backoff, max=self.cfg.backoff_max))
        try:
            async for attempt in retrying:
                with attempt:
                    return await self._once(url, headers, max_bytes, page_bytes)
        except _Transient as exc:
            raise _Failed("http", exc.status, f"HTTP {exc.status} after {self.cfg.retries + 1} attempts") from None
        except (httpx.TimeoutException, TimeoutError):
            raise _Failed("timeout", None, f"timed out {self.cfg.retries + 1} times") from None
        except httpx.TransportError as exc:
            raise _Failed("network", None, f"{type(exc).__name__}: {exc}") from None
        raise AssertionError("unreachable")

    async def _once(self, url: str, headers: dict[str, str], max_bytes: int, page_bytes: int | None
                    ) -> _Response:
        assert self.client is not None
        async with self._host(url):
            self.requests += 1
            async with asyncio.timeout(self.cfg.total_timeout):
                async with self.client.stream("GET", url, headers=headers) as r:
                    if r.status_code >= 500:
                        raise _Transient(r.status_code)
                    if r.status_code != 200:
                        return _Response(url, r.status_code, r.headers)
                    if page_bytes is not None and "html" in r.headers.get("content-type", "").lower():
                        max_bytes = page_bytes
                    declared = r.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > max_bytes:
                        raise _Failed("too_large", 200, f"{declared} bytes declared, limit {max_bytes}")
                    digest, size = hashlib.sha256(), 0
                    fd, name = tempfile.mkstemp(dir=self.store.tmp, suffix=".part")
                    try:
                        with os.fdopen(fd, "wb") as f:
                            async for chunk in r.aiter_bytes():
                                size += len(chunk)
                                if size > max_bytes:
                                    raise _Failed("too_large", 200, f"more than {max_bytes} bytes")
                                digest.update(chunk)
                                f.write(chunk)
                    except BaseException:
                        Path(name).unlink(missing_ok=True)
                        raise
                    return _Response(str(r.url), 200, r.headers, Path(name), digest.hexdigest(), size)

    def _body(self, resp: _Response, url: str, keep: bool = False) -> bytes:
        """The body of a 200 (kept as a cached body when `keep`) or the cached body behind a 304."""
        if resp.status == 304:
            entry = self.store.cache[resp.url]
            return (self.store.raw / entry["file"]).read_bytes()
        assert resp.tmp is not None
        data = resp.tmp.read_bytes()
        if keep:
            rel = self.store.keep_body(resp.tmp, resp.sha256)
            self._remember(resp, rel)
        return data

    def _remember(self, resp: _Response, rel: str) -> None:
        self.store.cache[resp.url] = {"etag": resp.headers.get("etag", ""),
                                      "last_modified": resp.headers.get("last-modified", ""),
                                      "sha256": resp.sha256, "file": rel, "content_type": resp.content_type}

    # -- the crawl

    async def listing(self, start: str, title_re: re.Pattern, years: tuple[int, int] | None) -> list[Entry]:
        queue, seen, entries = [start], {start}, {}
        pages = 0
        while queue and pages < self.cfg.max_pages:
            url = queue.pop(0)
            pages += 1
            try:
                resp = await self._get(url, self.cfg.max_page_bytes)
            except _Failed as exc:
                if url == start:
                    raise FetchError(f"{url}: the listing could not be fetched ({exc.reason}: {exc})") from None
                self.skipped.append(Skipped(url, start, "", exc.reason, exc.status, exc.detail))
                continue
            self.unchanged += resp.status == 304
            text, _ = decode_html(self._body(resp, url, keep=True), url)
            found, more = parse_listing(text, resp.url, title_re, years)
            for e in found:
                entries.setdefault(e.url, e)
            for p in more:
                if p not in seen:
                    seen.add(p)
                    queue.append(p)
        return list(entries.values())

    async def report(self, entry: Entry) -> None:
        try:
            resp = await self._get(entry.url, self.cfg.max_bytes, page_bytes=self.cfg.max_page_bytes)
        except _Failed as exc:
            self.skipped.append(Skipped(entry.url, entry.listing_url, entry.title, exc.reason, exc.status,
                                        exc.detail))
            return
        if not self._is_page(resp):
            row = self._keep(resp, entry, role="document", parent="", name_hint="")
            if row is not None:
                self.store.mark_read({(row.url, row.sha256)}, set())
            return
        if resp.size > self.cfg.max_page_bytes:  # a page served without an HTML content type
            resp.tmp.unlink(missing_ok=True)  # type: ignore[union-attr]
            self.skipped.append(Skipped(entry.url, entry.listing_url, entry.title, "too_large", 200,
                                        f"a page of {resp.size} bytes, limit {self.cfg.max_page_bytes}"))
            return
        data = self._body(resp, entry.url) if resp.status == 304 else resp.tmp.read_bytes()  # type: ignore
        try:
            text, charset = decode_html(data, entry.url)
        except ReadError as exc:
            text, charset = "", ""
            self.skipped.append(Skipped(entry.url, entry.listing_url, entry.title, "error", 200, str(exc)))
        title, date, links = parse_page(text, resp.url)
        entry = replace(entry, title=entry.title or title, publish_date=entry.publish_date or date)
        page = self._keep(resp, entry, role="page", parent="", name_hint="", charset=charset)
        reading: set[tuple[str, str]] = set()
        for link, label in links:
            try:
                att = await self._get(link, self.cfg.max_bytes)
            except _Failed as exc:
                self.skipped.append(Skipped(link, entry.listing_url, entry.title, exc.reason, exc.status,
                                            exc.detail))
                continue
            row = self._keep(att, entry, role="attachment", parent=entry.url, name_hint=label)
            if row is not None and os.path.splitext(row.file)[1] in READ_EXTS:
                reading.add((row.url, row.sha256))
        if page is not None:
            key = {(page.url, page.sha256)}
            self.store.mark_read(reading or key, set() if not reading else key)

    def _is_page(self, resp: _Response) -> bool:
        """HTML to parse for attachments, or a document in itself (by its first bytes, then its type)."""
        if resp.status == 304:
            entry = self.store.cache.get(resp.url, {})
            ctype, body = entry.get("content_type", ""), self.store.raw / entry.get("file", "")
        else:
            ctype, body = resp.content_type, resp.tmp
        with open(body, "rb") as f:  # type: ignore[arg-type]
            head = f.read(2048)
        if any(head.startswith(m) for m, _ in _MAGIC):
            return False
        ctype = ctype.split(";")[0].strip().lower()
        if ctype in ("text/html", "application/xhtml+xml"):
            return True
        if ctype and ctype not in ("text/plain", "application/octet-stream"):
            return False
        return b"<" in head and _ext_of(resp.url) not in DOC_EXTS

    def _keep(self, resp: _Response, entry: Entry, *, role: str, parent: str, name_hint: str,
              charset: str = "") -> ManifestRow | None:
        """Store a 200 (new file or known content) or take the stored row behind a 304."""
        if resp.status == 304:
            self.unchanged += 1
            sha = self.store.cache[resp.url]["sha256"]
            known = next((r for r in reversed(self.store.rows) if r.final_url == resp.url and r.sha256 == sha), None)
            if known is not None and known.url != resp.requested:  # reached through another URL this time
                known, _ = self.store.add(replace(known, url=resp.requested, listing_url=entry.listing_url))
            return known
        assert resp.tmp is not None
        host = urlsplit(resp.url).netloc.lower()
        name = self._name(resp, role, name_hint)
        rel = self.store.place(resp.tmp, resp.sha256, host, name)
        self._remember(resp, rel)
        row = ManifestRow(
            url=resp.requested, final_url=resp.url,
            listing_url=entry.listing_url, title=entry.title, publish_date=entry.publish_date, http_status=200,
            content_type=resp.content_type, charset=charset, sha256=resp.sha256, bytes=resp.size,
            fetched_at=datetime.now(timezone.utc).isoformat(timespec="seconds"), file=rel, role=role,
            parent_url=parent, etag=resp.headers.get("etag", ""),
            last_modified=resp.headers.get("last-modified", ""))
        row, new = self.store.add(row)
        if new:
            self.stored.append(row)
            if self.on_stored:
                self.on_stored(row)
        else:
            self.unchanged += 1
            self.store.save()  # the cache's validators are new
        return row

    def _name(self, resp: _Response, role: str, hint: str) -> str:
        assert resp.tmp is not None
        from_header = disposition_name(resp.headers.raw)
        name = safe_name(from_header or unquote(urlsplit(resp.url).path.rsplit("/", 1)[-1]),
                         "index" if role == "page" else "file")
        ext = os.path.splitext(name)[1]
        if role == "page":
            return name if ext in PAGE_EXTS else name + ".html"
        if ext in DOC_EXTS:
            return name
        with open(resp.tmp, "rb") as f:
            head = f.read(8)
        guess = _TYPES.get(resp.content_type.split(";")[0].strip().lower()) \
            or next((e for m, e in _MAGIC if head.startswith(m)), "") \
            or next((e for e in DOC_EXTS if hint.lower().endswith(e)), ".bin")
        if guess == ".zip" and hint.lower().endswith((".docx", ".xlsx")):
            guess = os.path.splitext(hint.lower())[1]
        return safe_name(name + guess)

    async def run(self, listings: Sequence[str], entries: Sequence[Entry], title_re: re.Pattern,
                  years: tuple[int, int] | None) -> list[Entry]:
        limits = httpx.Limits(max_connections=max(4, self.cfg.concurrency * 2), max_keepalive_connections=8)
        timeout = httpx.Timeout(self.cfg.timeout)
        async with httpx.AsyncClient(headers={"User-Agent": self.cfg.user_agent}, timeout=timeout, limits=limits,
                                     follow_redirects=False, trust_env=False) as client:
            self.client = client
            todo: dict[str, Entry] = {}
            for start in listings:
                for e in await self.listing(start, title_re, years):
                    todo.setdefault(e.url, e)
            for e in entries:
                todo.setdefault(e.url, e)
            gate = asyncio.Semaphore(self.cfg.concurrency)

            async def one(e: Entry) -> None:
                async with gate:
                    try:
                        await self.report(e)
                    except (OSError, ValueError, KeyError) as exc:  # one report never stops the crawl
                        self.skipped.append(Skipped(e.url, e.listing_url, e.title, "error", None,
                                                    f"{type(exc).__name__}: {exc}"))

            await asyncio.gather(*(one(e) for e in todo.values()))
        return list(todo.values())


def fetch(raw: str | Path, *, listing: str | Sequence[str] | None = None,
          urls: Iterable[str | Entry] | None = None, years: tuple[int, int] | str | None = None,
          title: str = DEFAULT_TITLE, config: FetchConfig | None = None, then_batch: str | Path | None = None,
          on_stored: Callable[[ManifestRow], None] | None = None, **batch_options) -> FetchResult:
    """Collect reports into `raw`: every entry of the listing(s) whose title matches `title` (and whose
    year is within `years`), and every URL of `urls`; each page with its attachments. With `then_batch`,
    the reading copies go through `ogi batch` into that folder (`batch_options` passed on)."""
    if not listing and not urls:
        raise FetchError("nothing to fetch: give a listing URL or URLs")
    listings = [listing] if isinstance(listing, str) else list(listing or [])
    for u in listings:
        if not _http_link(u):
            raise FetchError(f"not an http(s) URL: {u[:200]}")
    entries = [u if isinstance(u, Entry) else Entry(u) for u in (urls or [])]
    for e in entries:
        if not _http_link(e.url):
            raise FetchError(f"not an http(s) URL: {e.url[:200]}")
    span = parse_years(years) if isinstance(years, str) else years
    crawler = _Crawler(Path(raw), config or FetchConfig(), on_stored)
    try:
        found = asyncio.run(crawler.run(listings, entries, re.compile(title), span))
    finally:
        crawler.store.save_skipped(crawler.skipped)
    store = crawler.store
    documents = tuple(dict.fromkeys(store.raw / r.file for r in store.rows
                                    if r.read and (store.raw / r.file).is_file()))
    batch = None
    if then_batch is not None:
        from ogi.runner import run_batch

        batch = run_batch(list(documents), Path(then_batch), **batch_options) if documents else None
    return FetchResult(raw=store.raw, entries=len(found), stored=tuple(crawler.stored), unchanged=crawler.unchanged,
                       skipped=tuple(crawler.skipped), requests=crawler.requests, documents=documents, batch=batch)
