"""The parts of the OCR path on small made-up images: skew and quarter turns, ruled grids with merged cells,
the engines' errors, and that reading needs no network."""
from __future__ import annotations

import socket

import numpy as np
import pytest

cv2 = pytest.importorskip("cv2")

from extract import ocr_engines, scan  # noqa: E402
from extract.ocr_engines import OcrUnavailable  # noqa: E402


def _table() -> np.ndarray:
    """A white page with a 3×4 ruled table whose top-left cell spans two columns, and text-like blobs."""
    page = np.full((700, 900), 250, np.uint8)
    xs, ys = (100, 300, 450, 600, 800), (100, 180, 260, 340)
    for y in ys:
        cv2.line(page, (xs[0], y), (xs[-1], y), 60, 2)
    for i, x in enumerate(xs):
        cv2.line(page, (x, ys[1] if i == 1 else ys[0]), (x, ys[-1]), 60, 2)
    for x in xs[:-1]:
        for y in ys[:-1]:
            cv2.putText(page, "12", (x + 20, y + 50), cv2.FONT_HERSHEY_SIMPLEX, 0.8, 20, 2)
    return page


def test_a_ruled_grid_with_a_merged_cell():
    page = _table()
    binary = scan.ink(page)
    grids = scan.find_grids(*scan.rules(page, scan.text_height(binary)))
    assert len(grids) == 1
    g = grids[0]
    assert (g.n_rows, g.n_cols) == (3, 4)
    first = g.cells[0]
    assert (first.row, first.col, first.rows, first.cols) == (0, 0, 1, 2)
    assert len(g.cells) == 11  # 12 positions, one covered
    assert all(abs(a - b) <= 3 for a, b in zip(first.box, (100, 100, 450, 180)))


@pytest.mark.parametrize("angle", [-2.0, -1.2, 1.5])
def test_skew_is_measured(angle):
    page = scan.rotate(_table(), angle)
    assert abs(scan.skew_angle(scan.ink(page)) + angle) <= 0.15


def test_text_running_up_and_down_is_seen():
    page = np.full((600, 600), 250, np.uint8)
    for i in range(8):
        cv2.putText(page, "1234567 890123", (30, 60 + 60 * i), cv2.FONT_HERSHEY_SIMPLEX, 0.9, 20, 2)
    assert not scan.text_is_vertical(page, scan.ink(page))
    turned = np.ascontiguousarray(np.rot90(page))
    assert scan.text_is_vertical(turned, scan.ink(turned))


def test_empty_cells_have_no_lines_and_a_cell_keeps_its_full_stop():
    page = _table()
    binary = scan.ink(page)
    glyph = scan.text_height(binary)
    assert scan.cell_lines(page, binary, (100, 180, 300, 260), glyph)  # "12"
    blank = np.full((80, 200), 250, np.uint8)
    cv2.line(blank, (0, 1), (199, 1), 60, 2)  # a rule's edge inside the cell box
    assert scan.cell_lines(blank, scan.ink(blank), (0, 0, 199, 79), glyph) == []


def test_unknown_or_missing_engines_are_named(monkeypatch):
    with pytest.raises(OcrUnavailable, match="OGI_OCR_ENGINE"):
        ocr_engines.engine_name("cloud")
    monkeypatch.setattr(ocr_engines.shutil, "which", lambda name: None)
    with pytest.raises(OcrUnavailable, match="apt-get install tesseract-ocr tesseract-ocr-chi-sim"):
        ocr_engines.TesseractEngine()


def test_a_scan_without_an_engine_says_what_to_install(monkeypatch):
    from ogi import synth_scan
    from ogi.api import extract_bytes

    page = _table()
    from PIL import Image
    import io

    buf = io.BytesIO()
    Image.fromarray(page).save(buf, "PDF", resolution=synth_scan.DPI)
    monkeypatch.setenv("OGI_OCR_ENGINE", "tesseract")
    monkeypatch.setattr(ocr_engines.shutil, "which", lambda name: None)
    ocr_engines._engine.cache_clear()
    try:
        report = extract_bytes(buf.getvalue(), "scan.pdf")
    finally:
        ocr_engines._engine.cache_clear()
    assert report.status == "failed"
    issue = next(i for i in report.issues if i.code == "ocr_unavailable")
    assert "tesseract-ocr-chi-sim" in issue.message and issue.severity == "error"


@pytest.mark.parametrize("engine", ocr_engines.ENGINES)
def test_engines_read_digits_offline(engine, monkeypatch):
    try:
        eng = ocr_engines.get_engine(engine)
    except OcrUnavailable as exc:
        pytest.skip(str(exc))

    def no_network(*args, **kwargs):
        raise AssertionError("the OCR engine tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    line = np.full((40, 160), 255, np.uint8)
    cv2.putText(line, "2019", (10, 30), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 0, 2)
    (text, conf), = eng.read_lines([line])
    assert text == "2019" and 0.5 < conf <= 1.0


def test_rapidocr_models_ship_inside_the_package():
    pytest.importorskip("rapidocr_onnxruntime")
    from pathlib import Path

    import rapidocr_onnxruntime

    models = sorted(p.name for p in (Path(rapidocr_onnxruntime.__file__).parent / "models").glob("*.onnx"))
    assert any("det" in m for m in models) and any("rec" in m for m in models), models


def _line(text: str, scale: float = 0.8, blur: float = 0.0, seed: int = 0) -> np.ndarray:
    """One line of text as a cell's crop: white ground, dark glyphs; optionally blurred and grainy (a scan)."""
    line = np.full((36, 30 + 22 * len(text)), 250, np.uint8)
    cv2.putText(line, text, (12, 26), cv2.FONT_HERSHEY_SIMPLEX, scale, 20, 2)
    if blur:
        line = cv2.GaussianBlur(line, (0, 0), blur)
        noise = np.random.default_rng(seed).normal(0, 6, line.shape)
        line = np.clip(line.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    return line


@pytest.mark.parametrize("blur", [0.0, 0.7])
def test_a_minus_before_the_digits_is_seen_in_the_cell_image(blur):
    for text in ("-3", "-27", "-105"):
        assert scan.leading_dash(_line(text, blur=blur)), text
    for text in ("3", "+3", "+15", "73", "47", "-", "0"):  # no sign, a plus, a dash alone (a blank cell)
        assert not scan.leading_dash(_line(text, blur=blur)), text


def test_the_sign_is_read_only_where_engine_and_image_agree():
    from extract.ocr import signed_reading

    assert signed_reading("-3", lambda: True) == ("-3", ())
    assert signed_reading("一3", lambda: True) == ("-3", ())  # a minus the engine gives as a CJK one
    assert signed_reading("3", lambda: False) == ("3", ())
    assert signed_reading("+3", lambda: False) == ("+3", ())
    assert signed_reading("3", lambda: True) == ("3", ("-3",))  # the engine dropped the minus the image shows
    assert signed_reading("+3", lambda: True) == ("+3", ("-3",))
    assert signed_reading("-3", lambda: False) == ("-3", ("3",))  # a minus read where the image shows none
    assert signed_reading("行政许可", lambda: True) == ("行政许可", ())


class _DropsSigns:
    """An engine that reads every line as `3`: it never gives a sign."""

    def read_lines(self, images):
        return [("3", 0.99) for _ in images]


def test_a_page_whose_engine_drops_a_minus_keeps_the_other_reading(monkeypatch):
    from extract import ocr

    page = np.full((400, 700), 250, np.uint8)
    xs, ys = (100, 300, 500), (100, 180, 260)
    for y in ys:
        cv2.line(page, (xs[0], y), (xs[-1], y), 60, 2)
    for x in xs:
        cv2.line(page, (x, ys[0]), (x, ys[-1]), 60, 2)
    for (x, y), text in zip(((120, 150), (320, 150), (120, 230), (320, 230)), ("-3", "3", "+3", "3")):
        cv2.putText(page, text, (x, y), cv2.FONT_HERSHEY_SIMPLEX, 0.8, 20, 2)
    monkeypatch.setattr(ocr, "get_engine", lambda engine=None: _DropsSigns())
    (rows, _, _), = ocr.ocr_page(page, 1, 150).grids
    assert [[(c.text, c.ocr_alternatives) for c in r] for r in rows] == [
        [("3", ("-3",)), ("3", ())], [("3", ()), ("3", ())]]


def test_a_cell_whose_sign_is_in_doubt_is_not_a_confident_value():
    """t2 has no identities: a signed cell whose minus the OCR may have lost is `ambiguous`, both signs given."""
    import random
    from dataclasses import replace
    from pathlib import Path

    from extract.readers import read_document
    from ogi import synth
    from ogi.api import build_report

    s, key = next((s, k) for s in (synth.generate(random.Random(seed), "2019") for seed in range(1, 200))
                  for k, v in s.truth.items() if k.endswith(".items_change") and v > 0)
    doc = read_document(Path("r.html"), synth.render_html(s, "plain"))
    at = build_report(doc).cell(key).at
    tables = list(doc.tables)
    t2 = tables[at.table]
    rows = []
    for ri, row in enumerate(t2.rows):  # as OCR would give it: every cell read confidently
        cells = tuple(replace(c, ocr_confidence=0.99, ocr_alternatives=("-" + c.text,)
                              if ri == at.row and c.col == at.col else ()) for c in row.cells)
        rows.append(replace(row, cells=cells))
    tables[at.table] = replace(t2, rows=tuple(rows), ocr=True)
    report = build_report(replace(doc, tables=tuple(tables)))
    cell = report.cell(key)
    assert (cell.status, cell.value, cell.alternatives) == ("ambiguous", s.truth[key], (-s.truth[key],))
    assert cell.confidence <= 0.5
    assert any(i.code == "ocr_sign_doubtful" and key in i.keys for i in report.issues)
    others = [c for c in report.cells if c.key.startswith("t2.") and c.key != key and c.at.table == at.table
              and c.status != "blank"]
    assert others and all(c.status == "read" for c in others)


@pytest.mark.parametrize("gap", [7, 10])
def test_a_narrow_empty_column_is_a_column(gap):
    """Two rules a few pixels apart (a stray empty column after the last) are two rules, not one between them
    (else the last column's cell holds a rule, read as a dash)."""
    page = np.full((500, 900), 250, np.uint8)
    xs, ys = (100, 300, 450, 600, 800, 800 + gap), (100, 180, 260, 340)
    for y in ys:
        cv2.line(page, (xs[0], y), (xs[-1], y), 60, 2)
    for x in xs:
        cv2.line(page, (x, ys[0]), (x, ys[-1]), 60, 2)
    for x in xs[:-2]:
        for y in ys[:-1]:
            cv2.putText(page, "12", (x + 20, y + 50), cv2.FONT_HERSHEY_SIMPLEX, 0.8, 20, 2)
    page = cv2.GaussianBlur(page, (0, 0), 0.6)
    grids = scan.find_grids(*scan.rules(page, scan.text_height(scan.ink(page))))
    assert [(g.n_rows, g.n_cols) for g in grids] == [(3, 5)]
    last = [c for c in grids[0].cells if c.col == 3]
    assert all(abs(c.box[2] - 800) <= 2 for c in last)


def test_stacked_tables_whose_rules_nearly_meet_keep_both_rules():
    """Two ruled tables stacked on each other (one grid) whose inner rules lie a few pixels apart: each
    table's cells are bounded by its own rule, and no cell spans the rule."""
    page = np.full((600, 900), 250, np.uint8)
    for (x0, x1, ys, inner) in ((100, 800, (100, 180, 260), 600), (200, 700, (260, 340, 420, 500), 607)):
        for y in ys:
            cv2.line(page, (x0, y), (x1, y), 60, 2)
        for x in (x0, inner, x1):
            cv2.line(page, (x, ys[0]), (x, ys[-1]), 60, 2)
    page = cv2.GaussianBlur(page, (0, 0), 0.6)
    grids = scan.find_grids(*scan.rules(page, scan.text_height(scan.ink(page))))
    assert len(grids) == 1
    cells = grids[0].cells
    for y0, x in ((100, 600), (180, 600), (260, 607), (340, 607), (420, 607)):
        row = [c for c in cells if abs(c.box[1] - y0) <= 3]
        assert any(abs(c.box[2] - x) <= 2 for c in row), (y0, [c.box for c in row])
        assert not any(c.box[0] < x - 3 and c.box[2] > x + 3 for c in row), (y0, [c.box for c in row])


def test_a_row_joined_across_a_page_break_keeps_its_ocr_doubts():
    """The two parts of a cut OCR row become one cell with the lower confidence and the other readings (a
    doubted sign stands before the digits of the whole)."""
    from extract.pdf import join_cut_row
    from extract.raw import RawCell

    def cut(top_number: str, rest_number: str):
        before = [[RawCell("行政事业性", col=0, bbox=(0, 90, 50, 100), ocr_confidence=0.99),
                   RawCell(top_number, col=1, bbox=(50, 90, 100, 100), ocr_confidence=0.98 if top_number else None)]]
        after = [[RawCell("收费", col=0, bbox=(0, 0, 50, 10), ocr_confidence=0.97),
                  RawCell(rest_number, col=1, bbox=(50, 0, 100, 10), ocr_confidence=0.41,
                          ocr_alternatives=("-" + rest_number,))]]
        join_cut_row(before, after)
        assert after == []
        return before[0]

    label, number = cut("", "2")
    assert (label.text, label.ocr_confidence, label.ocr_alternatives) == ("行政事业性收费", 0.97, ())
    assert (number.text, number.ocr_confidence, number.ocr_alternatives) == ("2", 0.41, ("-2",))
    _, number = cut("1", "2")  # a number itself cut by the break
    assert (number.text, number.ocr_confidence, number.ocr_alternatives) == ("12", 0.41, ("-12",))
