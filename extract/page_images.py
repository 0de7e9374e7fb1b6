"""Report tables that an HTML page publishes as images (`<img>` where t3 should be), read by OCR.

Only images that are already here are read: a `data:` URI, or a file beside the page (a relative path that
stays inside the page's folder, as a saved page keeps its images in `name.files/`). A remote address
(`http:`, `//host/…`, a site-absolute `/path`) is never fetched: the page says which image it was.
"""
from __future__ import annotations

import base64
import binascii
import re
from pathlib import Path
from urllib.parse import unquote

from extract.raw import Problem, RawCell

MAX_IMAGES = 6
MAX_IMAGE_BYTES = 20 * 1024 * 1024
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)


def image_bytes(src: str, page: Path) -> tuple[bytes | None, str]:
    """The image's bytes, or None and why not."""
    src = src.strip()
    if src.lower().startswith("data:"):
        head, _, payload = src.partition(",")
        if ";base64" not in head.lower():
            return None, "a data: URI that is not base64"
        try:
            data = base64.b64decode(re.sub(r"\s+", "", payload), validate=False)
        except (binascii.Error, ValueError):
            return None, "a data: URI that does not decode"
        return (data, "") if len(data) <= MAX_IMAGE_BYTES else (None, "an image over the size limit")
    if _SCHEME.match(src) or src.startswith(("/", "\\")):
        return None, f"{src[:80]} is not beside the page (remote images are never fetched)"
    rel = unquote(src.split("#")[0].split("?")[0])
    base = page.parent.resolve()
    target = (base / rel).resolve()
    if not target.is_relative_to(base) or not target.is_file():
        return None, f"{src[:80]} is not beside the page"
    if target.stat().st_size > MAX_IMAGE_BYTES:
        return None, f"{src[:80]} is over the size limit"
    return target.read_bytes(), ""


def tables_from_images(srcs: list[str], page: Path, wanted: set[str]) -> tuple[list[tuple[str, list[list[RawCell]]]],
                                                                               list[str], list[Problem]]:
    """(kind, grid) of the report tables of `wanted` kinds found in the page's images; why the images that
    gave none gave none; problems (an OCR engine missing)."""
    from extract.ocr import ocr_tables  # OpenCV and the engine load only for pages with images

    found: list[tuple[str, list[list[RawCell]]]] = []
    why: list[str] = []
    problems: list[Problem] = []
    for src in srcs[:MAX_IMAGES]:
        data, reason = image_bytes(src, page)
        if data is None:
            why.append(reason)
            continue
        tables, probs = ocr_tables(data, f"{page} <img {src[:40]}>")
        problems.extend(p for p in probs if p.code == "ocr_unavailable" and p not in problems)
        got = [(k, g) for k, g in tables if k in wanted and k not in {f for f, _ in found}]
        if not got:
            why.append(f"{src[:40]}: {probs[0].message if probs else 'no report table found in it'}")
        found.extend(got)
        if {k for k, _ in found} >= wanted:
            break
    return found, why, problems
