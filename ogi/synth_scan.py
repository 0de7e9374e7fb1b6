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


def scan_pdf(pdf: Path, seed: int, cache: Path = CACHE) -> Path:
    """The scan of `pdf` (one page turned; which, and which way, from `seed`), made once and cached."""
    data = pdf.read_bytes()
    key = hashlib.sha256(f"scan/{_RECIPE}/{seed}".encode() + b"\0" + data).hexdigest()[:24]
    out = cache / f"{key}.pdf"
    if out.exists():
        return out
    from PIL import Image

    rng = random.Random(seed)
    pages = page_images(data)
    turned = rng.randrange(len(pages))
    way = rng.choice((-1, 1))
    images = [Image.fromarray(degrade(p, rng, way if i == turned else 0)) for i, p in enumerate(pages)]
    buf = io.BytesIO()
    images[0].save(buf, "PDF", save_all=True, append_images=images[1:], resolution=DPI)
    cache.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(buf.getvalue())
    tmp.replace(out)
    return out
