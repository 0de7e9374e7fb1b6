"""Finding the six sections (一…六) of a report in normalised text, by numeral plus keyword."""
from __future__ import annotations

import re

# numeral + keyword; the keyword varies in real reports (DOMAIN.md §2), so match loosely.
SECTION_PATTERNS: tuple[tuple[str, str], ...] = (
    ("1", r"一\s*[、.]\s*(?:总体情况|概述|总体|基本情况)"),
    ("2", r"二\s*[、.]\s*(?:主动公开)"),
    ("3", r"三\s*[、.]\s*(?:收到和处理|依申请公开|政府信息公开申请)"),
    ("4", r"四\s*[、.]\s*(?:政府信息公开行政复议|因政府信息公开|[^\n。，]{0,16}?(?:复议|诉讼))"),
    ("5", r"五\s*[、.]\s*[^\n。，]{0,16}?(?:问题|不足|改进)"),
    ("6", r"六\s*[、.]\s*其他"),
)
# where the numbering is shifted (Shanghai departments print the tables as 一/二/三): keyword only
TABLE_SECTIONS = {"2": "t2", "3": "t3", "4": "t4"}
_FALLBACK = {
    "2": r"[一二三四五六]\s*[、.]\s*主动公开政府信息情况",
    "3": r"[一二三四五六]\s*[、.]\s*收到和处理政府信息公开申请情况",
    "4": r"[一二三四五六]\s*[、.]\s*政府信息公开行政复议[、和]?\s*行政诉讼情况",
}


def _compiled(anchor: str) -> tuple[tuple[str, re.Pattern, re.Pattern | None], ...]:
    return tuple((num, re.compile(anchor + "(" + pat + ")", re.M),
                  re.compile(anchor + "(" + _FALLBACK[num] + ")", re.M) if num in _FALLBACK else None)
                 for num, pat in SECTION_PATTERNS)


_COMPILED = {True: _compiled(r"(?:^|\n)\s*"), False: _compiled("")}


def find_sections(text: str, line_start: bool) -> list[tuple[str, int, int]]:
    """(number, start, end) of each section found, in order; a section ends where the next begins.

    With `line_start`, a heading must begin a line (flattened text with line breaks); glued text has none.
    """
    found: list[tuple[str, int]] = []
    pos = 0
    for num, pattern, fallback in _COMPILED[bool(line_start)]:
        m = pattern.search(text, pos)
        if not m and fallback is not None:
            m = fallback.search(text, pos)
        if m:
            found.append((num, m.start(1)))
            pos = m.end(1)
    found.sort(key=lambda x: x[1])
    return [(num, start, found[i + 1][1] if i + 1 < len(found) else len(text))
            for i, (num, start) in enumerate(found)]


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1
