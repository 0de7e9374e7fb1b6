"""The DOCX reader: the official blank template, 200 generated reports read exactly, merged cells covered
(not copied), layout tables and text boxes, and hostile packages (zip bombs, entity expansion) refused fast."""
from __future__ import annotations

import io
import random
import struct
import time
import zipfile
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pytest

from extract.docx import read_docx
from extract.readers import read_document
from extract.sniff import ReadError
from ogi import synth
from ogi.api import extract, extract_bytes
from ogi.synth_docx import DOCX_STYLES, docx_plan, render_docx
from tests.conftest import corpus_file

N_REPORTS = 200
SEEDS = tuple(range(90_001, 90_001 + N_REPORTS))
CASES = [(DOCX_STYLES[(i // 2) % len(DOCX_STYLES)], ("2019", "2021")[i % 2], SEEDS[i]) for i in range(N_REPORTS)]


@lru_cache(maxsize=None)
def _synth(version: str, seed: int) -> synth.Synth:
    return synth.generate(random.Random(seed), version)


def problems(report, s: synth.Synth, fmt: str = "docx") -> list[str]:
    """Everything in the report that differs from what the document prints, one line each."""
    plan = docx_plan(s)
    cells = {c.key: c for c in report.cells}
    out = []
    for key, want in s.truth.items():
        c = cells.get(key)
        if key in plan.blank_totals:
            status = "imputed"
        elif want == 0 and plan.zeros[key[:2]] == "":
            status = "blank"
        else:
            status = "read"
        if c is None or not synth._same(c.value, want) or c.status != status:
            out.append(f"{key}: {c and c.status} {c and c.value!r}, want {status} {want!r}")
    want_status = "inconsistent" if plan.blank_totals else "ok"
    if report.status != want_status:
        out.append(f"report status {report.status}, want {want_status}: {[i.code for i in report.issues]}")
    if (report.report.agency, report.report.year) != (s.agency, s.year):
        out.append(f"agency/year {report.report.agency} {report.report.year}, want {s.agency} {s.year}")
    if report.source.format != fmt:
        out.append(f"format {report.source.format}, want {fmt}")
    if [num for num, _ in report.sections] != ["1", "2", "3", "4", "5", "6"]:
        out.append(f"sections {[num for num, _ in report.sections]}")
    allowed = {"source_identity_violated"} if plan.blank_totals else set()
    out += [f"issue {i.code}: {i.message[:120]}" for i in report.issues if i.code not in allowed]
    return out


# ---------------------------------------------------------------- the official template

def test_blank_template_is_the_2021_template_with_every_cell_blank():
    path = corpus_file("r017-blank-template.docx")
    with zipfile.ZipFile(path) as z:
        xml = z.read("word/document.xml")
    assert xml.count(b"<w:gridSpan ") == 26 and xml.count(b"<w:vMerge") == 58
    report = extract(path)
    assert report.source.format == "docx"
    assert dict(report.report.templates) == {"t2": "2021", "t3": "2021", "t4": "2021"}
    counts = Counter(c.status for c in report.cells)
    assert counts == {"blank": 200, "derived": 33}, counts  # 25 + 175 + 15 … every template key, none missing
    assert all(c.value == 0 for c in report.cells)
    assert report.status == "ok" and not report.issues
    assert [num for num, _ in report.sections] == ["1", "2", "3", "4", "5", "6"]


def test_template_merged_cells_are_covered_not_copied():
    path = corpus_file("r017-blank-template.docx")
    doc = read_docx(path, path.read_bytes())
    t3 = next(t for t in doc.tables if t.section == "t3")
    grid = [[(c.col, c.text) for c in row.cells] for row in t3.rows]
    assert grid[0] == [(0, grid[0][0][1]), (3, "申请人情况")] and grid[0][0][1].startswith("(本列数据的勾稽关系")
    assert grid[1] == [(3, "自然人"), (4, "法人或其他组织"), (9, "总计")]  # the corner and 总计 below are covered
    assert [c for c, _ in grid[2]] == [4, 5, 6, 7, 8]
    assert grid[5][:2] == [(0, "三、本年度办理结果"), (1, "(一)予以公开")] and grid[5][2][0] == 3
    assert grid[7][:2] == [(1, "(三)不予公开"), (2, "1.属于国家秘密")]
    assert grid[8][0] == (2, "2.其他法律行政法规禁止公开")  # 三、… and （三）… above are covered
    # a row holds its label cells that start there and 7 data cells
    assert [len(r) for r in grid[3:]] == [8, 8, 9, 8, 9] + [8] * 7 + [9, 8, 8, 9] + [8] * 4 + [9, 8, 8, 8, 8]
    assert dict(doc.metadata)["core.author"] == "张幸瑾"


# ---------------------------------------------------------------- generated reports

@pytest.mark.parametrize("style,version,seed", CASES, ids=[f"{st}-{v}-{sd}" for st, v, sd in CASES])
def test_generated_docx_is_read_exactly(style, version, seed):
    s = _synth(version, seed)
    report = extract_bytes(render_docx(s, style), f"synth-{style}-{version}-{seed}.docx")
    found = problems(report, s)
    assert not found, f"{len(found)} problems:\n" + "\n".join(found[:20])


def test_generated_documents_carry_word_merges_and_vary():
    plans = [docx_plan(_synth(v, sd)) for _, v, sd in CASES]
    assert sum(1 for p in plans if p.blank_totals) >= 10 and any(p.zeros["t3"] == "0" for p in plans)
    s = _synth("2021", SEEDS[1])
    with zipfile.ZipFile(io.BytesIO(render_docx(s, "word"))) as z:
        xml = z.read("word/document.xml").decode()
    # the merges of the official template (r017: 26 gridSpan, 58 vMerge), 13 of them vertical merge origins
    assert xml.count("<w:gridSpan ") == 26 and xml.count("<w:vMerge") == 58
    assert xml.count('<w:vMerge w:val="restart"/>') == 13
    a, b = (zipfile.ZipFile(io.BytesIO(render_docx(s, "split"))).read("word/document.xml") for _ in range(2))
    assert a == b  # deterministic


def test_layout_table_and_text_box_are_read_once_in_order():
    s = _synth("2019", SEEDS[4])
    data = render_docx(s, "boxed")
    assert b"mc:Fallback" in zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")
    doc = read_docx(Path("boxed.docx"), data)
    assert [t.section for t in doc.tables] == ["t2", "t3", "t4"]
    six = dict(doc.sections)["6"]
    assert six.startswith("六、其他需要报告的事项\n") and doc.text.count("六、其他需要报告的事项") == 1
    assert dict(doc.sections)["2"] == "二、主动公开政府信息情况"  # headings from the layout table's cells
    assert doc.title.startswith(f"{s.agency}{s.year}年") and doc.title.endswith("政府信息公开工作年度报告")
    assert dict(doc.metadata)["core.author"] == s.agency


def _docx_with(document_xml: bytes, extra: dict[str, bytes] | None = None) -> bytes:
    """A real generated DOCX with word/document.xml (and maybe other parts) replaced."""
    src = zipfile.ZipFile(io.BytesIO(render_docx(_synth("2021", SEEDS[3]), "word")))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            z.writestr(info.filename, document_xml if info.filename == "word/document.xml" else src.read(info))
        for name, blob in (extra or {}).items():
            z.writestr(name, blob)
    return buf.getvalue()


_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _body(inner: str) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?><w:document {_W}><w:body>{inner}</w:body></w:document>'.encode()


def _tc(text: str, span: int = 1, vmerge: str | None = None) -> str:
    pr = (f'<w:gridSpan w:val="{span}"/>' if span > 1 else "") + \
         ("" if vmerge is None else f'<w:vMerge w:val="{vmerge}"/>' if vmerge else "<w:vMerge/>")
    return f"<w:tc><w:tcPr>{pr}</w:tcPr><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>"


def test_grid_before_continuation_text_and_deleted_text():
    rows = ("<w:tr>" + _tc("行政复议", 5) + _tc("行政诉讼", 10) + "</w:tr>"
            "<w:tr>" + "".join(_tc(h, vmerge="restart") for h in ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计"))
            + _tc("未经复议直接起诉", 5) + _tc("复议后起诉", 5) + "</w:tr>"
            "<w:tr>" + _tc("", vmerge="") + _tc("7", vmerge="") + "".join(_tc("", vmerge="") for _ in range(3))
            + "".join(_tc(h) for h in ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计") * 2) + "</w:tr>"
            '<w:tr><w:trPr><w:gridBefore w:val="1"/></w:trPr>' + "".join(_tc(str(i)) for i in range(1, 15)) + "</w:tr>")
    deleted = "<w:p><w:r><w:t>一、总体情况</w:t></w:r><w:del><w:r><w:delText>删去</w:delText></w:r></w:del></w:p>"
    doc = read_docx(Path("t.docx"), _docx_with(_body(deleted + f"<w:tbl>{rows}</w:tbl><w:p/>")))
    (t4,) = doc.tables
    assert t4.section == "t4"
    assert [(c.col, c.text) for c in t4.rows[2].cells][:2] == [(1, "7"), (5, "结果维持")]  # text in a continuation kept
    assert [c.col for c in t4.rows[3].cells] == list(range(1, 15))
    assert "删去" not in doc.text and doc.sections[0][0] == "1"


def test_not_a_docx_archive_and_damaged_package():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("photo.txt", b"hello")
    with pytest.raises(ReadError, match="not a DOCX"):
        read_document(Path("x.docx"), buf.getvalue())
    with pytest.raises(ReadError, match="DOCX"):
        read_document(Path("y.docx"), b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(ReadError, match="DOCX"):
        read_document(Path("z.docx"), _docx_with(b"<w:document><unclosed>"))


# ---------------------------------------------------------------- hostile packages

def _timed_refusal(data: bytes, match: str) -> str:
    start = time.perf_counter()
    with pytest.raises(ReadError, match=match) as info:
        extract_bytes(data, "hostile.docx")
    assert time.perf_counter() - start < 1.0
    return str(info.value)


def test_zip_bomb_by_compression_ratio_is_refused_fast():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", b"<Types/>")
        z.writestr("word/document.xml", b"<w:document>" + b"0" * 200_000_000 + b"</w:document>")
    assert len(buf.getvalue()) < 300_000
    msg = _timed_refusal(buf.getvalue(), "zip bomb")
    assert msg.startswith("hostile.docx: DOCX refused: entry 'word/document.xml' inflates")


def test_zip_bomb_by_declared_size_and_by_entry_count_is_refused_fast():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr("word/document.xml", b"<w:document/>")
    data = bytearray(buf.getvalue())
    cd = data.index(b"PK\x01\x02")  # the central directory claims 3 GB uncompressed
    data[cd + 24:cd + 28] = struct.pack("<I", 3_000_000_000)
    _timed_refusal(bytes(data), r"3000000000 bytes uncompressed \(limit")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for i in range(6000):
            z.writestr(f"word/media/{i}.xml", b"")
    _timed_refusal(buf.getvalue(), "6000 entries")


def test_billion_laughs_is_refused_fast():
    lol = '<!DOCTYPE lolz [<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)) + "]>"
    xml = f'<?xml version="1.0"?>{lol}<w:document {_W}><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>'
    data = _docx_with(xml.encode())
    assert len(data) < 50_000  # the python-docx default template, a thumbnail included
    msg = _timed_refusal(data, "DOCTYPE declaration")
    assert "word/document.xml" in msg and "billion-laughs" in msg
    _timed_refusal(_docx_with(xml.encode("utf-16")), "DOCTYPE")  # the same in UTF-16
    _timed_refusal(_docx_with(_body("<w:p/>"), {"customXml/item9.xml": b'<!ENTITY x SYSTEM "file:///etc/passwd">'}),
                   "ENTITY")
