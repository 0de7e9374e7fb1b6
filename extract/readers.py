"""Format sniffing from content and dispatch to the one reader per format."""
from __future__ import annotations

from pathlib import Path

from extract.raw import RawDocument
from extract.sniff import ReadError
from extract.html import looks_like_html, read_html
from extract.pdf import read_pdf
from extract.office import office_kind, read_office
from extract.text import read_text

_BINARY_MAGIC = {
    b"%PDF": "PDF",
    b"PK\x03\x04": "ZIP/DOCX",
    b"\xd0\xcf\x11\xe0": "DOC (OLE)",
    b"\x89PNG": "PNG image",
    b"\xff\xd8\xff": "JPEG image",
    b"II*\x00": "TIFF image",
    b"MM\x00*": "TIFF image",
}


def sniff(data: bytes) -> str:
    head = data[:8]
    for magic, name in _BINARY_MAGIC.items():
        if head.startswith(magic):
            return name
    return "text"


def read_document(path: Path, data: bytes) -> RawDocument:
    if office_kind(data):  # DOCX, ODT (zip), DOC/WPS (OLE), RTF
        return read_office(path, data)
    kind = sniff(data)
    if kind == "PDF":
        return read_pdf(path, data)
    if kind.endswith(" image"):
        from extract.ocr import read_image  # OpenCV and the OCR engine load only for images

        return read_image(path, data)
    if kind != "text":
        raise ReadError(f"{path}: {kind} input is not supported by this version of ogi (reports are text, HTML, PDF, "
                        "Word/WPS documents or images)")
    if looks_like_html(data):
        return read_html(path, data)
    return read_text(path, data)
