"""Reader for born-digital PDF reports (Word/WPS/LibreOffice/Chromium exports), on pdfplumber.

- Ruled tables come from pdfplumber's line-based table finder; a merged cell is placed once at its origin and
  the positions it covers are *covered* (pdfplumber gives them as None), as in the HTML reader. Each cell keeps
  its page and bounding box.
- A template table continued across pages arrives as several tables; each is classified by its own labels
  (a continuation names template rows), and a table opening a page with the previous page's column count
  continues the table the previous page ended with. Repeated header rows are skipped later by the mapping.
- Text inside a cell is joined across its lines (vertical labels printed one character per line, header cells
  broken mid-word); NFKC folds Kangxi radicals. Glyphs without a Unicode mapping (`(cid:123)`) are dropped and
  recorded as a problem.
- Section prose is the text outside the report tables, with page numbers (`- 3 -`) removed.
- No text layer (a scan): read by OCR instead (extract/ocr.py). Encrypted or corrupt: ReadError.
"""
from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from extract.tables import TABLE_WORDS, classify, meta_pairs
from extract.meta import page_metadata
from extract.raw import Problem, RawCell, RawDocument, RawRow, RawTable
from extract.sections import find_sections
from extract.sniff import ReadError
from normalize.numbers import parse_cell
from normalize.observe import match_row
from normalize.templates import TABLES, template
from normalize.text import label_key, normalize_text, normalize_with_script, short_text_cache, strip_ordinals

MAX_PAGES = 200
SLIVER = 2.5  # points: an empty "column" narrower than this is two misaligned rules (r001's t4: 2.2pt)
MIN_TEXT_CHARS = 20  # fewer characters than this over the whole file: a scan
_CID = re.compile(r"\(cid:\d+\)")
PAGE_NUMBER = re.compile(r"^\s*(?:[-—–－]\s*\d{1,3}\s*[-—–－]|第\s*\d{1,3}\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?|\d{1,3}"
                          r"(?:\s*/\s*\d{1,3})?)\s*$")


def read_pdf(path: Path, data: bytes) -> RawDocument:
    import logging

    import pdfplumber  # imported here: text and HTML runs never pay for it

    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # font-descriptor chatter, once per glyph
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as exc:  # pdfminer raises many kinds of errors for damaged files, wrapped by pdfplumber
        raise _error(path, exc, "not a readable PDF") from None
    with pdf:
        try:
            n_pages = len(pdf.pages)
            if sum(len(p.chars) for p in pdf.pages[:MAX_PAGES]) >= MIN_TEXT_CHARS:
                return _read(path, data, pdf)
        except ReadError:
            raise
        except Exception as exc:
            raise _error(path, exc, "damaged PDF") from None
    from extract.ocr import read_scanned_pdf  # no text layer: a scan

    return read_scanned_pdf(path, data, n_pages)


def _error(path: Path, exc: Exception, what: str) -> ReadError:
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    causes = [exc, exc.__context__, *(a for a in exc.args if isinstance(a, BaseException))]
    if any(isinstance(c, (PDFPasswordIncorrect, PDFEncryptionError)) for c in causes):
        return ReadError(f"{path}: the PDF is encrypted with a password; ogi cannot read it")
    inner = next((c for c in causes[1:] if isinstance(c, BaseException)), exc)
    detail = str(inner)[:120] or type(inner).__name__
    return ReadError(f"{path}: {what} ({type(inner).__name__}: {detail})")


def _read(path: Path, data: bytes, pdf) -> RawDocument:
    problems: list[Problem] = []
    pages = pdf.pages
    if len(pages) > MAX_PAGES:
        problems.append(Problem("pages_skipped", f"{path}: {len(pages)} pages; only the first {MAX_PAGES} are read"))
        pages = pages[:MAX_PAGES]
    grids: list[tuple[str, list[list[RawCell]]]] = []
    texts: list[str] = []
    meta: list[tuple[str, str]] = []
    cids = 0
    last: tuple[str | None, int] | None = None  # (section, columns) of the table that ended the previous page
    for pno, page in enumerate(pages, start=1):
        found = page.find_tables(_settings(page))
        taken = []
        for ti, table in enumerate(found):
            grid, width, lost = _grid(table, pno)
            cids += lost
            kind = table_of_part(grid, width, ti, last, grids, lambda: _first_on_page(page, table))
            if kind == "meta":
                meta.extend(meta_pairs(grid))
            if kind:
                taken.extend(_table_rows(table))
            if kind in ("t2", "t3", "t4"):
                grids.append((kind, grid))
            last = (kind, width) if ti == len(found) - 1 else last
        if not found:
            last = None
        text = _page_text(page, taken)
        cids += len(_CID.findall(text))
        texts.append(_CID.sub("", text))
    grids = _drop_stray_columns(grids)
    tables = [RawTable(i, tuple(RawRow(tuple(r), "grid") for r in grid if r), section=kind)
              for i, (kind, grid) in enumerate((k, g) for k, g in grids if any(g))]
    if cids:
        problems.append(Problem("lost_glyphs", f"{path}: {cids} characters have no Unicode mapping in the PDF's "
                                               "fonts (cid codes) and were dropped; labels are matched tolerantly"))
    body, script = normalize_with_script("\n".join(texts))
    body = "\n".join(line for line in body.split("\n") if line.strip() and not PAGE_NUMBER.match(line))
    sections = find_sections(body, line_start=True)
    title = _title(pdf.doc.info, body)
    meta_all = tuple(dict.fromkeys(meta + list(page_metadata(body))))
    return RawDocument(
        path=str(path), sha256=hashlib.sha256(data).hexdigest(), format="pdf", encoding=None,
        script=script, text=body, tables=tuple(tables),
        sections=tuple((num, body[s:e].strip()) for num, s, e in sections), title=title, metadata=meta_all,
        pages=len(pdf.pages), problems=tuple(problems),
    )


def _grid(table, pno: int) -> tuple[list[list[RawCell]], int, int]:
    """Origin cells per row with their grid column, page and box; covered positions left out."""
    texts = table.extract()
    out, lost = [], 0
    for row, cells in zip(table.rows, texts):
        line = []
        for col, (box, text) in enumerate(zip(row.cells, cells)):
            if box is None or text is None:
                continue  # covered by a merged cell
            if box[2] - box[0] < SLIVER and not text.strip():
                continue  # two rules that should meet, a hair apart: not a column
            lost += len(_CID.findall(text))
            line.append(RawCell(cell_text(_CID.sub("", text)), col=col, page=pno,
                                bbox=tuple(round(v, 1) for v in box)))
        out.append(line)
    return out, max((len(r) for r in texts), default=0), lost


def _drop_stray_columns(grids: list[tuple[str, list[list[RawCell]]]]) -> list[tuple[str, list[list[RawCell]]]]:
    """Empty cells right of everything a template table prints on any of its pages: a stray column."""
    right: dict[str, float] = {}
    numbers = {kind for kind, grid in grids for row in grid for c in row if parse_cell(c.text).kind == "value"}
    for kind, grid in grids:
        for row in grid:
            for c in row:
                if c.text and kind in numbers:
                    right[kind] = max(right.get(kind, 0.0), c.bbox[2])
    return [(kind, [[c for c in row if c.text or kind not in right or c.bbox[0] < right[kind] - 1] for row in grid])
            for kind, grid in grids]


def table_of_part(grid: list[list[RawCell]], width: int, index: int, last: tuple[str | None, int] | None,
                  grids: list[tuple[str, list[list[RawCell]]]], nothing_above: Callable[[], bool]) -> str | None:
    """What a table found on a page is (`classify`), or which table it continues: the first table of a page
    (`index` 0, `nothing_above` it but page furniture) goes on with the one the previous page ended with
    (`last`: its kind and width) when nothing says otherwise, and a row cut by the break is joined again; a
    part too small to classify by itself, after a part of its table, is that table."""
    kind = classify(grid)
    if index == 0 and last is not None and last[0] in ("t2", "t3", "t4") and kind in (None, last[0]) \
            and (kind or last[1] == width or numbers_only(grid) or names_rows_of(grid, last[0])) and nothing_above():
        join_cut_row(grids[-1][1], grid)
        return last[0]
    if kind is None and grids and names_rows_of(grid, grids[-1][0]):
        return grids[-1][0]
    return kind


def _joined(top: RawCell, rest: RawCell) -> RawCell:
    """One cell from its two parts across a page break. An OCR reading keeps the lower confidence of the two
    and the other readings of either part (a doubted sign: it stands before the digits of the whole)."""
    text = normalize_text(top.text + rest.text)
    conf = [c.ocr_confidence for c in (top, rest) if c.text and c.ocr_confidence is not None]
    others = [normalize_text(t + rest.text) for t in top.ocr_alternatives]
    others += [normalize_text(t) if not top.text else text[1:] if text.startswith("-") else "-" + text
               for t in rest.ocr_alternatives]
    return RawCell(text, col=top.col, page=top.page, bbox=top.bbox, ocr_confidence=min(conf) if conf else None,
                   ocr_alternatives=tuple(dict.fromkeys(others)))


def join_cut_row(before: list[list[RawCell]], after: list[list[RawCell]]) -> None:
    """A row cut by the page break (Word and LibreOffice let rows break across pages): the first row after the
    break goes on with the text of the last row before it, column by column (matched by position on the page).
    A row that begins anew (an ordinal like `3.`, a column heading) is not a cut row."""
    rows = [r for r in before if r]
    if not rows or not after or not after[0]:
        return
    first = after[0]
    labels = [c.text for c in first if c.text and parse_cell(c.text).kind == "text"]
    if not labels or _begins_row(labels[-1]):  # the row's own label; those left of it may be group labels
        return
    before_labels = [c.text for c in rows[-1] if c.text and parse_cell(c.text).kind == "text"]
    if before_labels and _names_row(before_labels[-1]):
        return  # the row before the break is whole
    prev = rows[-1]
    joined = list(prev)
    for cell in first:
        if not cell.text:
            continue
        i = max(range(len(prev)), key=lambda k: _overlap(prev[k].bbox, cell.bbox))
        if _overlap(prev[i].bbox, cell.bbox) <= 0:
            return  # no column to go on in: not a cut row
        joined[i] = _joined(joined[i], cell)
    before[before.index(prev)] = joined
    after.pop(0)


def _begins_row(text: str) -> bool:
    """Text that starts a row of its own: numbered, a column heading or caption, or a whole template label."""
    k = label_key(text)
    return strip_ordinals(text) != text or k in _HEADINGS() or any(w in k for w in _HEADINGS() if len(w) >= 4) \
        or _names_row(text)


def _names_row(text: str) -> bool:
    return any(match_row(text, template(t, v), 0)[1] >= 0.85 for t in TABLES for v in ("2019", "2021"))


def _overlap(a, b) -> float:
    return min(a[2], b[2]) - max(a[0], b[0]) if a and b else 0.0


@lru_cache(maxsize=1)
def _HEADINGS() -> frozenset[str]:  # noqa: N802 (a constant, built once)
    words = {label_key(w) for ws in TABLE_WORDS.values() for w in ws}
    for table in TABLES:
        for version in ("2019", "2021"):
            tpl = template(table, version)
            words |= {label_key(c.label) for c in tpl.cols} | {label_key(w) for w in tpl.header_words}
    return frozenset(w for w in words if w)


def _settings(page) -> dict:
    """Table finding: rules closer than 1pt are one rule (a border drawn as a thin rectangle has two edges), so
    that narrow columns (all-empty ones that a browser shrinks to a few points) stay columns. Tables that a
    page break opened are closed: where vertical rules start (or end) with no horizontal rule there, the break
    cut a row, and a rule is added so that the row's cells are found."""
    settings: dict = {"snap_x_tolerance": 1, "join_x_tolerance": 1}
    vertical = [e for e in page.edges if e["orientation"] == "v" and e["bottom"] - e["top"] > 2]
    if not vertical:
        return settings
    horizontal = [e for e in page.edges if e["orientation"] == "h" and e["x1"] - e["x0"] > 2]
    extra = []
    for y in (min(e["top"] for e in vertical), max(e["bottom"] for e in vertical)):
        if not any(abs(e["top"] - y) < 2 for e in horizontal):
            extra.append(y)
    return settings | ({"explicit_horizontal_lines": extra} if extra else {})


def numbers_only(grid: list[list[RawCell]]) -> bool:
    kinds = {parse_cell(c.text).kind for row in grid for c in row}
    return "value" in kinds and "text" not in kinds


def names_rows_of(grid: list[list[RawCell]], table: str) -> bool:
    labels = [c.text for row in grid for c in row if c.text and parse_cell(c.text).kind == "text"]
    return any(match_row(t, template(table, v), 0)[1] >= 0.85 for t in labels for v in ("2019", "2021"))


def _first_on_page(page, table) -> bool:
    """Nothing but page furniture above the table: it continues the previous page's table."""
    top = table.bbox[1]
    above = page.crop((0, 0, page.width, max(top - 1, 1))).extract_text() or ""
    return all(PAGE_NUMBER.match(line) or not line.strip() for line in above.split("\n"))


@short_text_cache(maxsize=65536)
def cell_text(text: str) -> str:
    """A cell's lines joined: no space between CJK pieces (`商业企\\n业`), one between digit groups."""
    parts = [p.strip() for p in text.split("\n")]
    out = ""
    for p in parts:
        if out and p and out[-1].isascii() and out[-1].isalnum() and p[0].isascii() and p[0].isalnum():
            out += " "
        out += p
    return normalize_text(" ".join(out.split()))


def _table_rows(table) -> list[tuple]:
    """The boxes of a table's rows that are table rows; a row of one cell spanning the whole width is prose
    that the page put in a frame (WPS text boxes hold whole paragraphs next to a table)."""
    return [row.bbox for row in table.rows if sum(c is not None for c in row.cells) > 1 or len(row.cells) == 1]


def _page_text(page, taken: list[tuple]) -> str:
    if taken:
        def outside(obj) -> bool:
            if obj.get("object_type") != "char":
                return True
            x, y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
            return not any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in taken)
        page = page.filter(outside)
    return page.extract_text() or ""


def _title(info: list, body: str) -> str | None:
    """The document's Title when it is Chinese (WPS writes it as UTF-16 with a BOM), else the first lines."""
    raw = next((d.get("Title") for d in info if isinstance(d, dict) and d.get("Title")), None)
    if hasattr(raw, "resolve"):
        raw = raw.resolve()
    if isinstance(raw, bytes):
        raw = raw[2:].decode("utf-16-be" if raw[:2] == b"\xfe\xff" else "utf-16-le", "ignore") \
            if raw[:2] in (b"\xfe\xff", b"\xff\xfe") else raw.decode("utf-8", "ignore")
    if isinstance(raw, str) and "年度报告" in raw:
        return normalize_text(" ".join(raw.split()))[:200]
    m = re.search(r"^(.{0,40}?)\n?(\d{4}\s*年度?[^\n]{0,20}?年度报告)", body[:600], re.M)
    return normalize_text((m.group(1) + m.group(2)).replace(" ", "")) if m else None
