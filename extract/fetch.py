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
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Sequence
from urllib.parse import unquote, urljoin, urlsplit

import httpx
from protego import Protego
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential

from extract.fetch_links import (DEFAULT_TITLE, DOC_EXTS, Entry, FetchError, _ext_of, _http_link, disposition_name,
                                 parse_listing, parse_page, parse_years, read_url_file, safe_name)
from extract.fetch_store import MANIFEST_COLUMNS, ManifestRow, Skipped, _Store, read_manifest
from extract.html import decode_html
from extract.sniff import ReadError

__all__ = ["DEFAULT_TITLE", "MANIFEST_COLUMNS", "Entry", "FetchConfig", "FetchError", "FetchResult", "ManifestRow",
           "Skipped", "default_user_agent", "disposition_name", "fetch", "parse_listing", "parse_years",
           "read_manifest", "read_url_file", "safe_name"]

UA_TOKEN = "ogi-fetch"
READ_EXTS = (".pdf", ".doc", ".docx", ".wps")  # the attachment kinds ogi reads as reports
PAGE_EXTS = (".html", ".htm", ".shtml", ".jhtml", ".xhtml")
_REDIRECTS = (301, 302, 303, 307, 308)
_MAGIC = ((b"%PDF", ".pdf"), (b"\xd0\xcf\x11\xe0", ".doc"), (b"PK\x03\x04", ".zip"))
_TYPES = {"application/pdf": ".pdf", "application/msword": ".doc", "application/vnd.ms-excel": ".xls",
          "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
          "application/zip": ".zip", "application/kswps": ".wps", "application/vnd.ms-works": ".wps"}


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
