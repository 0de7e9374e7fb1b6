"""Decoding bytes and telling the text forms apart; bad input raises ReadError with a clear message."""
from __future__ import annotations

import re


class ReadError(Exception):
    """The input cannot be read as a report (empty, binary, undecodable, no report in it)."""


MAX_TEXT_BYTES = 20 * 1024 * 1024


def decode_text(data: bytes, name: str) -> tuple[str, str]:
    """UTF-8 (BOM allowed) or GB18030 (a superset of gb2312/gbk); refuses binary data."""
    if not data.strip():
        raise ReadError(f"{name}: empty file")
    if len(data) > MAX_TEXT_BYTES:
        raise ReadError(f"{name}: {len(data)} bytes is too large for a text report (limit {MAX_TEXT_BYTES})")
    if b"\x00" in data[:4096]:
        raise ReadError(f"{name}: binary data (NUL bytes), not a text report")
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for c in text[:4096] if ord(c) < 32 and c not in "\n\r\t\f")
        if controls > 8:
            raise ReadError(f"{name}: binary data (control characters), not a text report")
        return text, "utf-8" if enc == "utf-8-sig" else enc
    raise ReadError(f"{name}: neither UTF-8 nor GB18030 text")


_MD_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}")


def text_form(text: str) -> str:
    """`markdown` (pipe tables with |---| rules), `pipe` (one cell per line ending in |), or `glued`."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if sum(1 for ln in lines if _MD_SEPARATOR.match(ln)) >= 2:
        return "markdown"
    if sum(1 for ln in lines if ln.endswith("|")) >= 10:
        return "pipe"
    return "glued"
