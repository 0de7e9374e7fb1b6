"""Markdown pipe tables from PDF converters."""
from __future__ import annotations

from extract.raw import RawTable


def tables(text, sections) -> list[RawTable]:
    return []
