"""Reader for flattened text: the seed's one-cell-per-line form, glued cells, markdown pipe tables."""
from __future__ import annotations

import hashlib
from pathlib import Path

from extract import glued, markdown
from extract.meta import page_metadata
from extract.raw import RawCell, RawDocument, RawRow, RawTable
from extract.sections import TABLE_SECTIONS, find_sections, line_of
from extract.sniff import ReadError, decode_text, text_form
from normalize.text import normalize_with_script


def read_text(path: Path, data: bytes) -> RawDocument:
    raw_text, encoding = decode_text(data, str(path))
    text, script = normalize_with_script(raw_text)
    form = text_form(text)
    sections = find_sections(text, line_start=form != "glued")
    if form == "markdown":
        tables = markdown.tables(text, sections)
    elif form == "pipe":
        tables = pipe_tables(text, sections)
    else:
        tables = glued.tables(text, sections)
    meta = page_metadata(text)
    if not sections and not tables:
        raise ReadError(f"{path}: no report found (no section headings 一…六 and no tables)")
    return RawDocument(
        path=str(path), sha256=hashlib.sha256(data).hexdigest(), format=form, encoding=encoding,
        script=script, text=text, tables=tuple(tables),
        sections=tuple((num, text[s:e].strip()) for num, s, e in sections), metadata=meta,
    )


def pipe_tables(text: str, sections: list[tuple[str, int, int]]) -> list[RawTable]:
    """Seed form: each cell that starts in a row on its own line as `text |`, then one line of `|` marks."""
    out: list[RawTable] = []
    for num, start, end in sections:
        if num not in TABLE_SECTIONS:
            continue
        rows: list[RawRow] = []
        cells: list[RawCell] = []
        first_line = line_of(text, start)
        for i, line in enumerate(text[start:end].split("\n")[1:], start=first_line + 1):
            s = line.strip()
            if s and set(s) == {"|"}:
                rows.append(RawRow(tuple(cells), "ordered", line=cells[0].line if cells else i, empty=len(s)))
                cells = []
            elif s.endswith("|"):
                cells.append(RawCell(s[:-1].strip(), line=i))
            elif s and cells:  # prose after the last row of a table
                rows.append(RawRow(tuple(cells), "ordered", line=cells[0].line))
                cells = []
        if cells:
            rows.append(RawRow(tuple(cells), "ordered", line=cells[0].line))
        rows = [r for r in rows if r.cells]
        if rows:
            out.append(RawTable(len(out), tuple(rows), section=TABLE_SECTIONS[num]))
    return out
