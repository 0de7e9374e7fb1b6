"""Reader for HTML reports as published (mostly pasted from Word): true merged-cell grids, page chrome.

- Bytes are decoded here, never by lxml (which silently truncates a GBK page labelled gb2312): the declared
  charset (meta or BOM) with gb2312/gbk read as gb18030, else UTF-8, else GB18030.
- Each leaf `<table>` is expanded into a grid: a cell spanning rows/columns is placed once, at its origin;
  the positions it covers are *covered*, not copies (copies would double-count totals). Junk like
  `colspan="2;"` is tolerated, absurd spans are bounded.
- Tables are assigned to t2/t3/t4 by their own labels (they may be split over several `<table>`s, and
  sections may be renumbered); a metadata table (索引号/发布机构) feeds the metadata instead.
- Section prose comes from the page text with the tables taken out.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

from lxml import etree

from extract.meta import page_metadata
from extract.page_images import tables_from_images
from extract.raw import Problem, RawCell, RawDocument, RawRow, RawTable
from extract.sections import find_sections
from extract.sniff import ReadError
from extract.tables import classify, normalize_cell
from extract.tables import meta_pairs as table_meta_pairs
from normalize.numbers import parse_cell
from normalize.text import SHORT, normalize_text, normalize_with_script, register_cache

MAX_HTML_BYTES = 20 * 1024 * 1024
MAX_SPAN = 64
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)""", re.I)
_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030",
            "utf8": "utf-8"}
_CHROME = ("script", "style", "noscript", "iframe", "nav", "header", "footer", "form", "select", "button")


def looks_like_html(data: bytes) -> bool:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<meta", b"<body", b"<table", b"<div", b"<p")) \
        or b"<table" in data[:200_000].lower()


def decode_html(data: bytes, name: str) -> tuple[str, str]:
    if len(data) > MAX_HTML_BYTES:
        raise ReadError(f"{name}: {len(data)} bytes is too large for an HTML report (limit {MAX_HTML_BYTES})")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8"
    m = _CHARSET.search(data[:8192])
    declared = m.group(1).decode("ascii", "ignore").lower() if m else None
    order = [_ALIASES.get(declared, declared)] if declared else []
    order += [e for e in ("utf-8", "gb18030") if e not in order]
    for enc in order:
        try:
            return data.decode(enc), enc
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("gb18030", errors="replace"), "gb18030"


def read_html(path: Path, data: bytes) -> RawDocument:
    text, encoding = decode_html(data, str(path))
    try:  # UTF-8 bytes go to lxml as they are (checked by decoding them), others as UTF-8
        utf8 = encoding == "utf-8" and not data.startswith(b"\xef\xbb\xbf")
        root = etree.fromstring(data if utf8 else text.encode("utf-8"), _PARSER)
    except (etree.LxmlError, ValueError) as exc:
        raise ReadError(f"{path}: not readable as HTML ({exc})") from None
    if root is None:
        raise ReadError(f"{path}: not readable as HTML (document is empty)")
    url, title, leaves = _page_parts(root)
    meta: list[tuple[str, str]] = []
    tables: list[RawTable] = []
    problems: list[Problem] = []
    for t in leaves:
        grid = expand(t)
        kind = classify(grid)
        if kind == "meta":
            meta.extend(table_meta_pairs(grid))
        elif kind:
            rows = tuple(RawRow(tuple(cells), "grid", line=None) for cells in grid if cells)
            tables.append(RawTable(len(tables), rows, section=kind))
    for t in leaves:
        _drop(t)
    body = root.find("body")
    body_text, script = normalize_with_script(_block_text(body if body is not None else root))
    sections = find_sections(body_text, line_start=True)
    if "t3" not in {t.section for t in tables}:
        imgs = [img.get("src", "") for img in root.iter("img")]
        if imgs and any(num == "3" for num, _, _ in sections):
            wanted = {"t2", "t3", "t4"} - {t.section for t in tables}
            found, why, more = tables_from_images(imgs, Path(path), wanted)
            for kind, grid in found:
                rows = tuple(RawRow(tuple(cells), "grid") for cells in grid if cells)
                tables.append(RawTable(len(tables), rows, section=kind, ocr=True))
            problems.extend(more)
            if "t3" not in {k for k, _ in found}:
                problems.append(Problem("table_is_image", f"{path}: table t3 seems to be published as an image, "
                                                          f"and OCR found no t3 ({'; '.join(why[:3])})"))
    if not tables and not sections:
        raise ReadError(f"{path}: no report found (no section headings 一…六 and no report tables)")
    pairs = tuple(dict.fromkeys(meta + list(page_metadata(body_text)) + ([("原文链接", url[:500])] if url else [])))
    title = normalize_text(title) if title else None
    return RawDocument(
        path=str(path), sha256=hashlib.sha256(data).hexdigest(), format="html", encoding=encoding,
        script=script, text=(title + "\n" if title else "") + body_text,
        tables=tuple(tables), sections=tuple((num, body_text[s:e].strip()) for num, s, e in sections),
        title=title, metadata=pairs, problems=tuple(problems),
    )


def _page_parts(root) -> tuple[str | None, str | None, list]:
    """In one walk over the page: its canonical URL, its title and its leaf tables (those holding no other
    table); the site chrome (scripts, navigation, forms…) is dropped, with the titles and tables inside it."""
    links, chrome, titles, tables = [], [], [], []
    for el in root.iter("link", "meta", "title", "table", *_CHROME):
        tag = el.tag
        if tag in ("link", "meta"):
            links.append(el)
        elif tag == "title":
            titles.append(el)
        elif tag == "table":
            tables.append(el)
        else:
            chrome.append(el)
    url = next((el.get("href") or el.get("content") for el in links
                if (el.get("rel") or "").lower() == "canonical" or (el.get("property") or "").lower() == "og:url"
                or (el.get("name") or "").lower() in ("url", "og:url")), None)
    if chrome:
        dropped = set(chrome)  # holds the proxies, so identity holds
        titles = [el for el in titles if not any(a in dropped for a in el.iterancestors())]
        tables = [el for el in tables if not any(a in dropped for a in el.iterancestors())]
        for el in chrome:
            _drop(el)
    title = " ".join(_string(titles[0]).split()) if titles else None
    if len(tables) > 1:
        outer = {a for t in tables for a in t.iterancestors("table")}
        tables = [t for t in tables if t not in outer]
    return url, title, tables


_PARSER = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=False,
                           no_network=True)
_string = etree.XPath("string()")  # all text inside an element (a compiled XPath: faster than itertext)


def _drop(el) -> None:
    """Remove an element and what it holds, keeping the text that follows it (its tail)."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _span(raw: str) -> int:
    if raw.isdigit():
        return max(1, min(int(raw), MAX_SPAN))
    m = re.match(r"\s*(\d+)", raw)
    return max(1, min(int(m.group(1)), MAX_SPAN)) if m else 1


_CELLS: dict[tuple[str, int], tuple[RawCell, bool]] = {}
_CELLS_MAX = 65536
register_cache(_CELLS.clear)


def _new_cell(text: str, col: int) -> tuple[RawCell, bool]:
    """The cell and whether it holds a number, kept in `_CELLS`: RawCells are immutable, so equal ones (the
    same text in the same column, page after page) are shared; a plain dict, emptied when full (`expand`
    looks it up first: the per-cell cost matters)."""
    cell = RawCell(normalize_cell(text), col=col)
    made = (cell, parse_cell(cell.text).kind == "value")
    if len(text) <= SHORT:
        if len(_CELLS) >= _CELLS_MAX:
            _CELLS.clear()
        _CELLS[text, col] = made
    return made


def expand(table) -> list[list[RawCell]]:
    """Origin cells per row, each with its true grid column; covered positions are skipped. Empty cells
    beyond the last column that holds any text (a stray column) are left out, when the table holds numbers
    (as `trim_stray` does). Marks the table's cells (see `_cells_of`): the caller drops the table afterwards."""
    covered: dict[int, set[int]] = {}  # row -> grid columns covered by a rowspan from above
    out: list[list[RawCell]] = []
    width, numbers, last_empty = 0, False, -1
    cache_get = _CELLS.get
    for r, (tds, texts) in enumerate(zip(*_cells_of(table))):
        taken = covered.pop(r, None)
        col = 0
        cells: list[RawCell] = []
        for td, text in zip(tds, texts):
            if taken:
                while col in taken:
                    col += 1
            cell, number = cache_get((text, col)) or _new_cell(text, col)
            end = col + 1
            if td.keys():  # most cells have no attributes at all
                cs, rs = td.get("colspan"), td.get("rowspan")
                if cs is not None:
                    end = col + _span(cs)
                if rs is not None:
                    for dr in range(1, _span(rs)):
                        covered.setdefault(r + dr, set()).update(range(col, end))
            if number:
                numbers = True
            if not cell.text:
                if col > last_empty:
                    last_empty = col
            elif end > width:
                width = end
            cells.append(cell)
            col = end
        out.append(cells)
    if numbers and last_empty >= width:  # an empty cell past the last text: a stray column
        return [[c for c in row if c.text or c.col < width] for row in out]
    return out


_SEP, _ROW = "\ue000", "\ue001"  # private-use characters (lxml refuses control characters)


def _cells_of(table) -> tuple[list[list], list[list[str]]]:
    """The cells (td/th) and their texts, row by row. The texts come from one XPath over the whole table:
    each row's text is set to a row mark and each cell's tail to a cell mark, then the table's text is split
    at the marks. Where something else sits between the cells (or a mark is in the text), cell by cell."""
    by_row: dict = {}  # tr -> its cells (td/th children), rows in document order; one walk over the table
    for el in table.iter("tr", "td", "th"):
        if el.tag == "tr":
            by_row[el] = []
        else:
            cells = by_row.get(el.getparent())
            if cells is not None:
                cells.append(el)
    rows = list(by_row.values())
    marked = all(len(tds) == len(tr) for tr, tds in by_row.items())
    if marked:
        for tr, tds in by_row.items():
            tr.text = _ROW
            tr.tail = None
            for td in tds:
                td.tail = _SEP
        parts = _string(table).split(_ROW)[1:]
        if len(parts) == len(rows):
            texts = [part.split(_SEP) for part in parts]
            if all(len(t) == len(tds) + 1 for t, tds in zip(texts, rows)):
                return rows, texts
    for tr in by_row:
        if tr.text == _ROW:
            tr.text = None
    return rows, [[_string(td) for td in tds] for tds in rows]


_BLOCKS = ("p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "section", "article")


def _block_text(root) -> str:
    for el in root.iter(*_BLOCKS):
        el.tail = "\n" + (el.tail or "")
        if el.tag != "br":
            el.text = "\n" + (el.text or "")
    lines = [" ".join(line.split()) for line in _string(root).split("\n")]
    return "\n".join(line for line in lines if line)
