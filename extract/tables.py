"""Grid-table helpers shared by the readers that see true grids (HTML, DOCX): cell text normalisation,
trimming stray empty columns, telling t2/t3/t4 and page-metadata tables apart by their own labels."""
from __future__ import annotations

import re
from functools import lru_cache

from extract.raw import RawCell
from normalize.numbers import parse_cell
from normalize.observe import match_row
from normalize.templates import template
from normalize.text import label_key, normalize_text, normalized_key, short_text_cache

TABLE_WORDS = {
    "t2": ("第二十条第", "信息内容", "规章", "规范性文件", "行政许可", "行政处罚", "行政强制", "行政事业性收费"),
    "t3": ("本年新收政府信息公开申请数量", "上年结转政府信息公开申请数量", "予以公开", "本机关不掌握相关政府信息",
           "申请人情况", "自然人", "结转下年度继续办理", "法人或其他组织", "商业企业", "法律服务机构"),
    "t4": ("行政复议", "行政诉讼", "结果维持", "结果纠正", "尚未审结", "未经复议直接起诉"),
}
META_WORDS = ("索引号", "发布机构", "发文机关", "成文日期", "发布日期", "主题分类", "文号")


@short_text_cache(maxsize=65536)
def normalize_cell(text: str) -> str:
    """One cell's text: whitespace runs collapsed to one space, then `normalize_text` (which leaves ASCII as
    it is: a number needs no conversion)."""
    text = " ".join(text.split())
    return text if text.isascii() else normalize_text(text)


def trim_stray(rows: list[list[tuple[RawCell, int]]], width: int | None = None) -> list[list[RawCell]]:
    """Rows of (origin cell, grid column after its span) -> rows of cells. Empty cells beyond the last column
    that holds any text (a stray column; `width` when given, e.g. over all parts of a split table) are left
    out, when the table holds numbers at all."""
    width = text_width(rows) if width is None else width
    if width is None:
        return [[c for c, _ in row] for row in rows]  # no numbers: nothing says where the data ends
    return [[c for c, _end in row if c.text or c.col < width] for row in rows]


def text_width(rows: list[list[tuple[RawCell, int]]]) -> int | None:
    """The grid column after the last cell with text, or None when no cell holds a number."""
    if not any(parse_cell(c.text).kind == "value" for row in rows for c, _ in row):
        return None
    return max(end for row in rows for c, end in row if c.text)


@lru_cache(maxsize=1)
def _word_keys() -> dict[str, tuple[str, ...]]:
    return {t: tuple(label_key(w) for w in words) for t, words in (*TABLE_WORDS.items(), ("meta", META_WORDS))}


def classify(grid: list[list[RawCell]]) -> str | None:
    """"t2"/"t3"/"t4" by the table's own labels, "meta" for a 索引号/发布机构 table, else None."""
    text = normalized_key(" ".join([c.text for row in grid for c in row]), keep_notes=True)  # cells are normalised
    keys = _word_keys()
    if sum(1 for w in keys["meta"] if w in text) >= 2 and not any(w in text for w in keys["t3"][:3]):
        return "meta"
    scores = {t: sum(1 for w in keys[t] if w in text) for t in TABLE_WORDS}
    first, second = sorted(scores.values(), reverse=True)[:2]
    if first >= 2 and second == 0:
        return max(scores, key=scores.__getitem__)  # the header words name one table only
    # a continuation (t3 split over two tables) has no header words, but its rows name template rows
    for table in ("t2", "t3"):
        tpl = template(table, "2021" if table == "t3" else "2019")
        for row in grid:
            kinds = [parse_cell(c.text).kind for c in row]
            labels = [c.text for c, k in zip(row, kinds) if k == "text"]
            if labels and len(labels) < len(row) and match_row(labels[-1], tpl, 0)[1] >= 0.85:
                scores[table] += 1
    best = max(scores, key=scores.__getitem__)
    return best if scores[best] >= 2 else None


def meta_pairs(grid: list[list[RawCell]]) -> list[tuple[str, str]]:
    """(label, value) pairs of a page-metadata table: `索引号 | value` cells or `索引号：value` in one cell."""
    pairs = []
    for row in grid:
        texts = [c.text for c in row]
        for i, t in enumerate(texts):
            key = t.rstrip(":： ")
            if key in META_WORDS and i + 1 < len(texts):
                pairs.append((key, texts[i + 1]))
            elif ":" in t or "：" in t:
                k, _, v = re.split(r"([:：])", t, maxsplit=1)
                if k.strip() in META_WORDS and v.strip():
                    pairs.append((k.strip(), v.strip()))
    return pairs
