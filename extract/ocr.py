"""Scanned reports and table images, read offline: pages as grey images -> the same RawDocument as extract/pdf.py.

- `read_image(path, data)`: a bare PNG/JPEG/TIFF file (every frame of a TIFF is a page).
- `read_scanned_pdf(path, data)`: a PDF without a text layer, its pages rasterised with pypdfium2.
- `ocr_tables(image_bytes)`: the report tables of one image (HTML pages that print t3 as an `<img>`).

Per page: a quarter turn and the skew are undone (extract/scan.py), ruled tables become grids of origin cells
with covered positions left out and a box per cell, as in extract/pdf.py; each cell's text lines are read by
the OCR engine (extract/ocr_engines.py), and the cell keeps the engine's confidence (the lowest of its lines).
A page whose lines are read with low confidence is read upside down too, and the better reading is kept.
Text outside the tables is read too (sections, title, agency, year). Tables go on across pages as in a PDF.
Tables read by OCR are marked `ocr`, so that misread digits are repaired or flagged (normalize/repair.py).
"""
from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from extract.meta import page_metadata
from extract.ocr_engines import OcrUnavailable, get_engine
from extract.pdf import _PAGE_NUMBER, _join_cut_row, _names_rows_of, _numbers_only, cell_text
from extract.raw import Problem, RawCell, RawDocument, RawRow, RawTable
from extract.sections import find_sections
from extract.sniff import ReadError
from extract.tables import classify, meta_pairs
from normalize.text import detect_script, normalize_text

DPI = 150  # rasterising scanned PDFs; also what a bare image is taken to be when it says nothing
MAX_PAGES = 60
MAX_PIXELS = 40_000_000  # one page image at most (a 300 dpi A3 page is 17 Mpx)
_UPRIGHT = 0.8  # mean confidence of a page's lines below which it is read upside down too, the better kept


@dataclass(frozen=True)
class OcrPage:
    grids: tuple[tuple[tuple[tuple[RawCell, ...], ...], int, int], ...]  # (rows of cells, columns, top) per table
    lines: tuple[tuple[str, int], ...]  # text outside the tables: (line, top), top to bottom
    height: int


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

    pdf = pdfium.PdfDocument(data)
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
    body = normalize_text("\n".join(texts))
    body = "\n".join(line for line in body.split("\n") if line.strip() and not _PAGE_NUMBER.match(line))
    sections = find_sections(body, line_start=True)
    problems.append(Problem("ocr_used", f"{path}: read by OCR ({len(pages)} pages); each cell keeps the OCR "
                                        "confidence in `at.ocr_confidence`", severity="info"))
    return RawDocument(
        path=str(path), sha256=hashlib.sha256(data).hexdigest(), format=fmt, encoding=None,
        script=detect_script(body), text=body, tables=tuple(tables),
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
            kind = classify(grid)
            first = not any(t < top and not _PAGE_NUMBER.match(line) for line, t in page.lines)
            if ti == 0 and last is not None and last[0] in ("t2", "t3", "t4") and kind in (None, last[0]) \
                    and (kind or last[1] == width or _numbers_only(grid) or _names_rows_of(grid, last[0])) and first:
                kind = last[0]
                _join_cut_row(grids[-1][1], grid)
            elif kind is None and grids and _names_rows_of(grid, grids[-1][0]):
                kind = grids[-1][0]
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
    binary = scan.ink(gray)
    if scan.text_is_vertical(gray, binary):
        gray = scan.rotate(gray, 90)
        binary = scan.ink(gray)
    angle = scan.skew_angle(binary)
    if abs(angle) > 0.05:
        gray = scan.rotate(gray, angle)
        binary = scan.ink(gray)
    layout = _layout(gray, binary)
    read = eng.read_lines([c for c, _ in layout[1]])
    if read and _mean(read) < _UPRIGHT:  # unsure: perhaps upside down
        turned = scan.rotate(gray, 180)
        t_layout = _layout(turned, scan.ink(turned))
        t_read = eng.read_lines([c for c, _ in t_layout[1]])
        if t_read and _mean(t_read) > _mean(read):
            layout, read = t_layout, t_read
    grids, crops, cells, prose = layout
    k = 72 / dpi
    tables = []
    for grid, gcells in zip(grids, cells):
        rows: dict[int, list[RawCell]] = {}
        for gc, idx in gcells:
            lines = [read[i] for i in idx]
            text = cell_text("\n".join(t for t, _ in lines))
            conf = round(min(c for _, c in lines), 3) if lines else None
            rows.setdefault(gc.row, []).append(RawCell(text, col=gc.col, page=pno, ocr_confidence=conf,
                                                       bbox=tuple(round(v * k, 1) for v in gc.box)))
        ordered = tuple(tuple(rows.get(r, ())) for r in range(grid.n_rows))
        tables.append((ordered, grid.n_cols, grid.box[1]))
    lines = tuple((read[i][0], crops[i][1][1]) for i in prose)
    return OcrPage(tuple(tables), lines, gray.shape[0])


def _mean(read: list[tuple[str, float]]) -> float:
    return sum(c for _, c in read) / len(read)


def _layout(gray, binary):
    """Grids; every text-line crop (with its box) of every cell, then of the text outside the tables; per grid
    the (cell, indices of its crops); the indices of the lines outside the tables."""
    from extract import scan

    glyph = scan.text_height(binary)
    grids = scan.find_grids(gray, glyph)
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
