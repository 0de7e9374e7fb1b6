"""The result document of shared/spec/OUTPUT.md as typed, frozen objects."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SCHEMA = "ogi.report/1"
CELL_STATUSES = ("read", "blank", "inferred", "ambiguous", "repaired", "imputed", "derived", "missing")
REPORT_STATUSES = ("ok", "inconsistent", "partial", "failed")


@dataclass(frozen=True)
class At:
    table: int | None = None
    row: int | None = None
    col: int | None = None
    page: int | None = None
    line: int | None = None
    bbox: tuple[float, float, float, float] | None = None  # (x0, top, x1, bottom) in PDF points, PDF/OCR only
    ocr_confidence: float | None = None  # the OCR engine's confidence in the cell's text (0..1), OCR only

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> At:
        bbox = d.get("bbox")
        return cls(d.get("table"), d.get("row"), d.get("col"), d.get("page"), d.get("line"),
                   tuple(bbox) if bbox is not None else None, d.get("ocr_confidence"))

    def to_dict(self) -> dict[str, Any]:
        out = {"table": self.table, "row": self.row, "col": self.col, "page": self.page, "line": self.line}
        if self.bbox is not None:
            out["bbox"] = list(self.bbox)
        if self.ocr_confidence is not None:
            out["ocr_confidence"] = self.ocr_confidence
        return out


@dataclass(frozen=True)
class Cell:
    key: str
    value: int | float | None
    status: str
    raw: str = ""
    unit: str | None = None
    confidence: float = 1.0
    alternatives: tuple[int | float, ...] = ()
    note: str | None = None
    at: At = field(default_factory=At)

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "value": self.value, "unit": self.unit, "raw": self.raw, "status": self.status,
                "confidence": self.confidence, "alternatives": list(self.alternatives), "note": self.note,
                "at": self.at.to_dict()}


@dataclass(frozen=True)
class Check:
    id: str
    ok: bool | None
    lhs: int | float | None
    rhs: int | float | None
    cause: str | None  # source | extraction | None
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Issue:
    code: str
    severity: str  # info | warning | error
    message: str
    keys: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "message": self.message, "keys": list(self.keys)}


@dataclass(frozen=True)
class Source:
    path: str
    sha256: str
    format: str
    pages: int | None
    encoding: str | None
    script: str


@dataclass(frozen=True)
class ReportInfo:
    agency: str | None
    year: int | None
    title: str | None
    templates: tuple[tuple[str, str], ...]  # (("t2", "2019"), …)
    page: tuple[tuple[str, str | None], ...] = ()  # publisher, published, index_no, doc_no, url from the page
    level: str | None = None  # ministry | province | city | county | township | department
    region: tuple[tuple[str, str | None], ...] = ()  # province, province_code, city, city_code, county, county_code
    published: str | None = None  # YYYY-MM-DD
    scope: str | None = None  # agency (本机关) | region (本行政区域汇总), where the text says so
    url: str | None = None
    sources: tuple[tuple[str, str], ...] = ()  # field -> title | page metadata | prose | file name | …


@dataclass(frozen=True)
class Figure:
    """A number with its unit in the prose of sections 一 and 六, and the sentence it stands in."""

    section: str
    text: str  # the phrase as printed (主动公开各类政府信息9200余条)
    value: int | float
    unit: str
    approx: str | None  # 余 | 多 | 近 | 约 | 超 …, kept as printed
    sentence: str
    key: str | None = None  # the table cell (or sum, `a+b`) it restates, when it restates one

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Report:
    source: Source
    report: ReportInfo
    status: str
    cells: tuple[Cell, ...]
    checks: tuple[Check, ...]
    issues: tuple[Issue, ...]
    sections: tuple[tuple[str, str], ...]
    narrative: tuple[Figure, ...] = ()

    def cell(self, key: str) -> Cell:
        return next(c for c in self.cells if c.key == key)

    def value(self, key: str) -> int | float | None:
        return self.cell(key).value

    def check(self, check_id: str) -> Check:
        return next(c for c in self.checks if c.id == check_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "source": asdict(self.source),
            "report": {"agency": self.report.agency, "year": self.report.year, "title": self.report.title,
                       "templates": dict(self.report.templates), "page": dict(self.report.page),
                       "level": self.report.level, "region": dict(self.report.region),
                       "published": self.report.published, "scope": self.report.scope, "url": self.report.url,
                       "sources": dict(self.report.sources)},
            "status": self.status,
            "cells": [c.to_dict() for c in self.cells],
            "checks": [c.to_dict() for c in self.checks],
            "issues": [i.to_dict() for i in self.issues],
            "text": {"sections": dict(self.sections), "narrative": [f.to_dict() for f in self.narrative]},
        }

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> Report:
        """The inverse of `to_dict`: a result document (e.g. a golden file) as a typed Report.
        Raises ValueError naming what is wrong when `doc` is not an `ogi.report/1` document."""
        if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
            found = doc.get("schema") if isinstance(doc, dict) else None
            raise ValueError(f"not an {SCHEMA} document (schema: {found!r})")
        try:
            rep = doc["report"]
            return cls(
                source=Source(**doc["source"]),
                report=ReportInfo(rep["agency"], rep["year"], rep["title"], tuple(rep["templates"].items()),
                                  tuple(rep.get("page", {}).items()), rep.get("level"),
                                  tuple((rep.get("region") or {}).items()), rep.get("published"), rep.get("scope"),
                                  rep.get("url"), tuple((rep.get("sources") or {}).items())),
                status=doc["status"],
                cells=tuple(Cell(c["key"], c["value"], c["status"], c["raw"], c["unit"], c["confidence"],
                                 tuple(c["alternatives"]), c["note"], At.from_dict(c["at"])) for c in doc["cells"]),
                checks=tuple(Check(**c) for c in doc["checks"]),
                issues=tuple(Issue(i["code"], i["severity"], i["message"], tuple(i["keys"])) for i in doc["issues"]),
                sections=tuple(doc["text"]["sections"].items()),
                narrative=tuple(Figure(**f) for f in doc["text"].get("narrative", ())),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"malformed {SCHEMA} document ({type(exc).__name__}: {exc})") from None
