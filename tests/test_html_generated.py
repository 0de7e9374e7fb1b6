"""Generated HTML pages (ogi.synth.render_html) through `ogi.api.extract_bytes`, against their truth.

An HTML page shows every cell at its position, so every truth cell must come out exact, `read` where the
page prints a number (0 included), `blank` where it prints an empty cell, and `imputed` only where the page
left a non-zero t3 总计 blank (r014); nothing `ambiguous`, `inferred`, `repaired` or `missing`. A report is
`ok`, or `inconsistent` exactly when it left totals blank (the source then violates the row identities as
printed, as r014 does).

500 reports over a fixed list of seeds, both template versions, spread over the styles of
`ogi.synth.HTML_STYLES`. Before the reader is blamed, `test_renderer_prints_the_truth` re-reads pages with a
small independent grid reader (lxml only) and checks that the page prints exactly the truth.
"""
from __future__ import annotations

import random
import re
import time
import unicodedata
from functools import lru_cache

import lxml.html
import pytest

from normalize.templates import T3_COL_KEYS, T4_GROUPS, identities, template
from ogi import synth
from ogi.api import extract_bytes

N_REPORTS = 500
SEEDS = tuple(range(70_001, 70_001 + N_REPORTS))  # fixed: the same 500 reports on every run
STYLES = synth.HTML_STYLES
def _case(i: int) -> tuple[str, str, int]:
    version = ("2019", "2021")[i % 2]
    style = STYLES[(i // 2) % len(STYLES)]
    return style, version, SEEDS[i]


CASES = [_case(i) for i in range(N_REPORTS)]


@lru_cache(maxsize=None)
def _synth(version: str, seed: int) -> synth.Synth:
    return synth.generate(random.Random(seed), version)


def _expected_status(s: synth.Synth, style: str, key: str) -> str:
    plan = synth.html_plan(s, style)
    if key in plan.blank_totals:
        return "imputed"
    if s.truth[key] == 0 and plan.zeros[key.split(".")[0]] == "":
        return "blank"
    return "read"


def _problems(report, s: synth.Synth, style: str) -> list[str]:
    """Everything in the report that differs from what the page shows, one line each."""
    out = []
    cells = {c.key: c for c in report.cells}
    for key, want in s.truth.items():
        c = cells.get(key)
        if c is None:
            out.append(f"{key}: absent (truth {want})")
            continue
        status = _expected_status(s, style, key)
        if not synth._same(c.value, want) or c.status != status:
            out.append(f"{key}: {c.status} {c.value!r} raw={c.raw!r}, want {status} {want!r}")
    bad_status = [c.key for c in report.cells if c.status in ("ambiguous", "inferred", "repaired", "missing")]
    if bad_status:
        out.append(f"cells with a status an HTML grid never needs: {bad_status[:6]}")
    out += [f"{key}: {kind} ({detail})" for key, kind, detail in synth.compare(report, s)
            if kind != "confident_wrong"]  # confident_wrong is already reported above, per cell
    left_blank = synth.html_left_blank(s, style)
    want_status = "inconsistent" if left_blank else "ok"
    if report.status != want_status:
        failing = [c.id for c in report.checks if c.ok is False]
        out.append(f"report status {report.status}, want {want_status} (failing checks {failing[:6]}; issues "
                   f"{[i.code for i in report.issues]})")
    terms = {i.id: set(i.cells) for t in ("t3", "t4") for i in identities(t, s.version)}
    for c in report.checks:
        if c.ok is False and left_blank and (c.cause != "source" or not terms.get(c.id, set()) & left_blank):
            out.append(f"check {c.id} fails ({c.detail}) without a blank total in it")
    if (report.report.agency, report.report.year) != (s.agency, s.year):
        out.append(f"agency/year {report.report.agency!r} {report.report.year}, want {s.agency!r} {s.year}")
    allowed = {"source_identity_violated"} if left_blank else set()
    out += [f"issue {i.code}: {i.message[:160]}" for i in report.issues if i.code not in allowed]
    return out


@pytest.mark.parametrize("style,version,seed", CASES, ids=[f"{st}-{v}-{sd}" for st, v, sd in CASES])
def test_generated_page_is_read_exactly(style, version, seed):
    s = _synth(version, seed)
    page = synth.render_html(s, style)
    report = extract_bytes(page, f"synth-{style}-{version}-{seed}.html")
    problems = _problems(report, s, style)
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:20])


def test_every_style_and_version_is_covered():
    assert {(st, v) for st, v, _ in CASES} == {(st, v) for st in STYLES for v in ("2019", "2021")}
    per_style = {st: sum(1 for c in CASES if c[0] == st) for st in STYLES}
    assert min(per_style.values()) >= N_REPORTS // len(STYLES) - 1, per_style
    # the plan varies: zeros printed and blank, blank totals, in every style
    plans = [synth.html_plan(_synth(v, sd), st) for st, v, sd in CASES]
    assert any(p.zeros["t3"] == "0" for p in plans) and any(p.zeros["t3"] == "" for p in plans)
    assert sum(1 for p in plans if p.blank_totals) >= 30


def test_rendering_is_deterministic():
    s = _synth("2021", SEEDS[0])
    for style in STYLES:
        assert synth.render_html(s, style) == synth.render_html(s, style)
    assert synth.render_html(s, "plain") != synth.render_html(s, "word")


def test_gbk_styles_are_gb18030_with_and_without_declaration():
    s = _synth("2019", SEEDS[1])
    declared, bare = synth.render_html(s, "gbk"), synth.render_html(s, "gbk-undeclared")
    for page in (declared, bare):
        with pytest.raises(UnicodeDecodeError):
            page.decode("utf-8")
        assert "喆" in page.decode("gb18030")  # a GBK character outside GB2312: the label lies
    assert re.search(rb"charset=\"?gb2312", declared) and b"charset" not in bare


# ---------------------------------------------------------------- the renderer itself, read independently

def _decode(page: bytes) -> str:
    try:
        return page.decode("utf-8")
    except UnicodeDecodeError:
        return page.decode("gb18030")


def _grid(table) -> list[list[tuple[int, str]]]:
    """(grid column, text) of the origin cells of each row, spans expanded as a browser does."""
    covered: set[tuple[int, int]] = set()
    out = []
    rows = [tr for tr in table.xpath("./tr|./tbody/tr|./thead/tr") if tr.get("height") != "0"]  # Word's spacer row
    for r, tr in enumerate(rows):
        col, row = 0, []
        for td in tr.xpath("./td|./th"):
            while (r, col) in covered:
                col += 1
            rs, cs = int(td.get("rowspan", 1)), int(td.get("colspan", 1))
            covered.update((r + dr, col + dc) for dr in range(rs) for dc in range(cs) if dr or dc)
            row.append((col, "".join(td.text_content().split())))
            col += cs
        out.append(row)
    return out


def _number(text: str):
    text = unicodedata.normalize("NFKC", text).replace(",", "").replace("万元", "").replace("元", "")
    if text == "":
        return ""
    return float(text) if "." in text else int(text)


def printed_values(page: bytes, version: str) -> dict[str, object]:
    """Every truth key -> the number the page prints there ("" for an empty cell), read with lxml only."""
    root = lxml.html.fromstring(_decode(page))
    tables = [t for t in root.iter("table") if not t.xpath(".//table")]
    grids = [_grid(t) for t in tables]
    out: dict[str, object] = {}
    tpl2, tpl3 = template("t2", version), template("t3", version)
    t2_labels = {r.label: r for r in tpl2.data_rows}
    t3_labels = {re.sub(r"\s", "", r.ordinal + r.label): r for r in tpl3.data_rows}
    t4_rows = []
    for g in grids:
        text = "".join(t for row in g for _, t in row)
        if "行政复议" in text or "行政诉讼" in text:
            t4_rows.append([t for _, t in g[-1]])
            continue
        for row in g:
            if not row:
                continue
            spec = t2_labels.get(row[0][1])
            if spec is not None:
                vals = [t for _, t in row[1:]]
                assert len(vals) == len(spec.cols), (spec.key, row)
                out.update({f"t2.{spec.key}.{c}": _number(v) for c, v in zip(spec.cols, vals)})
                continue
            label = next((t3_labels[t] for c, t in row if c < 3 and t in t3_labels), None)
            if label is not None:
                by_col = dict(row)
                out.update({f"t3.{label.key}.{c}": _number(by_col.get(3 + i, "")) for i, c in enumerate(T3_COL_KEYS)})
    t4 = [v for row in t4_rows for v in row]
    keys = [f"t4.cases.{g}_{r}" for g in T4_GROUPS for r in ("upheld", "corrected", "other", "pending", "total")]
    assert len(t4) == 15, t4_rows
    out.update({k: _number(v) for k, v in zip(keys, t4)})
    return out


@pytest.mark.parametrize("style", STYLES)
def test_renderer_prints_the_truth(style):
    for version, seed in [(v, sd) for st, v, sd in CASES if st == style][:40]:
        s = _synth(version, seed)
        plan = synth.html_plan(s, style)
        printed = printed_values(synth.render_html(s, style), version)
        assert set(printed) == set(s.truth), set(s.truth) ^ set(printed)
        for key, want in s.truth.items():
            got = printed[key]
            if key in plan.blank_totals:
                assert got == "" and want != 0, key
            elif want == 0 and plan.zeros[key.split(".")[0]] == "":
                assert got == "", (key, got)
            else:
                assert got != "" and abs(float(got) - float(want)) < 1e-9, (style, seed, key, got, want)


def test_timing_of_the_generated_pages(capsys):
    """Not an assertion on time: prints how long rendering and extraction take per style (see -s)."""
    per: dict[str, list[float]] = {}
    for style, version, seed in CASES[: 2 * len(STYLES) * 3]:
        s = _synth(version, seed)
        page = synth.render_html(s, style)
        t0 = time.perf_counter()
        extract_bytes(page, "timing.html")
        per.setdefault(style, []).append(time.perf_counter() - t0)
    with capsys.disabled():
        print("\n" + "  ".join(f"{st}: {1000 * sum(v) / len(v):.0f} ms/page" for st, v in per.items()))
