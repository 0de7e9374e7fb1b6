"""Word-processor files, told apart by content: DOCX read directly; DOC/WPS (OLE), RTF and ODT converted to
DOCX with LibreOffice (`extract.convert`) and then read as DOCX, keeping the original's path and hash."""
from __future__ import annotations

import dataclasses
import hashlib
import io
import zipfile
from pathlib import Path

from extract.convert import convert_bytes
from extract.docx import read_docx
from extract.raw import RawDocument
from extract.sniff import ReadError
from extract.zipsafe import open_package

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_ODT_TYPES = (b"application/vnd.oasis.opendocument.text", b"application/vnd.oasis.opendocument.text-template")


def office_kind(data: bytes) -> str | None:
    """"zip" (DOCX or ODT, told apart once the archive is checked), "doc" (OLE: DOC or WPS), "rtf", or None."""
    if data.startswith(ZIP_MAGIC):
        return "zip"
    if data.startswith(OLE_MAGIC[:4]):
        return "doc"
    if data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")[:5] == b"{\\rtf":
        return "rtf"
    return None


def read_office(path: Path, data: bytes) -> RawDocument:
    kind = office_kind(data)
    if kind == "zip":
        try:  # the central directory only; read_docx / open_package check the archive before reading it
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
            names = set()
        if "content.xml" not in names or "word/document.xml" in names:
            return read_docx(path, data)
        zf = open_package(data, str(path), "ODT")
        mimetype = zf.read("mimetype").strip() if "mimetype" in names else b""
        if "content.xml" not in names or (mimetype and mimetype not in _ODT_TYPES):
            what = mimetype.decode("ascii", "replace")[:80] or "no word/document.xml, no content.xml"
            raise ReadError(f"{path}: a ZIP archive that is neither a DOCX nor an ODT text document ({what})")
        return _converted(path, data, ".odt", "odt")
    if kind == "doc":
        suffix = path.suffix.lower() if path.suffix.lower() in (".doc", ".wps", ".dot", ".wpt") else ".doc"
        return _converted(path, data, suffix, "doc")
    if kind == "rtf":
        return _converted(path, data, ".rtf", "rtf")
    raise ReadError(f"{path}: not a word-processor document")


def _converted(path: Path, data: bytes, suffix: str, fmt: str) -> RawDocument:
    docx = convert_bytes(data, suffix, str(path), fmt.upper())
    doc = read_docx(path, docx)
    return dataclasses.replace(doc, sha256=hashlib.sha256(data).hexdigest(), format=fmt)
