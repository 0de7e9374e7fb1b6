"""A report whose t3 is an image: inside an HTML page (a data: URI, or a file beside the page), and a bare PNG
file. Read through the OCR path (extract/page_images.py, extract/ocr.py) and mapped like any table; remote
images are never fetched."""
from __future__ import annotations

import base64
import random
import re
from functools import lru_cache

import pytest

from extract.ocr_engines import OcrUnavailable, get_engine
from extract.page_images import image_bytes
from ogi import synth, synth_pdf, synth_scan
from ogi.api import extract, extract_bytes
from tests.test_pdf_damage import judge

SEEDS = ((71_001, "2019"), (71_002, "2021"))


@lru_cache(maxsize=None)
def _case(seed: int, version: str) -> tuple[synth.Synth, str, bytes]:
    for why in (synth_pdf.missing("chromium"),):
        if why:
            pytest.skip(why)
    try:
        get_engine()
    except OcrUnavailable as exc:
        pytest.skip(str(exc))
    s = synth.generate(random.Random(seed), version)
    page = synth.render_html(s, "plain").decode("utf-8")
    return s, page, synth_scan.table_image(s, 1, seed)


def _t3_exact(report, s: synth.Synth) -> None:
    cells = {c.key: c for c in report.cells}
    t3 = {k: v for k, v in s.truth.items() if k.startswith("t3.")}
    exact = sum(1 for k, v in t3.items() if synth._same(cells[k].value, v))
    assert exact >= 0.98 * len(t3), (exact, len(t3))
    wrong, _ = judge(report, s)
    assert not wrong, wrong
    read = [cells[k] for k in t3 if cells[k].status in ("read", "repaired")]
    assert read and all(c.at.ocr_confidence is not None for c in read)
    assert "table_is_image" not in [i.code for i in report.issues]


@pytest.mark.parametrize("seed,version", SEEDS)
def test_t3_as_data_uri_image_is_read(seed, version):
    s, page, png = _case(seed, version)
    t3 = re.findall(r"<table.*?</table>", page, flags=re.S)[1]
    img = f'<p align="center"><img src="data:image/png;base64,{base64.b64encode(png).decode()}"></p>'
    report = extract_bytes(page.replace(t3, img).encode("utf-8"), f"t3-image-{seed}.html")
    assert report.source.format == "html"
    _t3_exact(report, s)
    assert (report.report.agency, report.report.year) == (s.agency, s.year)


def test_t3_as_file_beside_the_page_is_read(tmp_path):
    s, page, png = _case(*SEEDS[0])
    t3 = re.findall(r"<table.*?</table>", page, flags=re.S)[1]
    (tmp_path / "report.files").mkdir()
    (tmp_path / "report.files" / "image001.png").write_bytes(png)
    (tmp_path / "report.html").write_text(page.replace(t3, '<img src="report.files/image001.png">'), "utf-8")
    _t3_exact(extract(tmp_path / "report.html"), s)


def test_bare_image_file_is_read():
    s, _, png = _case(*SEEDS[1])
    report = extract_bytes(png, "t3.png")
    assert report.source.format == "image"
    assert [t for t, _ in report.report.templates] == ["t3"]
    _t3_exact(report, s)


def test_images_elsewhere_are_not_fetched(tmp_path):
    page = tmp_path / "sub" / "page.html"
    page.parent.mkdir()
    (tmp_path / "secret.png").write_bytes(b"\x89PNG")
    for src in ("http://127.0.0.1:9/t3.png", "//example.invalid/t3.png", "/etc/passwd", "../secret.png",
                "file:///etc/passwd"):
        data, why = image_bytes(src, page)
        assert data is None and why, src
    assert image_bytes("data:image/png;base64," + base64.b64encode(b"abc").decode(), page) == (b"abc", "")
