"""Scanned reports and table images, read offline: pages as grey images -> the same RawDocument as extract/pdf.py.

- `read_image(path, data)`: a bare PNG/JPEG/TIFF file (every frame of a TIFF is a page).
- `read_scanned_pdf(path, data)`: a PDF without a text layer, its pages rasterised with pypdfium2.
- `ocr_tables(image_bytes)`: the report tables of one image (HTML pages that print t3 as an `<img>`).

Per page: a quarter turn and the skew are undone (extract/scan.py), ruled tables become grids of origin cells
with covered positions left out and a box per cell, as in extract/pdf.py; each cell's text lines are read by
the OCR engine (extract/ocr_engines.py), and the cell keeps the engine's confidence (the lowest of its lines).
Which way up: the quarter turns are tried (the likeliest first, from the text lines' direction) until a sample of
the page's lines reads like a report (character pairs of the templates' labels); else the best is kept.
Text outside the tables is read too (sections, title, agency, year). Tables go on across pages as in a PDF.
Tables read by OCR are marked `ocr`, so that misread digits are repaired or flagged (normalize/repair.py).
A number's sign is held against the cell image (a dash before the digits, extract/scan.py): where engine and
image disagree the cell keeps the other sign as `ocr_alternatives`, and is not taken as read.
"""
from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from extract.meta import page_metadata
from extract.ocr_engines import OcrUnavailable, get_engine
from extract.pdf import PAGE_NUMBER, cell_text, table_of_part
from extract.raw import Problem, RawCell, RawDocument, RawRow, RawTable
from extract.sections import find_sections
from extract.sniff import ReadError
from extract.tables import classify, meta_pairs
from normalize.text import normalize_with_script

DPI = 150  # rasterising scanned PDFs; also what a bare image is taken to be when it says nothing
MAX_PAGES = 60
MAX_PIXELS = 40_000_000  # one page image at most (a 300 dpi A3 page is 17 Mpx)
_SAMPLE = 12  # lines read to judge a way up
_UPRIGHT = 0.5  # share of their character pairs found in the templates that accepts a way up at once
_MINUS = frozenset("-—–−一")
_SIGNED = re.compile(r"^(?P<sign>[-+—–−一])?\s*(?P<body>\d.*)$", re.DOTALL)
_REPORT_WORDS = ("政府信息公开工作年度报告", "总体情况", "主动公开政府信息情况", "收到和处理政府信息公开申请情况",
                 "政府信息公开行政复议、行政诉讼情况", "存在的主要问题及改进情况", "其他需要报告的事项", "本机关",
                 "本年度", "人民政府", "办公室", "工作", "进一步", "加强", "公开", "平台", "网站", "政务")


@dataclass(frozen=True)
class OcrPage:
    grids: tuple[tuple[tuple[tuple[RawCell, ...], ...], int, int], ...]  # (rows of cells, columns, top) per table
    lines: tuple[tuple[str, int], ...]  # text outside the tables: (line, top), top to bottom


def read_image(path: Path, data: bytes) -> RawDocument:
    from PIL import Image, ImageSequence, UnidentifiedImageError

    try:
        im = Image.open(io.BytesIO(data))
        frames = [f.convert("L") for f in ImageSequence.Iterator(im)][:MAX_PAGES]
        dpi = float((im.info.get("dpi") or (DPI,))[0]) or DPI
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ReadError(f"{path}: not a readable image ({type(exc).__name__}: {str(exc)[:120]})") from None
    return _document(path, data, "image", [np.asarray(f) for f in frames], dpi, len(frames))


def read_scanned_pdf(path: Path, data: bytes, n_pages: int) -> RawDocument:
    return _document(path, data, "pdf", _pdf_pages(data, min(n_pages, MAX_PAGES)), DPI, n_pages)


def _pdf_pages(data: bytes, n: int):
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise ReadError(f"a scanned PDF that cannot be rasterised ({exc})") from None
    try:
        for i in range(n):
            page = pdf[i]
            scale = DPI / 72
            w, h = page.get_size()
            if w * h * scale * scale > MAX_PIXELS:
                scale = (MAX_PIXELS / (w * h)) ** 0.5
            yield np.asarray(page.render(scale=scale, grayscale=True).to_pil().convert("L"))
    finally:
        pdf.close()


def ocr_tables(data: bytes, name: str, engine: str | None = None) -> tuple[list[tuple[str, list]], list[Problem]]:
    """(kind, grid) of each report table in one image, and the problems met (an engine missing, no image)."""
    from PIL import Image, UnidentifiedImageError

    try:
        gray = np.asarray(Image.open(io.BytesIO(data)).convert("L"))
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return [], [Problem("image_unreadable", f"{name}: the image cannot be decoded")]
    try:
        page = ocr_page(gray, 1, DPI, engine)
    except OcrUnavailable as exc:
        return [], [Problem("ocr_unavailable", f"{name}: {exc}", severity="error")]
    out = []
    for rows, _, _ in page.grids:
        grid = [list(r) for r in rows]
        kind = classify(grid)
        if kind in ("t2", "t3", "t4"):
            out.append((kind, grid))
    return out, []


def _document(path: Path, data: bytes, fmt: str, images, dpi: float, n_pages: int) -> RawDocument:
    problems: list[Problem] = []
    if n_pages > MAX_PAGES:
        problems.append(Problem("pages_skipped", f"{path}: {n_pages} pages; only the first {MAX_PAGES} are OCR'd"))
    pages: list[OcrPage] = []
    try:
        for pno, gray in enumerate(images, start=1):
            if gray.size > MAX_PIXELS:
                problems.append(Problem("page_too_large", f"{path}: page {pno} has {gray.size} pixels; not read"))
                continue
            pages.append(ocr_page(gray, pno, dpi))
    except OcrUnavailable as exc:
        problems.append(Problem("ocr_unavailable", f"{path}: a scan (no text layer); {exc}", severity="error"))
        pages = []
    tables, texts, meta = _assemble(pages)
    body, script = normalize_with_script("\n".join(texts))
    body = "\n".join(line for line in body.split("\n") if line.strip() and not PAGE_NUMBER.match(line))
    sections = find_sections(body, line_start=True)
    if pages:
        problems.append(Problem("ocr_used", f"{path}: read by OCR ({len(pages)} pages); each cell keeps the OCR "
                                            "confidence in `at.ocr_confidence`", severity="info"))
    return RawDocument(
        path=str(path), sha256=hashlib.sha256(data).hexdigest(), format=fmt, encoding=None,
        script=script, text=body, tables=tuple(tables),
        sections=tuple((num, body[s:e].strip()) for num, s, e in sections), title=None,
        metadata=tuple(dict.fromkeys(meta + list(page_metadata(body)))), pages=n_pages, problems=tuple(problems))


def _assemble(pages: list[OcrPage]) -> tuple[list[RawTable], list[str], list[tuple[str, str]]]:
    """Tables classified by their labels and joined across pages (the rules of extract/pdf.py)."""
    grids: list[tuple[str, list[list[RawCell]]]] = []
    texts: list[str] = []
    meta: list[tuple[str, str]] = []
    last: tuple[str | None, int] | None = None
    for page in pages:
        for ti, (rows, width, top) in enumerate(page.grids):
            grid = [list(r) for r in rows]
            kind = table_of_part(grid, width, ti, last, grids, lambda top=top, lines=page.lines: not any(
                t < top and not PAGE_NUMBER.match(line) for line, t in lines))
            if kind == "meta":
                meta.extend(meta_pairs(grid))
            if kind in ("t2", "t3", "t4"):
                grids.append((kind, grid))
            last = (kind, width) if ti == len(page.grids) - 1 else last
        if not page.grids:
            last = None
        texts.extend(line for line, _ in page.lines)
    tables = [RawTable(i, tuple(RawRow(tuple(r), "grid") for r in grid if r), section=kind, ocr=True)
              for i, (kind, grid) in enumerate((k, g) for k, g in grids if any(g))]
    return tables, texts, meta


def ocr_page(gray: np.ndarray, pno: int, dpi: float, engine: str | None = None) -> OcrPage:
    """One page: turned upright and level, tables found, their cells and the text outside them read."""
    from extract import scan

    eng = get_engine(engine)
    _, grids, crops, cells, prose = _upright(gray, eng)
    read = eng.read_lines([c for c, _ in crops])
    k = 72 / dpi
    tables = []
    for grid, gcells in zip(grids, cells):
        rows: dict[int, list[RawCell]] = {}
        for gc, idx in gcells:
            lines = [read[i] for i in idx]
            text = cell_text("\n".join(t for t, _ in lines))
            conf = round(min(c for _, c in lines), 3) if lines else None
            text, alts = signed_reading(text, lambda idx=idx: bool(idx) and scan.leading_dash(crops[idx[0]][0]))
            rows.setdefault(gc.row, []).append(RawCell(text, col=gc.col, page=pno, ocr_confidence=conf,
                                                       bbox=tuple(round(float(v) * k, 1) for v in gc.box),
                                                       ocr_alternatives=alts))
        ordered = tuple(tuple(rows.get(r, ())) for r in range(grid.n_rows))
        tables.append((ordered, grid.n_cols, grid.box[1]))
    lines = tuple((read[i][0], crops[i][1][1]) for i in prose)
    return OcrPage(tuple(tables), lines)


def signed_reading(text: str, dash_seen: Callable[[], bool]) -> tuple[str, tuple[str, ...]]:
    """A number's sign as the engine read it, held against the cell image (`dash_seen`: a dash before the
    digits, extract/scan.py): (text, other readings not ruled out). A dash-like mark the engine gives before
    the digits (`-`, `—`, `–`, `−`, `一`) is a minus. Where engine and image agree, the reading stands;
    where they differ (a minus dropped, or one read where the image shows none) the engine's reading stays and
    the other sign is an alternative, so that the cell is not taken as read (normalize/repair.py)."""
    m = _SIGNED.match(text)
    if not m:
        return text, ()
    sign, body = m.group("sign") or "", m.group("body")
    minus = sign in _MINUS
    shown = "-" + body if minus else text
    if minus == dash_seen():
        return shown, ()
    return shown, (body if minus else "-" + body,)


def _upright(gray: np.ndarray, eng) -> tuple:
    """The page turned by the quarter turns under which the engine's reading of a sample of lines is most like
    a report (pairs of characters found in the templates' labels; the engine's confidence breaks ties: a
    recogniser reads a Chinese glyph turned over as some other glyph, confidently), levelled; and its layout
    (see `_layout`). The text lines' direction says which turn to try first."""
    from extract import scan

    first = 1 if scan.text_is_vertical(gray, scan.ink(gray)) else 0
    best, best_score = None, (-1.0, -1.0)
    for turn in (first, first + 2, first + 1, first + 3):
        g = np.ascontiguousarray(np.rot90(gray, turn % 4))
        angle = scan.skew_angle(scan.ink(g))
        if abs(angle) > 0.05:
            g = scan.rotate(g, angle)
        layout = (g, *_layout(g, scan.ink(g)))
        score = _sample_score(eng, layout[2])
        if score > best_score:
            best, best_score = layout, score
        if score[0] >= _UPRIGHT:
            break
    return best


def _sample_score(eng, crops: list) -> tuple[float, float]:
    """(share of the character pairs read that the templates' labels have, mean confidence) over up to
    _SAMPLE of the page's longer lines (else any); (1, 1) for a page without text."""
    lines = [c for c, _ in crops if c.shape[1] >= 2.5 * c.shape[0]] or [c for c, _ in crops]
    if not lines:
        return 1.0, 1.0
    step = max(1, len(lines) // _SAMPLE)
    read = eng.read_lines(lines[::step][:_SAMPLE])
    pairs = [t[i:i + 2] for t, _ in read for i in range(len(t) - 1) if _cjk(t[i]) and _cjk(t[i + 1])]
    known = _known_pairs()
    share = sum(p in known for p in pairs) / len(pairs) if pairs else 0.0
    return share, sum(c for _, c in read) / len(read)


def _cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


@lru_cache(maxsize=1)
def _known_pairs() -> frozenset[str]:
    from extract.tables import TABLE_WORDS
    from normalize.templates import TABLES, template

    words = [w for ws in TABLE_WORDS.values() for w in ws] + list(_REPORT_WORDS)
    for table in TABLES:
        for version in ("2019", "2021"):
            tpl = template(table, version)
            words += [r.label for r in tpl.rows] + [r.group for r in tpl.rows] + [c.label for c in tpl.cols]
            words += list(tpl.header_words)
    return frozenset(w[i:i + 2] for w in words for i in range(len(w) - 1))


def _layout(gray, binary):
    """Grids; every text-line crop (with its box) of every cell, then of the text outside the tables; per grid
    the (cell, indices of its crops); the indices of the lines outside the tables."""
    from extract import scan

    glyph = scan.text_height(binary)
    h_rules, v_rules = scan.rules(gray, glyph)
    grids = scan.find_grids(h_rules, v_rules)
    gray, binary = scan.unruled(gray, binary, h_rules, v_rules, grids)
    crops: list = []
    cells = []
    for grid in grids:
        gcells = []
        for gc in grid.cells:
            lines = scan.cell_lines(gray, binary, gc.box, glyph)
            gcells.append((gc, list(range(len(crops), len(crops) + len(lines)))))
            crops.extend(lines)
        cells.append(gcells)
    outside = binary.copy()
    for grid in grids:
        x0, y0, x1, y1 = grid.box
        outside[max(y0 - 2, 0):y1 + 3, max(x0 - 2, 0):x1 + 3] = 0
    prose = scan.cell_lines(gray, outside, (0, 0, gray.shape[1], gray.shape[0]), glyph)
    start = len(crops)
    crops.extend(prose)
    return grids, crops, cells, list(range(start, len(crops)))
