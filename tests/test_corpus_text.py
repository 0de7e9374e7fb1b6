"""Real flattened reports of ../shared/corpus against their hand-checked expected values."""
from __future__ import annotations

import json

import pytest

import ogi
from tests.conftest import CORPUS, corpus_file

GLUED = ["r004", "r005", "r006", "r101", "r103", "r105", "r107", "r111", "r112", "r114"]


def _expected(rid: str) -> dict:
    return json.loads(corpus_file(f"expected/{rid}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("rid", GLUED)
def test_glued_text_gives_expected_values(rid):
    exp = _expected(rid)
    report = ogi.extract(corpus_file(f"{rid}.txt"))
    assert dict(report.report.templates)["t3"] == exp["template"]
    cells = {c.key: c for c in report.cells}
    ambiguous = 0
    for key, e in exp["cells"].items():
        cell = cells[key]
        if cell.status == "ambiguous":
            ambiguous += 1
            assert e["value"] == cell.value or e["value"] in cell.alternatives, key
        else:
            assert cell.value == e["value"], (key, cell.value, cell.status, e)
    assert ambiguous <= 0.10 * len(exp["cells"]), f"{ambiguous} of {len(exp['cells'])} ambiguous"


def test_r006_published_inconsistency_is_reported():
    report = ogi.extract(corpus_file("r006.txt"))
    check = report.check("t3.outcomes.natural_person")
    assert (check.ok, check.lhs, check.rhs, check.cause) == (False, 20, 26, "source")
    assert report.status == "inconsistent"
    # the published numbers are kept as printed, not smoothed over
    assert report.value("t3.total_processed.natural_person") == 20


def test_r112_all_zero_total_row_is_a_source_inconsistency():
    report = ogi.extract(corpus_file("r112.txt"))
    failing = {c.id: c.cause for c in report.checks if c.ok is False}
    assert failing["t3.outcomes.natural_person"] == "source"
    assert failing["t3.balance.total"] == "source"


def test_r016_pre_2019_report_is_recognised_not_forced():
    report = ogi.extract(corpus_file("r016.txt"))
    assert report.status == "failed"
    assert not report.cells
    assert [i.code for i in report.issues if i.severity == "error"] == ["older_format"]


@pytest.mark.parametrize("name,t3", [("r003.md", "2021"), ("r012.md", "2021")])
def test_markdown_reports_read_all_tables(name, t3):
    report = ogi.extract(corpus_file(name))
    assert dict(report.report.templates) == {"t2": "2021", "t3": t3, "t4": "2021"}
    assert not [c.key for c in report.cells if c.status in ("missing", "ambiguous")]


def test_r012_detached_rows_and_blank_total():
    report = ogi.extract(corpus_file("r012.md"))
    # label-less number rows placed by template order are inferred, not read
    assert report.cell("t3.unable_not_held.total").status == "inferred"
    assert report.value("t3.unable_not_held.total") == 4
    assert report.value("t3.other_no_correction.natural_person") == 8
    # 结转下年度 total printed blank beside its components: imputed from the row identity
    forward = report.cell("t3.carried_forward.total")
    assert (forward.value, forward.status) == (1, "imputed")
    assert report.value("t4.cases.review_upheld") == 1 and report.value("t4.cases.review_total") == 1
    # checks speak of the page as published: the blank total fails its identities, nothing else fails
    assert sorted((c.id, c.cause) for c in report.checks if c.ok is False) == [
        ("t3.balance.total", "source"), ("t3.row.carried_forward", "source")]


def test_r003_t4_joined_from_three_subtables():
    report = ogi.extract(corpus_file("r003.md"))
    t4 = [report.value(f"t4.cases.{k}") for k in ("review_upheld", "review_total", "suit_direct_total",
                                                 "suit_after_review_other", "suit_after_review_total")]
    assert t4 == [27, 61, 3, 1, 10]
    assert report.value("t2.fees.amount_10k_yuan") == pytest.approx(4068.208)


def test_corpus_present_or_skipped():
    if not CORPUS.exists():
        pytest.skip("no corpus")
    assert (CORPUS / "MANIFEST.tsv").exists()
