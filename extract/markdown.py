"""Markdown from PDF converters (r003.md, r012.md): `| a | b |` rows, shredded merged-cell tables.

Tables are located by their titles (主动公开政府信息情况 / 收到和处理政府信息公开申请情况 / 行政复议、行政诉讼情况)
wherever they stand, since converters and some agencies renumber sections. Each markdown row becomes a raw
row in `grid` layout when it has a label and exactly its cells; rows that lost their label (a label printed
as loose text by the converter) are kept label-less in document order, for the mapping step to place.
t4 printed as three 5-column sub-tables is joined into its one 15-cell row.
"""
from __future__ import annotations

import re

from extract.raw import RawCell, RawRow, RawTable
from normalize.numbers import parse_cell
from normalize.text import label_key

_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}")
_TITLES = (("t2", ("主动公开政府信息情况",)), ("t3", ("收到和处理政府信息公开申请情况",)),
           ("t4", ("行政复议", "行政诉讼")))
_ENDS = ("存在的主要问题", "主要问题及改进", "其他需要报告的事项")
_T4_GROUPS = (("review", "行政复议"), ("suit_direct", "未经复议"), ("suit_after_review", "复议后起诉"))
_MAX_TITLE = 40


def _context(line: str) -> str | None:
    """The table a short title line opens ("" when it closes the tables), None for other lines."""
    if len(line) > _MAX_TITLE:
        return None
    key = label_key(line, keep_notes=True)
    for table, words in _TITLES:
        if all(label_key(w) in key for w in words):
            return table
    if any(label_key(w) in key for w in _ENDS):
        return ""
    return None


def _cells(line: str) -> list[str]:
    parts = [p.strip() for p in line.strip().split("|")]
    if parts and parts[0] == "":
        parts = parts[1:]
    if parts and parts[-1] == "":
        parts = parts[:-1]
    return parts


def tables(text: str, sections) -> list[RawTable]:
    rows: dict[str, list[RawRow]] = {"t2": [], "t3": [], "t4": []}
    t4_group: str | None = None
    t4_parts: list[tuple[str | None, RawRow]] = []
    current: str | None = None
    for no, line in enumerate(text.split("\n"), start=1):
        s = line.strip().lstrip("#").strip()
        if not s or _SEPARATOR.match(line):
            continue
        if not line.strip().startswith("|"):
            ctx = _context(s)
            if ctx is not None:
                current = ctx or None
                continue
            if current == "t4":
                t4_group = next((g for g, w in _T4_GROUPS if w in s), t4_group)
            if current == "t2":  # converters print some t2 rows as loose lines: `行政许可 97`
                parts = s.split()
                if len(parts) >= 2 and all(parse_cell(p).kind == "value" for p in parts[1:]) \
                        and parse_cell(parts[0]).kind == "text":
                    rows["t2"].append(RawRow(tuple(RawCell(p, line=no) for p in parts), "grid", line=no))
            continue
        if current is None:
            continue
        cells = _cells(line)
        if not any(parse_cell(c).kind == "value" for c in cells):
            continue  # header fragments, placeholder headers (数据1…), rules
        row = RawRow(tuple(RawCell(c, line=no, col=i) for i, c in enumerate(cells)), "grid", line=no)
        if current == "t4":
            t4_parts.append((t4_group, row))
        else:
            rows[current].append(row)
    rows["t4"] = _join_t4(t4_parts)
    return [RawTable(i, tuple(rs), section=t) for i, (t, rs) in enumerate((t, rs) for t, rs in rows.items() if rs)]


def _join_t4(parts: list[tuple[str | None, RawRow]]) -> list[RawRow]:
    """Three 5-cell rows (行政复议 / 未经复议直接起诉 / 复议后起诉) are the one 15-cell t4 row."""
    value_rows = [(g, r) for g, r in parts if all(parse_cell(c.text).kind != "text" for c in r.cells)]
    if len(value_rows) == 3 and all(len(r.cells) == 5 for _, r in value_rows):
        order = {g: i for i, (g, _) in enumerate(_T4_GROUPS)}
        groups = [g for g, _ in value_rows]
        if set(groups) == set(order):
            value_rows.sort(key=lambda gr: order[gr[0]])
        cells = tuple(c for _, r in value_rows for c in r.cells)
        return [RawRow(cells, "grid", line=value_rows[0][1].line, label_row="cases")]
    return [r for _, r in parts]
