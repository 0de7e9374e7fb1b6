"""Raw tables -> observations of template rows: which template table and version, which row each raw row is."""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from difflib import SequenceMatcher

from extract.raw import Problem, RawCell, RawDocument, RawRow, RawTable
from normalize.numbers import ParsedCell, parse_cell
from normalize.templates import TABLES, TableTemplate, detect_version, template
from normalize.text import label_key, normalize_text, short_text_cache, strip_ordinals


REPAIRABLE_FORMATS = ("pdf", "image")  # formats whose reading can split, merge or drop digits of a cell


@dataclass(frozen=True)
class Token:
    parsed: ParsedCell
    cell: RawCell


@dataclass(frozen=True)
class RowObs:
    """One template row as the source gives it. layout: read | ordered | glued."""

    key: str
    tokens: tuple[Token, ...]
    layout: str
    table_index: int
    row_index: int
    line: int | None = None
    placed: bool = False  # the source lost this row's label; the row was placed by template order


@dataclass(frozen=True)
class TableObs:
    table: str
    version: str
    rows: tuple[RowObs, ...]
    extras: tuple[tuple[str, RowObs], ...] = ()  # (slug, row) for rows outside the template
    other_as_one_row: bool = False  # 2021 t3 that prints （六）其他处理 as one row
    repairable: bool = False  # the reading may split, merge or lose digits (PDF): minimal repairs are tried


@dataclass(frozen=True)
class Observation:
    tables: tuple[TableObs, ...]
    problems: tuple[Problem, ...]


def match_row(label: str, tpl: TableTemplate, cursor: int) -> tuple[str | None, float]:
    """Best template row for a label: exact key, then containment, then a fuzzy ratio (lost glyphs).
    Among equal scores, a row at or after `cursor` (the last row matched) wins."""
    return _match_row(label, tpl.table, tpl.version, cursor)


@short_text_cache(maxsize=65536)
def _match_row(label: str, table: str, version: str, cursor: int) -> tuple[str | None, float]:
    k = label_key(label)
    if not k:
        return None, 0.0
    scored = _scores(k, table, version, fuzzy=False)
    if not scored or scored[0][0] < 0.85:
        scored = sorted(scored + _scores(k, table, version, fuzzy=True), reverse=True)
    if not scored or scored[0][0] < 0.6:
        return None, 0.0
    top = [s for s in scored if s[0] == scored[0][0]]
    score, _idx, key = next((s for s in top if s[1] >= cursor), top[0])
    return key, score


@short_text_cache(maxsize=65536)
def _scores(k: str, table: str, version: str, fuzzy: bool) -> list[tuple[float, int, str]]:
    """(score, row index, row key) of every template row the label key may name, best first."""
    out = []
    for idx, row in enumerate(template(table, version).rows):
        score = 0.0
        for key in row.keys:
            if fuzzy:
                s = SequenceMatcher(None, k, key).ratio() if abs(len(k) - len(key)) <= 3 else 0.0
                s = s * 0.9 if s >= 0.75 else 0.0
            elif k == key:
                s = 1.0
            elif len(key) >= 2 and key in k:
                s = 0.85 * len(key) / len(k) + 0.1
            elif len(k) >= 3 and k in key:
                s = 0.8 * len(k) / len(key)
            else:
                s = 0.0
            score = max(score, s)
        if score > 0:
            out.append((score, idx, row.key))
    return sorted(out, key=lambda s: (-s[0], s[1]))


def _split(row: RawRow) -> tuple[list[RawCell], list[Token]]:
    """Label cells and value tokens. In a grid every cell after the last label is a value cell, empty
    ones included (they are blank cells at known positions); a row without labels is all values."""
    parsed = [(cell, parse_cell(cell.text)) for cell in row.cells]
    labels = [cell for cell, p in parsed if p.kind == "text"]
    if row.layout == "grid":
        last = max((i for i, (_, p) in enumerate(parsed) if p.kind == "text"), default=-1)
        values = [Token(p, cell) for cell, p in parsed[last + 1:]]
    else:
        values = [Token(p, cell) for cell, p in parsed if p.kind != "text"]
    return labels, values


def observe(doc: RawDocument) -> Observation:
    problems: list[Problem] = []
    by_section: dict[str, list[RawTable]] = {}
    for t in doc.tables:
        if t.section in TABLES:
            by_section.setdefault(t.section, []).append(t)
    out: list[TableObs] = []
    t2_version: str | None = None
    for table in TABLES:
        raw_tables = by_section.get(table, [])
        if not raw_tables:
            continue
        obs = _observe_table(table, raw_tables, t2_version, problems)
        if doc.format in REPAIRABLE_FORMATS or any(t.ocr for t in raw_tables):
            obs = replace(obs, repairable=True)
        if table == "t2":
            t2_version = obs.version
        out.append(obs)
        if not obs.rows:
            problems.append(Problem("table_without_rows", f"{table}: table found but no row matched the template"))
    return Observation(tuple(out), tuple(problems))


_T4_PARTS = (("suit_direct", "未经复议"), ("suit_after_review", "复议后起诉"), ("review", "行政复议"))


def _join_t4_parts(raw_tables: list[RawTable]) -> list[RawTable]:
    """t4 printed as three 5-column sub-tables (行政复议 / 未经复议直接起诉 / 复议后起诉): one 15-cell row. The
    parts may arrive as three tables or run together (a PDF's ruled sub-tables touching): each 5-number row
    belongs to the caption printed last before it."""
    parts: list[tuple[str | None, RawRow]] = []
    group = None
    for t in raw_tables:
        if t.header:
            group = _t4_group(t.header) or group
        headed = False  # the row before was the 结果维持…总计 heading: an all-empty row after it is data
        for r in t.rows:
            kinds = [parse_cell(c.text).kind for c in r.cells]
            if r.cells and "text" not in kinds:
                if any(k == "value" for k in kinds) or (headed and len(r.cells) == 5):
                    parts.append((group, r))
                headed = False
            else:
                group = _t4_group(" ".join(c.text for c in r.cells)) or group
                headed = bool(r.cells) and "总计" in r.cells[-1].text
    if len(parts) != 3 or any(len(r.cells) != 5 for _, r in parts):
        return raw_tables
    order = {"review": 0, "suit_direct": 1, "suit_after_review": 2}
    if {g for g, _ in parts} == set(order):
        parts.sort(key=lambda p: order[p[0]])
    first = parts[0][1]
    row = RawRow(tuple(c for _, r in parts for c in r.cells), first.layout, line=first.line, label_row="cases")
    return [RawTable(raw_tables[0].index, (row,), section="t4")]


def _t4_group(text: str) -> str | None:
    heading = label_key(text, keep_notes=True)
    return next((g for g, word in _T4_PARTS if label_key(word) in heading), None)


_REPEATED_ROWS = 3
_EXACT = 0.85  # match_row's score for a label naming the row exactly (below: containment or fuzzy)


def _lost_glyphs(label: str, row) -> bool:
    """The label is the template's with characters missing (in order): a lost glyph, not another wording."""
    k = label_key(label)
    for full in row.keys:
        if len(k) < len(full) and len(full) - len(k) <= 3:
            it = iter(full)
            if all(ch in it for ch in k):
                return True
    return False


def _observe_table(table: str, raw_tables: list[RawTable], other_version: str | None,
                   problems: list[Problem]) -> TableObs:
    if table == "t4" and not any(len(r.cells) >= 15 for t in raw_tables for r in t.rows):
        raw_tables = _join_t4_parts(raw_tables)
    splits = [[_split(r) for r in t.rows] for t in raw_tables]
    header = " ".join([t.header for t in raw_tables] + [c.text for rows in splits for labels, _ in rows
                                                         for c in labels])
    probe = template(table, "2019")
    rough: dict[str, int] = {}
    for t, split in zip(raw_tables, splits):
        for r, (labels, values) in zip(t.rows, split):
            key = r.label_row or next((k for k in (match_row(lab.text, probe, 0)[0] for lab in reversed(labels))
                                       if k), None)
            if key and values:
                rough.setdefault(key, len(values))
    version = detect_version(table, header, tuple(rough), rough, fallback=other_version)
    tpl = template(table, version)
    rows: dict[str, RowObs] = {}
    extras: list[tuple[str, RowObs]] = []
    cursor = 0
    order = {r.key: i for i, r in enumerate(tpl.rows)}
    detached: list[tuple[int, int, RawRow, list[Token]]] = []
    for t, split in zip(raw_tables, splits):
        for ri, (r, (labels, values)) in enumerate(zip(t.rows, split)):
            if not values and not labels:
                continue
            if labels and all(v.parsed.kind == "blank" for v in values) and _is_header(labels, tpl):
                continue  # headings, possibly followed by stray empty cells
            key = r.label_row
            if key is None:
                for lab in reversed(labels):
                    key, score = match_row(lab.text, tpl, cursor)
                    if key:
                        if score < _EXACT and key not in rows and _lost_glyphs(lab.text, tpl.row(key)):
                            problems.append(Problem(
                                "label_glyphs_lost", f"{table}: row label “{lab.text}” lacks characters of the "
                                f"template's “{tpl.row(key).label}” (glyphs lost in the source's text); matched "
                                f"to {key} tolerantly", severity="info", keys=(f"{table}.{key}",)))
                        break
            if not values and (key is None or match_row(labels[-1].text, tpl, cursor)[1] < 0.85
                               or tpl.row(key).derived):
                continue
            if key is None and table == "t4" and not labels:
                key = "cases"
            if key is None and not labels:
                detached.append((t.index, ri, r, values))
                continue
            if key is None or key in rows:
                if all(v.parsed.kind == "blank" for v in values):
                    continue
                slug = label_key(labels[-1].text) if labels else f"row{ri}"
                extras.append((slug, _row_obs(key or slug, r, values, t.index, ri)))
                continue
            rows[key] = _row_obs(key, r, values, t.index, ri)
            cursor = order.get(key, cursor)
    _place_detached(tpl, rows, detached, extras)
    repeated = [slug for slug, row in extras if row.key in rows]
    if len(repeated) >= _REPEATED_ROWS:
        problems.append(Problem("several_reports", f"{table}: {len(repeated)} template rows appear a second "
                                                   "time (a second report on the same page?); only the first "
                                                   "occurrence is read, the others are kept as extra cells",
                                severity="warning"))
    if table == "t4" and "cases" not in rows and all(r.layout == "ordered" for t in raw_tables for r in t.rows):
        # the seed's form prints no line at all for an all-empty last row: t4 headed but without numbers
        last = raw_tables[-1]
        rows["cases"] = RowObs("cases", (), "ordered", last.index, len(last.rows), last.rows[-1].line)
    other_one = table == "t3" and version == "2021" and "other" in rows
    return TableObs(table, version, tuple(rows[k] for k in order if k in rows), tuple(extras), other_one)


def _place_detached(tpl: TableTemplate, rows: dict[str, RowObs], detached, extras) -> None:
    """Number rows whose label the converter printed elsewhere fill the unfilled template rows in order,
    when their count matches exactly; otherwise they are kept as extra rows."""
    unfilled = [r.key for r in tpl.data_rows if r.key not in rows
                and not (r.key.startswith("other_") and "other" in rows)]
    if detached and len(detached) == len(unfilled):
        for key, (ti, ri, r, values) in zip(unfilled, detached):
            rows[key] = RowObs(key, tuple(values), "read", ti, ri, r.line, placed=True)
    else:
        for ti, ri, r, values in detached:
            if any(v.parsed.kind == "value" for v in values):
                extras.append((f"row{ri}", _row_obs(f"row{ri}", r, values, ti, ri)))


def _is_header(labels: list[RawCell], tpl: TableTemplate) -> bool:
    """A row of column headings (自然人 | 商业企业 | … | 总计) or a block caption, not a data row."""
    if labels and _has_ordinal(labels[-1].text):
        return False  # `（七）总计` is a row; the heading `总计` has no ordinal
    last = label_key(labels[-1].text, keep_notes=True) if labels else ""
    words, long_words = _header_keys(tpl.table, tpl.version)
    return last in words or any(w in last for w in long_words)


@short_text_cache(maxsize=65536)
def _has_ordinal(label: str) -> bool:
    text = normalize_text(label)
    return strip_ordinals(text) != text.strip()


@lru_cache(maxsize=None)
def _header_keys(table: str, version: str) -> tuple[frozenset[str], tuple[str, ...]]:
    """Keys of a template's column headings and heading words; the heading words of 4 or more characters."""
    tpl = template(table, version)
    words = frozenset({label_key(c.label) for c in tpl.cols} | {label_key(w) for w in tpl.header_words})
    return words, tuple(w for w in map(label_key, tpl.header_words) if len(w) >= 4)


def _row_obs(key: str, row: RawRow, values: list[Token], table_index: int, row_index: int) -> RowObs:
    return RowObs(key, tuple(values), row.layout if row.layout != "grid" else "read", table_index, row_index,
                  row.line)
