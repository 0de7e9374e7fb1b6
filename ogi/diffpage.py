"""The page of `ogi diff --html`: a run diff in the review-page format (same style, same escaping, no script).

Cells are drawn by `ogi.review`'s own cell renderer (status colour, raw text and provenance on hover); every
string from a report goes through its `_e` (control characters replaced, length bounded, `html.escape`).
"""
from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from ogi import __version__
from ogi.compare import check_text
from ogi.model import Cell
from ogi.review import MAX_MESSAGE, STYLE, _cell, _e, _sha
from ogi.rundiff import EntryChange, RunDiff, RunEntry

CSP = (f"default-src 'none'; script-src 'none'; style-src {_sha(STYLE)}; img-src 'none'; base-uri 'none'; "
       "form-action 'none'")


def _row(c: Cell | None) -> dict | None:
    """A cell as a row of the batch `cells` table: what the review page's cell renderer takes."""
    if c is None:
        return None
    return {"key": c.key, "value": c.value, "unit": c.unit, "raw": c.raw, "status": c.status, "note": c.note,
            "confidence": c.confidence, "alternatives": json.dumps(list(c.alternatives)),
            **{f"at_{k}": v for k, v in asdict(c.at).items()}}


def _badge(status: str) -> str:
    return f'<span class="badge st-{_e(status)}">{_e(status)}</span>'


def _changed(i: int, c: EntryChange) -> str:
    head = (f'<section class="report" id="c{i}"><h2>{_badge(c.before.status)} → {_badge(c.after.status)} '
            f'{_e(c.path, MAX_MESSAGE)}</h2><p class="meta">')
    if c.before.path != c.after.path:
        head += f"was {_e(c.before.path, MAX_MESSAGE)} · "
    head += f"sha256 {_e((c.before.sha256 or '?')[:12])} → {_e((c.after.sha256 or '?')[:12])}</p>"
    body = [f"<p><b>{'before' if e is c.before else 'after'}:</b> {_e(e.error, MAX_MESSAGE)}</p>"
            for e in (c.before, c.after) if e.error]
    cells = [x for x in c.diff.cells if x.material]
    if cells:
        body.append("<h3>Cells with a new value or status</h3><table><tr><th>key</th><th>before</th><th>after</th>"
                    "</tr>" + "".join(f'<tr><td class="l">{_e(x.key)}</td>{_cell(_row(x.before), {})}'
                                      f'{_cell(_row(x.after), {})}</tr>' for x in cells) + "</table>")
    checks = [x for x in c.diff.checks if x.material]
    if checks:
        body.append("<h3>Checks with a new result</h3><table><tr><th>check</th><th>before</th><th>after</th></tr>"
                    + "".join(f'<tr><td class="l">{_e(x.id)}</td><td>{_e(check_text(x.before))}</td>'
                              f'<td>{_e(check_text(x.after))}</td></tr>' for x in checks) + "</table>")
    minor = (len(c.diff.cells) - len(cells), len(c.diff.checks) - len(checks))
    if any(minor):
        body.append(f'<p class="muted">{minor[0]} cells and {minor[1]} checks changed only in raw text, '
                    "provenance, confidence or detail</p>")
    parts = [p for p in c.diff.parts if p.part not in ("status", "source")]
    if parts:
        body.append("<h3>Other parts of the result</h3><table>" + "".join(
            f'<tr><td class="l">{_e(p.part)}</td><td>{_e(p.before, MAX_MESSAGE)}</td>'
            f'<td>{_e(p.after, MAX_MESSAGE)}</td></tr>' for p in parts) + "</table>")
    return head + "".join(body) + "</section>"


def _entries(title: str, entries: tuple[RunEntry, ...]) -> str:
    rows = "".join(f"<tr><td>{_badge(e.status)}</td><td>{_e(e.path, MAX_MESSAGE)}</td>"
                   f"<td>{_e(e.error or '', MAX_MESSAGE)}</td></tr>" for e in entries)
    return (f'<section><h2>{title} ({len(entries)})</h2><table class="err"><tr><th>status</th><th>input</th>'
            f"<th>error</th></tr>{rows}</table></section>")


def render_diff(d: RunDiff) -> str:
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="referrer" content="no-referrer">
<title>ogi diff: {_e(d.a.name)} → {_e(d.b.name)}</title><style>{STYLE}</style></head>
<body data-cell="">
<header><h1>ogi diff <span class="muted">{_e(d.a, MAX_MESSAGE)} → {_e(d.b, MAX_MESSAGE)} · {len(d.changed)} changed,
{len(d.added)} added, {len(d.removed)} removed, {d.unchanged} unchanged · ogi {_e(__version__)}</span></h1></header>
<main>{"".join(_changed(i, c) for i, c in enumerate(d.changed))}
{_entries("Added", d.added)}{_entries("Removed", d.removed)}</main></body></html>
"""


def write_diff_page(d: RunDiff, page: Path) -> Path:
    page = Path(page)
    page.write_bytes(render_diff(d).encode("utf-8", "replace"))
    return page
