"""Glued text: the report as one line, table cells concatenated with no separator (r004–r006 .txt).

Positions are known (every cell is printed, zeros included) but boundaries between numbers are lost. The
reader finds each template row's label in order inside its section, and hands the digit run between that
label and the next one to the reconstruction engine as one `glued` cell: splitting it is the engine's job.
"""
from __future__ import annotations

import re

from extract.raw import RawCell, RawRow, RawTable
from extract.sections import TABLE_SECTIONS, line_of
from normalize.templates import TableTemplate, detect_version, template
from normalize.text import label_key

_GAP = r"[\s、,，.“”\"'‘’()（）]*"
_PAREN = re.compile(r"[(（][^()（）]*[)）]")
_RUN = re.compile(r"[+-]?\d[\d\s.,+\-]*(?:万元|元)?")


def _label_pattern(key: str) -> re.Pattern[str]:
    return re.compile(_GAP.join(re.escape(ch) for ch in key))


def tables(text: str, sections: list[tuple[str, int, int]]) -> list[RawTable]:
    out: list[RawTable] = []
    versions: dict[str, str] = {}
    for num, start, end in sections:
        table = TABLE_SECTIONS.get(num)
        if table is None:
            continue
        body = text[start:end]
        fallback = versions.get("t2")
        version = detect_version(table, body, fallback=fallback)
        if table == "t2" and version == "2019" and not any(label_key(m) in label_key(body, True)
                                                           for m in template("t2", "2019").markers):
            version = detect_version(table, body, fallback="2021")
        versions[table] = version
        tpl = template(table, version)
        rows = _t4_rows(text, start, end) if table == "t4" else _label_rows(text, start, end, tpl)
        if rows:
            out.append(RawTable(len(out), tuple(rows), section=table, header=body[:400]))
    return out


def _label_rows(text: str, start: int, end: int, tpl: TableTemplate) -> list[RawRow]:
    """Each data row's label found in template order; the text up to the next label holds its numbers."""
    hits: list[tuple[int, int, str, str]] = []  # (label start, label end, row key, ordinal of the row)
    pos = start
    for row in tpl.data_rows:
        for key in sorted(row.keys, key=len, reverse=True):
            m = _label_pattern(key).search(text, pos, end)
            if m:
                hits.append((m.start(), m.end(), row.key, row.ordinal))
                pos = m.end()
                break
    rows = []
    for i, (s, e, key, _ordinal) in enumerate(hits):
        stop = hits[i + 1][0] if i + 1 < len(hits) else end
        run = _value_run(text[e:stop], hits[i + 1][3] if i + 1 < len(hits) else "")
        if run is None:
            continue
        rows.append(RawRow((RawCell(text[s:e], line=line_of(text, s)), RawCell(run, line=line_of(text, e))),
                           "glued", line=line_of(text, s), label_row=key))
    return rows


def _value_run(between: str, next_ordinal: str) -> str | None:
    """The leading number run after a label: notes in parentheses dropped, the next row's `2.` removed."""
    between = _PAREN.sub(" ", between)
    m = _RUN.match(between, len(between) - len(between.lstrip(" :：”’\"')）")))
    if not m:
        return None
    run = m.group(0).rstrip()
    tail = between[m.end():].lstrip()
    n = next_ordinal.rstrip(".、")
    if n.isdigit():
        for sep in (".", "、", "．"):
            if run.endswith(n + sep):
                run = run[: -len(n + sep)]
                break
        else:
            if run.endswith(n) and tail[:1] in ("、", "．"):
                run = run[: -len(n)]
    run = run.rstrip(" .,")
    return run if re.search(r"\d", run) else None


def _t4_rows(text: str, start: int, end: int) -> list[RawRow]:
    """t4 has no row label: its numbers follow the last header word (总计)."""
    body = text[start:end]
    idx = body.rfind("总计")
    if idx < 0:
        return []
    run = _value_run(body[idx + 2:], "")
    if run is None:
        return []
    return [RawRow((RawCell(run, line=line_of(text, start + idx + 2)),), "glued",
                   line=line_of(text, start + idx + 2), label_row="cases")]
