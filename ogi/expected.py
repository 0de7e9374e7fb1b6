"""`ogi verify`: reports against expected files kept beside them; `--write` creates or updates those files.

Which expected file belongs to a report `D/NAME.EXT` (the first that exists):

1. `D/NAME.expected.json`   (a folder of `report.html` + `report.expected.json`)
2. `D/expected/NAME.json`   (the corpus layout: `r005.html` and `r005.txt` both checked against `expected/r005.json`)

Reports are the files `ogi batch` would read below the folder (data files such as `*.json` and hidden files
are not reports). `--write` creates a missing file as `D/expected/NAME.json` when `D/expected/` exists, else as
`D/NAME.expected.json`.

An expected file is one of two forms, told apart by its content:

- values (`shared/corpus/expected/*.json`): `{"template": "2021", "cells": {KEY: {"raw", "value", "kind"}}}`,
  `kind` `blank` (empty or placeholder cell, value 0), `value` or `value+note`. Only the listed keys are
  compared, by value. A cell differs when its value differs, when it is not in the output, or when its status
  is `ambiguous` or `missing` (ogi could not tell the value, even if its best guess agrees). A cell expected
  `blank` that ogi `imputed` from the identities matches: the source left it blank, and ogi says so.
- document (the golden files of `fixtures/golden/`): a whole `ogi.report/1` result document; every field is
  compared (`ogi.compare.diff_reports`).
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ogi.compare import PartChange, ReportDiff, cell_text, diff_cells, diff_reports
from ogi.model import Cell, Report

FORMS = ("values", "document")
KINDS = ("blank", "value", "value+note")
UNCHECKED = ("derived", "missing")  # never written as expected values: not printed in the source


@dataclass(frozen=True)
class Expected:
    path: Path
    form: str  # values | document
    template: str | None  # values: the t3 template version stated in the file
    cells: tuple[Cell, ...]  # values: value, raw, and status `blank` or `read` from `kind`
    document: Report | None = None  # document: the whole expected result
    labels: tuple[tuple[str, str], ...] = ()  # values: the row labels the file carries, kept on rewrite


@dataclass(frozen=True)
class ReportVerdict:
    report: Path
    expected: Path
    form: str
    cells_checked: int
    diff: ReportDiff = field(default_factory=ReportDiff)
    error: str | None = None  # the report could not be read (or the expected file is malformed)

    @property
    def ok(self) -> bool:
        return self.error is None and not self.diff

    @property
    def cells_differing(self) -> int:
        return len(self.diff.cells)


@dataclass(frozen=True)
class VerifyResult:
    root: Path
    verdicts: tuple[ReportVerdict, ...]
    without_expected: tuple[Path, ...] = ()  # reports with no expected file beside them (not checked)
    written: tuple[tuple[Path, Path], ...] = ()  # (expected file, report it was written from), with write=True

    @property
    def ok(self) -> bool:
        """Every report matches; a run that checked nothing (no expected file anywhere) is not ok."""
        return bool(self.verdicts) and all(v.ok for v in self.verdicts)

    def summary(self) -> str:
        n_err = sum(1 for v in self.verdicts if v.error)
        return (f"{len(self.verdicts)} reports checked, {sum(v.cells_checked for v in self.verdicts)} cells checked, "
                f"{sum(v.cells_differing for v in self.verdicts)} cells differing, "
                f"{sum(1 for v in self.verdicts if v.ok)} reports fully matching"
                + (f", {n_err} reports not readable" if n_err else "")
                + (f"; {len(self.without_expected)} files without an expected file" if self.without_expected else ""))

    def text(self, limit: int = 200) -> str:
        """Per report that does not match: its differing cells (expected vs got, with status); then the summary."""
        out = []
        for v in self.verdicts:
            if v.ok:
                continue
            head = f"{_rel(v.report, self.root)}  (expected: {_rel(v.expected, self.root)})"
            if v.error:
                out.append(f"{head}\n  error: {v.error}")
                continue
            out.append(f"{head}: {v.cells_differing} of {v.cells_checked} cells differ")
            if v.form == "document":
                out += ["  " + line for line in v.diff.lines(limit=limit)]
                continue
            out += [f"  {p.part}: expected {p.before}, got {p.after}" for p in v.diff.parts]
            for c in v.diff.cells[:limit]:
                raw = c.before.raw
                exp = f"{c.before.value}" + (f" (raw “{raw}”)" if raw != str(c.before.value) else "")
                out.append(f"  {c.key}: expected {exp}, got {cell_text(c.after)}"
                           + ("" if c.fields == ("value",) else f" — {c.reason}"))
            if v.cells_differing > limit:
                out.append(f"  … {v.cells_differing - limit} more")
        out += [f"wrote {_rel(e, self.root)} from {_rel(r, self.root)}: review it before committing"
                for e, r in self.written]
        if not self.verdicts and not self.written:
            out.append(f"no report below {self.root} has an expected file beside it "
                       "(NAME.expected.json or expected/NAME.json)")
        return "\n".join(out + [self.summary()]) + "\n"


def _rel(p: Path, root: Path) -> str:
    try:
        return str(p.relative_to(root))
    except ValueError:
        return str(p)


def expected_path(report: Path) -> Path | None:
    """The expected file beside `report` by the rule of the module docstring, or None."""
    for cand in (report.with_name(report.stem + ".expected.json"), report.parent / "expected" / f"{report.stem}.json"):
        if cand.is_file():
            return cand
    return None


def new_expected_path(report: Path) -> Path:
    if (report.parent / "expected").is_dir():
        return report.parent / "expected" / f"{report.stem}.json"
    return report.with_name(report.stem + ".expected.json")


def load_expected(path: Path) -> Expected:
    """Raises ValueError naming the file and what is wrong with it."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"{path}: not a readable JSON file ({exc})") from None
    if isinstance(doc, dict) and "schema" in doc:
        try:
            report = Report.from_dict(doc)
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from None
        return Expected(path, "document", None, report.cells, report)
    if not isinstance(doc, dict) or not isinstance(doc.get("cells"), dict):
        raise ValueError(f'{path}: neither an ogi.report/1 document nor {{"cells": {{KEY: {{raw, value, kind}}}}}}')
    cells, labels = [], []
    for key, e in doc["cells"].items():
        if not isinstance(e, dict) or e.get("kind") not in KINDS or not isinstance(e.get("value"), (int, float)):
            raise ValueError(f"{path}: {key}: want {{raw, value (a number), kind ({'/'.join(KINDS)})}}, got {e!r}")
        cells.append(Cell(key, e["value"], "blank" if e["kind"] == "blank" else "read", str(e.get("raw", ""))))
        if e.get("label"):
            labels.append((key, e["label"]))
    return Expected(path, "values", doc.get("template"), tuple(cells), None, tuple(labels))


def compare(report: Report, expected: Expected) -> ReportDiff:
    """The differences of `report` from `expected` by the rule of its form (see the module docstring)."""
    if expected.form == "document":
        return diff_reports(expected.document, report)
    got = dict(report.report.templates).get("t3")
    parts = () if expected.template in (None, got) else (PartChange("template", expected.template, str(got)),)
    return ReportDiff(diff_cells(expected.cells, report.cells, values_only=True), (), parts)


def _extract(path: Path) -> tuple[Report | None, str | None]:
    from ogi.api import ReadError, extract

    try:
        return extract(path), None
    except ReadError as exc:
        return None, str(exc)
    except Exception as exc:  # noqa: BLE001 - one report that cannot be processed is a verdict, not a crash
        return None, f"{path}: could not be processed ({type(exc).__name__}: {exc})"


def verify_pairs(pairs: Iterable[tuple[Path, Path]], *, write: bool = False, new_form: str = "values",
                 root: Path | None = None) -> VerifyResult:
    """Each (report, expected file) compared; with `write`, the expected files (re)written from the output
    afterwards, in their existing form (`new_form` for files that do not exist yet). Several reports of one
    expected file (r005.html, r005.txt): it is written from the one with the most cells read as printed."""
    verdicts, unchecked, best = [], [], {}
    for rpath, epath in pairs:
        if not write and not epath.exists():
            unchecked.append(rpath)
            continue
        report, error = _extract(rpath)
        expected = None
        if epath.exists():
            try:
                expected = load_expected(epath)
            except ValueError as exc:
                error = error or str(exc)  # a malformed expected file is reported, never overwritten
            n = len(expected.cells) if expected else 0
            diff = compare(report, expected) if report and expected else ReportDiff()
            verdicts.append(ReportVerdict(rpath, epath, expected.form if expected else new_form, n, diff, error))
        else:
            unchecked.append(rpath)
        if write and report is not None and report.status != "failed" and (expected or not epath.exists()):
            score = sum(1 for c in report.cells if c.status in ("read", "blank"))
            if epath not in best or score > best[epath][0]:
                best[epath] = (score, rpath, report, expected)
    written = []
    for epath, (_, rpath, report, expected) in best.items():
        write_expected(report, epath, expected.form if expected else new_form, expected)
        written.append((epath, rpath))
    return VerifyResult(root or Path.cwd(), tuple(verdicts), tuple(unchecked), tuple(written))


def verify(folder: str | Path, *, write: bool = False) -> VerifyResult:
    """Every report below `folder` that has an expected file beside it, extracted and compared (see the module
    docstring); with `write`, expected files are created or updated from the current output."""
    from ogi.runner import discover

    root = Path(folder)
    if not root.is_dir():
        raise NotADirectoryError(f"{root}: not a folder")
    inputs = discover([root], root / ".ogi-no-output")  # (there is no output folder to leave out)
    pairs = [(p, expected_path(p) or new_expected_path(p)) for p in inputs]
    return verify_pairs(pairs, write=write, root=root)


def portable_document(report: Report) -> dict:
    """The result document with the file's location reduced to its name (where it lies is not part of it)."""
    path = report.source.path
    text = json.dumps(report.to_dict(), ensure_ascii=False)
    return json.loads(text.replace(json.dumps(path, ensure_ascii=False)[1:-1], Path(path).name) if path else text)


def expected_values(report: Report, labels: dict[str, str] | None = None) -> dict:
    """The values form of an expected file from a result: every canonical cell printed in the source."""
    cells = {}
    for c in report.cells:
        if c.status in UNCHECKED or c.key.startswith("extra."):
            continue
        blank = c.status in ("blank", "imputed")
        entry = {"raw": "" if c.status == "imputed" else c.raw, "value": 0 if blank else c.value,
                 "kind": "blank" if blank else "value+note" if c.note else "value"}
        if labels and c.key in labels:
            entry["label"] = labels[c.key]
        cells[c.key] = entry
    return {"template": dict(report.report.templates).get("t3"), "cells": cells}


def write_expected(report: Report, path: Path, form: str = "values", old: Expected | None = None) -> None:
    if form not in FORMS:
        raise ValueError(f"expected-file form {form!r}: want one of {', '.join(FORMS)}")
    labels = dict(old.labels) if old else None
    doc = portable_document(report) if form == "document" else expected_values(report, labels)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
