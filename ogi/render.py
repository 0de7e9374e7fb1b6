"""Terminal rendering of a report: one block per table, each cell with its status visible."""
from __future__ import annotations

from ogi.model import Cell, Report

MARK = {"read": " ", "blank": "·", "inferred": "~", "ambiguous": "?", "repaired": "!", "imputed": "+",
        "derived": "=", "missing": "×"}
LEGEND = "  ".join(f"{m or ' '} {s}" for s, m in MARK.items() if m.strip()) + "   (no mark: read)"


def _fmt(c: Cell) -> str:
    if c.value is None:
        return "—"
    v = c.value
    text = str(int(v)) if isinstance(v, float) and v.is_integer() and c.unit is None else str(v)
    if c.unit:
        text += c.unit
    return text + MARK.get(c.status, "?")


def render_report(report: Report) -> str:
    lines = [f"{report.source.path}  [{report.source.format}, {report.source.script}]",
             f"agency: {report.report.agency or '?'}   year: {report.report.year or '?'}   "
             f"templates: {', '.join(f'{t} {v}' for t, v in report.report.templates) or 'none'}   "
             f"status: {report.status}", LEGEND, ""]
    rows: dict[str, dict[str, list[Cell]]] = {}
    for c in report.cells:
        table, row, col = (c.key.split(".", 2) + ["", ""])[:3]
        rows.setdefault(table, {}).setdefault(row, []).append(c)
    for table, by_row in rows.items():
        lines.append(f"== {table}")
        for row, cells in by_row.items():
            cols = "  ".join(f"{c.key.rsplit('.', 1)[-1]}={_fmt(c)}" for c in cells)
            lines.append(f"  {row:<28} {cols}")
        lines.append("")
    failing = [c for c in report.checks if c.ok is False]
    lines.append(f"checks: {sum(1 for c in report.checks if c.ok)} ok, {len(failing)} failing, "
                 f"{sum(1 for c in report.checks if c.ok is None)} not assessable")
    for c in failing:
        lines.append(f"  ✗ {c.id}: {c.detail}  (cause: {c.cause})")
    for i in report.issues:
        lines.append(f"  [{i.severity}] {i.code}: {i.message[:200]}")
    return "\n".join(lines) + "\n"
