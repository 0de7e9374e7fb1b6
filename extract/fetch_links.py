"""`ogi fetch`, reading what sites serve: report entries and pagination of listing pages, a report page's
title, date and attachments, file names from Content-Disposition or the URL, sanitised. Nothing here is
executed or followed; the crawler (extract/fetch.py) decides what to request."""
from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

import lxml.html
from lxml.etree import ParserError

DOC_EXTS = (".pdf", ".doc", ".docx", ".wps", ".xls", ".xlsx", ".et", ".zip")
DEFAULT_TITLE = r"年度报告|年报"
_NEXT = re.compile(r"^\s*(下一页|下页|后页|后一页|尾页|末页|next|>|>>|›|»)\s*$", re.I)
_PAGER_JS = re.compile(r"createPageHTML\(\s*['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,\s*['\"]([\w.-]+)['\"]\s*,"
                       r"\s*['\"](\w+)['\"]")
_DATE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_PUBDATE_META = ("pubdate", "publishdate", "firstpublishedtime", "dc.date", "article:published_time")
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}
MAX_NAME_BYTES = 150
MAX_ATTACHMENTS = 30


@dataclass(frozen=True)
class Entry:
    """A report to fetch: from a listing (title, date) or from a list of URLs."""
    url: str
    title: str = ""
    publish_date: str = ""
    listing_url: str = ""


class FetchError(Exception):
    """The fetch cannot start or its listing cannot be read at all."""


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
