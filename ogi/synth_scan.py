"""Generated reports as scans, for the OCR tests and benchmark: a PDF of ogi.synth_pdf rasterised at 150 dpi
(pypdfium2), each page skewed by 1–2° (either way), blurred a little, given grain (Gaussian noise), one page
turned by a quarter (either way), and saved as an image-only PDF (no text layer), as a copier's "scan to PDF".

`scan_pdf(pdf, seed)` -> path of the scan, cached by content (PDF bytes + seed + recipe) beside the PDF cache.
`degrade(gray, rng)` is the damage to one page image, `page_images(pdf)` the clean rasterisation.
"""
from __future__ import annotations

import hashlib
import io
import os
import random
from pathlib import Path

import numpy as np

from ogi.synth_pdf import CACHE as PDF_CACHE

DPI = 150
CACHE = Path(os.environ.get("OGI_SYNTH_SCAN_CACHE", PDF_CACHE / "scans"))
_RECIPE = 1  # bump when the damage changes: the cache then makes the scans again


def page_images(pdf: bytes, dpi: int = DPI) -> list[np.ndarray]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        return [np.asarray(doc[i].render(scale=dpi / 72, grayscale=True).to_pil().convert("L"))
                for i in range(len(doc))]
    finally:
        doc.close()


def degrade(gray: np.ndarray, rng: random.Random, turn: int = 0) -> np.ndarray:
    """Skew of 1–2° either way (the canvas keeps its size, white fill), blur, grain; `turn` quarter turns
    (1: counter-clockwise, -1: clockwise)."""
    import cv2

    h, w = gray.shape
    angle = rng.uniform(1.0, 2.0) * rng.choice((-1, 1))
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1)
    out = cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
    out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.5, 0.8))
    noise = np.random.default_rng(rng.randrange(2**32)).normal(0, rng.uniform(6, 10), out.shape)
    out = np.clip(out.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    if turn:
        out = np.ascontiguousarray(np.rot90(out, turn))
    return out


def turned_page(pdf: Path, seed: int) -> int:
    """The 0-based index of the page that `scan_pdf(pdf, seed)` turns."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        return _plan(len(doc), seed)[1]
    finally:
        doc.close()


def _plan(n_pages: int, seed: int) -> tuple[random.Random, int, int]:
    rng = random.Random(seed)
    turned = rng.randrange(n_pages)
    return rng, turned, rng.choice((-1, 1))


def scan_pdf(pdf: Path, seed: int, cache: Path = CACHE) -> Path:
    """The scan of `pdf` (one page turned; which, and which way, from `seed`), made once and cached."""
    data = pdf.read_bytes()
    key = hashlib.sha256(f"scan/{_RECIPE}/{seed}".encode() + b"\0" + data).hexdigest()[:24]
    out = cache / f"{key}.pdf"
    if out.exists():
        return out
    from PIL import Image

    pages = page_images(data)
    rng, turned, way = _plan(len(pages), seed)
    images = [Image.fromarray(degrade(p, rng, way if i == turned else 0)) for i, p in enumerate(pages)]
    buf = io.BytesIO()
    images[0].save(buf, "PDF", save_all=True, append_images=images[1:], resolution=DPI)
    cache.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(buf.getvalue())
    tmp.replace(out)
    return out


def table_image(s, table: int = 1, seed: int = 0) -> bytes:
    """One table of the report (0: t2, 1: t3, 2: t4) as a PNG image, as sites publish t3: the table alone on
    a page tall enough to hold it (Chromium), rasterised at 150 dpi, cropped to the table, blurred and grainy."""
    import re

    import cv2

    from ogi import synth
    from ogi.synth_pdf import render_pdfs

    page = synth.render_html(s, "plain").decode("utf-8")
    tables = re.findall(r"<table.*?</table>", page, flags=re.S)
    html = ('<html><head><meta charset="utf-8"><style>@page { size: 210mm 600mm; margin: 10mm }</style></head>'
            f"<body>{tables[table]}</body></html>").encode("utf-8")
    pdf = render_pdfs({"t": html}, "chromium")["t"]
    gray = page_images(pdf.read_bytes())[0]
    ys, xs = (gray < 200).nonzero()
    gray = gray[max(ys.min() - 12, 0):ys.max() + 12, max(xs.min() - 12, 0):xs.max() + 12]
    rng = random.Random(seed)
    gray = cv2.GaussianBlur(gray, (0, 0), 0.6)
    noise = np.random.default_rng(rng.randrange(2**32)).normal(0, 6, gray.shape)
    gray = np.clip(gray.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    ok, png = cv2.imencode(".png", gray)
    return png.tobytes()
