"""Checks across the reports of one batch: carried-over requests against the year before, duplicates.

- `t3.carry.<col>`: carried_over of a year equals carried_forward of the year before, same agency (KEYS.md).
  The check is added to the later report; `cause` is `source` when both cells were read at known
  positions (or inferred exactly), `extraction` when either is ambiguous.
- duplicates: the same content under several paths (`duplicate_content`), or two different files for the
  same agency and year (`duplicate_report`), as issues on each report concerned.
"""
from __future__ import annotations

from collections import defaultdict

from normalize.templates import T3_COL_KEYS

_CERTAIN = ("read", "blank", "inferred", "imputed")


def cross_checks(tables: dict[str, list[dict]]) -> None:
    """Adds rows to tables["checks"] and tables["issues"] in place."""
    reports = tables["reports"]
    cells = {(c["report_id"], c["path"], c["key"]): c for c in tables["cells"]
             if c["key"].startswith(("t3.carried_over.", "t3.carried_forward."))}
    _duplicates(reports, tables["issues"])
    by_agency: dict[str, dict[int, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for r in reports:
        if r["agency"] and r["year"]:
            by_agency[r["agency"]][int(r["year"])].append(r)
    for _agency, years in sorted(by_agency.items()):
        for year in sorted(years):
            before = years.get(year - 1)
            if not before or len(before) != 1 or len(years[year]) != 1:
                continue  # no year before, or duplicates: the pairing would be a guess
            prev, cur = before[0], years[year][0]
            for col in T3_COL_KEYS:
                a = cells.get((cur["report_id"], cur["path"], f"t3.carried_over.{col}"))
                b = cells.get((prev["report_id"], prev["path"], f"t3.carried_forward.{col}"))
                if not a or not b or a["value"] is None or b["value"] is None:
                    continue
                ok = a["value"] == b["value"]
                certain = a["status"] in _CERTAIN and b["status"] in _CERTAIN
                tables["checks"].append({
                    "report_id": cur["report_id"], "path": cur["path"], "id": f"t3.carry.{col}", "ok": ok,
                    "lhs": a["value"], "rhs": b["value"],
                    "cause": None if ok else ("source" if certain else "extraction"),
                    "detail": f"carried over {year} {a['value']:g} {'=' if ok else '≠'} carried forward "
                              f"{year - 1} {b['value']:g} ({prev['path']})"})


def _duplicates(reports: list[dict], issues: list[dict]) -> None:
    by_sha: dict[str, list[dict]] = defaultdict(list)
    by_key: dict[tuple[str, int], list[dict]] = defaultdict(list)
    for r in reports:
        by_sha[r["sha256"]].append(r)
        if r["agency"] and r["year"]:
            by_key[(r["agency"], int(r["year"]))].append(r)
    for group in by_sha.values():
        if len(group) > 1:
            for r in group:
                others = ", ".join(o["path"] for o in group if o is not r)
                issues.append({"report_id": r["report_id"], "path": r["path"], "code": "duplicate_content",
                               "severity": "warning", "message": f"the same file as {others}", "keys": "[]"})
    for (agency, year), group in by_key.items():
        distinct = {r["sha256"] for r in group}
        if len(distinct) > 1:
            for r in group:
                others = ", ".join(o["path"] for o in group if o["sha256"] != r["sha256"])
                issues.append({"report_id": r["report_id"], "path": r["path"], "code": "duplicate_report",
                               "severity": "warning",
                               "message": f"another report of {agency} for {year}: {others}", "keys": "[]"})
