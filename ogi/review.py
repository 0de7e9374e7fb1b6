"""A static HTML review page of a batch output folder (`OUT/review.html`): no server, no external files.

One section per report with t2, t3 and t4 laid out as the official tables, every cell coloured by its status
(raw text, provenance and alternatives on hover), the failing checks and issues beside the tables, filters by
cell status, report status and check (plain inline JavaScript, driven by the URL hash, e.g.
`review.html#cell=ambiguous&status=inconsistent&check=t3.balance.total`), and the list of inputs in `errors`.

Every string from the tables comes from an untrusted report: it is cleaned of control characters, cut to a
bounded length and escaped with `html.escape`; nothing from a report becomes a URL except the input paths,
which become percent-encoded file:// links. A Content-Security-Policy allows only the page's own inline
script and style (by hash). The page is a function of the tables: the same tables give the same bytes.
"""
from __future__ import annotations

import base64
import hashlib
import json
import math
import os
import re
from html import escape
from pathlib import Path

import pandas as pd

from normalize.templates import T3_COLS, T4_COLS, identities, template
from ogi import __version__
from ogi.runner import CELL_STATUSES
from ogi.render import MARK

REPORT_STATUSES = ("ok", "inconsistent", "partial", "failed")
MAX_TEXT = 200  # raw cell text, notes, agency, check details
MAX_MESSAGE = 600  # issue and error messages, paths
MAX_ALTERNATIVES = 10
MAX_REPORTS = 1000  # report sections on one page (beyond it, reports not `ok` are shown first)
LEGAL_ENTITY = "法人或其他组织合计"
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")

COLOURS = {"read": "#ffffff", "blank": "#eeeeee", "inferred": "#cfe3ff", "ambiguous": "#ffc98a",
           "repaired": "#f7a8b8", "imputed": "#fff07a", "derived": "#d5f5d0", "missing": "#9e9e9e"}
STYLE = """
body{font:13px/1.4 system-ui,"Noto Sans CJK SC","WenQuanYi Micro Hei","Microsoft YaHei",sans-serif;margin:0;
 color:#1a1a1a;background:#f6f6f4}
header{position:sticky;top:0;z-index:2;background:#fff;border-bottom:1px solid #ccc;padding:8px 16px}
h1{font-size:18px;margin:0 0 4px}h2{font-size:15px;margin:0}h3{font-size:13px;margin:10px 0 4px}
main{padding:8px 16px}section{background:#fff;border:1px solid #ccc;border-radius:4px;margin:10px 0;padding:10px}
.legend span,.badge{display:inline-block;padding:1px 6px;margin:2px 4px 2px 0;border:1px solid #bbb;border-radius:3px}
.filters label{margin-right:14px}.meta{color:#555;margin:4px 0 6px}.meta b{color:#1a1a1a}
.body{display:flex;gap:16px;align-items:flex-start}.tables{flex:0 1 auto;min-width:0}
aside{flex:0 0 330px;font-size:12px}aside ul{padding-left:16px;margin:4px 0}aside li{margin-bottom:4px}
aside li[data-check]{cursor:default}aside li[data-check]:hover{background:#fde2e2}
table{border-collapse:collapse;margin-bottom:6px}th,td{border:1px solid #999;padding:2px 5px}
th{background:#f0f0ea;font-weight:600;font-size:12px}td.c{text-align:right;min-width:34px;white-space:nowrap}
td.l{white-space:nowrap}td.l1{padding-left:18px}td.l2{padding-left:32px}tr.g td{background:#fafaf7;color:#555}
td.na{background:repeating-linear-gradient(45deg,#fff,#fff 4px,#f1f1f1 4px,#f1f1f1 8px)}
td.c i{font-style:normal;color:#444;font-size:10px;margin-left:1px}
td.fail,.legend .fail{box-shadow:inset 0 0 0 2px #d11}
td.hl,.legend .hl{outline:3px solid #06c;outline-offset:-3px}th.d,td.d{border-left:3px double #666}
.st-ok{background:#d5f5d0}.st-inconsistent{background:#ffc98a}.st-partial{background:#fff07a}
.st-failed{background:#f7a8b8}.err td{vertical-align:top}.overview td{white-space:nowrap}.muted{color:#777}
a{color:#0645ad}details>summary{cursor:pointer;font-weight:600;margin:6px 0}
""" + "".join(f".s-{s}{{background:{c}}}" for s, c in COLOURS.items()) + "".join(
    f'body[data-cell="{s}"] td.c:not(.s-{s}):not(.hl){{opacity:.18}}' for s in CELL_STATUSES)
SCRIPT = """
(function () {
  var sel = {cell: document.getElementById('f-cell'), status: document.getElementById('f-status'),
             check: document.getElementById('f-check')};
  var sections = Array.prototype.slice.call(document.querySelectorAll('section.report'));
  function words(el, name) { return (el.getAttribute(name) || '').split(' '); }
  function apply() {
    var p = new URLSearchParams(location.hash.slice(1)), f = {};
    Object.keys(sel).forEach(function (k) {
      var v = p.get(k) || '';
      sel[k].value = v;
      if (sel[k].value !== v) { sel[k].value = ''; v = ''; }
      f[k] = v;
    });
    document.body.setAttribute('data-cell', f.cell);
    var shown = 0;
    sections.forEach(function (s) {
      var ok = (!f.status || s.getAttribute('data-status') === f.status) &&
               (!f.cell || words(s, 'data-cells').indexOf(f.cell) >= 0) &&
               (!f.check || (f.check === 'any' ? s.getAttribute('data-checks') !== '' :
                                                 words(s, 'data-checks').indexOf(f.check) >= 0));
      s.hidden = !ok;
      var row = document.getElementById('o-' + s.id);
      if (row) { row.hidden = !ok; }
      if (ok) { shown += 1; }
    });
    document.querySelectorAll('td.hl').forEach(function (td) { td.classList.remove('hl'); });
    if (f.check && f.check !== 'any') {
      document.querySelectorAll('td[data-checks~="' + CSS.escape(f.check) + '"]').forEach(function (td) {
        td.classList.add('hl');
      });
    }
    document.getElementById('shown').textContent = shown + ' of ' + sections.length + ' reports shown';
  }
  Object.keys(sel).forEach(function (k) {
    sel[k].addEventListener('change', function () {
      var p = new URLSearchParams();
      Object.keys(sel).forEach(function (j) { if (sel[j].value) { p.set(j, sel[j].value); } });
      location.hash = p.toString();
    });
  });
  document.querySelectorAll('li[data-check]').forEach(function (li) {
    var sel = 'td[data-checks~="' + CSS.escape(li.getAttribute('data-check')) + '"]';
    var cells = li.closest('section').querySelectorAll(sel);
    li.addEventListener('mouseenter', function () { cells.forEach(function (td) { td.classList.add('hl'); }); });
    li.addEventListener('mouseleave', function () { cells.forEach(function (td) { td.classList.remove('hl'); }); });
  });
  window.addEventListener('hashchange', apply);
  apply();
  document.body.setAttribute('data-ready', '1');
})();
"""


def _sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


CSP = (f"default-src 'none'; script-src {_sha(SCRIPT)}; style-src {_sha(STYLE)}; img-src 'none'; "
       "base-uri 'none'; form-action 'none'")


def _v(x):
    """None for every kind of missing value pandas hands back (None, NaN, pd.NA)."""
    return None if x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)) else x


def _e(x, limit: int = MAX_TEXT) -> str:
    """Untrusted text as safe HTML: control and direction characters replaced, length bounded, escaped."""
    x = int(x) if isinstance(x, float) and x.is_integer() else x  # a year or a line read as a float
    s = _UNSAFE.sub("\ufffd", "" if _v(x) is None else str(x))
    return escape(s if len(s) <= limit else s[:limit] + f"… (+{len(s) - limit} chars)")


def _tok(x) -> str:
    """An identifier usable as one word of a space-separated attribute."""
    return re.sub(r"\s+", "_", str(x))


def _href(path: str, base: Path) -> str:
    p = Path(path)
    return escape(Path(os.path.normpath(base / p)).as_uri())  # base / p is p when p is absolute


def _num(value, unit) -> str:
    if _v(value) is None:
        return "—"
    v = float(value)
    return (str(int(v)) if v.is_integer() else repr(v)) + ("" if _v(unit) is None else str(unit))


def _cell(c: dict | None, failing: dict[str, list[str]], extra_class: str = "") -> str:
    if c is None:
        return f'<td class="c na{extra_class}" title="not in the output"></td>'
    status = c["status"] if c["status"] in CELL_STATUSES else "missing"
    tip = [c["key"], f"status: {status} · value: {_num(c['value'], c['unit'])}", f"raw: “{c['raw'] or ''}”"]
    if _v(c["note"]) is not None:
        tip.append(f"note: {c['note']}")
    try:
        alts = json.loads(c["alternatives"] or "[]")
    except (TypeError, ValueError):
        alts = []
    alts = alts if isinstance(alts, list) else []
    if status == "ambiguous" or alts:
        shown = ", ".join(str(a) for a in alts[:MAX_ALTERNATIVES]) + (" …" if len(alts) > MAX_ALTERNATIVES else "")
        conf = "?" if _v(c["confidence"]) is None else f"{c['confidence']:.3g}"
        tip.append(f"confidence: {conf} · alternatives: {shown or 'none'}")
    at = [f"{k} {int(c['at_' + k])}" for k in ("table", "row", "col", "page", "line") if _v(c["at_" + k]) is not None]
    tip.append("at: " + (", ".join(at) or "—"))
    checks = failing.get(c["key"], [])
    if checks:
        tip.append("fails: " + ", ".join(checks))
    title = "&#10;".join(_e(t) for t in tip)
    cls = f"c s-{status}" + (" fail" if checks else "") + extra_class
    data = f' data-checks="{_e(" ".join(_tok(k) for k in checks))}"' if checks else ""
    mark = MARK.get(status, "").strip()
    return (f'<td class="{cls}" title="{title}"{data}>{_e(_num(c["value"], c["unit"]))}'
            + (f"<i>{escape(mark)}</i>" if mark else "") + "</td>")


def _open(table: str, version: str) -> str:
    title = escape(template(table, version).title)
    return f'<table class="{table}"><caption class="muted">{title} ({version} template)</caption>'


def _t2(version: str, cells: dict, failing: dict) -> str:
    tpl = template("t2", version)
    width = max(len(r.cols) for r in tpl.rows)
    out, prev = [_open("t2", version)], None
    for r in tpl.rows:
        if r.cols != prev:  # each block of rows sharing columns has its own header, as printed
            out.append("<tr><th>信息内容</th>" + "".join(f"<th>{escape(tpl.col(k).label)}</th>" for k in r.cols)
                       + "<th></th>" * (width - len(r.cols)) + "</tr>")
            prev = r.cols
        out.append(f'<tr><td class="l">{escape(r.label)}</td>'
                   + "".join(_cell(cells.get(f"t2.{r.key}.{k}"), failing) for k in r.cols)
                   + '<td class="na"></td>' * (width - len(r.cols)) + "</tr>")
    return "".join(out) + "</table>"


def _t3(version: str, cells: dict, failing: dict) -> str:
    orgs = "".join(f"<th>{escape(c.label)}</th>" for c in T3_COLS[1:6])
    out = [_open("t3", version),
           f'<tr><th rowspan="2">申请人情况</th><th rowspan="2">{escape(T3_COLS[0].label)}</th>'
           f'<th colspan="5">法人或其他组织</th><th rowspan="2">{escape(T3_COLS[6].label)}</th>'
           f'<th rowspan="2" class="d">{LEGAL_ENTITY}<br><span class="muted">(derived)</span></th></tr>',
           f"<tr>{orgs}</tr>"]
    seen, prev_label = {""}, ""
    for r in template("t3", version).rows:
        if r.group not in seen and r.group != prev_label:  # a group label row: （三）不予公开 …
            out.append(f'<tr class="g"><td class="l{" l1" if not r.group.startswith("三") else ""}">'
                       f'{escape(r.group)}</td>' + '<td class="na"></td>' * 7 + '<td class="na d"></td></tr>')
        seen.add(r.group)
        prev_label = r.ordinal + r.label
        indent = "" if not r.group else " l1" if r.group.startswith("三") else " l2"
        out.append(f'<tr><td class="l{indent}">{escape(prev_label)}</td>'
                   + "".join(_cell(cells.get(f"t3.{r.key}.{c.key}"), failing) for c in T3_COLS)
                   + _cell(cells.get(f"t3.{r.key}.legal_entity_total"), failing, " d") + "</tr>")
    return "".join(out) + "</table>"


def _t4(version: str, cells: dict, failing: dict) -> str:
    results = [c.label.rsplit(" ", 1)[-1] for c in T4_COLS[:5]]
    head = "".join(f'<th rowspan="2">{escape(x)}</th>' for x in results)
    return (_open("t4", version) + '<tr><th colspan="5">行政复议</th><th colspan="10">行政诉讼</th></tr>'
            f'<tr>{head}<th colspan="5">未经复议直接起诉</th><th colspan="5">复议后起诉</th></tr>'
            "<tr>" + "".join(f"<th>{escape(x)}</th>" for x in results * 2) + "</tr><tr>"
            + "".join(_cell(cells.get(f"t4.cases.{c.key}"), failing) for c in T4_COLS) + "</tr></table>")


def _section(i: int, rep: dict, cells: list[dict], checks: list[dict], issues: list[dict], base: Path) -> str:
    try:
        templates = {t: v for t, v in json.loads(rep["templates"] or "{}").items() if v in ("2019", "2021")}
    except (TypeError, ValueError, AttributeError):
        templates = {}
    by_key = {c["key"]: c for c in cells}
    rules = {idt.id: idt.cells for t, v in templates.items() for idt in identities(t, v)}
    failed = [c for c in checks if c["ok"] is False]
    failing: dict[str, list[str]] = {}
    for c in failed:
        for key in rules.get(c["id"], ()):
            failing.setdefault(key, []).append(c["id"])
    tables, laid_out = [], set()
    for t, render in (("t2", _t2), ("t3", _t3), ("t4", _t4)):
        if t in templates:
            tables.append(render(templates[t], by_key, failing))
            laid_out |= set(template(t, templates[t]).cell_keys())
            if t == "t3":
                laid_out |= {f"t3.{r.key}.legal_entity_total" for r in template(t, templates[t]).rows}
        else:
            tables.append(f'<p class="muted">{t}: not found in the source</p>')
    rest = [c for c in cells if c["key"] not in laid_out]
    if rest:
        tables.append("<h3>Other cells (extra rows kept under extra.* keys)</h3><table><tr><th>key</th><th>value</th>"
                      "</tr>" + "".join(f'<tr><td class="l">{_e(c["key"])}</td>{_cell(c, failing)}</tr>'
                                        for c in rest) + "</table>")
    n_ok = sum(1 for c in checks if c["ok"] is True)
    n_na = sum(1 for c in checks if c["ok"] is None)
    side = [f"<h3>Failing checks ({len(failed)})</h3>",
            f'<p class="muted">{n_ok} ok, {len(failed)} failing, {n_na} not assessable</p>']
    if failed:
        side.append("<ul>" + "".join(
            f'<li data-check="{_e(_tok(c["id"]))}"><b>{_e(c["id"])}</b>: {_e(c["detail"])} '
            f'<span class="muted">(cause: {_e(c["cause"])})</span></li>' for c in failed) + "</ul>")
    if issues:
        side.append(f"<h3>Issues ({len(issues)})</h3><ul>" + "".join(
            f'<li><b>[{_e(x["severity"])}] {_e(x["code"])}</b>: {_e(x["message"], MAX_MESSAGE)}</li>'
            for x in issues) + "</ul>")
    status = rep["status"] if rep["status"] in REPORT_STATUSES else "failed"
    statuses = " ".join(s for s in CELL_STATUSES if any(c["status"] == s for c in cells))
    check_ids = " ".join(sorted({_tok(c["id"]) for c in failed}))
    tpl = ", ".join(f"{t} {v}" for t, v in sorted(templates.items())) or "none"
    return (f'<section class="report" id="r{i}" data-status="{status}" data-cells="{statuses}" '
            f'data-checks="{_e(check_ids, 10**6)}"><h2><span class="badge st-{status}">{status}</span> '
            f'<a href="{_href(rep["path"], base)}" rel="noopener noreferrer">{_e(rep["path"], MAX_MESSAGE)}</a></h2>'
            f'<p class="meta">agency <b>{_e(rep["agency"] or "?")}</b> · year <b>{_e(rep["year"] or "?")}</b> · '
            f'templates <b>{_e(tpl)}</b> · format {_e(rep["format"])} · sha256 {_e((rep["sha256"] or "")[:12])}</p>'
            f'<div class="body"><div class="tables">{"".join(tables)}</div><aside>{"".join(side)}</aside></div>'
            "</section>")


def _read(out: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(out / f"{name}.parquet", dtype_backend="numpy_nullable")


def _records(df: pd.DataFrame) -> list[dict]:
    return [{k: _v(v) for k, v in row.items()} for row in df.to_dict("records")]


def render_review(out: Path, base: Path | None = None) -> str:
    """The page as a string (see the module docstring); `base` is the folder relative input paths are in."""
    base = Path(os.path.abspath(Path.cwd() if base is None else base))
    reports, errors = _records(_read(out, "reports")), _records(_read(out, "errors"))
    keep = sorted(sorted(range(len(reports)), key=lambda i: (reports[i]["status"] == "ok", i))[:MAX_REPORTS])
    shown = [(i + 1, reports[i]) for i in keep]
    paths = {r["path"] for _, r in shown}
    checks = _read(out, "checks")
    failed = checks[checks.ok.eq(False).fillna(False)]
    group: dict[str, dict[str, list[dict]]] = {}
    for name, df in (("cells", _read(out, "cells")), ("checks", checks), ("issues", _read(out, "issues"))):
        group[name] = {}
        for row in _records(df[df.path.isin(paths)]):  # only the rows of the reports shown
            group[name].setdefault(row["path"], []).append(row)
    sections = [_section(i, r, group["cells"].get(r["path"], []), group["checks"].get(r["path"], []),
                         group["issues"].get(r["path"], []), base) for i, r in shown]
    cell_counts = {s: sum(r[f"cells_{s}"] or 0 for r in reports) for s in CELL_STATUSES}
    rep_counts = {s: sum(1 for r in reports if r["status"] == s) for s in REPORT_STATUSES}
    by_check = failed.assign(id=failed.id.map(_tok)).groupby("id").path.nunique()
    fail_counts = {"any": failed.path.nunique(), **{k: int(n) for k, n in sorted(by_check.items())}}

    def options(name: str, counts: dict[str, int], unit: str) -> str:
        return (f'<select id="f-{name}"><option value="">all</option>' + "".join(
            f'<option value="{_e(k)}">{_e(k)} ({n} {unit})</option>' for k, n in counts.items() if n) + "</select>")

    legend = "".join(f'<span class="s-{s}"><b>{escape(MARK[s].strip())}</b> {s}</span>' for s in CELL_STATUSES)
    overview = "".join(
        f'<tr id="o-r{i}"><td><span class="badge st-{_e(r["status"])}">{_e(r["status"])}</span></td>'
        f'<td><a href="#r{i}">{_e(r["path"], MAX_MESSAGE)}</a></td><td>{_e(r["agency"] or "?")}</td>'
        f'<td>{_e(r["year"] or "?")}</td><td>'
        + ", ".join(f"{s} {r['cells_' + s]}" for s in CELL_STATUSES[2:] if r.get("cells_" + s))
        + f'</td><td>{sum(1 for c in group["checks"].get(r["path"], []) if c["ok"] is False)}</td></tr>'
        for i, r in shown)
    error_rows = "".join(f'<tr><td><a href="{_href(e["path"], base)}" rel="noopener noreferrer">'
                         f'{_e(e["path"], MAX_MESSAGE)}</a></td><td>{_e(e["error"], MAX_MESSAGE)}</td></tr>'
                         for e in errors)
    more = (f'<p class="muted">{len(reports) - len(shown)} more reports not shown here (see reports.parquet)</p>'
            if len(reports) > len(shown) else "")
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="referrer" content="no-referrer">
<title>ogi review: {_e(out.name)}</title><style>{STYLE}</style></head>
<body data-cell="">
<header><h1>ogi review <span class="muted">{len(reports)} reports, {len(errors)} errors, {len(failed)} failing
checks · ogi {escape(__version__)}</span></h1>
<div class="legend">cell status: {legend} <span class="fail">in a failing check</span>
<span class="hl">cells of the selected check</span> · hover a cell for raw text, provenance, alternatives</div>
<div class="filters"><label>cell status {options("cell", cell_counts, "cells")}</label>
<label>report status {options("status", rep_counts, "reports")}</label>
<label>failing check {options("check", fail_counts, "reports")}</label>
<span id="shown" class="muted"></span></div></header>
<main><details><summary>Overview of all reports</summary><table class="overview"><tr><th>status</th><th>path</th>
<th>agency</th><th>year</th><th>cells not read directly</th><th>failing checks</th></tr>{overview}</table></details>
{"".join(sections)}{more}
<section id="errors"><h2>Errors ({len(errors)} inputs not processed)</h2>
<table class="err"><tr><th>input</th><th>error</th></tr>{error_rows}</table></section></main>
<script>{SCRIPT}</script></body></html>
"""


def write_review(out: Path, base: Path | None = None) -> Path:
    """Write `out/review.html` from the Parquet tables of a batch output folder; returns its path."""
    out = Path(out)
    page = out / "review.html"
    page.write_bytes(render_review(out, base).encode("utf-8", "replace"))
    return page
