"""The agency × year panel against indicators recomputed here, independently, from the `cells` table."""
from __future__ import annotations

import math
import random
import subprocess
import sys

import pandas as pd
import pytest

import ogi
from ogi import synth
from ogi.runner import run_batch
from ogi.indicators import INDICATORS, dictionary
from tests.conftest import CORPUS, ROOT, SEED

W = ["state_secret", "prohibited_by_law", "security_stability", "third_party", "internal_affairs", "process_info",
     "enforcement_file", "query_matter"]


def _expected(v) -> dict:
    """Every indicator written out by hand from the cell values `v(key)` (None when a cell is missing)."""
    t3 = lambda row, col="total": v(f"t3.{row}.{col}")  # noqa: E731
    t4 = lambda col: v(f"t4.cases.{col}")  # noqa: E731

    def add(*xs):
        return None if any(x is None for x in xs) else sum(xs)

    def rate(n, d):
        return None if n is None or d is None or d <= 0 else n / d

    out = {"received": t3("new_received"), "carried_over": t3("carried_over"), "processed": t3("total_processed"),
           "granted": t3("granted"), "partly_granted": t3("partly_granted"), "other": t3("other"),
           "carried_forward": t3("carried_forward"),
           "legal_entity_received": t3("new_received", "legal_entity_total")}
    for w in W:
        out[f"withheld_{w}"] = t3(f"withheld_{w}")
    out["withheld"] = add(*(t3(f"withheld_{w}") for w in W))
    out["unable"] = add(t3("unable_not_held"), t3("unable_needs_creation"), t3("unable_unclear"))
    out["not_processed"] = add(*(t3(f"not_processed_{n}") for n in
                                 ("petition", "duplicate", "publication", "excessive", "confirmation")))
    out["natural_person_share"] = rate(t3("new_received", "natural_person"), t3("new_received"))
    out["grant_rate"] = rate(out["granted"], out["processed"])
    out["substantive_disclosure_rate"] = rate(add(out["granted"], out["partly_granted"]), out["processed"])
    out["withheld_share"] = rate(out["withheld"], out["processed"])
    out["unable_share"] = rate(out["unable"], out["processed"])
    for r in ("upheld", "corrected", "other", "pending", "total"):
        out[f"review_{r}"] = t4(f"review_{r}")
        out[f"suit_{r}"] = add(t4(f"suit_direct_{r}"), t4(f"suit_after_review_{r}"))
    open_cases = lambda total, pending: None if total is None or pending is None else total - pending  # noqa: E731
    out["review_correction_rate"] = rate(out["review_corrected"], open_cases(out["review_total"], out["review_pending"]))
    out["suit_correction_rate"] = rate(out["suit_corrected"], open_cases(out["suit_total"], out["suit_pending"]))
    out["correction_rate"] = rate(add(out["review_corrected"], out["suit_corrected"]),
                                  open_cases(add(out["review_total"], out["suit_total"]),
                                             add(out["review_pending"], out["suit_pending"])))
    return out


def _assert_matches(out) -> pd.DataFrame:
    df = ogi.panel(out)
    cells = pd.read_parquet(out / "cells.parquet")
    reports = pd.read_parquet(out / "reports.parquet")
    by_report = {rid: g.set_index("key") for rid, g in cells.groupby("report_id")}
    assert set(_expected(lambda k: 0)) == {i.name for i in INDICATORS}
    for row in df.itertuples(index=False):
        g = by_report[row.report_id]
        v = lambda k: None if k not in g.index or pd.isna(g.value[k]) else float(g.value[k])  # noqa: E731
        for name, want in _expected(v).items():
            got = getattr(row, name)
            if want is None:
                assert got is None or pd.isna(got), (row.path, name)
            else:
                assert math.isclose(got, want, rel_tol=1e-12), (row.path, name, got, want)
        used = g[g.index.str.match(r"^t3\.|^t4\.") & g.index.isin([k for i in INDICATORS for k in
                                                                  (*i.num, *i.den, *i.den_minus)])]
        assert row.cells_not_read == int((used.status != "read").sum())
    ok = reports[reports.agency.notna() & reports.year.notna() & (reports.status != "failed")]
    assert len(df) == ok.groupby(["agency", "year"]).ngroups and df.n_reports.sum() == len(ok)
    assert not df.duplicated(["agency", "year"]).any()
    return df


@pytest.mark.skipif(not CORPUS.exists(), reason="../shared/corpus absent")
def test_panel_of_the_corpus_and_the_seed(tmp_path):
    out = tmp_path / "out"
    run_batch([SEED.parent, CORPUS], out, workers=2, progress=False)
    df = _assert_matches(out)
    seed = df[df.agency == "南通市行政审批局"].iloc[0]
    assert (seed.year, seed.level, seed.province, seed.city, seed.received, seed.processed) == \
        (2019, "department", "江苏省", "南通市", 161, 159)
    twice = df[(df.agency == "平潭综合实验区管委会") & (df.year == 2019)].iloc[0]
    assert twice.n_reports == 2 and twice.path.endswith("r004.html")  # the HTML page reads every cell
    assert len(df) == 16


def test_panel_of_1000_generated_reports(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for i in range(1000):
        s = synth.generate(random.Random(5000 + i), ("2019", "2021")[i % 2])
        form = ("pipe", "glued", "html-plain")[i % 3]
        data = synth.render_html(s, "plain") if form == "html-plain" else synth.render(s, form).encode()
        (src / f"g{i:04d}.{'html' if form == 'html-plain' else 'txt'}").write_bytes(data)
    out = tmp_path / "out"
    run_batch([src], out, workers=2, progress=False)
    df = _assert_matches(out)
    assert len(df) > 900 and df.received.notna().all()


def test_cli_writes_parquet_and_csv_and_the_dictionary_is_documented(tmp_path):
    out = tmp_path / "out"
    run_batch([SEED.parent], out, workers=1, progress=False)
    for name in ("panel.parquet", "panel.csv"):
        p = subprocess.run([sys.executable, "-m", "ogi.cli", "panel", str(out), "-o", str(tmp_path / name)],
                           cwd=ROOT, capture_output=True, text=True)
        assert p.returncode == 0 and "1 agency × year rows from 1 reports" in p.stdout, p.stderr
    csv = pd.read_csv(tmp_path / "panel.csv", encoding="utf-8-sig")
    assert (csv.agency[0], csv.received[0]) == ("南通市行政审批局", 161)
    assert (tmp_path / "panel.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert dictionary() in (ROOT / "docs" / "PANEL.md").read_text(encoding="utf-8")
