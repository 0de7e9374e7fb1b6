"""Figures in the prose: read with units and markers, checked against the tables, and narrowing ambiguous
glued cells."""
from __future__ import annotations

import random
from pathlib import Path

import ogi
from extract.narrative import figures
from extract.readers import read_document
from normalize.observe import observe
from normalize.reconcile import reconcile
from normalize.restated import known_values
from ogi import synth
from tests.conftest import SEED, corpus_file


def test_figures_keep_units_markers_and_sentences():
    figs = {f.text: f for f in ogi.extract(SEED).narrative}
    f = figs["主动公开各类政府信息9200余条"]
    assert (f.value, f.unit, f.approx, f.section) == (9200, "条", "余", "1")
    f = figs["我局门户网站点击量为90万余次"]
    assert (f.value, f.unit, f.approx) == (900000, "次", "余") and "点击量" in f.sentence
    r014 = {f.text: f for f in ogi.extract(corpus_file("r014.html")).narrative}
    assert r014["市政府办公厅代表市政府共受理政府信息公开申请859件"].key.startswith("t3.new_received.total")
    fee = [f for f in ogi.extract(corpus_file("r003.md")).narrative if f.unit == "元"]
    assert [(f.value, f.section) for f in fee][:1] == [(380, "6")]


def test_prose_agreeing_with_the_tables_passes():
    r = ogi.extract(corpus_file("r014.html"))
    got = {c.id: (c.ok, c.lhs, c.rhs) for c in r.checks if c.id.startswith("narrative.")}
    assert got == {"narrative.t3.new_received.total": (True, 859, 859),
                   "narrative.t3.total_processed.total": (True, 805, 805),
                   "narrative.t3.carried_over.total": (True, 18, 18),
                   "narrative.t4.cases.review_total": (True, 7, 7)}


def test_prose_disagreeing_with_the_table_is_a_source_check():
    r = ogi.extract(corpus_file("r105.txt"))  # 共受理公开申请34件; the table: 32 new, 0 carried over
    c = r.check("narrative.t3.new_received.total")
    assert (c.ok, c.lhs, c.rhs, c.cause) == (False, 34, 32, "source")
    assert [i.code for i in r.issues if i.code.startswith("narrative")] == ["narrative_disagrees"]
    assert r.status == "ok"  # the tables themselves hold: prose checks do not change the report status


def _synth_with_sentence(tmp_path: Path, sentence: str) -> tuple[Path, dict]:
    rng = random.Random(7)
    while True:
        s = synth.generate(rng, "2021")
        if s.truth["t3.new_received.total"] > 40:
            break
    text = synth.render(s, "pipe").replace("一、总体情况\n", f"一、总体情况\n{sentence}\n", 1)
    path = tmp_path / "r.txt"
    path.write_text(text, encoding="utf-8")
    return path, s.truth


def test_a_scope_disagreement_is_reported_as_such(tmp_path):
    path, truth = _synth_with_sentence(tmp_path, "区政府办公室本级共收到政府信息公开申请17件。")
    r = ogi.extract(path)
    c = r.check("narrative.t3.new_received.total")
    assert (c.ok, c.lhs, c.rhs, c.cause) == (False, 17, truth["t3.new_received.total"], "source")
    assert "scope" in c.detail
    [issue] = [i for i in r.issues if i.code.startswith("narrative")]
    assert (issue.code, issue.severity) == ("narrative_scope_differs", "info")


def test_approximate_figures_agree_within_their_rounding(tmp_path):
    path, truth = _synth_with_sentence(tmp_path, "全年收到政府信息公开申请近{}件。")
    n = truth["t3.new_received.total"]
    path.write_text(path.read_text(encoding="utf-8").replace("近{}件", f"近{(n // 10 + 1) * 10}件"), encoding="utf-8")
    assert ogi.extract(path).check("narrative.t3.new_received.total").ok is True


def _t2(path: Path, with_prose: bool):
    doc = read_document(path, path.read_bytes())
    [t2] = [t for t in observe(doc).tables if t.table == "t2"]
    known = known_values(figures(dict(doc.sections))) if with_prose else None
    res = reconcile(t2, known)
    return {c.key: c for c in res.cells}, res.issues


def test_r005_glued_normative_documents_narrowed_by_the_prose():
    path = corpus_file("r005.txt")  # 行政规范性文件6233440, and the prose: 制发行政规范性文件62件
    before, _ = _t2(path, False)
    keys = ("t2.normative_documents.issued", "t2.normative_documents.repealed", "t2.normative_documents.in_force")
    issued = before[keys[0]]
    assert issued.status == "ambiguous" and 62 in (issued.value, *issued.alternatives)
    assert len({issued.value, *issued.alternatives}) > 1
    after, issues = _t2(path, True)
    assert (after[keys[0]].value, after[keys[0]].status) == (62, "inferred")
    [note] = [i for i in issues if i.code == "narrowed_by_narrative"]
    assert note.message.startswith("15 readings of the row → 4") and note.keys == (keys[0],)
    splits = {(62, r, f) for r in (after[keys[1]].value, *after[keys[1]].alternatives)
              for f in (after[keys[2]].value, *after[keys[2]].alternatives)}
    assert {s for s in splits if f"{s[0]}{s[1]}{s[2]}" == "6233440"} == {(62, 3, 3440), (62, 33, 440),
                                                                        (62, 334, 40), (62, 3344, 0)}
    assert (after[keys[1]].value, after[keys[2]].value) == (33, 440)  # the expected file's values
