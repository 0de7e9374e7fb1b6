"""One row per agency × year from a batch output folder, with the indicators the literature computes.

Each indicator is data (INDICATORS): the cells summed for its numerator and, for a rate, the cells of its
denominator (minus some, for 纠正率). `docs/PANEL.md` is generated from the same list (`dictionary()`).
Where several reports give one agency and year (the same report as HTML and as text, a re-publication), the
row uses the best one (status ok, then inconsistent, partial; then fewest underlying cells not `read`;
then path) and `n_reports` says how many there were.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

_W = ("state_secret", "prohibited_by_law", "security_stability", "third_party", "internal_affairs",
      "process_info", "enforcement_file", "query_matter")
_U = ("not_held", "needs_creation", "unclear")
_N = ("petition", "duplicate", "publication", "excessive", "confirmation")
_RESULTS = ("upheld", "corrected", "other", "pending", "total")


def _t3(*rows: str, col: str = "total") -> tuple[str, ...]:
    return tuple(f"t3.{r}.{col}" for r in rows)


def _suit(result: str) -> tuple[str, ...]:
    return (f"t4.cases.suit_direct_{result}", f"t4.cases.suit_after_review_{result}")


@dataclass(frozen=True)
class Indicator:
    name: str
    label: str
    num: tuple[str, ...]  # cells summed
    den: tuple[str, ...] = ()  # a rate: num / (sum(den) − sum(den_minus)); empty for a count
    den_minus: tuple[str, ...] = ()
    den_label: str = ""


_PROCESSED = ("t3.total_processed.total",)
INDICATORS = (
    Indicator("received", "本年新收申请", _t3("new_received")),
    Indicator("carried_over", "上年结转申请", _t3("carried_over")),
    Indicator("processed", "办理结果总计（七）", _PROCESSED),
    Indicator("granted", "予以公开", _t3("granted")),
    Indicator("partly_granted", "部分公开", _t3("partly_granted")),
    *(Indicator(f"withheld_{w}", f"不予公开 {i + 1}", _t3(f"withheld_{w}")) for i, w in enumerate(_W)),
    Indicator("withheld", "不予公开 (all eight reasons)", _t3(*(f"withheld_{w}" for w in _W))),
    Indicator("unable", "无法提供 (all three)", _t3(*(f"unable_{u}" for u in _U))),
    Indicator("not_processed", "不予处理 (all five)", _t3(*(f"not_processed_{n}" for n in _N))),
    Indicator("other", "其他处理 (2021: the three sub-rows)", _t3("other")),
    Indicator("carried_forward", "结转下年度继续办理", _t3("carried_forward")),
    Indicator("legal_entity_received", "新收 from 法人或其他组织 (five columns)",
              _t3("new_received", col="legal_entity_total")),
    Indicator("natural_person_share", "自然人 share of 新收", _t3("new_received", col="natural_person"),
              _t3("new_received"), den_label="新收 总计"),
    Indicator("grant_rate", "予以公开 / 办理结果总计", _t3("granted"), _PROCESSED, den_label="（七）总计"),
    Indicator("substantive_disclosure_rate", "实质公开率: (予以公开 + 部分公开) / 办理结果总计",
              _t3("granted", "partly_granted"), _PROCESSED, den_label="（七）总计"),
    Indicator("withheld_share", "不予公开 / 办理结果总计", _t3(*(f"withheld_{w}" for w in _W)), _PROCESSED,
              den_label="（七）总计"),
    Indicator("unable_share", "无法提供 / 办理结果总计", _t3(*(f"unable_{u}" for u in _U)), _PROCESSED,
              den_label="（七）总计"),
    *(Indicator(f"review_{r}", f"行政复议 {r}", (f"t4.cases.review_{r}",)) for r in _RESULTS),
    *(Indicator(f"suit_{r}", f"行政诉讼 {r} (direct + after review)", _suit(r)) for r in _RESULTS),
    Indicator("review_correction_rate", "行政复议 纠正率", ("t4.cases.review_corrected",),
              ("t4.cases.review_total",), ("t4.cases.review_pending",), "复议 总计 − 尚未审结"),
    Indicator("suit_correction_rate", "行政诉讼 纠正率", _suit("corrected"), _suit("total"), _suit("pending"),
              "诉讼 总计 − 尚未审结 (both kinds)"),
    Indicator("correction_rate", "纠正率, 复议 and 诉讼 together",
              ("t4.cases.review_corrected", *_suit("corrected")), ("t4.cases.review_total", *_suit("total")),
              ("t4.cases.review_pending", *_suit("pending")), "复议 + 诉讼 总计 − 尚未审结"),
)
UNDERLYING = tuple(dict.fromkeys(k for i in INDICATORS for k in (*i.num, *i.den, *i.den_minus)))
ID_COLUMNS = ("agency", "year", "level", "province", "province_code", "city", "city_code", "county", "county_code",
              "scope", "published", "url", "report_id", "path", "status", "n_reports")
_STATUS_RANK = {"ok": 0, "inconsistent": 1, "partial": 2, "failed": 3}


def indicators(values: dict[str, float | None]) -> dict[str, float | None]:
    """The indicators of one report from its cell values (None: missing)."""
    out: dict[str, float | None] = {}
    for ind in INDICATORS:
        parts = [values.get(k) for k in (*ind.num, *ind.den, *ind.den_minus)]
        if any(v is None for v in parts):
            out[ind.name] = None
            continue
        num = sum(values[k] for k in ind.num)
        if not ind.den:
            out[ind.name] = num
            continue
        den = sum(values[k] for k in ind.den) - sum(values[k] for k in ind.den_minus)
        out[ind.name] = num / den if den > 0 else None
    return out


def panel(out: str | Path) -> pd.DataFrame:
    """The agency × year panel of a batch output folder (`ogi batch … -o OUT`)."""
    out = Path(out)
    reports = pd.read_parquet(out / "reports.parquet")
    cells = pd.read_parquet(out / "cells.parquet", columns=["report_id", "key", "value", "status"])
    cells = cells[cells.key.isin(UNDERLYING)]
    values = cells.pivot_table(index="report_id", columns="key", values="value", aggfunc="first")
    not_read = (cells.status != "read").groupby(cells.report_id).sum()
    uncertain = cells.status.isin(("ambiguous", "missing", "repaired")).groupby(cells.report_id).sum()
    reports = reports[reports.agency.notna() & reports.year.notna() & (reports.status != "failed")].copy()
    reports["cells_not_read"] = reports.report_id.map(not_read).fillna(0).astype(int)
    reports["cells_uncertain"] = reports.report_id.map(uncertain).fillna(0).astype(int)
    reports["_rank"] = reports.status.map(_STATUS_RANK)
    reports = reports.sort_values(["agency", "year", "_rank", "cells_not_read", "path"])
    reports["n_reports"] = reports.groupby(["agency", "year"]).report_id.transform("size")
    best = reports.drop_duplicates(["agency", "year"], keep="first")
    rows = []
    for rep in best.itertuples(index=False):
        vals = values.loc[rep.report_id].to_dict() if rep.report_id in values.index else {}
        vals = {k: (None if pd.isna(v) else v) for k, v in vals.items()}
        rows.append({**{c: getattr(rep, c, None) for c in ID_COLUMNS}, **indicators(vals),
                     "cells_not_read": rep.cells_not_read, "cells_uncertain": rep.cells_uncertain})
    cols = [*ID_COLUMNS, *(i.name for i in INDICATORS), "cells_not_read", "cells_uncertain"]
    df = pd.DataFrame(rows, columns=cols)
    df["year"] = df.year.astype("Int64")
    return df.reset_index(drop=True)


def write_panel(df: pd.DataFrame, target: str | Path) -> Path:
    """Parquet for `.parquet`, CSV (UTF-8 with BOM, for Excel) for `.csv`."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.suffix == ".csv":
        df.to_csv(target, index=False, encoding="utf-8-sig")
    else:
        df.to_parquet(target, index=False)
    return target


def dictionary() -> str:
    """The data dictionary table of docs/PANEL.md: each indicator, what it counts, its denominator."""
    lines = ["| column | what | numerator cells | denominator |", "|---|---|---|---|"]
    for i in INDICATORS:
        den = "— (a count)" if not i.den else f"{i.den_label}: {' + '.join(i.den)}" + (
            f" − ({' + '.join(i.den_minus)})" if i.den_minus else "")
        lines.append(f"| `{i.name}` | {i.label} | {' + '.join(i.num)} | {den} |")
    return "\n".join(lines)
