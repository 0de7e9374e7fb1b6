"""Property tests: random consistent reports (ogi.synth) through the whole pipeline, against their truth.

The worst bug is a confident wrong value: a cell whose status is `read`, `inferred` or `blank` (or a derived
cell with confidence 1.0) while its value differs from the truth. Every `ambiguous` cell must say it is
unsure (confidence < 1) and keep the truth among its value and alternatives. Every truth key must be output.

Each property draws an integer seed with hypothesis and derives a `random.Random` from it, so a failure
prints the seed; reproduce it with

    PYTHONPATH=. python3 -c "import random, ogi.synth as S; print(S.render(S.generate(random.Random(SEED), 'VERSION'), 'FORM'))"

Shrinking is off (a smaller seed is not a simpler report). `OGI_PROPERTY_SCALE=0.1` runs a tenth of the
examples (quick local runs); the default runs ≥ 1,000 reports in total.
"""
from __future__ import annotations

import os
import random
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from normalize.templates import identities, template
from ogi import synth
from ogi.api import extract_bytes

SCALE = float(os.environ.get("OGI_PROPERTY_SCALE", "1"))
SEEDS = st.integers(min_value=0, max_value=2**63 - 1)
SEED_FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "seed" / "000_e121fe427aa0e29e.txt"


def _settings(n: int):
    # derandomized: CI runs the same examples every time (a failure is reproducible, never flaky);
    # set OGI_PROPERTY_RANDOM=1 to explore new seeds
    return settings(max_examples=max(1, int(n * SCALE)), deadline=None,
                    derandomize=os.environ.get("OGI_PROPERTY_RANDOM") != "1",
                    phases=(Phase.explicit, Phase.reuse, Phase.generate),
                    suppress_health_check=[HealthCheck.too_slow])


def _glued_reader_ready() -> bool:
    s = synth.generate(random.Random(7), "2021")
    try:
        report = extract_bytes(synth.render_glued(s).encode(), "synth.txt")
    except Exception:  # noqa: BLE001 - a crashing reader is "not ready"; the property tests report crashes
        return False
    return any(c.key.startswith("t3.") and c.status != "missing" for c in report.cells)


GLUED_READY = _glued_reader_ready()
needs_glued = pytest.mark.skipif(not GLUED_READY, reason="extract/glued.py finds no tables yet")


def _run(seed: int, version: str, form: str):
    s = synth.generate(random.Random(seed), version)
    text = synth.render(s, form)
    report = extract_bytes(text.encode("utf-8"), "synth.txt")
    return s, report


def _explain(seed: int, version: str, form: str, problems) -> str:
    head = f"seed={seed} version={version} form={form}: {len(problems)} problem(s)\n"
    return head + "\n".join(f"  {k}: {kind}: {d}" for k, kind, d in problems[:20])


def _assert_sound(seed: int, version: str, form: str) -> None:
    s, report = _run(seed, version, form)
    problems = synth.compare(report, s)
    assert not problems, _explain(seed, version, form, problems)


# ---------------------------------------------------------------- the properties (≥ 1,000 reports in all)

@pytest.mark.parametrize("version", ["2019", "2021"])
@_settings(250)
@given(seed=SEEDS)
def test_pipe_no_confident_wrong_value(version, seed):
    _assert_sound(seed, version, "pipe")


@pytest.mark.parametrize("version", ["2019", "2021"])
@_settings(150)
@given(seed=SEEDS)
def test_pipe_traditional_no_confident_wrong_value(version, seed):
    _assert_sound(seed, version, "pipe-traditional")


@needs_glued
@pytest.mark.parametrize("version", ["2019", "2021"])
@_settings(250)
@given(seed=SEEDS)
def test_glued_no_confident_wrong_value(version, seed):
    _assert_sound(seed, version, "glued")


# A clean, consistent report in a known form should leave no truth cell `missing`. Kept apart from the
# soundness properties so that a reader gap (a row not found) never hides a confident wrong value.
@pytest.mark.parametrize("form", ["pipe", "glued"])
@pytest.mark.parametrize("version", ["2019", "2021"])
@_settings(50)
@given(seed=SEEDS)
def test_no_truth_cell_missing(form, version, seed):
    if form == "glued" and not GLUED_READY:
        pytest.skip("extract/glued.py finds no tables yet")
    s, report = _run(seed, version, form)
    cells = {c.key: c for c in report.cells}
    missing = sorted({k.rsplit(".", 1)[0] for k in s.truth if cells[k].status == "missing"})
    assert not missing, (f"seed={seed} version={version} form={form}: rows missing: {missing}; "
                         f"issues: {[i.message for i in report.issues if i.severity != 'info']}")


# ---------------------------------------------------------------- the generator itself (deterministic)

@pytest.mark.parametrize("version", ["2019", "2021"])
def test_generator_truth_satisfies_every_identity(version):
    keys = set(synth.truth_keys(version))
    t3_t4 = [i for t in ("t3", "t4") for i in identities(t, version)]
    assert t3_t4, "no identities to check"
    for seed in range(1500):
        s = synth.generate(random.Random(seed), version)
        assert set(s.truth) == keys, seed
        for idn in t3_t4:
            assert sum(coef * s.truth[k] for k, coef in idn.terms) == 0, (seed, idn.id)
        for k, v in s.truth.items():
            if k.startswith(("t3.", "t4.")):
                assert isinstance(v, int) and v >= 0, (seed, k, v)
        assert synth.check_identities(s) == []


def test_generator_keys_follow_the_templates():
    for version, n_t3 in (("2019", 23), ("2021", 25)):
        keys = synth.truth_keys(version)
        t3 = [k for k in keys if k.startswith("t3.")]
        assert len(t3) == n_t3 * 7
        assert not any(k.endswith(".legal_entity_total") for k in keys)
        assert ("t3.other.total" in keys) == (version == "2019")
        assert len([k for k in keys if k.startswith("t4.")]) == 15
        t2 = template("t2", version)
        assert [k for k in keys if k.startswith("t2.")] == list(t2.cell_keys())


def test_generator_is_deterministic():
    a = synth.generate(random.Random(42), "2021")
    b = synth.generate(random.Random(42), "2021")
    assert a == b
    assert synth.render_pipe(a) == synth.render_pipe(b)
    assert synth.render_glued(a) == synth.render_glued(b)


def test_generator_is_sparse_like_real_reports():
    sample = [synth.generate(random.Random(i), ("2019", "2021")[i % 2]) for i in range(600)]
    empty = sum(1 for s in sample if s.truth["t3.new_received.total"] == 0)
    thousands = sum(1 for s in sample if s.truth["t3.new_received.total"] >= 1000)
    research = sum(1 for s in sample if s.truth["t3.new_received.research"])
    natural = sum(1 for s in sample if s.truth["t3.new_received.natural_person"])
    assert 0.05 < empty / len(sample) < 0.5
    assert 0 < thousands < len(sample) * 0.15
    assert research < len(sample) * 0.05 < natural


def _pipe_structure(text: str) -> list[str]:
    """Lines from 二、 to 五、, simplified, numbers masked only where they are cells."""
    from normalize.text import to_simplified

    text = to_simplified(text)
    block = text[text.index("二、主动公开政府信息情况"):text.index("五、存在的主要问题")]
    return block.splitlines()


def test_render_pipe_reproduces_the_seed_layout():
    """The seed's published numbers (placed in some columns) render to exactly the seed's table block."""
    if not SEED_FIXTURE.exists():
        pytest.skip("seed fixture absent")
    t = dict.fromkeys(synth.truth_keys("2019"), 0)
    rows = {"new_received": (153, 5, 3, 161), "carried_over": (2, 2), "granted": (35, 1, 2, 38),
            "partly_granted": (14, 1, 15), "withheld_query_matter": (9, 1, 10), "unable_not_held": (82, 2, 84),
            "unable_unclear": (2, 2), "not_processed_publication": (3, 3), "not_processed_confirmation": (1, 1),
            "other": (6, 6), "total_processed": (151, 5, 3, 159), "carried_forward": (2, 2)}
    for row, vals in rows.items():
        cols = ("natural_person", "commercial", "other_org")[: len(vals) - 1] + ("total",)
        t.update({f"t3.{row}.{c}": v for c, v in zip(cols, vals)})
    t.update({"t4.cases.review_upheld": 1, "t4.cases.review_total": 1,
              "t2.normative_documents.made": 2, "t2.normative_documents.published": 2,
              "t2.normative_documents.published_total": 2, "t2.licensing.items_last_year": 40,
              "t2.licensing.items_change": -1, "t2.licensing.decisions": 15503,
              "t2.other_services.items_last_year": 16, "t2.other_services.items_change": -6,
              "t2.other_services.decisions": 864, "t2.central_procurement.projects": 12,
              "t2.central_procurement.amount": 4737791})
    seed_text = SEED_FIXTURE.read_text(encoding="utf-8")
    for style in range(500):  # a style whose presentation draws the seed's `6撤` note
        s = synth.Synth("2019", t, "南通市行政审批局", 2019, {"t2.central_procurement.amount": None}, style)
        text = synth.render_pipe(s, traditional=True)
        if "6撤" in text:
            break
    assert _pipe_structure(text) == _pipe_structure(seed_text)


@pytest.mark.parametrize("version", ["2019", "2021"])
def test_render_pipe_bar_lines_count_empty_and_covered_cells(version):
    widths = {"t2": 5, "t3": 10, "t4": 15}
    for seed in range(50):
        s = synth.generate(random.Random(seed), version)
        lines = synth.render_pipe(s).splitlines()
        for table, start, end in (("t2", "二、主动公开", "三、收到和处理"), ("t3", "三、收到和处理", "四、政府信息公开"),
                                  ("t4", "四、政府信息公开", "五、存在")):
            a = next(i for i, ln in enumerate(lines) if ln.startswith(start))
            b = next(i for i, ln in enumerate(lines) if ln.startswith(end))
            cells = 0
            for ln in lines[a + 1:b]:
                if re.fullmatch(r"\|+", ln):
                    assert cells + len(ln) == widths[table], (seed, table, ln)
                    cells = 0
                else:
                    assert ln.endswith(" |"), (seed, table, ln)
                    cells += 1


@pytest.mark.parametrize("version", ["2019", "2021"])
def test_render_glued_prints_every_cell_on_one_line(version):
    for seed in range(50):
        s = synth.generate(random.Random(seed), version)
        text = synth.render_glued(s)
        body = text.split("==================== 正文 ====================\n", 1)[1]
        assert body.count("\n") == 1 and body.endswith("\n")
        digits = sum(len(re.sub(r"\D", "", synth._fmt(s, k))) for k in s.truth)
        tables = body[body.index("二、主动公开"):body.index("五、存在")]
        assert len(re.findall(r"\d", re.sub(r"[1-8]\.(?=\D)", "", tables))) == digits, seed


def test_compare_flags_a_wrong_truth():
    """The oracle itself: perturbing one truth value must surface as a problem of the matching kind."""
    for seed in range(100):  # a report with both confident and ambiguous cells
        s, report = _run(seed, "2019", "pipe")
        cells = {c.key: c for c in report.cells}
        amb = [k for k in s.truth if cells[k].status == "ambiguous"]
        if amb and synth.compare(report, s) == []:
            break
    assert amb, "no generated report with ambiguous cells in 100 seeds"
    read = next(k for k in s.truth if cells[k].status in synth.CONFIDENT)
    bad = dict(s.truth, **{read: s.truth[read] + 1})
    kinds = {kind for _, kind, _ in synth.compare(report, synth.Synth(s.version, bad, s.agency, s.year, s.units))}
    assert "confident_wrong" in kinds
    bad = dict(s.truth, **{amb[0]: 10**9})
    kinds = {kind for _, kind, _ in synth.compare(report, synth.Synth(s.version, bad, s.agency, s.year, s.units))}
    assert "ambiguous_truth_absent" in kinds
    bad = dict(s.truth, **{"t9.nowhere.total": 1})
    kinds = {kind for _, kind, _ in synth.compare(report, synth.Synth(s.version, bad, s.agency, s.year, s.units))}
    assert "key_absent" in kinds
