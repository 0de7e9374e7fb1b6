"""Checks across the reports of one batch: carried-over requests against the year before, duplicates.

- `t3.carry.<col>`: carried_over of a year equals carried_forward of the year before, same agency (KEYS.md).
  The check is added to the later report; `cause` is `source` when both cells were read at known
  positions (or inferred exactly), `extraction` when either is ambiguous.
- duplicates: the same content under several paths (`duplicate_content`), or two different files for the
  same agency and year (`duplicate_report`), as issues on each report concerned.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from normalize.templates import T3_COL_KEYS

_CERTAIN = ("read", "blank", "inferred", "imputed")
CARRY_ROWS = ("t3.carried_over.", "t3.carried_forward.")


def cross_checks(reports: list[dict], carry: Callable[[str, str], dict[str, tuple]], checks: list[dict],
                 issues: list[dict]) -> None:
    """Adds rows to `checks` and `issues`. `reports`: rows with report_id, path, sha256, agency and year;
    `carry(report_id, path)`: the report's `CARRY_ROWS` cells as {key: (value, status)}."""
    _duplicates(reports, issues)
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
            now, then = carry(cur["report_id"], cur["path"]), carry(prev["report_id"], prev["path"])
            for col in T3_COL_KEYS:
                (a, a_status), (b, b_status) = (now.get(f"t3.carried_over.{col}", (None, None)),
                                                then.get(f"t3.carried_forward.{col}", (None, None)))
                if a is None or b is None:
                    continue
                ok = a == b
                certain = a_status in _CERTAIN and b_status in _CERTAIN
                checks.append({
                    "report_id": cur["report_id"], "path": cur["path"], "id": f"t3.carry.{col}", "ok": ok,
                    "lhs": a, "rhs": b, "cause": None if ok else ("source" if certain else "extraction"),
                    "detail": f"carried over {year} {a:g} {'=' if ok else '≠'} carried forward "
                              f"{year - 1} {b:g} ({prev['path']})"})


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
