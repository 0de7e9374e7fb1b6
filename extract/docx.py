"""Reader for DOCX reports (Word, WPS, LibreOffice output): true merged-cell grids from the XML.

- The package is checked first (`extract.zipsafe`: zip bombs, DOCTYPE/entity declarations), then opened
  with python-docx (main part, core properties); the body is walked in the XML itself, because python-docx
  repeats a merged cell at every grid position it covers.
- Each leaf table becomes a grid: a cell sits at its true grid column (`w:gridBefore` and `w:gridSpan` counted);
  a `w:vMerge` continuation (or legacy `w:hMerge` continuation) is *covered*, not a copy of its origin —
  unless it holds text of its own, which is then kept. A table holding tables is layout: its cells are read
  as blocks, in order (as the HTML reader keeps only leaf tables).
- Text boxes (`w:txbxContent`) are read where they are anchored; of `mc:AlternateContent` only the first
  choice is read (the fallback repeats it). Deleted text and field codes are left out.
- Tables are classified like HTML ones (`extract.tables`); tables that are not report tables count as prose.
- Metadata: the core properties (title, author, dates) beside any 索引号/发布机构 table or lines.
"""
from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.exceptions import PackageNotFoundError
from docx.opc.package import OpcPackage
from lxml import etree

from extract.meta import page_metadata
from extract.raw import Problem, RawCell, RawDocument, RawRow, RawTable
from extract.sections import find_sections
from extract.sniff import ReadError
from extract.tables import classify, meta_pairs, normalize_cell, text_width, trim_stray
from extract.zipsafe import open_package
from normalize.text import detect_script, normalize_text

MAX_SPAN = 64
MAX_DEPTH = 32  # nesting of tables / text boxes
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_SKIP = {_W + t for t in ("rPr", "pPr", "del", "moveFrom", "instrText", "delText", "sectPr",
                          "footnoteReference", "endnoteReference", "commentReference")}
_SKIP.add(_MC + "Fallback")
_CONTAINERS = {_W + t for t in ("sdt", "sdtContent", "customXml", "ins", "moveTo", "smartTag", "hyperlink")}
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                          remove_comments=True)
_IMAGES = (_W + "drawing", _W + "pict", _W + "object")


def read_docx(path: Path, data: bytes) -> RawDocument:
    name = str(path)
    zf = open_package(data, name, "DOCX")
    if "word/document.xml" not in zf.namelist() and "[Content_Types].xml" not in zf.namelist():
        raise ReadError(f"{name}: a ZIP archive but not a DOCX (no word/document.xml)")
    body, core = _open(zf, name)
    walker = _Walker()
    walker.blocks(body, 0)
    tables, meta, prose = _sort_out(walker.out)
    body_text = "\n".join(line for line in (" ".join(normalize_text(p).split()) for p in prose) if line)
    sections = find_sections(body_text, line_start=True)
    problems: list[Problem] = []
    if "t3" not in {t.section for t in tables} and walker.images and any(num == "3" for num, _, _ in sections):
        problems.append(Problem("table_is_image", f"{name}: table t3 seems to be an image in the document "
                                                  f"({walker.images} pictures); OCR is not done yet"))
    if not tables and not sections:
        raise ReadError(f"{name}: no report found (no section headings 一…六 and no report tables)")
    title = normalize_text(core.get("core.title", "")).strip() or None
    core_meta = [(k, normalize_text(v).strip()) for k, v in core.items() if v and v.strip()]
    return RawDocument(
        path=name, sha256=hashlib.sha256(data).hexdigest(), format="docx", encoding=None,
        script=detect_script("\n".join(prose)), text=body_text, tables=tuple(tables),
        sections=tuple((num, body_text[s:e].strip()) for num, s, e in sections), title=title,
        metadata=tuple(dict.fromkeys(meta + list(page_metadata(body_text)) + core_meta)), problems=tuple(problems),
    )


def _sort_out(items: list[tuple[str, object]]) -> tuple[list[RawTable], list[tuple[str, str]], list[str]]:
    """Report tables (t2/t3/t4, stray columns trimmed), metadata pairs, and prose lines (paragraphs, and the
    text of tables that are not report tables), in document order."""
    meta: list[tuple[str, str]] = []
    prose: list[str] = []
    kept: list[tuple[str, list]] = []  # (section, rows with grid ends) of the report tables
    for kind, item in items:
        if kind == "p":
            prose.append(item)
            continue
        grid = [[c for c, _ in row] for row in item]
        cls = classify(grid)
        if cls == "meta":
            meta.extend(meta_pairs(grid))
        elif cls:
            kept.append((cls, item))
        else:  # a stray table: its text is prose
            prose.extend(" ".join(c.text for c in row if c.text) for row in grid)
    widths: dict[str, int | None] = {}
    for cls, rows in kept:  # a stray column is judged over all parts of a table split in several
        w = text_width(rows)
        widths[cls] = w if widths.get(cls) is None else max(widths[cls], w or 0)
    tables = []
    for cls, rows in kept:
        cells = (tuple(row) for row in trim_stray(rows, widths[cls]) if row)
        tables.append(RawTable(len(tables), tuple(RawRow(row, "grid") for row in cells), section=cls))
    return tables, meta, prose


_CORE = (("core.title", "title"), ("core.author", "author"), ("core.subject", "subject"),
         ("core.keywords", "keywords"), ("core.last_modified_by", "last_modified_by"), ("core.created", "created"),
         ("core.modified", "modified"))


def _open(zf: zipfile.ZipFile, name: str):
    """The body element of the main document part (parsed without entities) and the core properties."""
    try:
        package = OpcPackage.open(zf.fp)
        part = package.main_document_part
        element = getattr(part, "_element", None)
        root = element if element is not None else etree.fromstring(part.blob, _PARSER)
        try:  # python-docx invents a default part ("Word Document" by "python-docx") when there is none
            props = package.part_related_by(RT.CORE_PROPERTIES).core_properties
            core = {key: _core_text(getattr(props, attr, None)) for key, attr in _CORE}
        except KeyError:
            core = {}
    except (PackageNotFoundError, KeyError, ValueError, etree.XMLSyntaxError, zipfile.BadZipFile, AttributeError,
            TypeError) as exc:
        raise ReadError(f"{name}: DOCX package is damaged or not a Word document ({type(exc).__name__}: "
                        f"{str(exc)[:200]})") from None
    body = root.find(_W + "body")
    if body is None:
        raise ReadError(f"{name}: DOCX main part has no w:body (content type {part.content_type})")
    return body, core


def _core_text(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)[:500]


def _val(el, tag: str) -> str | None:
    """The w:val of child `tag` of a properties element; "" when the child is there without a value."""
    child = el.find(_W + tag) if el is not None else None
    if child is None:
        return None
    return child.get(_W + "val", "")


def _int(raw: str | None, default: int) -> int:
    try:
        return max(0, min(int(raw), MAX_SPAN)) if raw not in (None, "") else default
    except ValueError:
        return default


class _Walker:
    """Walks block content in document order: `out` gets ("p", text) and ("table", grid) items."""

    def __init__(self) -> None:
        self.out: list[tuple[str, object]] = []
        self.images = 0

    def blocks(self, container, depth: int) -> None:
        if depth > MAX_DEPTH:
            return
        for el in container:
            tag = el.tag
            if tag == _W + "p":
                boxes: list = []
                self.out.append(("p", self.text(el, boxes)))
                for box in boxes:
                    self.blocks(box, depth + 1)
            elif tag == _W + "tbl" and any(True for _ in el.iterdescendants(_W + "tbl")):
                for tr in _children(el, _W + "tr"):  # a layout table: its cells are read as blocks
                    for tc in _children(tr, _W + "tc"):
                        self.blocks(tc, depth + 1)
            elif tag == _W + "tbl":
                boxes = []
                self.out.append(("table", self.grid(el, boxes)))
                for box in boxes:
                    self.blocks(box, depth + 1)
            elif tag in _CONTAINERS:
                self.blocks(el, depth + 1)
            elif tag == _MC + "AlternateContent":
                choice = el.find(_MC + "Choice")
                self.blocks(choice if choice is not None else el, depth + 1)

    def text(self, el, boxes: list) -> str:
        """The text of a paragraph; text boxes anchored in it are added to `boxes`, not to the text."""
        out: list[str] = []
        self._text(el, out, boxes)
        return "".join(out)

    def _text(self, el, out: list[str], boxes: list) -> None:
        for ch in el:
            tag = ch.tag
            if tag == _W + "t":
                out.append(ch.text or "")
            elif tag in (_W + "tab", _W + "ptab"):
                out.append("\t")
            elif tag in (_W + "br", _W + "cr"):
                out.append("\n")
            elif tag == _W + "noBreakHyphen":
                out.append("-")
            elif tag == _W + "txbxContent":
                boxes.append(ch)
            elif tag in _SKIP or not isinstance(tag, str):
                continue
            else:
                if tag in _IMAGES:
                    self.images += 1
                self._text(ch, out, boxes)

    def grid(self, tbl, boxes: list) -> list[list[tuple[RawCell, int]]]:
        """Origin cells per row at their true grid columns (with the column after each cell's span); covered
        positions skipped. Text boxes inside cells are appended to `boxes` (walked after this table)."""
        merged_above: dict[int, bool] = {}  # start column -> the cell above is part of a vertical merge
        out: list[list[tuple[RawCell, int]]] = []
        for tr in _children(tbl, _W + "tr"):
            tr_pr = tr.find(_W + "trPr")
            col = _int(_val(tr_pr, "gridBefore"), 0)
            cells: list[tuple[RawCell, int]] = []
            for tc in _children(tr, _W + "tc"):
                pr = tc.find(_W + "tcPr")
                span = max(1, _int(_val(pr, "gridSpan"), 1))
                vmerge, hmerge = _val(pr, "vMerge"), _val(pr, "hMerge")
                text = normalize_cell(" ".join(self.text(p, boxes) for p in _paragraphs(tc)))
                covered = (vmerge is not None and vmerge != "restart" and merged_above.get(col)) or \
                          (hmerge is not None and hmerge != "restart")
                if not (covered and not text):
                    cells.append((RawCell(text, col=col), col + span))
                merged_above[col] = vmerge is not None
                col += span
            out.append(cells)
        return out


def _paragraphs(container):
    """The paragraphs of a (leaf) table cell, through content controls and alternate content."""
    for el in container:
        if el.tag == _W + "p":
            yield el
        elif el.tag in _CONTAINERS:
            yield from _paragraphs(el)
        elif el.tag == _MC + "AlternateContent":
            choice = el.find(_MC + "Choice")
            yield from _paragraphs(choice if choice is not None else el)


def _children(el, tag: str):
    """Direct children `tag` of `el`, looking through content controls and custom XML wrappers."""
    for ch in el:
        if ch.tag == tag:
            yield ch
        elif ch.tag in _CONTAINERS:
            yield from _children(ch, tag)
