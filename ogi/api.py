"""The public Python API: `extract(path) -> Report`."""
from __future__ import annotations

import hashlib
from pathlib import Path

from extract.meta import page_fields, report_meta
from extract.narrative import figures
from extract.raw import RawDocument
from extract.readers import read_document
from extract.sniff import ReadError
from normalize.observe import observe
from normalize.reconcile import reconcile
from normalize.restated import known_values, narrative_checks
from normalize.templates import DERIVED_SUMS, TABLES, looks_pre_2019, template
from ogi.model import Issue, Report, ReportInfo, Source

__all__ = ["extract", "ReadError"]

MAX_INPUT_BYTES = 200 * 1024 * 1024


def extract(path: str | Path) -> Report:
    """Read one report file and return its reconciled tables. Raises ReadError for unreadable input."""
    p = Path(path)
    if not p.exists():
        raise ReadError(f"{p}: no such file")
    if not p.is_file():
        raise ReadError(f"{p}: not a regular file")
    if p.stat().st_size > MAX_INPUT_BYTES:
        raise ReadError(f"{p}: {p.stat().st_size} bytes exceeds the {MAX_INPUT_BYTES}-byte limit")
    data = p.read_bytes()
    return extract_bytes(data, str(p))


def extract_bytes(data: bytes, name: str) -> Report:
    doc = read_document(Path(name), data)
    return build_report(doc)


def build_report(doc: RawDocument) -> Report:
    obs = observe(doc)
    figs = figures(dict(doc.sections))
    known = known_values(figs)
    issues = [Issue(p.code, p.severity, p.message, p.keys) for p in (*doc.problems, *obs.problems)]
    cells, checks, templates = [], [], []
    # a 2021 t3 printing （六）其他处理 as one row has no sub-rows to read: missing, but not a partial report
    printed_as_one = {k for t in obs.tables if t.other_as_one_row for k in _other_subrow_keys(t.version)}
    for t in obs.tables:
        res = reconcile(t, known)
        cells.extend(res.cells)
        checks.extend(res.checks)
        issues.extend(res.issues)
        templates.append((t.table, t.version))
    found = {t for t, _ in templates}
    pre_2019 = not cells and looks_pre_2019(doc.text)
    unread = any(p.code == "needs_ocr" for p in doc.problems)  # a scan: the tables are there, as images
    for t in TABLES:
        if t not in found and not pre_2019 and not unread:
            issues.append(Issue("table_missing", "warning", f"{doc.path}: table {t} not found"))
    failing = [c for c in checks if c.ok is False]  # the tables' own identities (prose checks come later)
    for cause, code in (("source", "source_identity_violated"), ("extraction", "extraction_identity_violated")):
        bad = [c for c in failing if c.cause == cause]
        if bad:
            what = "the published numbers do not satisfy" if cause == "source" else "the reading may be wrong for"
            issues.append(Issue(code, "warning", f"{what} {', '.join(c.id for c in bad)} "
                                                 f"({'; '.join(c.detail for c in bad)})",
                                tuple(c.id for c in bad)))
    n_amb = sum(1 for c in cells if c.status == "ambiguous")
    if n_amb:
        issues.append(Issue("ambiguous_cells", "info",
                            f"{n_amb} cells have several placements consistent with the source; see alternatives",
                            tuple(c.key for c in cells if c.status == "ambiguous")))
    if not cells:
        status = "failed"
        if pre_2019:
            issues.append(Issue("older_format", "error",
                                f"{doc.path}: a pre-2019 report (free-form sections, 统计表 of indicators); its "
                                "figures do not map onto the 2019/2021 template keys and are not extracted"))
        elif not unread:
            issues.append(Issue("no_tables", "error", f"{doc.path}: no table of the 2019/2021 templates found"))
    elif found != set(TABLES) or any(c.status == "missing" and c.key not in printed_as_one for c in cells) \
            or any(i.code == "several_reports" for i in issues):
        status = "partial"
    elif failing:
        status = "inconsistent"
    else:
        status = "ok"
    meta = report_meta(doc.text, dict(doc.metadata), doc.title, doc.path, dict(doc.sections))
    more_checks, more_issues = narrative_checks(figs, {c.key: c for c in cells}, meta.scope)
    checks.extend(more_checks)
    issues.extend(more_issues)
    return Report(
        source=Source(doc.path, doc.sha256 or hashlib.sha256(b"").hexdigest(), doc.format, doc.pages, doc.encoding,
                      doc.script),
        report=ReportInfo(meta.agency, meta.year, meta.title, tuple(templates), page_fields(dict(doc.metadata)),
                          meta.level, meta.region, meta.published, meta.scope, meta.url, meta.sources),
        status=status, cells=tuple(cells), checks=tuple(checks), issues=tuple(issues), sections=doc.sections,
        narrative=figs,
    )


def _other_subrow_keys(version: str) -> set[str]:
    cols = [c.key for c in template("t3", version).cols] + ["legal_entity_total"]
    return {f"t3.{row}.{col}" for row in DERIVED_SUMS["other"] for col in cols}
