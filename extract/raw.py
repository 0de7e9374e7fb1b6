"""What every reader returns: raw tables whose cells keep where they came from."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RawCell:
    text: str  # normalised text (simplified, half-width)
    line: int | None = None  # 1-based line in the source text
    col: int | None = None  # grid column when the source shows it
    page: int | None = None
    bbox: tuple[float, float, float, float] | None = None  # (x0, top, x1, bottom) on the page, PDF points
    ocr_confidence: float | None = None  # the OCR engine's confidence in the text (0..1), for cells read by OCR
    ocr_alternatives: tuple[str, ...] = ()  # other texts the OCR cannot rule out (a sign seen but not read)


@dataclass(frozen=True)
class RawRow:
    """The cells that start in one source row, in order.

    layout: `grid` (each cell's column is known), `ordered` (order known, empty cells dropped: the seed's
    one-cell-per-line form), `glued` (the numbers of the row ran together into one digit run).
    """

    cells: tuple[RawCell, ...]
    layout: str
    line: int | None = None
    empty: int | None = None  # count of `|` marks (empty or span-covered cells), when the source gives it
    label_row: str | None = None  # row key already identified by the reader (glued text), else None


@dataclass(frozen=True)
class RawTable:
    index: int
    rows: tuple[RawRow, ...]
    section: str | None = None  # "t2"/"t3"/"t4" when the surrounding heading says so
    header: str = ""  # header text (normalised) that precedes the data rows, for format detection
    ocr: bool = False  # read from an image by OCR: digits may be misread (repairs are tried)


@dataclass(frozen=True)
class Problem:
    """A problem a reader noticed; becomes an `issues` entry of the result."""

    code: str
    message: str
    severity: str = "warning"
    keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class RawDocument:
    path: str
    sha256: str
    format: str  # pipe | glued | markdown | html | pdf | docx | image
    encoding: str | None
    script: str  # traditional | simplified
    text: str  # normalised full text
    tables: tuple[RawTable, ...]
    sections: tuple[tuple[str, str], ...] = ()  # ("1", text of 一、…) …
    title: str | None = None
    metadata: tuple[tuple[str, str], ...] = ()
    pages: int | None = None
    problems: tuple[Problem, ...] = field(default=())
