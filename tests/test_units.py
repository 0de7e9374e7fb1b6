"""Small units: number parsing, label matching, format detection, the solver on hand-made rows."""
from __future__ import annotations

from pathlib import Path

import pytest

from normalize.numbers import parse_cell
from normalize.observe import match_row
from normalize.solver import RowVar, solve
from normalize.templates import Identity, detect_version, template
from normalize.text import detect_script, label_key, normalize_text, normalize_with_script


@pytest.mark.parametrize("text,kind,value,unit,note", [
    ("6撤", "value", 6, None, "撤"), ("+3", "value", 3, None, None), ("-1", "value", -1, None, None),
    ("251000元", "value", 251000, "元", None), ("18651.06", "value", 18651.06, None, None),
    ("2 0", "value", 20, None, None), ("1,234,567", "value", 1234567, None, None),
    ("１２", "value", 12, None, None), ("12万元", "value", 12, "万元", None),
    ("/", "blank", 0, None, None), ("-", "blank", 0, None, None), ("—", "blank", 0, None, None),
    ("无", "blank", 0, None, None), ("空", "blank", 0, None, None), ("", "blank", 0, None, None),
    ("1.属于国家秘密", "text", None, None, None), ("总计", "text", None, None, None),
])
def test_parse_cell(text, kind, value, unit, note):
    p = parse_cell(normalize_text(text))
    assert (p.kind, p.value, p.unit, p.note) == (kind, value, unit, note)


def test_raw_text_is_kept():
    assert parse_cell("6撤").raw == "6撤"


@pytest.mark.parametrize("label,row", [
    ("（二）部分公開(區分處理的,只計這一情形,不計其他情形)", "partly_granted"),
    ("3.危及\"三安全一稳定\"", "withheld_security_stability"),
    ("3. 危及三安全一稳定", "withheld_security_stability"),
    ("2.其他法律行政止公开", "withheld_prohibited_by_law"),  # a glyph lost in a PDF text layer
    ("办理结果合计", "total_processed"), ("结转下年", "carried_forward"),
    ("（六）其他處理", "other"), ("四、結轉下年度繼續辦理", "carried_forward"),
])
def test_label_variants_match(label, row):
    assert match_row(label, template("t3", "2019"), 0)[0] == row


def test_2021_sub_rows_and_other_misc():
    tpl = template("t3", "2021")
    assert match_row("1.申请人无正当理由逾期不补正，行政机关不再处理其政府信息公开申请", tpl, 0)[0] == "other_no_correction"
    cursor = [r.key for r in tpl.rows].index("other_no_fee")
    assert match_row("3.其他", tpl, cursor)[0] == "other_misc"


def test_t2_label_notes_in_parentheses():
    assert match_row("规章(设区的市、自治州人民政府应提供相关数据)", template("t2", "2019"), 0)[0] == "regulations"
    assert label_key("規范性文件") == "规范性文件"


def test_format_from_labels_not_year():
    assert detect_version("t2", "信息内容 本年制发件数 本年废止件数 现行有效件数") == "2021"
    assert detect_version("t2", "信息内容 本年新制作数量 本年新公开数量 对外公开总数量") == "2019"
    assert detect_version("t3", "逾期不补正 缴纳费用") == "2021"
    assert detect_version("t3", "（六）其他处理", fallback="2019") == "2019"


def _ident(id_, terms):
    return Identity(id_, tuple(terms), lhs=(terms[0][0],))


def test_solver_unique_placement_is_certain():
    # a + b = t with a and b candidates; t fixed: only one split works
    rows = [RowVar(("x.t",), ((5,),), (1.0,)),
            RowVar(("x.a", "x.b"), ((5, None), (None, 5), (2, 3)), (1.0, 1.0, 1.0))]
    ident = _ident("sum", [("x.t", 1), ("x.a", -1), ("x.b", -1)])
    sol = solve(rows, [ident])
    assert sol.cost == 0 and sol.count == 3
    assert all(sol.possible[1])


def test_solver_prefers_fewest_violations_and_reports_forced_ones():
    rows = [RowVar(("a",), ((3,),), (1.0,)), RowVar(("b",), ((4,),), (1.0,))]
    sol = solve(rows, [_ident("eq", [("a", 1), ("b", -1)])])
    assert sol.cost == 1 and sol.violated_always == frozenset({"eq"})


def test_solver_marginals_follow_prior():
    rows = [RowVar(("t",), ((1,),), (1.0,)), RowVar(("p", "q"), ((1, None), (None, 1)), (3.0, 1.0))]
    sol = solve(rows, [_ident("s", [("t", 1), ("p", -1), ("q", -1)])])
    assert sol.map_choice[1] == 0
    assert sol.marginals[1] == pytest.approx((0.75, 0.25))


def test_extra_cell_keys_are_unique_even_for_a_second_report(tmp_path):
    from ogi.api import extract_bytes
    from tests.conftest import ROOT

    page = (ROOT / "fixtures" / "html" / "two_reports.html").read_bytes()
    keys = [c.key for c in extract_bytes(page, "two_reports.html").cells]
    assert len(keys) == len(set(keys))


def test_normalize_with_script_matches_the_two_separate_steps():
    seed = next(Path(__file__).resolve().parents[1].glob("fixtures/seed/*.txt")).read_text(encoding="utf-8")
    simplified = normalize_text(seed)
    for text, script in ((seed, "traditional"), (simplified, "simplified"), ("", "simplified"),
                         ("一、總體情況\r\n著力推進\u3000公開", "traditional")):
        assert normalize_with_script(text) == (normalize_text(text), script)
        assert detect_script(text) == script


def test_the_script_is_read_before_the_text_is_converted():
    """(The converted body is always simplified: PDF and OCR readers once reported every report so.)"""
    from extract.text import read_text
    raw = "一、總體情況\n本機關認真貫徹執行條例，積極推進政務公開。\n".encode()
    assert read_text(Path("x.txt"), raw).script == "traditional"


def test_a_pdf_printed_in_traditional_characters_says_so():
    from ogi import synth_pdf
    if synth_pdf.missing("chromium"):
        pytest.skip(synth_pdf.missing("chromium"))
    from extract.pdf import read_pdf
    page = "<html><body><h1>二〇二〇年政府信息公開工作年度報告</h1><p>一、總體情況</p><p>本機關認真貫徹執行條例。</p>" \
           "</body></html>"
    pdf = synth_pdf.render_pdfs({"traditional": page.encode()}, "chromium")["traditional"]
    doc = read_pdf(pdf, pdf.read_bytes())
    assert "总体情况" in doc.text and doc.script == "traditional"
