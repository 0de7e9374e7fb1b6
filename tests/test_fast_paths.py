"""The shortcuts taken for speed give exactly what the general code gives (each against that general code)."""
from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from normalize import solver
from normalize.numbers import ParsedCell, parse_cell
from normalize.solver import RowVar
from normalize.templates import Identity
from normalize.text import clear_text_caches, fold_width

# characters these reports hold, and the ones NFKC folds in other ways (compatibility forms, combining marks)
_CHARS = st.one_of(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E),
    st.characters(min_codepoint=0xFF00, max_codepoint=0xFFEF),  # full- and half-width forms
    st.characters(min_codepoint=0x3000, max_codepoint=0x303F),  # CJK punctuation, ideographic space
    st.characters(min_codepoint=0x2F00, max_codepoint=0x2FDF),  # Kangxi radicals (Chromium PDFs)
    st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF),
    st.sampled_from("\u0301\u0308\u3099\u309a\u2026\u2460\u3392\u00a0\u00b2\ufb01"),
)


@given(st.text(_CHARS, max_size=12))
@settings(max_examples=3000, deadline=None)
def test_fold_width_is_nfkc(text):
    assert fold_width(text) == unicodedata.normalize("NFKC", text)


def test_fold_width_every_single_character_is_nfkc():
    for cp in range(0x110000):
        if 0xD800 <= cp < 0xE000:
            continue
        ch = chr(cp)
        assert fold_width(ch) == unicodedata.normalize("NFKC", ch), hex(cp)
        assert fold_width("\uff21" + ch) == unicodedata.normalize("NFKC", "\uff21" + ch), hex(cp)


def test_digit_cells_parse_as_the_general_rule_does():
    assert parse_cell("23") == ParsedCell(raw="23", kind="value", value=23)
    assert parse_cell("007") == ParsedCell(raw="007", kind="value", value=7)
    # not ASCII digits: the general rule decides (superscript two is a digit to str.isdigit, not to the rule)
    assert parse_cell("²").kind == "text"
    assert parse_cell("２３") == ParsedCell(raw="２３", kind="value", value=23)


_VALUES = st.one_of(st.none(), st.integers(-3, 30), st.sampled_from([0.5, 1.25, 12.5]))


@st.composite
def _settled_problem(draw):
    n = draw(st.integers(0, 7))
    rows = [RowVar((f"r{i}.a", f"r{i}.b"), ((draw(_VALUES), draw(_VALUES)),),
                   (draw(st.sampled_from([1.0, 0.3, 0.7, 0.0, 1e-3, 0.1])),)) for i in range(n)]
    cells = [c for r in rows for c in r.cells] + ["elsewhere.x"]  # an identity may name a cell not read
    idents = []
    for k in range(draw(st.integers(0, 6))):
        chosen = draw(st.lists(st.sampled_from(cells), min_size=1, max_size=4, unique=True))
        idents.append(Identity(f"i{k}", tuple((c, draw(st.sampled_from([1, -1, 2]))) for c in chosen),
                               weight=draw(st.sampled_from([1, 2]))))
    return rows, idents


@given(_settled_problem())
@settings(max_examples=1500, deadline=None)
def test_rows_with_one_reading_each_solve_as_the_search_does(problem):
    rows, idents = problem
    assert solver.solve(rows, idents) == solver._search(rows, idents)


def test_clearing_the_text_caches_empties_the_html_cell_cache():
    from extract import html
    from ogi.api import extract_bytes
    from tests.conftest import ROOT

    extract_bytes((ROOT / "fixtures" / "html" / "two_reports.html").read_bytes(), "two_reports.html")
    assert html._CELLS
    clear_text_caches()
    assert not html._CELLS
