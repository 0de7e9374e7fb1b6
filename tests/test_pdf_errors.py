"""PDFs that cannot be read as reports: encrypted, damaged, scanned (no text layer) — clear results, no crash."""
from __future__ import annotations

import io

import pytest

from ogi.api import ReadError, extract_bytes
from tests.conftest import corpus_file

pypdf = pytest.importorskip("pypdf")


def _encrypted(user: str) -> bytes:
    w = pypdf.PdfWriter()
    w.append(str(corpus_file("r011.pdf")))
    w.encrypt(user_password=user, owner_password="owner")
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def test_password_protected_pdf_is_a_clear_error():
    with pytest.raises(ReadError, match=r"enc\.pdf: the PDF is encrypted with a password"):
        extract_bytes(_encrypted("secret"), "enc.pdf")


def test_pdf_encrypted_without_user_password_is_read():
    report = extract_bytes(_encrypted(""), "open.pdf")
    assert report.status == "ok" and report.value("t2.penalty.decisions") == 3985758


@pytest.mark.parametrize("data,what", [
    (b"%PDF-1.4\nrubbish", "No /Root object"),
    (None, "Unexpected EOF"),  # r011 cut after 3,000 bytes
])
def test_damaged_pdf_is_a_clear_error(data, what):
    data = data if data is not None else corpus_file("r011.pdf").read_bytes()[:3000]
    with pytest.raises(ReadError, match=rf"bad\.pdf: not a readable PDF \(.*{what}"):
        extract_bytes(data, "bad.pdf")


def test_pages_without_text_layer_go_to_ocr():
    """No text layer: the pages are read by OCR (extract/ocr.py); blank pages give no table, status failed."""
    w = pypdf.PdfWriter()
    for _ in range(3):
        w.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    w.write(out)
    report = extract_bytes(out.getvalue(), "scan.pdf")
    assert report.status == "failed" and not report.cells
    codes = [i.code for i in report.issues]
    assert codes[0] == "ocr_used" and "no_tables" in codes
