"""The seed report end to end: the issue's acceptance figures, asserted value by value."""
from __future__ import annotations

import pytest

import ogi
from tests.conftest import SEED

T3_ROWS_2019 = ["new_received", "carried_over", "granted", "partly_granted", "withheld_state_secret",
                "withheld_prohibited_by_law", "withheld_security_stability", "withheld_third_party",
                "withheld_internal_affairs", "withheld_process_info", "withheld_enforcement_file",
                "withheld_query_matter", "unable_not_held", "unable_needs_creation", "unable_unclear",
                "not_processed_petition", "not_processed_duplicate", "not_processed_publication",
                "not_processed_excessive", "not_processed_confirmation", "other", "total_processed",
                "carried_forward"]


@pytest.fixture(scope="module")
def report() -> ogi.Report:
    return ogi.extract(SEED)


def test_templates_and_status(report):
    assert dict(report.report.templates) == {"t2": "2019", "t3": "2019", "t4": "2019"}
    assert report.status == "inconsistent"
    assert report.source.script == "traditional"
    assert report.source.format == "pipe"


@pytest.mark.parametrize("row,values", [
    ("regulations", (0, 0, 0)), ("normative_documents", (2, 2, 2)), ("licensing", (40, -1, 15503)),
    ("other_services", (16, -6, 864)), ("penalty", (0, 0, 0)), ("coercion", (0, 0, 0)), ("fees", (0, 0)),
    ("central_procurement", (12, 4737791)),
])
def test_t2_cells_equal_printed_values(report, row, values):
    cells = [c for c in report.cells if c.key.startswith(f"t2.{row}.")]
    assert tuple(c.value for c in cells) == values
    assert all(c.status == "read" for c in cells)


def test_t3_total_column(report):
    totals = [report.value(f"t3.{r}.total") for r in T3_ROWS_2019]
    assert totals == [161, 2, 38, 15, 0, 0, 0, 0, 0, 0, 0, 10, 84, 0, 2, 0, 0, 3, 0, 1, 6, 159, 2]
    for r in T3_ROWS_2019:
        assert report.cell(f"t3.{r}.total").status in ("inferred", "blank")


def test_note_and_source_violation(report):
    noted = [c for c in report.cells if c.key.startswith("t3.other.") and c.note]
    assert [(c.value, c.note, c.raw) for c in noted] == [(6, "撤", "6撤")]
    check = report.check("t3.balance.total")
    assert (check.ok, check.lhs, check.rhs, check.cause) == (False, 163, 161, "source")
    assert any(i.code == "source_identity_violated" and "t3.balance.total" in i.keys for i in report.issues)


def test_no_read_cell_where_text_shows_no_column(report):
    # t3 and t4 rows of the seed print fewer values than cells: no position there is shown by the text
    assert not [c.key for c in report.cells if c.key.startswith(("t3.", "t4.")) and c.status == "read"]


def test_t4_two_ones_are_ambiguous(report):
    t4 = [c for c in report.cells if c.key.startswith("t4.")]
    ones = [c for c in t4 if c.value == 1]
    assert len(ones) == 2
    assert all(c.status == "ambiguous" and 0 < c.confidence < 1 and c.alternatives for c in ones)
    assert sum(c.value for c in t4) == 2


def test_sections_kept(report):
    sections = dict(report.sections)
    assert set(sections) == {"1", "2", "3", "4", "5", "6"}
    assert sections["5"].startswith("五、存在的主要问题")
    assert "9200余条" in sections["1"]


def test_metadata(report):
    assert report.report.agency == "南通市行政审批局"
    assert report.report.year == 2019
