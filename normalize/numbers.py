"""Parsing of one table cell's text into a number, a unit and a note."""
from __future__ import annotations

import re
from dataclasses import dataclass

from normalize.text import short_text_cache

PLACEHOLDERS = frozenset({"", "/", "-", "--", "—", "——", "–", "无", "空", "\\", "／", "－", "…", "x", "×"})

_NUMBER = re.compile(
    r"^(?P<sign>[+-])?(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>万元|元)?\s*(?P<note>.*)$", re.S
)
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?:\D|$))")
_LABEL_PUNCT = frozenset(".、,，)）:：．")
_MAX_NOTE = 16
_DIGIT_SPACE = re.compile(r"(?<=\d)\s+(?=\d)")


@dataclass(frozen=True)
class ParsedCell:
    """kind: 'blank' (empty or placeholder), 'value' (a number), 'text' (no number in it)."""

    raw: str
    kind: str
    value: int | float | None = None
    unit: str | None = None
    note: str | None = None
    signed: bool = False


def clean_cell_text(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


@short_text_cache(maxsize=65536)
def parse_cell(text: str) -> ParsedCell:
    """`6撤` -> 6 note 撤; `+3`/`-1` signed; `251000元` unit 元; `2 0` -> 20; `1,234` -> 1234; `/ - — 无 空` blank."""
    if text.isdigit() and text.isascii():  # most cells: the same result as below, without the regular expressions
        return ParsedCell(raw=text, kind="value", value=int(text))
    raw = clean_cell_text(text)
    if raw.strip("|").strip() in PLACEHOLDERS:
        return ParsedCell(raw=raw, kind="blank", value=0)
    compact = _DIGIT_SPACE.sub("", _THOUSANDS.sub("", raw))
    m = _NUMBER.match(compact)
    if not m:
        return ParsedCell(raw=raw, kind="text")
    note_text = m.group("note").strip()
    if note_text[:1] in _LABEL_PUNCT or len(note_text) > _MAX_NOTE:
        return ParsedCell(raw=raw, kind="text")  # `1.属于国家秘密` is a label, not 1 with a note
    num = m.group("num")
    value: int | float = float(num) if "." in num else int(num)
    if m.group("sign") == "-":
        value = -value
    note = m.group("note").strip() or None
    if note and note.strip("。.，,;；") == "":
        note = None
    return ParsedCell(raw=raw, kind="value", value=value, unit=m.group("unit"), note=note,
                      signed=m.group("sign") is not None)
