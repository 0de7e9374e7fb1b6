"""Generated reports (`ogi.synth`) rendered as DOCX files the way Word makes them.

`render_docx(s, style)` builds the document with python-docx: title and section prose as paragraphs, the three
tables in the official merged layout as raw table XML — horizontal merges as `w:gridSpan`, vertical ones as a
`w:vMerge w:val="restart"` cell followed by empty `w:vMerge` continuation cells, as in the official template
(shared/corpus/r017-blank-template.docx) — and the core properties (title, author, dates). What is printed
beyond the truth (zeros as 0 or blank, t3 总计 left blank) follows `docx_plan(s)`, as for HTML pages.

Styles (`DOCX_STYLES`):
- `word`: the template's layout; labels split over runs and paragraphs, digits over runs, blank cells
  empty or holding ideographic spaces, some numbers with thousands separators or full-width digits.
- `split`: t2 one table per block, t3 cut over two tables (the vertical merges cut with it), t4 as three
  5-column tables.
- `boxed`: the tables nested in a one-column layout table with the section headings, and section 六 inside
  a text box (Word's `mc:AlternateContent`: a DrawingML choice and its VML fallback, the same text twice).
"""
from __future__ import annotations

import io
import random
import zlib
from datetime import datetime

import docx
from docx.oxml import parse_xml
from docx.shared import Pt

from ogi.synth import (
    _SECTION_TITLES,
    HtmlPlan,
    Synth,
    _grid_origins,
    _html_t2_blocks,
    _html_t3_rows,
    _html_t4_rows,
    _html_t4_subtables,
    _paragraphs,
    _split_rows,
    _Td,
    html_plan,
)

__all__ = ["DOCX_STYLES", "docx_plan", "render_docx"]

DOCX_STYLES = ("word", "split", "boxed")
_NS = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
       'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
       'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
       'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
       'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
       'xmlns:v="urn:schemas-microsoft-com:vml"')
_FULL_WIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")


def docx_plan(s: Synth) -> HtmlPlan:
    """What the document prints beyond the truth (the same plan as a plain HTML page of the report)."""
    return html_plan(s, "plain")


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _run(text: str, bold: bool = False) -> str:
    props = "<w:rPr><w:rFonts w:hint=\"eastAsia\"/>" + ("<w:b/>" if bold else "") + "<w:sz w:val=\"21\"/></w:rPr>"
    return f'<w:r>{props}<w:t xml:space="preserve">{_esc(text)}</w:t></w:r>'


def _chunks(text: str, rng: random.Random, n_max: int) -> list[str]:
    n = min(len(text), rng.randint(1, n_max))
    cuts = sorted(rng.sample(range(1, len(text)), n - 1)) if n > 1 else []
    return [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)])]


def _cell_paragraphs(td: _Td, rng: random.Random, style: str, numbers: dict) -> str:
    """The w:p elements of one cell: labels over runs (heading cells maybe over two paragraphs), numbers
    maybe over two runs, in thousands or full-width form; empty cells empty or holding ideographic spaces."""
    ppr = '<w:pPr><w:jc w:val="center"/></w:pPr>'
    text = td.text
    if not text:
        return f"<w:p>{ppr}{_run(rng.choice(('', '　', '　　', ' ')))}</w:p>" if rng.random() < 0.5 else "<w:p/>"
    if style != "word":
        return f"<w:p>{ppr}{_run(text)}</w:p>"
    if td.kind == "value":
        if text.isdigit() and numbers["thousands"] and len(text) > 3:
            text = f"{int(text):,}"
        if numbers["fullwidth"]:
            text = text.translate(_FULL_WIDTH)
        return f"<w:p>{ppr}{''.join(_run(c) for c in _chunks(text, rng, 2))}</w:p>"
    if td.kind == "head" and len(text) >= 4 and rng.random() < 0.3:  # 商业 / 企业 on two lines, as in the template
        cut = len(text) // 2
        return "".join(f"<w:p>{ppr}{_run(part)}</w:p>" for part in (text[:cut], text[cut:]))
    return f"<w:p>{ppr}{''.join(_run(c) for c in _chunks(text, rng, 3))}</w:p>"


def _table_xml(rows: list[list[_Td]], rng: random.Random, style: str, numbers: dict, total_width: int = 8800) -> str:
    """One w:tbl: every grid position of every row is a w:tc, an origin cell (w:gridSpan, w:vMerge restart)
    or the empty continuation of a vertical merge above (w:vMerge without a value)."""
    cols = _grid_origins(rows)
    width = max(c + td.cs for r, row in enumerate(rows) for c, td in zip(cols[r], row))
    below: dict[tuple[int, int], _Td] = {}
    for r, row in enumerate(rows):
        for c, td in zip(cols[r], row):
            for dr in range(1, td.rs):
                below[(r + dr, c)] = td
    w = total_width // width
    out = [f'<w:tbl {_NS}><w:tblPr><w:tblW w:w="{w * width}" w:type="dxa"/><w:jc w:val="center"/><w:tblBorders>'
           + "".join(f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
                     for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
           + '</w:tblBorders><w:tblLayout w:type="fixed"/></w:tblPr><w:tblGrid>'
           + f'<w:gridCol w:w="{w}"/>' * width + "</w:tblGrid>"]
    for r, row in enumerate(rows):
        origins = dict(zip(cols[r], row))
        out.append("<w:tr>")
        c = 0
        while c < width:
            td, cont = origins.get(c), False
            if td is None and (r, c) in below:
                td, cont = below[(r, c)], True
            cs = td.cs if td is not None else 1
            props = f'<w:tcW w:w="{w * cs}" w:type="dxa"/>' + (f'<w:gridSpan w:val="{cs}"/>' if cs > 1 else "")
            if cont:
                props += "<w:vMerge/>"
            elif td is not None and td.rs > 1:
                props += '<w:vMerge w:val="restart"/>'
            props += '<w:vAlign w:val="center"/>'
            content = "<w:p/>" if cont or td is None else _cell_paragraphs(td, rng, style, numbers)
            out.append(f"<w:tc><w:tcPr>{props}</w:tcPr>{content}</w:tc>")
            c += cs
        out.append("</w:tr>")
    out.append("</w:tbl>")
    return "".join(out)


def _para_xml(text: str, heading: bool = False, center: bool = False) -> str:
    ppr = '<w:pPr><w:jc w:val="center"/></w:pPr>' if center else '<w:pPr><w:ind w:firstLine="640"/></w:pPr>'
    return f"<w:p {_NS}>{ppr}{_run(text, bold=heading)}</w:p>"


def _text_box(paragraphs: list[str], rng: random.Random) -> str:
    """A paragraph anchoring a text box as Word writes it: a DrawingML choice and a VML fallback."""
    inner = "".join(f"<w:p>{_run(t)}</w:p>" for t in paragraphs)
    box_id = rng.randint(1, 10_000)
    extent = '<wp:extent cx="5400000" cy="900000"/>'
    choice = (f'<mc:Choice Requires="wps"><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0">{extent}'
              f'<wp:docPr id="{box_id}" name="文本框 {box_id}"/><a:graphic><a:graphicData '
              f'uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><wps:wsp><wps:cNvSpPr '
              f'txBox="1"/><wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="5400000" cy="900000"/></a:xfrm>'
              f'<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></wps:spPr><wps:txbx><w:txbxContent>{inner}'
              f'</w:txbxContent></wps:txbx><wps:bodyPr/></wps:wsp></a:graphicData></a:graphic></wp:inline>'
              f'</w:drawing></mc:Choice>')
    fallback = (f'<mc:Fallback><w:pict><v:shape id="文本框 {box_id}" style="width:425pt;height:71pt" '
                f'type="#_x0000_t202"><v:textbox><w:txbxContent>{inner}</w:txbxContent></v:textbox></v:shape>'
                f'</w:pict></mc:Fallback>')
    return f"<w:p {_NS}><w:r><mc:AlternateContent>{choice}{fallback}</mc:AlternateContent></w:r></w:p>"


def _layout_table(cells: list[tuple[str, list[str]]]) -> str:
    """A one-column layout table: per row a heading paragraph and the report tables nested under it."""
    rows = "".join(f'<w:tr><w:tc><w:tcPr><w:tcW w:w="9000" w:type="dxa"/></w:tcPr><w:p>{_run(head, True)}</w:p>'
                   f'{"".join(tables)}<w:p/></w:tc></w:tr>' for head, tables in cells)
    return (f'<w:tbl {_NS}><w:tblPr><w:tblW w:w="9000" w:type="dxa"/></w:tblPr><w:tblGrid><w:gridCol w:w="9000"/>'
            f"</w:tblGrid>{rows}</w:tbl>")


def _apart(tables: list[str]) -> list[str]:
    """Tables with an empty paragraph between them: Word (and the .doc format) joins adjacent tables."""
    return [x for t in tables for x in (t, _para_xml(""))][:-1]


def render_docx(s: Synth, style: str = "word") -> bytes:
    """The report as DOCX bytes in one of `DOCX_STYLES`; deterministic for a given report and style."""
    if style not in DOCX_STYLES:
        raise ValueError(f"unknown DOCX style {style!r} (one of {', '.join(DOCX_STYLES)})")
    plan = docx_plan(s)
    rng = random.Random(s.style * 1_000_003 + zlib.crc32(b"docx-" + style.encode()))
    numbers = {"thousands": rng.random() < 0.3, "fullwidth": rng.random() < 0.1}
    intro, one, five, six = _paragraphs(s, rng, False)
    title = f"{s.agency}{s.year}年{'度' if rng.random() < 0.3 else ''}政府信息公开工作年度报告"

    def table(rows: list[list[_Td]]) -> str:
        return _table_xml(rows, rng, style, numbers)

    t2_blocks = _html_t2_blocks(s, plan, rng, mismatch=False)
    t3 = _html_t3_rows(s, plan, rng)
    if style == "split":
        t2 = _apart([table(b) for b in t2_blocks])
        top, bottom = _split_rows(t3, rng.randint(4, len(t3) - 1), repeat=rng.random() < 0.5)
        t3_tables = [table(top), _para_xml(""), table(bottom)]
        t4 = _apart([table(t) for t in _html_t4_subtables(s, plan, rng)])
    else:
        t2 = [table([row for b in t2_blocks for row in b])]
        t3_tables = [table(t3)]
        t4 = [table(_html_t4_rows(s, plan, rng))]

    body: list[str] = [_para_xml(title, heading=True, center=True)]
    body += [_para_xml(t) for t in intro]
    body.append(_para_xml(_SECTION_TITLES[0], heading=True))
    body += [_para_xml(t) for t in one.split("\n")]
    if style == "boxed":
        body.append(_layout_table([(_SECTION_TITLES[1], t2), (_SECTION_TITLES[2], t3_tables),
                                   (_SECTION_TITLES[3], t4)]))
    else:
        for head, tables in ((_SECTION_TITLES[1], t2), (_SECTION_TITLES[2], t3_tables), (_SECTION_TITLES[3], t4)):
            body.append(_para_xml(head, heading=True))
            body += tables
    body.append(_para_xml(_SECTION_TITLES[4], heading=True))
    body.append(_para_xml(five))
    if style == "boxed":
        body.append(_text_box([_SECTION_TITLES[5], six], rng))
    else:
        body += [_para_xml(_SECTION_TITLES[5], heading=True), _para_xml(six)]
    if rng.random() < 0.5:
        body += [_para_xml(s.agency, center=True), _para_xml(f"{s.year + 1}年{rng.randint(1, 3)}月{rng.randint(10, 28)}日")]

    document = docx.Document()
    document.styles["Normal"].font.size = Pt(10.5)
    sect = document.element.body[-1]
    for chunk in body:
        sect.addprevious(parse_xml(chunk))
    props = document.core_properties
    props.title, props.author, props.last_modified_by = title, s.agency, "Administrator"
    props.created = props.modified = datetime(s.year + 1, 1 + rng.randint(0, 2), rng.randint(1, 28), 9, 30)
    props.revision = 1
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()
