"""Random consistent reports with their truth, rendered as the flattened text forms of FLATTENED_TEXT.md.

`generate(rng, version)` draws one report: every canonical key of t2, t3, t4 (shared/spec/KEYS.md) with a
value, all identities of `normalize.templates.identities` holding exactly, sparsity from the prior
(`normalize.prior.p_nonzero`) and magnitudes like published reports (many small agencies with nearly empty
tables, most requests from 自然人, a few large agencies with thousands).

Renderers turn a `Synth` into report text:

- `render_pipe(s)`: the seed's one-cell-per-line form (`text |` per non-empty cell, then a line of `|`, one
  per empty or span-covered cell; the last row of a table has no `|` line); `traditional=True` converts the
  whole text with OpenCC s2t and half-width punctuation, like the seed.
- `render_glued(s)`: the crawl's innerText form (r004/r005): page metadata lines, then the whole report on
  one line, every cell printed (zeros included) with no separator.

- `render_html(s, style)`: the report as an HTML page as published (bytes), in one of `HTML_STYLES`: a clean
  Word export, Word-pasted markup, r014's misaligned colspans, tables split over several <table>s, GB18030
  pages (declared gb2312 or undeclared), the report inside site chrome. `html_plan(s, style)` says what the
  page prints beyond the truth (zeros as 0 or blank; t3 总计 cells left blank, which a reader must impute).

CLI: `python -m ogi.synth --n 50 --seed 1 --form pipe -o DIR` writes N reports and `<name>.truth.json`
(`--form html-word` etc. writes `.html` pages).
"""
from __future__ import annotations

import argparse
import json
import math
import random
import re
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from normalize.prior import p_nonzero
from normalize.templates import T3_COL_KEYS, T3_LEAVES, T4_GROUPS, identities, template

__all__ = ["Synth", "generate", "render", "render_pipe", "render_glued", "render_html", "html_plan", "html_left_blank",
           "truth_keys", "check_identities", "compare", "exactness", "derived_truth", "FORMS", "HTML_STYLES",
           "HTML_FORMS"]

FORMS = ("pipe", "pipe-traditional", "glued")
_COLS6 = T3_COL_KEYS[:6]
_ORGS = T3_COL_KEYS[1:6]
_RESULTS4 = ("upheld", "corrected", "other", "pending")


@dataclass(frozen=True)
class Synth:
    version: str  # "2019" | "2021" (t2, t3 and t4 all of this template)
    truth: dict[str, int | float]  # canonical key -> value (t3 data rows only; no derived cells)
    agency: str
    year: int
    units: dict[str, str | None] = field(default_factory=dict)  # money key -> unit printed beside it
    style: int = 0  # seed of the presentation choices (prose, signs, spacing), so rendering is deterministic

    def to_json(self) -> dict:
        return {"version": self.version, "agency": self.agency, "year": self.year, "truth": self.truth,
                "units": self.units, "style": self.style}


# ---------------------------------------------------------------- keys and identities

@lru_cache(maxsize=None)
def truth_keys(version: str) -> tuple[str, ...]:
    """Every canonical key the truth holds, in template order (t3 without derived rows/columns)."""
    keys: list[str] = []
    for table in ("t2", "t3", "t4"):
        tpl = template(table, version)
        for row in tpl.data_rows:
            keys.extend(f"{table}.{row.key}.{c}" for c in row.cols)
    return tuple(keys)


def check_identities(s: Synth) -> list[str]:
    """Ids of the t3/t4 identities the truth violates (empty for every generated report)."""
    bad = []
    for table in ("t3", "t4"):
        for idn in identities(table, s.version):
            if sum(coef * s.truth[k] for k, coef in idn.terms) != 0:
                bad.append(idn.id)
    return bad


# ---------------------------------------------------------------- generation

_PLACES = ("南通市", "平潭综合实验区", "如皋市", "海门区", "启东市", "崇川区", "通州区", "海安市", "如东县", "苏州市",
           "吴江区", "昆山市", "常熟市", "张家港市", "太仓市", "福州市", "鼓楼区", "仓山区", "晋安区", "长乐区",
           "闽侯县", "连江县", "宁波市", "鄞州区", "余姚市", "慈溪市", "杭州市", "西湖区", "上城区", "拱墅区",
           "成都市", "武侯区", "锦江区", "青羊区", "广州市", "天河区", "越秀区", "海珠区", "济南市", "历下区",
           "合肥市", "蜀山区", "包河区", "长沙市", "岳麓区", "芙蓉区", "郑州市", "金水区", "二七区", "石家庄市")
_TOWNS = ("城关镇", "新华街道", "临江镇", "东山镇", "石桥镇", "南湖街道", "马塘镇", "白蒲镇", "双甸镇", "长安街道")
_BUREAUS = ("人民政府", "人民政府办公室", "行政审批局", "财政局", "教育局", "公安局", "民政局", "司法局",
            "人力资源和社会保障局", "自然资源和规划局", "生态环境局", "住房和城乡建设局", "交通运输局", "水利局",
            "农业农村局", "商务局", "文化广电和旅游局", "卫生健康委员会", "应急管理局", "市场监督管理局",
            "统计局", "医疗保障局", "城市管理局", "数据局", "发展和改革委员会", "科学技术局", "退役军人事务局")

# agency size class -> (probability, natural-person volume range or None)
_SIZES = (("empty", 0.14), ("tiny", 0.18), ("small", 0.28), ("medium", 0.28), ("large", 0.10), ("huge", 0.02))


def _pick(rng: random.Random, table: tuple[tuple[str, float], ...]) -> str:
    x, acc = rng.random(), 0.0
    for name, p in table:
        acc += p
        if x < acc:
            return name
    return table[-1][0]


def _lognorm_int(rng: random.Random, lo: int, hi: int) -> int:
    """An integer in [lo, hi], log-uniform-ish (small values more frequent)."""
    if hi <= lo:
        return lo
    v = math.exp(rng.uniform(math.log(lo), math.log(hi + 1)))
    return max(lo, min(hi, int(v)))


def _agency(rng: random.Random) -> str:
    place = rng.choice(_PLACES)
    r = rng.random()
    if r < 0.15:
        return place + rng.choice(_TOWNS).replace("镇", "镇人民政府").replace("街道", "街道办事处")
    if r < 0.22 and "区" in place[-1]:
        return place + "管委会"
    return place + rng.choice(_BUREAUS)


def generate(rng: random.Random, version: str) -> Synth:
    """One random report of template `version` ("2019" or "2021") whose t3/t4 identities hold exactly."""
    if version not in ("2019", "2021"):
        raise ValueError(f"version must be '2019' or '2021', not {version!r}")
    size = _pick(rng, _SIZES)
    truth: dict[str, int | float] = {}
    units: dict[str, str | None] = {}
    _gen_t2(rng, version, size, truth, units)
    _gen_t3(rng, version, size, truth)
    _gen_t4(rng, size, truth)
    year = rng.choice((2019, 2020)) if version == "2019" else rng.choice((2021, 2022, 2023, 2024))
    ordered = {k: truth[k] for k in truth_keys(version)}
    assert len(ordered) == len(truth), set(truth) ^ set(ordered)
    return Synth(version, ordered, _agency(rng), year, units, rng.getrandbits(32))


_SIZE_MULT = {"empty": 0.15, "tiny": 0.4, "small": 0.8, "medium": 1.2, "large": 1.6, "huge": 2.0}


def _nz(rng: random.Random, key: str, size: str) -> bool:
    p = p_nonzero(key)
    return rng.random() < 1 - (1 - p) ** _SIZE_MULT[size]


def _gen_t2(rng: random.Random, version: str, size: str, truth: dict, units: dict) -> None:
    big = {"empty": 0.3, "tiny": 0.5, "small": 1.0, "medium": 2.0, "large": 4.0, "huge": 8.0}[size]

    def count(key: str, lo: int, hi: int) -> int:
        return _lognorm_int(rng, lo, max(lo, int(hi * big))) if _nz(rng, key, size) else 0

    if version == "2019":
        for row, hi in (("regulations", 6), ("normative_documents", 40)):
            made = count(f"t2.{row}.made", 1, hi)
            published = made if rng.random() < 0.85 else rng.randint(0, made)
            total = published + (count(f"t2.{row}.published_total", 1, hi * 8) if rng.random() < 0.6 else 0)
            truth.update({f"t2.{row}.made": made, f"t2.{row}.published": published,
                          f"t2.{row}.published_total": total})
        for row, items_hi, dec_hi in (("licensing", 400, 20000), ("other_services", 60, 2000), ("penalty", 2000, 800),
                                      ("coercion", 80, 60), ("fees", 30, 0)):
            last = count(f"t2.{row}.items_last_year", 1, items_hi)
            change = 0
            if _nz(rng, f"t2.{row}.items_change", size):
                change = rng.choice((-1, 1)) * _lognorm_int(rng, 1, max(1, min(40, last or 5)))
                if last + change < 0:
                    change = -last if last else abs(change)
            truth.update({f"t2.{row}.items_last_year": last, f"t2.{row}.items_change": change})
            if row != "fees":
                truth[f"t2.{row}.decisions"] = count(f"t2.{row}.decisions", 1, dec_hi)
        projects = count("t2.central_procurement.projects", 1, 150)
        amount: int | float = 0
        unit = None
        if projects:
            yuan = _lognorm_int(rng, 20_000, 60_000_000) * projects // 3 + rng.randint(0, 999)
            style = rng.random()
            if style < 0.5:
                amount = yuan  # printed bare, as in the seed (4737791)
            elif style < 0.75:
                amount, unit = round(yuan + rng.randint(0, 99) / 100, 2), "元"
            else:
                amount, unit = round(yuan / 10_000, rng.choice((0, 1, 2, 2, 4))), "万元"
                amount = int(amount) if float(amount).is_integer() else amount
        truth.update({"t2.central_procurement.projects": projects, "t2.central_procurement.amount": amount})
        units["t2.central_procurement.amount"] = unit
    else:
        for row, hi in (("regulations", 4), ("normative_documents", 40)):
            issued = count(f"t2.{row}.issued", 1, hi)
            repealed = count(f"t2.{row}.repealed", 1, max(1, hi // 2))
            in_force = issued + (count(f"t2.{row}.in_force", 1, hi * 10) if rng.random() < 0.8 else 0)
            truth.update({f"t2.{row}.issued": issued, f"t2.{row}.repealed": repealed, f"t2.{row}.in_force": in_force})
        for row, hi in (("licensing", 20000), ("penalty", 1500), ("coercion", 80)):
            truth[f"t2.{row}.decisions"] = count(f"t2.{row}.decisions", 1, hi)
        fee: int | float = 0
        if _nz(rng, "t2.fees.amount_10k_yuan", size):
            fee = round(math.exp(rng.uniform(math.log(0.05), math.log(40000 * big))), rng.choice((0, 1, 2, 2, 2)))
            fee = int(fee) if float(fee).is_integer() else fee
            if fee == 0:
                fee = 1
        truth["t2.fees.amount_10k_yuan"] = fee
        units["t2.fees.amount_10k_yuan"] = "万元"


_LEAF_WEIGHT = {"granted": 6.0, "partly_granted": 1.5, "unable_not_held": 2.5, "other": 1.0, "other_misc": 1.0,
                "other_no_correction": 1.0, "not_processed_petition": 1.0, "not_processed_duplicate": 0.8}


def _gen_t3(rng: random.Random, version: str, size: str, truth: dict) -> None:
    leaves = T3_LEAVES[version]
    volume = {"empty": 0, "tiny": _lognorm_int(rng, 1, 4), "small": _lognorm_int(rng, 3, 30),
              "medium": _lognorm_int(rng, 20, 300), "large": _lognorm_int(rng, 200, 2000),
              "huge": _lognorm_int(rng, 1500, 9000)}[size]
    org_boost = {"empty": 0.0, "tiny": 0.3, "small": 0.8, "medium": 1.5, "large": 3.0, "huge": 5.0}[size]
    cols: dict[str, dict[str, int]] = {}
    for col in _COLS6:
        vals = {r: 0 for r in ("new_received", "carried_over", *leaves, "total_processed", "carried_forward")}
        cols[col] = vals
        if col == "natural_person":
            active = volume > 0 and rng.random() < max(p_nonzero("t3.new_received.natural_person"), 0.8)
            n = volume
        else:
            p = p_nonzero(f"t3.new_received.{col}")
            active = volume > 0 and rng.random() < 1 - (1 - p) ** org_boost
            share = {"commercial": (0.02, 0.4), "legal_services": (0.01, 0.15), "other_org": (0.01, 0.2)}.get(
                col, (0.0, 0.02))
            n = max(1, int(volume * rng.uniform(*share)))
            if col in ("research", "social_welfare"):
                n = _lognorm_int(rng, 1, 4)
            if volume < 5 and rng.random() < 0.5:
                n = 1
        if not active:
            if volume and rng.random() < 0.015:  # a request left over from last year, nothing new
                k = rng.randint(1, 2)
                vals["carried_over"] = vals["granted"] = vals["total_processed"] = k
            continue
        p_new = max(p_nonzero(f"t3.new_received.{col}"), 0.05)
        weights = {}
        for leaf in leaves:
            q = min(0.95, max(0.03, p_nonzero(f"t3.{leaf}.{col}") / p_new))
            if rng.random() < q:
                weights[leaf] = _LEAF_WEIGHT.get(leaf, 0.5) * math.exp(rng.gauss(0, 0.8))
        if not weights:
            leaf = rng.choice(("granted", "granted", "granted", "unable_not_held", "partly_granted"))
            weights[leaf] = 1.0
        if len(weights) > n:  # a few requests cannot spread over many outcomes
            weights = dict(sorted(weights.items(), key=lambda kv: -kv[1])[:n])
        rest = n - len(weights)
        wsum = sum(weights.values())
        alloc = {leaf: 1 + int(rest * w / wsum) for leaf, w in weights.items()}
        alloc[max(weights, key=weights.__getitem__)] += n - sum(alloc.values())
        vals.update(alloc)
        tp = sum(vals[leaf] for leaf in leaves)
        vals["total_processed"] = tp
        p_co = min(0.6, max(0.05, p_nonzero(f"t3.carried_over.{col}") / p_new))
        p_cf = min(0.6, max(0.05, p_nonzero(f"t3.carried_forward.{col}") / p_new))
        cap = max(1, tp // 8 + 1)
        cf = _lognorm_int(rng, 1, cap) if rng.random() < p_cf else 0
        co = min(_lognorm_int(rng, 1, cap), tp + cf) if rng.random() < p_co else 0
        vals["carried_forward"], vals["carried_over"] = cf, co
        vals["new_received"] = tp + cf - co
    rows = ("new_received", "carried_over", *leaves, "total_processed", "carried_forward")
    for row in rows:
        for col in _COLS6:
            truth[f"t3.{row}.{col}"] = cols[col][row]
        truth[f"t3.{row}.total"] = sum(cols[c][row] for c in _COLS6)


def _gen_t4(rng: random.Random, size: str, truth: dict) -> None:
    p_cases = {"empty": 0.03, "tiny": 0.08, "small": 0.2, "medium": 0.45, "large": 0.8, "huge": 0.95}[size]
    hi = {"empty": 2, "tiny": 2, "small": 4, "medium": 8, "large": 30, "huge": 120}[size]
    has = rng.random() < p_cases
    for g in T4_GROUPS:
        for r in _RESULTS4:
            key = f"t4.cases.{g}_{r}"
            q = min(0.9, p_nonzero(key) / 0.35)
            truth[key] = _lognorm_int(rng, 1, hi) if has and rng.random() < q else 0
    if has and not any(truth[f"t4.cases.{g}_{r}"] for g in T4_GROUPS for r in _RESULTS4):
        truth[f"t4.cases.review_{rng.choice(_RESULTS4)}"] = rng.randint(1, hi)
    for g in T4_GROUPS:
        truth[f"t4.cases.{g}_total"] = sum(truth[f"t4.cases.{g}_{r}"] for r in _RESULTS4)
    # template order of t4 columns
    order = [f"t4.cases.{g}_{r}" for g in T4_GROUPS for r in (*_RESULTS4, "total")]
    vals = {k: truth.pop(k) for k in order}
    truth.update(vals)


# ---------------------------------------------------------------- printed forms of cells and labels

_SECTION_TITLES = ("一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                   "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项")
_T3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
_T2_BLOCKS = {
    "2019": (("第二十条第（一）项", ("regulations", "normative_documents")),
             ("第二十条第（五）项", ("licensing", "other_services")),
             ("第二十条第（六）项", ("penalty", "coercion")),
             ("第二十条第（八）项", ("fees",)),
             ("第二十条第（九）项", ("central_procurement",))),
    "2021": (("第二十条第（一）项", ("regulations", "normative_documents")),
             ("第二十条第（五）项", ("licensing",)),
             ("第二十条第（六）项", ("penalty", "coercion")),
             ("第二十条第（八）项", ("fees",))),
}
_T2_WIDTH = 5  # the seed's t2 grid: 信息内容 + 3 data columns + one empty column
_T3_WIDTH = 10  # 3 label columns + 7 data columns
_T4_WIDTH = 15
_T4_HEAD = (("行政复议", "行政诉讼"),
            ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计", "未经复议直接起诉", "复议后起诉"),
            ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计") * 2)


def _fmt(s: Synth, key: str, style: random.Random | None = None) -> str:
    v = s.truth[key]
    if isinstance(v, float):
        text = f"{v:.2f}" if round(v, 2) == v else repr(v)
    else:
        text = str(v)
    if key.endswith(".items_change") and v > 0 and style is not None and style.random() < 0.5:
        text = "+" + text
    unit = s.units.get(key)
    if unit and key == "t2.central_procurement.amount" and v:
        text += unit
    return text


def _in_outcomes(group: str) -> bool:
    return group.startswith("（") or group == "三、本年度办理结果"


# ---------------------------------------------------------------- prose

_OPENINGS = ("认真贯彻落实中央和省市关于政府信息公开工作的各项决策部署，紧密结合工作实际，全面提升政府信息公开的主动性、规范性。",
             "坚持以公开为常态、不公开为例外，持续深化政务公开，以公开促落实、助监督、强监管。",
             "严格落实《中华人民共和国政府信息公开条例》，不断完善工作机制，规范操作流程，拓宽公开渠道。")
_WORK = ("（一）主动公开方面。通过政府门户网站全年主动公开各类政府信息{a}条，发布政策文件解读{b}篇。",
         "（二）依申请公开方面。规范做好申请登记、审查、办理、答复、归档等工作，主动加强与申请人沟通。{apply}",
         "（三）政府信息管理方面。规范政府信息发布流程，坚持“先审查、后公开”原则，落实分级审核制度。{docs}",
         "（四）平台建设方面。发挥门户网站政务公开第一平台作用，网站全年访问量{c}万余次，政务新媒体发布信息{d}条。",
         "（五）监督保障方面。将政务公开工作纳入绩效考核体系，组织业务培训{e}次。")
_PROBLEMS = ("公开意识有待进一步加强，政策解读形式仍需创新，信息发布的及时性、规范性还需提高。下一步，我们将加强教育培训，"
             "优化主动公开目录，丰富政策解读形式，提升政务公开工作规范化水平。",
             "个别单位对政务公开工作重视程度不够，专业人员力量不足。下一步将强化督促指导，健全长效机制，"
             "确保政府信息公开工作规范有序开展。")
_OTHER = ("本年度未收取信息处理费。", "{year}年，无收取信息处理费情况。", "无其他需要报告的事项。",
          "本年度共办理人大代表建议和政协提案{e}件，均按时办结。")


def _prose(s: Synth, st: random.Random) -> tuple[str, str, str]:
    """Texts of sections 一, 五, 六 (without headings); numbers in them are either truth or distractors."""
    t = s.truth
    v = s.version
    nr = t["t3.new_received.total"]
    tp = t["t3.total_processed.total"]
    apply = ""
    r = st.random()
    if r < 0.35:
        apply = f"全年共收到政府信息公开申请{nr}件，办结{tp}件。"
    elif r < 0.5:
        apply = f"全年办理政府信息公开申请{tp}件。"
    docs_key = "t2.normative_documents.issued" if v == "2021" else "t2.normative_documents.made"
    docs = f"本年度制发规范性文件{t[docs_key]}件。" if st.random() < 0.4 else ""
    nums = dict(a=st.randint(50, 20000), b=st.randint(1, 120), c=st.randint(1, 900), d=st.randint(10, 3000),
                e=st.randint(1, 60), apply=apply, docs=docs, year=s.year)
    work = [w.format(**nums) for w in _WORK if st.random() < 0.8 or "{apply}" in w]
    one = f"{s.year}年，{s.agency}{st.choice(_OPENINGS)}\n" + "\n".join(work)
    five = st.choice(_PROBLEMS)
    six = st.choice(_OTHER).format(**nums)
    return one, five, six


# ---------------------------------------------------------------- pipe form

def _pipe_rows(s: Synth, st: random.Random) -> dict[str, list[tuple[list[str], int]]]:
    """For each table, its rows as (printed cells, grid width)."""
    v = s.version
    t2: list[tuple[list[str], int]] = []
    tpl2 = template("t2", v)
    for block, rows in _T2_BLOCKS[v]:
        t2.append(([block], _T2_WIDTH))
        cols = tpl2.row(rows[0]).cols
        t2.append((["信息内容", *(tpl2.col(c).label for c in cols)], _T2_WIDTH))
        for r in rows:
            spec = tpl2.row(r)
            t2.append(([spec.label, *(_fmt(s, f"t2.{r}.{c}", st) for c in spec.cols)], _T2_WIDTH))
    t3: list[tuple[list[str], int]] = [
        ([_T3_NOTE, "申请人情况"], _T3_WIDTH),
        (["自然人", "法人或其他组织", "总计"], _T3_WIDTH),
        (["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"], _T3_WIDTH),
    ]
    for key, labels in _t3_labels(v):
        values = [_fmt(s, f"t3.{key}.{c}") for c in T3_COL_KEYS if s.truth[f"t3.{key}.{c}"]]
        if key == "other" and values and st.random() < 0.1:
            values[0] += "撤"  # the seed's `6撤`: a note beside the number
        t3.append(([*labels, *values], _T3_WIDTH))
    t4: list[tuple[list[str], int]] = [(list(h), _T4_WIDTH) for h in _T4_HEAD]
    t4_keys = [f"t4.cases.{g}_{r}" for g in T4_GROUPS for r in (*_RESULTS4, "total")]
    t4.append(([_fmt(s, k) for k in t4_keys if s.truth[k]], _T4_WIDTH))
    return {"t2": t2, "t3": t3, "t4": t4}


@lru_cache(maxsize=None)
def _t3_labels(version: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    tpl = template("t3", version)
    out = []
    prev = ""
    for row in tpl.data_rows:
        cells: list[str] = []
        if row.group:
            if not _in_outcomes(prev):  # first outcome row: 三、本年度办理结果 starts here (rowspan)
                cells.append("三、本年度办理结果")
            if row.group != "三、本年度办理结果" and row.group != prev:
                cells.append(row.group)  # （三）不予公开 … starts in its first sub-row (rowspan)
        cells.append(row.ordinal + row.label)
        out.append((row.key, tuple(cells)))
        prev = row.group
    return tuple(out)


_HALF = str.maketrans({"（": "(", "）": ")", "，": ",", "：": ":", "；": ";", "！": "!", "？": "?"})


@lru_cache(maxsize=1)
def _s2t():
    import opencc
    return opencc.OpenCC("s2t")


def render_pipe(s: Synth, traditional: bool = False) -> str:
    """The seed's one-cell-per-line form; `traditional`: OpenCC s2t and half-width punctuation, like the seed."""
    st = random.Random(s.style)
    one, five, six = _prose(s, st)
    tables = _pipe_rows(s, st)
    out: list[str] = [_SECTION_TITLES[0], one]
    for title, table in zip(_SECTION_TITLES[1:4], ("t2", "t3", "t4")):
        out.append(title)
        rows = tables[table]
        for i, (cells, width) in enumerate(rows):
            out.extend(f"{c} |" for c in cells)
            if i < len(rows) - 1:
                out.append("|" * (width - len(cells)))
    out += [_SECTION_TITLES[4], five, _SECTION_TITLES[5], six]
    text = "\n".join(out) + "\n"
    if traditional:
        text = _s2t().convert(text).translate(_HALF)
    return text


# ---------------------------------------------------------------- glued form

def render_glued(s: Synth) -> str:
    """The crawl's innerText: metadata lines, then the whole report on one line, every cell printed."""
    st = random.Random(s.style ^ 0x5A5A5A5A)
    one, five, six = _prose(s, random.Random(s.style))
    v = s.version
    spaced = st.random() < 0.2  # some crawls keep a space at some cell boundaries (`230 000023`)

    def run(keys: list[str]) -> str:
        parts = [_fmt(s, k, st) for k in keys]
        out = parts[0]
        for p in parts[1:]:
            out += (" " if spaced and st.random() < 0.3 else "") + p
        return out

    body: list[str] = []
    if st.random() < 0.5:
        body.append(f"本报告根据《中华人民共和国政府信息公开条例》编制。本报告所列数据统计期限为{s.year}年1月1日至"
                    f"{s.year}年12月31日。")
    body.append(_SECTION_TITLES[0] + (" " if st.random() < 0.5 else "") + one.replace("\n", ""))
    body.append(_SECTION_TITLES[1] + (" " if st.random() < 0.3 else ""))
    tpl2 = template("t2", v)
    for block, rows in _T2_BLOCKS[v]:
        body.append(block + "信息内容" + "".join(tpl2.col(c).label for c in tpl2.row(rows[0]).cols))
        for r in rows:
            spec = tpl2.row(r)
            body.append(spec.label + run([f"t2.{r}.{c}" for c in spec.cols]))
    body.append(_SECTION_TITLES[2])
    orgs = "商业企业科研机构社会公益 组织 法律服务 机构 其他" if st.random() < 0.3 else "商业企业科研机构社会公益组织法律服务机构其他"
    body.append(_T3_NOTE + "申请人情况自然人法人或其他组织总计" + orgs)
    outcome_head = "三、本年度办 理结果 " if st.random() < 0.2 else "三、本年度办理结果"
    repeat_head = st.random() < 0.1  # r004 repeats 三、本年度办理结果 before （四）无法提供
    for key, labels in _t3_labels(v):
        text = "".join(outcome_head if lab == "三、本年度办理结果" else lab for lab in labels)
        if repeat_head and labels[0] == "（四）无法提供":
            text = "三、本年度办理结果" + text
        if key.startswith("other_") and st.random() < 0.5:
            text += " "
        body.append(text + run([f"t3.{key}.{c}" for c in T3_COL_KEYS]))
    body.append(_SECTION_TITLES[3] + "".join("".join(h) for h in _T4_HEAD))
    body.append(run([f"t4.cases.{g}_{r}" for g in T4_GROUPS for r in (*_RESULTS4, "total")]))
    body.append(_SECTION_TITLES[4] + five + _SECTION_TITLES[5] + (" " if st.random() < 0.3 else "") + six)
    title = f"{s.agency}{s.year}年度政府信息公开工作年度报告"
    head = [f"标题: {title}", f"发布时间: {s.year + 1}-0{st.randint(1, 3)}-{st.randint(10, 28)} 15:35", "文号: ",
            f"发布机构: {s.agency if st.random() < 0.7 else ''}", "栏目: 政府信息公开年报",
            f"原文链接: https://www.example.gov.cn/zwgk/zfxxgk/zfxxgknb/{s.year + 1}03/"
            f"t{s.year + 1}0310_{s.style % 99991}.htm",
            "页面链接与图片详见 links.tsv(同目录)", "==================== 正文 ====================", "".join(body)]
    return "\n".join(head) + "\n"


def render(s: Synth, form: str) -> str:
    if form == "pipe":
        return render_pipe(s)
    if form == "pipe-traditional":
        return render_pipe(s, traditional=True)
    if form == "glued":
        return render_glued(s)
    raise ValueError(f"unknown form {form!r} (one of {', '.join(FORMS)})")


# ---------------------------------------------------------------- comparing an extraction with the truth

CONFIDENT = ("read", "inferred", "blank")


def derived_truth(s: Synth) -> dict[str, int]:
    """Truth of the derived cells the pipeline outputs: `legal_entity_total` per t3 row, 2021 `other`."""
    out: dict[str, int] = {}
    rows = [r.key for r in template("t3", s.version).rows]
    t = dict(s.truth)
    if s.version == "2021":
        for c in T3_COL_KEYS:
            t[f"t3.other.{c}"] = sum(t[f"t3.{r}.{c}"] for r in ("other_no_correction", "other_no_fee", "other_misc"))
            out[f"t3.other.{c}"] = t[f"t3.other.{c}"]
    for r in rows:
        out[f"t3.{r}.legal_entity_total"] = sum(t[f"t3.{r}.{c}"] for c in _ORGS)
    return out


def _same(a, b) -> bool:
    return a is not None and b is not None and abs(float(a) - float(b)) < 1e-6


def compare(report, s: Synth) -> list[tuple[str, str, str]]:
    """Problems of an extraction against the truth, as (key, kind, detail); kinds:

    - `confident_wrong`: status read/inferred/blank but value != truth (the worst bug);
    - `confident_wrong_derived`: a derived/imputed/repaired cell with confidence 1.0 whose value != truth;
    - `ambiguous_confidence`: an ambiguous cell with confidence >= 1;
    - `ambiguous_truth_absent`: an ambiguous cell whose truth is neither its value nor an alternative;
    - `key_absent`: a truth key missing from the output cells.
    """
    cells = {c.key: c for c in report.cells}
    out: list[tuple[str, str, str]] = []
    for key, want in s.truth.items():
        c = cells.get(key)
        if c is None:
            out.append((key, "key_absent", f"truth {want}"))
            continue
        detail = (f"{c.status} value={c.value!r} truth={want!r} raw={c.raw!r} conf={c.confidence} "
                  f"alts={list(c.alternatives)}")
        if c.status in CONFIDENT and not _same(c.value, want):
            out.append((key, "confident_wrong", detail))
        elif c.status in ("imputed", "repaired", "derived") and c.confidence >= 1.0 and not _same(c.value, want):
            out.append((key, "confident_wrong_derived", detail))
        elif c.status == "ambiguous":
            if c.confidence >= 1.0:
                out.append((key, "ambiguous_confidence", detail))
            if not (_same(c.value, want) or any(_same(a, want) for a in c.alternatives)):
                out.append((key, "ambiguous_truth_absent", detail))
    for key, want in derived_truth(s).items():
        c = cells.get(key)
        if c is not None and c.status in (*CONFIDENT, "derived") and c.confidence >= 1.0 and not _same(c.value, want):
            out.append((key, "confident_wrong_derived", f"{c.status} value={c.value!r} truth={want!r}"))
    return out


def exactness(report, s: Synth) -> tuple[int, int, dict[str, int], dict[str, int]]:
    """(exact cells, truth cells, cells per status, exact cells per status) over the truth keys."""
    cells = {c.key: c for c in report.cells}
    per: dict[str, int] = {}
    exact_per: dict[str, int] = {}
    exact = 0
    for key, want in s.truth.items():
        c = cells.get(key)
        st = c.status if c is not None else "absent"
        per[st] = per.get(st, 0) + 1
        if c is not None and _same(c.value, want):
            exact += 1
            exact_per[st] = exact_per.get(st, 0) + 1
    return exact, len(s.truth), per, exact_per


# ---------------------------------------------------------------- HTML form (pages as published)
#
# A table is first built as rows of `_Td` (text, rowspan, colspan, kind) in the official merged layout, then
# serialised in the markup of one publishing style. Presentation choices that change *what is printed*
# (zeros as 0 or blank, 总计 left blank) are made once per report (`html_plan`), so that a test knows which
# truth values the page does not show; choices of *markup* come from a stream seeded by report and style.

HTML_STYLES = ("plain", "word", "mismatch", "split", "gbk", "gbk-undeclared", "chrome")
HTML_FORMS = tuple(f"html-{st}" for st in HTML_STYLES)


@dataclass(frozen=True)
class HtmlPlan:
    """What a page prints, beyond the truth: per table, how a zero is printed ("0" or "" for an empty cell);
    the t3 总计 cells printed blank although their truth is not 0 (r014: the source gives components only)."""

    zeros: dict[str, str]
    blank_totals: frozenset[str]
    empty: str  # markup of an empty cell's content in plain pages: "", "&nbsp;", "<p>&nbsp;</p>" …


@dataclass
class _Td:
    text: str
    rs: int = 1
    cs: int = 1
    kind: str = "label"  # label | head (column heading) | value | note (t3 corner)


def html_plan(s: Synth, style: str) -> HtmlPlan:
    if style not in HTML_STYLES:
        raise ValueError(f"unknown HTML style {style!r} (one of {', '.join(HTML_STYLES)})")
    st = random.Random(s.style ^ 0x17171717)
    r = st.random()
    if r < 0.45:
        zeros = {"t2": "0", "t3": "0", "t4": "0"}
    elif r < 0.8:
        zeros = {"t2": "", "t3": "", "t4": ""}
    else:  # mixed, as when departments fill in different tables
        zeros = {t: st.choice(("0", "")) for t in ("t2", "t3", "t4")}
    p_blank_totals = 0.5 if style == "mismatch" else 0.12
    blank: set[str] = set()
    if st.random() < p_blank_totals:
        keep_rows = {"new_received", "total_processed"} if st.random() < 0.5 else set()
        for row in template("t3", s.version).data_rows:
            key = f"t3.{row.key}.total"
            if row.key not in keep_rows and st.random() < 0.85 and s.truth[key]:
                blank.add(key)
    empty = st.choice(("&nbsp;", "", "<p>&nbsp;</p>", '<p align="center">&nbsp;</p>'))
    return HtmlPlan(zeros, frozenset(blank), empty)


def html_left_blank(s: Synth, style: str) -> frozenset[str]:
    """Truth keys whose value is not 0 but which the page of `style` prints as an empty cell."""
    return html_plan(s, style).blank_totals


def _value_text(s: Synth, key: str, plan: HtmlPlan, rng: random.Random) -> str:
    if key in plan.blank_totals:
        return ""
    if s.truth[key] == 0:
        return plan.zeros[key[:2]]
    return _fmt(s, key, rng)


# ------------------------------------------------ tables as rows of _Td

def _html_t2_blocks(s: Synth, plan: HtmlPlan, rng: random.Random, mismatch: bool) -> list[list[list[_Td]]]:
    """The t2 blocks (caption row, heading row, data rows); width 4 (Word) or 5 with r014's shifted spans."""
    v = s.version
    tpl2 = template("t2", v)
    width = 5 if mismatch else 4
    blocks = []
    for caption, rows in _T2_BLOCKS[v]:
        cols = tpl2.row(rows[0]).cols
        n = len(cols)
        if not mismatch:
            head_spans = data_spans = {3: [1, 1, 1, 1], 2: [1, 1, 2], 1: [1, 3]}[n]
        else:
            head_spans = {3: [1, 1, 2, 1], 2: [1, 2, 2], 1: [1, 4]}[n]
            data_spans = rng.choice({3: ([1, 2, 1, 1], [1, 1, 1, 2], [1, 1, 2, 1]),
                                     2: ([1, 2, 2], [1, 1, 3], [1, 3, 1]),
                                     1: ([1, 4], [2, 3])}[n])
        block = [[_Td(caption, cs=width, kind="head")]]
        block.append([_Td("信息内容", cs=head_spans[0], kind="head")]
                     + [_Td(tpl2.col(c).label, cs=cs, kind="head") for c, cs in zip(cols, head_spans[1:])])
        for r in rows:
            spec = tpl2.row(r)
            block.append([_Td(spec.label, cs=data_spans[0])]
                         + [_Td(_value_text(s, f"t2.{r}.{c}", plan, rng), cs=cs, kind="value")
                            for c, cs in zip(spec.cols, data_spans[1:])])
        blocks.append(block)
    return blocks


def _html_t3_rows(s: Synth, plan: HtmlPlan, rng: random.Random) -> list[list[_Td]]:
    """The official merged layout: 3 label columns + 7 data columns."""
    v = s.version
    tpl = template("t3", v)
    rows: list[list[_Td]] = [
        [_Td(_T3_NOTE, rs=3, cs=3, kind="note"), _Td("申请人情况", cs=7, kind="head")],
        [_Td("自然人", rs=2, kind="head"), _Td("法人或其他组织", cs=5, kind="head"), _Td("总计", rs=2, kind="head")],
        [_Td(lab, kind="head") for lab in ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")],
    ]
    data = tpl.data_rows
    n_outcome = sum(1 for r in data if r.group)
    group_size: dict[str, int] = {}
    for r in data:
        if r.group and r.group != "三、本年度办理结果":
            group_size[r.group] = group_size.get(r.group, 0) + 1
    prev = ""
    for r in data:
        cells: list[_Td] = []
        if not r.group:
            cells.append(_Td(r.ordinal + r.label, cs=3))
        else:
            if not _in_outcomes(prev):
                cells.append(_Td("三、本年度办理结果", rs=n_outcome))
            if r.group == "三、本年度办理结果":
                cells.append(_Td(r.ordinal + r.label, cs=2))
            else:
                if r.group != prev:
                    cells.append(_Td(r.group, rs=group_size[r.group]))
                cells.append(_Td(r.ordinal + r.label))
        cells += [_Td(_value_text(s, f"t3.{r.key}.{c}", plan, rng), kind="value") for c in T3_COL_KEYS]
        rows.append(cells)
        prev = r.group
    return rows


_T4_GROUP_HEAD = {"review": ("行政复议",), "suit_direct": ("行政诉讼", "未经复议直接起诉"),
                  "suit_after_review": ("行政诉讼", "复议后起诉")}


def _html_t4_rows(s: Synth, plan: HtmlPlan, rng: random.Random) -> list[list[_Td]]:
    results = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
    return [
        [_Td("行政复议", cs=5, kind="head"), _Td("行政诉讼", cs=10, kind="head")],
        [*(_Td(h, rs=2, kind="head") for h in results), _Td("未经复议直接起诉", cs=5, kind="head"),
         _Td("复议后起诉", cs=5, kind="head")],
        [_Td(h, kind="head") for h in results * 2],
        [_Td(_value_text(s, f"t4.cases.{g}_{r}", plan, rng), kind="value")
         for g in T4_GROUPS for r in (*_RESULTS4, "total")],
    ]


def _html_t4_subtables(s: Synth, plan: HtmlPlan, rng: random.Random) -> list[list[list[_Td]]]:
    """t4 as three 5-column tables, each with its own heading rows."""
    results = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
    joined = rng.random() < 0.5
    out = []
    for g in T4_GROUPS:
        head = _T4_GROUP_HEAD[g]
        rows = []
        if len(head) == 1 or not joined:
            rows += [[_Td(h, cs=5, kind="head")] for h in head]
        else:
            rows.append([_Td(f"{head[0]}（{head[1]}）", cs=5, kind="head")])
        rows.append([_Td(h, kind="head") for h in results])
        rows.append([_Td(_value_text(s, f"t4.cases.{g}_{r}", plan, rng), kind="value") for r in (*_RESULTS4, "total")])
        out.append(rows)
    return out


def _grid_origins(rows: list[list[_Td]]) -> list[list[int]]:
    """The grid column of every cell (covered positions skipped), as a browser lays the table out."""
    covered: set[tuple[int, int]] = set()
    out = []
    for r, row in enumerate(rows):
        col, cols = 0, []
        for td in row:
            while (r, col) in covered:
                col += 1
            cols.append(col)
            for dr in range(td.rs):
                for dc in range(td.cs):
                    if dr or dc:
                        covered.add((r + dr, col + dc))
            col += td.cs
        out.append(cols)
    return out


def _split_rows(rows: list[list[_Td]], k: int, repeat: bool) -> tuple[list[list[_Td]], list[list[_Td]]]:
    """Cut a table before row k: row-spanning cells are cut too, and the second table gets a cell for the rest
    of each span (its label repeated, or empty)."""
    cols = _grid_origins(rows)
    top = [[_Td(td.text, td.rs, td.cs, td.kind) for td in row] for row in rows[:k]]
    bottom = [[_Td(td.text, td.rs, td.cs, td.kind) for td in row] for row in rows[k:]]
    bottom_cols = [list(c) for c in cols[k:]]
    for r, row in enumerate(top):
        for i, td in enumerate(row):
            if r + td.rs > k:
                rest = r + td.rs - k
                td.rs = k - r
                cont = _Td(td.text if repeat else "", rest, td.cs, td.kind)
                c = cols[r][i]
                j = next((j for j, cc in enumerate(bottom_cols[0]) if cc > c), len(bottom_cols[0]))
                bottom[0].insert(j, cont)
                bottom_cols[0].insert(j, c)
    return top, bottom


# ------------------------------------------------ markup

def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _span_attrs(td: _Td, quote: str = '"') -> str:
    out = ""
    if td.cs > 1:
        out += f" colspan={quote}{td.cs}{quote}"
    if td.rs > 1:
        out += f" rowspan={quote}{td.rs}{quote}"
    return out


def _break_heading(text: str, rng: random.Random) -> str:
    """A heading cell's text with a <br> inside (本年新<br />制作数量), escaped."""
    if len(text) >= 4 and "（" not in text and rng.random() < 0.5:
        i = rng.randint(2, len(text) - 2)
        return _esc(text[:i]) + rng.choice(("<br />", "<br>", "<br/>")) + _esc(text[i:])
    return _esc(text)


def _plain_table(rows: list[list[_Td]], plan: HtmlPlan, rng: random.Random, breaks: bool = False,
                 extra_col: bool = False, th: bool = False) -> str:
    out = ['<table border="1" cellspacing="0" cellpadding="0" align="center" style="border-collapse:collapse">',
           "<tbody>"]
    for row in rows:
        tds = []
        for td in row:
            attrs = _span_attrs(td)
            if td.kind == "value" and not td.text:
                inner = plan.empty
            elif td.kind == "head" and breaks:
                inner = f'<p align="center">{_break_heading(td.text, rng)}</p>'
            elif td.kind == "value":
                inner = f'<p align="center">{_esc(td.text)}</p>'
            else:
                inner = f"<p>{_esc(td.text)}</p>"
            tag = "th" if th and td.kind in ("head", "note") else "td"
            tds.append(f"<{tag}{attrs}>{inner}</{tag}>")
        if extra_col:
            tds.append(f"<td>{plan.empty}</td>")
        out.append("<tr>" + "".join(tds) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


_WORD_TD_STYLE = ("width:{w}pt;border:solid windowtext 1.0pt;border-top:none;mso-border-top-alt:solid windowtext .5pt;"
                  "mso-border-alt:solid windowtext .5pt;padding:0cm 5.4pt 0cm 5.4pt")
_WORD_CJK = ("<span style='font-size:10.5pt;font-family:宋体;mso-ascii-font-family:\"Times New Roman\";"
             "mso-hansi-font-family:\"Times New Roman\"'>{}</span>",
             "<span style='font-family:宋体'>{}</span>",
             "<font face=\"宋体\" size=\"2\">{}</font>",
             "<span\nstyle='font-size:10.5pt;font-family:仿宋_GB2312;mso-hansi-font-family:宋体'>{}</span>")
_WORD_NUM = "<span lang=EN-US style='font-size:10.5pt;font-family:\"Times New Roman\",serif'>{}</span>"


def _word_chunks(text: str, rng: random.Random, n_max: int = 3) -> list[str]:
    n = min(len(text), rng.randint(1, n_max))
    cuts = sorted(rng.sample(range(1, len(text)), n - 1)) if n > 1 else []
    return [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)])]


def _word_label(text: str, rng: random.Random, heading: bool) -> str:
    chunks = _word_chunks(text, rng)
    parts = []
    for i, ch in enumerate(chunks):
        body = _esc(ch)
        if heading and i == 0 and len(chunks) > 1 and rng.random() < 0.5:
            body += "<br>"
        parts.append(rng.choice(_WORD_CJK).format(body))
    return "".join(parts)


_FULL_WIDTH = str.maketrans("0123456789+-.,", "０１２３４５６７８９＋－．，")


def _word_number(text: str, rng: random.Random, fullwidth: bool = False, thousands: bool = False) -> str:
    """Digits of a number, sometimes split over runs (<span>2</span><span>0</span>) or by a space (2 0); with
    `thousands`, 1,234; with `fullwidth`, typed in full-width digits (１２３４) as some Word users do."""
    m = re.match(r"^([+-]?)(\d+)(\.\d+)?(.*)$", text)
    if not m:
        return _WORD_NUM.format(_esc(text))
    sign, whole, frac, unit = m.groups()
    if thousands and len(whole) > 3:
        whole = f"{int(whole):,}"
    num = sign + whole + (frac or "")
    cuts = [i for i in range(1, len(num)) if num[i - 1].isdigit() and num[i].isdigit()]
    r = rng.random()
    if cuts and r < 0.2:
        i = rng.choice(cuts)
        parts = [num[:i], num[i:]]
    elif cuts and r < 0.25 and "," not in num:  # `2 0` (r006); never inside 1,234
        i = rng.choice(cuts)
        parts = [num[:i] + " " + num[i:]]
    else:
        parts = [num]
    out = "".join(_WORD_NUM.format(p.translate(_FULL_WIDTH) if fullwidth else p) for p in parts)
    if unit:
        out += rng.choice(_WORD_CJK).format(_esc(unit))
    return out


def _word_empty(rng: random.Random) -> str:
    return rng.choice(("<p class=MsoNormal align=center style='text-align:center'><span lang=EN-US>&nbsp;<o:p></o:p>"
                       "</span></p>",
                       "<p class=MsoNormal align=center style='text-align:center'><span lang=EN-US><o:p>&nbsp;</o:p>"
                       "</span></p>",
                       "<p class=MsoNormal><o:p>&nbsp;</o:p></p>",
                       "<p class=MsoNormal align=center style='text-align:center'><span\nlang=EN-US style="
                       "'font-size:10.5pt'><o:p>&nbsp;</o:p></span></p>"))


def _word_table(rows: list[list[_Td]], rng: random.Random, fullwidth: bool = False, thousands: bool = False) -> str:
    width = max(sum(td.cs for td in row) for row in rows)
    out = ["<div align=center>",
           "<table class=MsoNormalTable border=1 cellspacing=0 cellpadding=0\n style='border-collapse:collapse;"
           "border:none;mso-border-alt:solid windowtext .5pt;mso-yfti-tbllook:1184;mso-padding-alt:0cm 5.4pt 0cm "
           "5.4pt'>"]
    for r, row in enumerate(rows):
        out.append(f" <tr style='mso-yfti-irow:{r};height:{rng.choice((15.6, 20.5, 28.35))}pt'>")
        for td in row:
            w = round(td.cs * 420 / width, 1)
            attrs = f" width={int(w * 4 / 3)}{_span_attrs(td, '')} valign=center"
            if td.kind == "value" and not td.text:
                inner = _word_empty(rng)
            elif td.kind == "value":
                inner = ("<p class=MsoNormal align=center style='text-align:center'>"
                         + _word_number(td.text, rng, fullwidth, thousands)
                         + "<span lang=EN-US><o:p></o:p></span></p>")
            else:
                align = " align=center style='text-align:center'" if td.kind != "label" else ""
                inner = (f"<p class=MsoNormal{align}>" + _word_label(td.text, rng, td.kind == "head")
                         + "<span lang=EN-US><o:p></o:p></span></p>")
            out.append(f"  <td{attrs} style='{_WORD_TD_STYLE.format(w=w)}'>\n  {inner}\n  </td>")
        out.append(" </tr>")
    if rng.random() < 0.5:  # Word's spacer row for misaligned columns
        out.append(" <![if !supportMisalignedColumns]>\n <tr height=0>"
                   + "".join(f"<td width={rng.randint(20, 90)} style='border:none'></td>" for _ in range(width))
                   + "</tr>\n <![endif]>")
    out.append("</table>\n</div>")
    return "\n".join(out)


# ------------------------------------------------ pages

_INTRO = ("本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《国务院办公厅政府信息与政务公开办公室"
          "关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》要求编制。本报告所列数据的统计期限为{y}年1月1日至"
          "{y}年12月31日。")
_CONTACT = "如对本报告有任何疑问，请与{agency}办公室联系（联系人：李喆，电话：0513-{tel}）。"


def _paragraphs(s: Synth, rng: random.Random, force_gbk_char: bool) -> tuple[list[str], str, str, str]:
    one, five, six = _prose(s, random.Random(s.style))
    intro = []
    if rng.random() < 0.7:
        intro.append(_INTRO.format(y=s.year))
    if force_gbk_char or rng.random() < 0.3:
        intro.append(_CONTACT.format(agency=s.agency, tel=rng.randint(80000000, 89999999)))
    return intro, one, five, six


def _p(text: str, style: str, rng: random.Random, heading: bool = False) -> str:
    if style == "word":
        font = "黑体" if heading else "仿宋_GB2312"
        body = "".join(f"<span style='font-size:16.0pt;font-family:{font}'>{_esc(ch)}</span>"
                       for ch in _word_chunks(text, rng, 2 if heading else 4))
        return (f"<p class=MsoNormal style='text-indent:32.0pt;mso-char-indent-count:2.0;line-height:28.0pt;"
                f"mso-line-height-rule:exactly'>{body}<span lang=EN-US><o:p></o:p></span></p>")
    if heading:
        pre = "<br />" if rng.random() < 0.15 else ""
        return rng.choice((f"<p>{pre}<strong>{_esc(text)}</strong></p>",
                           f'<p style="text-indent:2em">{pre}{_esc(text)}</p>',
                           f"<p>{pre}{_esc(text)}</p>"))
    return f'<p style="text-indent:2em">{_esc(text)}</p>'


def _report_body(s: Synth, style: str, plan: HtmlPlan, rng: random.Random) -> list[str]:
    """The report itself (title, sections with prose, the three tables) as HTML chunks."""
    intro, one, five, six = _paragraphs(s, rng, style.startswith("gbk"))
    title = f"{s.agency}{s.year}年{'度' if rng.random() < 0.3 else ''}政府信息公开工作年度报告"
    mk = "word" if style == "word" else "plain"
    body = []
    if style != "chrome":
        body.append(f'<p align="center" style="text-align:center"><strong>{_esc(title)}</strong></p>')
    body += [_p(t, mk, rng) for t in intro]
    body.append(_p(_SECTION_TITLES[0], mk, rng, heading=True))
    body += [_p(t, mk, rng) for t in one.split("\n")]

    fullwidth, thousands = rng.random() < 0.15, rng.random() < 0.3  # Word pages: how numbers are typed
    th = style in ("plain", "chrome") and rng.random() < 0.3  # CMS tables with <th> heading cells

    def table(rows: list[list[_Td]], extra_col: bool = False) -> str:
        if style == "word":
            return _word_table(rows, rng, fullwidth, thousands)
        return _plain_table(rows, plan, rng, breaks=style == "mismatch" or rng.random() < 0.3, extra_col=extra_col,
                            th=th)

    body.append(_p(_SECTION_TITLES[1], mk, rng, heading=True))
    blocks = _html_t2_blocks(s, plan, rng, mismatch=style == "mismatch")
    if style == "split" and rng.random() < 0.6:
        body += [table(b) for b in blocks]
    else:
        body.append(table([row for b in blocks for row in b]))
    body.append(_p(_SECTION_TITLES[2], mk, rng, heading=True))
    t3 = _html_t3_rows(s, plan, rng)
    if style == "split":
        k = rng.randint(4, len(t3) - 1)
        top, bottom = _split_rows(t3, k, repeat=rng.random() < 0.5)
        if rng.random() < 0.3:
            bottom = t3[:3] + bottom
        body += [table(top), rng.choice(("", "<p>&nbsp;</p>", "<br clear=all style='page-break-before:always'>")),
                 table(bottom)]
    else:
        body.append(table(t3, extra_col=style == "mismatch"))
    body.append(_p(_SECTION_TITLES[3], mk, rng, heading=True))
    if style == "split":
        body += [table(t) for t in _html_t4_subtables(s, plan, rng)]
    else:
        body.append(table(_html_t4_rows(s, plan, rng)))
    body.append(_p(_SECTION_TITLES[4], mk, rng, heading=True))
    body.append(_p(five, mk, rng))
    body.append(_p(_SECTION_TITLES[5], mk, rng, heading=True))
    body.append(_p(six, mk, rng))
    if rng.random() < 0.5:
        body.append(f'<p align="right" style="text-align:right">{_esc(s.agency)}</p>'
                    f'<p align="right" style="text-align:right">{s.year + 1}年{rng.randint(1, 3)}月'
                    f'{rng.randint(10, 28)}日</p>')
    return body


_WORD_HEAD = """<html xmlns:v="urn:schemas-microsoft-com:vml"
xmlns:o="urn:schemas-microsoft-com:office:office"
xmlns:w="urn:schemas-microsoft-com:office:word"
xmlns:m="http://schemas.microsoft.com/office/2004/12/omml"
xmlns="http://www.w3.org/TR/REC-html40">
<head>
<meta http-equiv=Content-Type content="text/html; charset=utf-8">
<meta name=ProgId content=Word.Document>
<meta name=Generator content="Microsoft Word 15">
<meta name=Originator content="Microsoft Word 15">
<title>{title}</title>
<!--[if gte mso 9]><xml>
 <o:DocumentProperties>
  <o:Author>Administrator</o:Author>
  <o:Pages>6</o:Pages>
 </o:DocumentProperties>
</xml><![endif]--><!--[if gte mso 9]><xml>
 <w:WordDocument>
  <w:View>Print</w:View>
  <w:SpellingState>Clean</w:SpellingState>
  <w:DrawingGridVerticalSpacing>7.8 磅</w:DrawingGridVerticalSpacing>
 </w:WordDocument>
</xml><![endif]-->
<style>
<!--
 /* Font Definitions */
 @font-face
	{{font-family:宋体;
	panose-1:2 1 6 0 3 1 1 1 1 1;}}
p.MsoNormal, li.MsoNormal, div.MsoNormal
	{{mso-style-unhide:no;
	margin:0cm;
	text-align:justify;
	font-size:10.5pt;
	font-family:"Times New Roman",serif;}}
@page WordSection1
	{{size:595.3pt 841.9pt;
	margin:72.0pt 90.0pt 72.0pt 90.0pt;}}
div.WordSection1
	{{page:WordSection1;}}
-->
</style>
</head>
<body lang=ZH-CN style='tab-interval:21.0pt;text-justify-trim:punctuation'>
<div class=WordSection1 style='layout-grid:15.6pt'>
"""

_NAV = ("首页", "走进{place}", "政务公开", "政务服务", "互动交流", "专题专栏", "政府信息公开指南", "政府信息公开制度",
        "法定主动公开内容", "政府信息公开年报", "依申请公开", "政策解读")


def _chrome_page(s: Synth, body: list[str], rng: random.Random) -> str:
    title = f"{s.agency}{s.year}年政府信息公开工作年度报告"
    site = s.agency[:3] + "人民政府门户网站"
    date = f"{s.year + 1}-0{rng.randint(1, 3)}-{rng.randint(10, 28)}"
    nav = "".join(f'<li><a href="/col/{i}/index.html">{n.format(place=s.agency[:3])}</a></li>'
                  for i, n in enumerate(_NAV))
    meta = (f'<table class="xxgk_table" width="100%" border="0" cellspacing="0" cellpadding="0"><tbody>'
            f'<tr><td class="t">索引号：</td><td>{rng.randint(10**9, 10**10 - 1)}/{s.year + 1}-'
            f'{rng.randint(1, 99999):05d}</td><td class="t">主题分类：</td><td>综合政务/政务公开</td></tr>'
            f'<tr><td class="t">发布机构：</td><td>{_esc(s.agency)}</td><td class="t">发布日期：</td><td>{date}</td></tr>'
            f'<tr><td class="t">文号：</td><td></td><td class="t">有效性：</td><td>有效</td></tr>'
            f'<tr><td class="t">名称：</td><td colspan="3">{_esc(title)}</td></tr></tbody></table>')
    related = "".join(f'<li><a href="/zwgk/nb/{y}.htm">{_esc(s.agency)}{y}年政府信息公开工作年度报告</a>'
                      f'<span>{y + 1}-01-2{rng.randint(0, 9)}</span></li>' for y in range(s.year - 1, s.year - 4, -1))
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta name="SiteName" content="{site}">
<meta name="ArticleTitle" content="{_esc(title)}">
<meta name="PubDate" content="{date} 09:30">
<title>{_esc(title)}_{site}</title>
<link rel="stylesheet" href="/static/css/common.css">
<script type="text/javascript" src="/static/js/jquery.min.js"></script>
<script>var _hmt = _hmt || []; (function() {{ var hm = document.createElement("script");
hm.src = "https://hm.baidu.com/hm.js?{rng.getrandbits(64):016x}"; var s = document.getElementsByTagName("script")[0];
s.parentNode.insertBefore(hm, s); }})(); document.write('<table><tr><td>一、总体情况 12 34</td></tr></table>');</script>
<style>.nav li{{float:left}} .xxgk_table td{{border:1px solid #ddd}}</style>
</head>
<body>
<div class="topbar"><div class="w1200"><span>欢迎访问{site}！</span> <a href="#">无障碍</a> | <a href="#">长者模式</a> |
<a href="#">English</a> | <a href="#">登录</a></div></div>
<div class="header"><img src="/static/img/logo.png" alt="{site}"></div>
<div class="nav"><ul>{nav}</ul></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt;
<a href="/zwgk/nb/">政府信息公开年报</a></div>
<div class="main w1200">
<div class="xxgk_meta">{meta}</div>
<div class="article">
<h1 class="title">{_esc(title)}</h1>
<div class="info">发布时间：{date} 来源：{_esc(s.agency)} 浏览次数：<span id="hits">{rng.randint(10, 9999)}</span>
【字体：<a href="#">大</a> <a href="#">中</a> <a href="#">小</a>】 <a href="javascript:window.print()">打印</a></div>
<div class="TRS_Editor" id="zoom">
{chr(10).join(body)}
</div>
<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a></div>
<div class="related"><h3>相关信息</h3><ul>{related}</ul></div>
</div></div>
<div class="footer"><p>主办单位：{_esc(s.agency[:3])}人民政府办公室 承办单位：{_esc(s.agency[:3])}大数据中心</p>
<p>网站标识码：{rng.randint(10**9, 10**10 - 1)} <a href="https://beian.miit.gov.cn/">苏ICP备{rng.randint(10**7, 10**8 - 1)}号</a>
苏公网安备 {rng.randint(10**13, 10**14 - 1)}号</p><p>Copyright © {s.year + 1} All Rights Reserved</p></div>
<script src="/static/js/zoom.js"></script>
<script>$(function(){{ $("#hits").load("/hits?id={rng.randint(1, 99999)}"); }});</script>
</body>
</html>
"""


def render_html(s: Synth, style: str) -> bytes:
    """The report as an HTML page of one publishing style (HTML_STYLES), as bytes:

    - `plain`: a clean page; the three tables in the official merged layout as Word exports them (t2 blocks
      with 第二十条第（N）项 caption rows; t3 with the corner note rowspan 3/colspan 3, 申请人情况 colspan 7,
      自然人/总计 rowspan 2, 三、本年度办理结果 rowspan 20/22, group rowspans; t4 with its two heading rows).
    - `word`: Word-pasted markup: labels split over <span>/<font> runs with inline styles and <o:p></o:p>,
      `&nbsp;`/`<o:p>&nbsp;</o:p>` in empty cells, <br> in heading cells, digits split over runs (`2 0`),
      in some reports thousands separators (1,234) or full-width digits (１２).
    - `mismatch`: r014's t2 (heading and data rows with different colspans), a stray empty column after t3.
    - `split`: t3 cut over two <table>s at a row boundary, t4 as three 5-column tables, t2 maybe per block.
    - `gbk` / `gbk-undeclared`: `plain` encoded GB18030, labelled gb2312 / without any declaration.
    - `chrome`: the report inside site chrome (nav, scripts, a 索引号/发布机构 table before the title, footer).

    Zeros are printed as 0 or left blank per report, and a few reports leave t3 总计 blank (`html_plan`);
    the truth stays the value.
    """
    plan = html_plan(s, style)
    rng = random.Random(s.style * 1_000_003 + zlib.crc32(style.encode()))
    body = _report_body(s, style, plan, rng)
    title = f"{s.agency}{s.year}年政府信息公开工作年度报告"
    if style == "chrome":
        return _chrome_page(s, body, rng).encode("utf-8")
    if style == "word":
        page = _WORD_HEAD.format(title=_esc(title)) + "\n".join(body) + "\n</div>\n</body>\n</html>\n"
        return page.encode("utf-8")
    if style == "gbk":
        meta = rng.choice(('<meta charset="gb2312">',
                           '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'))
    elif style == "gbk-undeclared":
        meta = ""
    else:
        meta = '<meta charset="utf-8">'
    page = (f"<!DOCTYPE html>\n<html>\n<head>\n{meta}\n<title>{_esc(title)}</title>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")
    return page.encode("gb18030" if style.startswith("gbk") else "utf-8")


# ---------------------------------------------------------------- CLI

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m ogi.synth", description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=50, help="number of reports")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--form", choices=FORMS + HTML_FORMS, default="pipe")
    ap.add_argument("--version", choices=("2019", "2021", "both"), default="both",
                    help="template version (both: alternate)")
    ap.add_argument("-o", "--out", required=True, type=Path, help="output directory")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    for i in range(args.n):
        version = args.version if args.version != "both" else ("2019", "2021")[i % 2]
        s = generate(rng, version)
        name = f"synth_{args.seed}_{i:05d}_{version}"
        truth = s.to_json()
        if args.form.startswith("html-"):
            style = args.form[len("html-"):]
            (args.out / f"{name}.html").write_bytes(render_html(s, style))
            truth["html"] = {"style": style, "left_blank": sorted(html_left_blank(s, style))}
        else:
            (args.out / f"{name}.txt").write_text(render(s, args.form), encoding="utf-8")
        (args.out / f"{name}.truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n",
                                                     encoding="utf-8")
    print(f"wrote {args.n} {args.form} reports and their truth to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
