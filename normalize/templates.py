"""The two official templates (2019, 2021) and their identities, as data (shared/spec/KEYS.md)."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from normalize.text import label_key

TABLES = ("t2", "t3", "t4")
VERSIONS = ("2019", "2021")


@dataclass(frozen=True)
class ColSpec:
    key: str
    label: str
    aliases: tuple[str, ...] = ()
    money: bool = False
    signed: bool = False


@dataclass(frozen=True)
class RowSpec:
    key: str
    label: str  # official simplified label of the row's own cell
    cols: tuple[str, ...]  # data columns of this row, in printed order
    ordinal: str = ""  # printed numbering before the label: "（一）", "1.", "一、"
    group: str = ""  # group label spanning this row (（三）不予公开 …)
    aliases: tuple[str, ...] = ()
    derived: bool = False  # computed by definition, never read (2021 t3 `other`)

    @cached_property
    def keys(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(k for k in (label_key(self.label), *map(label_key, self.aliases)) if k))


@dataclass(frozen=True)
class TableTemplate:
    table: str
    version: str
    title: str
    cols: tuple[ColSpec, ...]
    rows: tuple[RowSpec, ...]
    markers: tuple[str, ...] = ()  # header words that identify this version
    header_words: tuple[str, ...] = ()  # labels of header cells (not data rows)

    def col(self, key: str) -> ColSpec:
        return self._by_key[0][key]

    def row(self, key: str) -> RowSpec:
        return self._by_key[1][key]

    @cached_property
    def _by_key(self) -> tuple[dict[str, ColSpec], dict[str, RowSpec]]:
        return {c.key: c for c in self.cols}, {r.key: r for r in self.rows}

    @property
    def data_rows(self) -> tuple[RowSpec, ...]:
        return tuple(r for r in self.rows if not r.derived)

    def cell_keys(self) -> tuple[str, ...]:
        return tuple(f"{self.table}.{r.key}.{c}" for r in self.rows for c in r.cols)


@dataclass(frozen=True)
class Identity:
    """sum(coef * cell) == 0 over the named cells; `id` as in KEYS.md."""

    id: str
    terms: tuple[tuple[str, int], ...]
    lhs: tuple[str, ...] = field(default=())  # the cells printed on the left (for check lhs/rhs)
    weight: int = 1  # cost of violating it when reconstructing

    @cached_property
    def cells(self) -> tuple[str, ...]:
        return tuple(k for k, _ in self.terms)


# ---------------------------------------------------------------- t2
_T2_2019_COLS = (
    ColSpec("made", "本年新制作数量"),
    ColSpec("published", "本年新公开数量"),
    ColSpec("published_total", "对外公开总数量"),
    ColSpec("items_last_year", "上一年项目数量"),
    ColSpec("items_change", "本年增/减", aliases=("本年增减",), signed=True),
    ColSpec("decisions", "处理决定数量"),
    ColSpec("projects", "采购项目数量"),
    ColSpec("amount", "采购总金额", money=True),
)
_ITEMS3 = ("items_last_year", "items_change", "decisions")
T2_2019 = TableTemplate(
    "t2", "2019", "二、主动公开政府信息情况", _T2_2019_COLS,
    (
        RowSpec("regulations", "规章", ("made", "published", "published_total")),
        RowSpec("normative_documents", "规范性文件", ("made", "published", "published_total")),
        RowSpec("licensing", "行政许可", _ITEMS3),
        RowSpec("other_services", "其他对外管理服务事项", _ITEMS3),
        RowSpec("penalty", "行政处罚", _ITEMS3),
        RowSpec("coercion", "行政强制", _ITEMS3),
        RowSpec("fees", "行政事业性收费", ("items_last_year", "items_change")),
        RowSpec("central_procurement", "政府集中采购", ("projects", "amount")),
    ),
    markers=("本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量", "本年增减", "采购项目数量",
             "采购总金额", "其他对外管理服务事项", "政府集中采购"),
    header_words=("信息内容", "第二十条第"),
)
T2_2021 = TableTemplate(
    "t2", "2021", "二、主动公开政府信息情况",
    (
        ColSpec("issued", "本年制发件数"),
        ColSpec("repealed", "本年废止件数"),
        ColSpec("in_force", "现行有效件数"),
        ColSpec("decisions", "本年处理决定数量"),
        ColSpec("amount_10k_yuan", "本年收费金额（单位：万元）", money=True),
    ),
    (
        RowSpec("regulations", "规章", ("issued", "repealed", "in_force")),
        RowSpec("normative_documents", "行政规范性文件", ("issued", "repealed", "in_force"), aliases=("规范性文件",)),
        RowSpec("licensing", "行政许可", ("decisions",)),
        RowSpec("penalty", "行政处罚", ("decisions",)),
        RowSpec("coercion", "行政强制", ("decisions",)),
        RowSpec("fees", "行政事业性收费", ("amount_10k_yuan",)),
    ),
    markers=("本年制发件数", "本年废止件数", "现行有效件数", "本年处理决定数量", "本年收费金额"),
    header_words=("信息内容", "第二十条第"),
)

# ---------------------------------------------------------------- t3
T3_COLS = (
    ColSpec("natural_person", "自然人"),
    ColSpec("commercial", "商业企业", aliases=("企业",)),
    ColSpec("research", "科研机构"),
    ColSpec("social_welfare", "社会公益组织", aliases=("公益组织", "社会组织")),
    ColSpec("legal_services", "法律服务机构", aliases=("法律服务",)),
    ColSpec("other_org", "其他"),
    ColSpec("total", "总计", aliases=("合计",)),
)
T3_COL_KEYS = tuple(c.key for c in T3_COLS)
T3_ORG_COLS = T3_COL_KEYS[1:6]
_W, _U, _N, _O = "（三）不予公开", "（四）无法提供", "（五）不予处理", "（六）其他处理"


def _t3_rows(version: str) -> tuple[RowSpec, ...]:
    c = T3_COL_KEYS
    head = (
        RowSpec("new_received", "本年新收政府信息公开申请数量", c, "一、", aliases=("本年新收",)),
        RowSpec("carried_over", "上年结转政府信息公开申请数量", c, "二、", aliases=("上年结转",)),
        RowSpec("granted", "予以公开", c, "（一）", "三、本年度办理结果"),
        RowSpec("partly_granted", "部分公开（区分处理的，只计这一情形，不计其他情形）", c, "（二）", "三、本年度办理结果"),
        RowSpec("withheld_state_secret", "属于国家秘密", c, "1.", _W),
        RowSpec("withheld_prohibited_by_law", "其他法律行政法规禁止公开", c, "2.", _W),
        RowSpec("withheld_security_stability", "危及“三安全一稳定”", c, "3.", _W),
        RowSpec("withheld_third_party", "保护第三方合法权益", c, "4.", _W),
        RowSpec("withheld_internal_affairs", "属于三类内部事务信息", c, "5.", _W),
        RowSpec("withheld_process_info", "属于四类过程性信息", c, "6.", _W),
        RowSpec("withheld_enforcement_file", "属于行政执法案卷", c, "7.", _W),
        RowSpec("withheld_query_matter", "属于行政查询事项", c, "8.", _W),
        RowSpec("unable_not_held", "本机关不掌握相关政府信息", c, "1.", _U),
        RowSpec("unable_needs_creation", "没有现成信息需要另行制作", c, "2.", _U),
        RowSpec("unable_unclear", "补正后申请内容仍不明确", c, "3.", _U),
        RowSpec("not_processed_petition", "信访举报投诉类申请", c, "1.", _N),
        RowSpec("not_processed_duplicate", "重复申请", c, "2.", _N),
        RowSpec("not_processed_publication", "要求提供公开出版物", c, "3.", _N),
        RowSpec("not_processed_excessive", "无正当理由大量反复申请", c, "4.", _N),
        RowSpec("not_processed_confirmation", "要求行政机关确认或重新出具已获取信息", c, "5.", _N),
    )
    if version == "2019":
        other = (RowSpec("other", "其他处理", c, "（六）", "三、本年度办理结果"),)
    else:
        other = (
            RowSpec("other", "其他处理", c, "（六）", "三、本年度办理结果", derived=True),
            RowSpec("other_no_correction", "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", c, "1.", _O,
                    aliases=("逾期不补正",)),
            RowSpec("other_no_fee", "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", c, "2.", _O,
                    aliases=("缴纳费用",)),
            RowSpec("other_misc", "其他", c, "3.", _O),
        )
    tail = (
        RowSpec("total_processed", "总计", c, "（七）", "三、本年度办理结果", aliases=("办理结果合计",)),
        RowSpec("carried_forward", "结转下年度继续办理", c, "四、", aliases=("结转下年",)),
    )
    return head + other + tail


_T3_HEADER = ("申请人情况", "法人或其他组织", "本列数据的勾稽关系", "本年度办理结果", "不予公开", "无法提供", "不予处理",
              *(c.label for c in T3_COLS))
T3_2019 = TableTemplate("t3", "2019", "三、收到和处理政府信息公开申请情况", T3_COLS, _t3_rows("2019"),
                        header_words=_T3_HEADER)
T3_2021 = TableTemplate("t3", "2021", "三、收到和处理政府信息公开申请情况", T3_COLS, _t3_rows("2021"),
                        markers=("逾期不补正", "缴纳费用"), header_words=(*_T3_HEADER, "其他处理"))

# ---------------------------------------------------------------- t4
T4_GROUPS = ("review", "suit_direct", "suit_after_review")
_RESULTS = (("upheld", "结果维持"), ("corrected", "结果纠正"), ("other", "其他结果"), ("pending", "尚未审结"),
            ("total", "总计"))
_GROUP_LABEL = {"review": "行政复议", "suit_direct": "行政诉讼 未经复议直接起诉", "suit_after_review": "行政诉讼 复议后起诉"}
T4_COLS = tuple(ColSpec(f"{g}_{r}", f"{_GROUP_LABEL[g]} {lab}") for g in T4_GROUPS for r, lab in _RESULTS)
_T4 = dict(
    cols=T4_COLS,
    rows=(RowSpec("cases", "", tuple(c.key for c in T4_COLS)),),
    header_words=("行政复议", "行政诉讼", "未经复议直接起诉", "复议后起诉", "结果维持", "结果纠正", "其他结果", "尚未审结",
                  "总计"),
)
T4_2019 = TableTemplate("t4", "2019", "四、政府信息公开行政复议、行政诉讼情况", **_T4)
T4_2021 = TableTemplate("t4", "2021", "四、政府信息公开行政复议、行政诉讼情况", **_T4)

TEMPLATES: dict[tuple[str, str], TableTemplate] = {
    (t.table, t.version): t for t in (T2_2019, T2_2021, T3_2019, T3_2021, T4_2019, T4_2021)
}


def template(table: str, version: str) -> TableTemplate:
    return TEMPLATES[(table, version)]


# ---------------------------------------------------------------- identities (data: rules over keys)
T3_LEAVES = {
    "2019": tuple(r.key for r in T3_2019.rows[2:-2]),
    "2021": tuple(r.key for r in T3_2021.rows[2:-2] if not r.derived),
}
DERIVED_SUMS = {
    # derived cell pattern -> the cells it sums (per t3 row / per column)
    "legal_entity_total": T3_ORG_COLS,
    "other": ("other_no_correction", "other_no_fee", "other_misc"),
}


@lru_cache(maxsize=None)
def identities(table: str, version: str) -> tuple[Identity, ...]:
    """Every identity of KEYS.md for one template table, in KEYS.md order."""
    out: list[Identity] = []
    if table == "t3":
        leaves = T3_LEAVES[version]
        for c in T3_COL_KEYS:
            new, over, done, forward = (f"t3.{r}.{c}" for r in ("new_received", "carried_over", "total_processed",
                                                                  "carried_forward"))
            out.append(Identity(f"t3.balance.{c}", ((new, 1), (over, 1), (done, -1), (forward, -1)),
                                lhs=(new, over)))
        for c in T3_COL_KEYS:
            out.append(Identity(f"t3.outcomes.{c}", ((f"t3.total_processed.{c}", 1),
                                                     *((f"t3.{r}.{c}", -1) for r in leaves)),
                                lhs=(f"t3.total_processed.{c}",)))
        for r in template("t3", version).data_rows:
            out.append(Identity(f"t3.row.{r.key}", ((f"t3.{r.key}.total", 1),
                                                    *((f"t3.{r.key}.{c}", -1) for c in T3_COL_KEYS[:6])),
                                lhs=(f"t3.{r.key}.total",)))
    elif table == "t4":
        for g in T4_GROUPS:
            out.append(Identity(f"t4.{g}", ((f"t4.cases.{g}_total", 1),
                                            *((f"t4.cases.{g}_{r}", -1) for r, _ in _RESULTS[:4])),
                                lhs=(f"t4.cases.{g}_total",)))
    return tuple(out)


def detect_version(table: str, header_text: str, row_keys: tuple[str, ...] = (),
                   values_per_row: dict[str, int] | None = None, fallback: str | None = None) -> str:
    """The template version of one table, from its labels (markers, rows, row widths), never from the year."""
    key = label_key(header_text, keep_notes=True)
    hits = {v: sum(1 for m in template(table, v).markers if label_key(m) and label_key(m) in key) for v in VERSIONS}
    if table == "t2":
        if {"other_services", "central_procurement"} & set(row_keys):
            hits["2019"] += 2
        widths = values_per_row or {}
        if widths.get("licensing", 0) >= 2 or widths.get("penalty", 0) >= 2:
            hits["2019"] += 1
        elif widths.get("licensing") == 1 or widths.get("penalty") == 1:
            hits["2021"] += 1
    if hits["2019"] != hits["2021"]:
        return max(hits, key=hits.__getitem__)
    return fallback or "2019"


# Pre-2019 reports (free-form sections and a 统计表 of indicators, DOMAIN.md §8.4): recognised, not mapped.
OLD_FORMAT_MARKERS = ("政府信息公开情况统计表", "指标名称", "计量单位", "依申请公开办理情况", "依申请公开工作情况",
                      "主要问题和改进措施", "因政府信息公开申请行政复议", "提起行政诉讼的情况")


def looks_pre_2019(text: str) -> bool:
    key = label_key(text, keep_notes=True)
    return sum(1 for m in OLD_FORMAT_MARKERS if label_key(m) in key) >= 2
