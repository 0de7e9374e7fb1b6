"""Malformed and hostile HTML: every input gives a clear result or an `ogi.api.ReadError` naming the file,
never another exception.

Small hand-made pages live in fixtures/html (with `<name>.truth.json` where the page holds a report; see
fixtures/html/README.md); big or binary ones are generated here at run time.
"""
from __future__ import annotations

import base64
import gzip
import json
import random
import re
import time
from pathlib import Path

import pytest

from ogi import synth
from ogi.api import ReadError, extract_bytes
from ogi.model import Report

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "html"


def outcome(data: bytes, name: str) -> Report | ReadError:
    """The report, or the ReadError (whose message must name the file); any other exception fails the test."""
    try:
        return extract_bytes(data, name)
    except ReadError as e:
        assert name in str(e), f"ReadError does not name the file: {e}"
        return e
    except Exception as e:  # noqa: BLE001 - the point of these tests
        pytest.fail(f"{name}: {type(e).__name__} instead of a report or a ReadError: {e}")


def fixture(name: str) -> tuple[bytes, str]:
    path = FIXTURES / name
    return path.read_bytes(), str(path)


def truth(name: str) -> list[synth.Synth]:
    data = json.loads((FIXTURES / f"{name}.truth.json").read_text(encoding="utf-8"))
    items = data if isinstance(data, list) else [data]
    return [synth.Synth(d["version"], d["truth"], d["agency"], d["year"], d.get("units", {}), d["style"])
            for d in items]


def wrong_cells(report: Report, s: synth.Synth, style: str = "plain", tables: tuple[str, ...] = ("t2", "t3", "t4"),
                ) -> list[str]:
    """Truth cells of `tables` not read exactly: value, and status read/blank (imputed where the page of
    `style` left a non-zero total blank)."""
    cells = {c.key: c for c in report.cells}
    left_blank = synth.html_left_blank(s, style)
    out = []
    for key, want in s.truth.items():
        if key.split(".")[0] not in tables:
            continue
        c = cells.get(key)
        ok_status = ("imputed",) if key in left_blank else ("read", "blank")
        if c is None or c.status not in ok_status or not synth._same(c.value, want):
            out.append(f"{key}: {c and (c.status, c.value, c.raw)} want {want}")
    return out


# ---------------------------------------------------------------- pages that hold one report

def test_unclosed_and_sloppy_tags_read_like_a_clean_page():
    """No </td></tr></p></tbody>, upper-case tags, unclosed <b>/<span>/<div>, stray closers, `colspan=3;`,
    no </head></body></html>: the optional end tags of HTML, as old CMSs print them."""
    report = outcome(*fixture("unclosed_tags.html"))
    assert isinstance(report, Report), report
    (s,) = truth("unclosed_tags")
    assert wrong_cells(report, s) == []
    assert report.status == "ok", [i.message for i in report.issues]


def test_report_inside_a_layout_table():
    """The report tables nested in a site layout table (nav and a metadata table nested too): only leaf
    tables are report tables, and the metadata table still names the agency."""
    report = outcome(*fixture("nested_layout.html"))
    assert isinstance(report, Report), report
    (s,) = truth("nested_layout")
    assert wrong_cells(report, s) == []
    assert report.status == "ok", [i.message for i in report.issues]
    assert (report.report.agency, report.report.year) == (s.agency, s.year)


def _big_page(s: synth.Synth, target: int) -> bytes:
    """The report in site chrome, with a photo pasted inline (data: URI) and a long catalogue table of
    published documents (whose titles mention 行政许可/行政处罚) appended: `target` bytes or more."""
    page = synth.render_html(s, "chrome").decode("utf-8")
    rng = random.Random(5)
    photo = base64.b64encode(rng.randbytes(target * 2 // 5)).decode("ascii")
    photo_p = f'<p style="text-align:center"><img src="data:image/jpeg;base64,{photo}" width="600"></p>'
    rows, size, i = [], len(page.encode()) + len(photo_p), 0
    while size < target:
        i += 1
        row = (f"<tr><td>{i}</td><td>{s.agency}关于{2020 + i % 4}年第{i % 50 + 1}批"
               f"{('行政许可', '行政处罚', '政府采购', '项目审批')[i % 4]}事项办理结果的"
               f"{('通知', '公告', '批复', '意见', '办法')[i % 5]}</td><td>{s.year}-{i % 12 + 1:02d}-{i % 28 + 1:02d}"
               f'</td><td><a href="/zwgk/{i}.htm">查看</a></td></tr>\n')
        rows.append(row)
        size += len(row.encode())
    catalogue = ("<p>附件：本年度主动公开政府信息目录</p><table border=\"1\"><tr><td>序号</td><td>信息名称</td>"
                 "<td>发布日期</td><td>操作</td></tr>\n" + "".join(rows) + "</table>")
    at = page.index("一、总体情况")
    at = page.index("</p>", at) + 4
    end = page.index('<div class="share">')
    return (page[:at] + photo_p + page[at:end] + catalogue + page[end:]).encode("utf-8")


@pytest.mark.parametrize("version,seed", [("2019", 70_001), ("2021", 70_002)])
def test_five_megabyte_page(version, seed, capsys):
    s = synth.generate(random.Random(seed), version)
    page = _big_page(s, 5 * 1024 * 1024)
    assert len(page) >= 5 * 1024 * 1024
    t0 = time.perf_counter()
    report = outcome(page, f"big-{version}.html")
    seconds = time.perf_counter() - t0
    with capsys.disabled():
        print(f"\n{len(page) / 2**20:.1f} MB page ({version}): {seconds:.2f} s")
    assert isinstance(report, Report), report
    assert wrong_cells(report, s, "chrome") == []
    assert report.status == ("inconsistent" if synth.html_left_blank(s, "chrome") else "ok")


def test_page_declared_utf8_but_encoded_gb18030():
    s = synth.generate(random.Random(70_003), "2019")
    text = synth.render_html(s, "plain").decode("utf-8")
    assert '<meta charset="utf-8">' in text
    report = outcome(text.encode("gb18030"), "mislabelled-gbk.html")
    assert isinstance(report, Report), report
    assert report.source.encoding == "gb18030"
    assert wrong_cells(report, s) == []


def test_page_declared_gb2312_but_encoded_utf8():
    s = synth.generate(random.Random(70_004), "2021")
    text = synth.render_html(s, "plain").decode("utf-8").replace('<meta charset="utf-8">', '<meta charset="gb2312">')
    report = outcome(text.encode("utf-8"), "mislabelled-utf8.html")
    assert isinstance(report, Report), report
    assert report.source.encoding == "utf-8"
    assert wrong_cells(report, s) == []


# ---------------------------------------------------------------- pages without a (whole) report

def test_news_page_without_tables_is_not_a_report():
    result = outcome(*fixture("no_tables_news.html"))
    if isinstance(result, Report):
        assert result.status == "failed" and not result.cells
        assert any(i.severity == "error" for i in result.issues)


def test_report_prose_without_tables_is_failed_or_partial():
    """Sections 一…六 with their prose, no table at all: the prose is kept, every table reported missing."""
    result = outcome(*fixture("no_tables_report.html"))
    if isinstance(result, ReadError):
        return
    assert result.status in ("failed", "partial")
    assert not [c for c in result.cells if c.status != "missing"]
    codes = [i.code for i in result.issues]
    assert codes.count("table_missing") == 3 or "no_tables" in codes, codes
    sections = dict(result.sections)
    assert "总体情况" in sections.get("1", "") and "其他需要报告的事项" in sections.get("6", "")


def test_truncated_download_is_not_ok():
    """A page cut off in the middle of t3 (an interrupted download): what is there is read, nothing invented,
    and the report says it is incomplete."""
    s = synth.generate(random.Random(70_005), "2019")
    page = synth.render_html(s, "plain")
    cut = page.index("（五）不予处理".encode("utf-8"))
    report = outcome(page[:cut], "truncated.html")
    if isinstance(report, ReadError):
        return
    assert report.status in ("partial", "failed")
    codes = {i.code for i in report.issues}
    assert codes & {"table_missing", "table_without_rows"} or any(c.status == "missing" for c in report.cells)
    cells = {c.key: c for c in report.cells}
    for key, want in s.truth.items():
        c = cells.get(key)
        if c is not None and c.status in ("read", "blank"):
            assert synth._same(c.value, want), (key, c, want)


def test_two_reports_on_one_page():
    """Two departments' reports published on one page: the first is read exactly and nothing of the second is
    mixed into its canonical cells; the second must not be dropped silently (status `ok` without any issue)."""
    report = outcome(*fixture("two_reports.html"))
    if isinstance(report, ReadError):
        return
    first, second = truth("two_reports")
    assert wrong_cells(report, first) == []
    assert (report.report.agency, report.report.year) == (first.agency, first.year)
    assert report.status != "ok" and any(i.code == "several_reports" for i in report.issues)


@pytest.mark.parametrize("name", ["empty_html.html", "empty_body.html"])
def test_empty_documents(name):
    result = outcome(*fixture(name))
    if isinstance(result, Report):
        assert result.status == "failed" and not result.cells


@pytest.mark.parametrize("data", [b"", b"   \n\t  ", b"\xef\xbb\xbf", b"<html>", b"<table></table>",
                                  b"<table><tr><td colspan=99999 rowspan=99999>x</td></tr></table>"],
                         ids=["zero-bytes", "whitespace", "bom-only", "open-html", "empty-table", "absurd-spans"])
def test_degenerate_inputs(data):
    result = outcome(data, "degenerate.html")
    if isinstance(result, Report):
        assert result.status == "failed" and not [c for c in result.cells if c.status != "missing"]


def _junk(seed: int, n: int, nul: bool) -> bytes:
    rng = random.Random(seed)
    return bytes(rng.randrange(0 if nul else 1, 256) for _ in range(n))


@pytest.mark.parametrize("kind", ["fixture-junk", "random", "random-no-nul", "html-then-junk", "gzipped-page",
                                  "png", "pdf"])
def test_binary_junk_with_an_html_name(kind):
    if kind == "fixture-junk":
        data, name = fixture("binary_junk.html")
    elif kind == "gzipped-page":
        data, name = fixture("gzipped_page.html")
        assert gzip.decompress(data).startswith(b"<!DOCTYPE html>")
    else:
        name = f"{kind}.html"
        data = {"random": lambda: _junk(1, 50_000, True),
                "random-no-nul": lambda: _junk(2, 50_000, False),
                "html-then-junk": lambda: b"<html><head><title>x</title></head><body><table><tr><td>"
                                          + _junk(3, 50_000, False),
                "png": lambda: b"\x89PNG\r\n\x1a\n" + _junk(4, 5000, True),
                "pdf": lambda: b"%PDF-1.7\n" + _junk(5, 5000, True)}[kind]()
    result = outcome(data, name)
    if isinstance(result, Report):
        assert result.status == "failed" and not [c for c in result.cells if c.status != "missing"], result.status


# ---------------------------------------------------------------- a table published as an image

def _t3_as_image_checks(report: Report, s: synth.Synth) -> None:
    assert report.status != "ok"
    codes = [i.code for i in report.issues]
    assert "table_is_image" in codes, codes
    assert not [c for c in report.cells if c.key.startswith("t3.") and c.status not in ("missing",)]
    assert wrong_cells(report, s, "plain", ("t2", "t4")) == []


def test_t3_published_as_an_image():
    report = outcome(*fixture("t3_as_image.html"))
    assert isinstance(report, Report), report
    _t3_as_image_checks(report, truth("t3_as_image")[0])


@pytest.mark.parametrize("how", ["data-uri", "in-a-div-with-caption", "word-vml"])
def test_t3_published_as_an_image_variants(how):
    s = synth.generate(random.Random(70_008), "2021")
    page = synth.render_html(s, "plain").decode("utf-8")
    tables = re.findall(r"<table.*?</table>", page, flags=re.S)
    assert len(tables) == 3
    if how == "data-uri":
        img = ('<p align="center"><img src="data:image/png;base64,'
               + base64.b64encode(random.Random(1).randbytes(3000)).decode() + '" width="553" height="762"></p>')
    elif how == "in-a-div-with-caption":
        img = ('<div class="img_wrapper" style="text-align:center"><img src="./W020220131571234567890.jpg" '
               'alt="图片" /><span class="img_descr">收到和处理政府信息公开申请情况表</span></div>')
    else:
        img = ("<p class=MsoNormal><span lang=EN-US><!--[if gte vml 1]><v:shape id=\"_x0000_i1025\" "
               "type=\"#_x0000_t75\" style='width:415pt;height:570pt'><v:imagedata src=\"report.files/image001.png\" "
               "o:title=\"\"/></v:shape><![endif]--><![if !vml]><img width=553 height=760 "
               "src=\"report.files/image002.jpg\" v:shapes=\"_x0000_i1025\"><![endif]></span></p>")
    report = outcome(page.replace(tables[1], img).encode("utf-8"), f"t3-image-{how}.html")
    assert isinstance(report, Report), report
    _t3_as_image_checks(report, s)
