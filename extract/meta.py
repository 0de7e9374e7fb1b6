"""Who, where and when: title, agency, level, region, year, publication date, scope and URL of a report, each
with where it came from (title, page metadata, prose, file name)."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from extract.agency import BODY_END, from_body, normalise
from extract.regions import region_fields

_META_LINE = re.compile(r"^\s*(标题|发布时间|发布日期|成文日期|发布机构|发文机关|信息来源|来源|索引号|原文链接|文号)[ \t]*[:：][ \t]*(.*)$",
                        re.M)
# page metadata, by the labels sites use, under stable names
PAGE_FIELDS = (("publisher", ("发布机构", "发文机关", "信息来源", "来源")),
               ("published", ("发布日期", "发布时间", "成文日期")),
               ("index_no", ("索引号",)), ("doc_no", ("文号",)), ("url", ("原文链接",)))


def page_fields(meta: dict[str, str]) -> tuple[tuple[str, str | None], ...]:
    return tuple((name, next((meta[k] for k in keys if meta.get(k)), None)) for name, keys in PAGE_FIELDS)
_TITLE = re.compile(r"([\u4e00-\u9fff()（）]{2,40}?)\s*(\d{4})\s*年(?:度)?\s*政府信息公开(?:工作)?年度报告")
# year first: 2019年上海市人民政府办公厅政府信息公开工作年度报告 (the title may wrap before 年度报告)
_TITLE_YEAR_FIRST = re.compile(r"(\d{4})\s*年(?:度)?\s*([\u4e00-\u9fff]{2,30}?" + BODY_END
                               + r")\s*政府信息公开(?:工作)?\s*年度报告")
_AGENCY_SUFFIX = r"(?:人民政府办公室|人民政府|管委会办公室|管委会|委员会|办公厅|办公室|办事处|局|厅|委|办|署|院|中心|政府)"
_PROSE = re.compile(r"(\d{4})\s*年(?:度)?\s*[,，]?\s*(?:我局|我委|我办|我区|我县|我市)?\s*([\u4e00-\u9fff]{2,24}?" + _AGENCY_SUFFIX + ")")


def page_metadata(text: str) -> tuple[tuple[str, str], ...]:
    return tuple((m.group(1), m.group(2).strip()) for m in _META_LINE.finditer(text[:3000]) if m.group(2).strip())


def title_agency_year(text: str, meta: dict[str, str]) -> tuple[str | None, str | None, int | None]:
    title = meta.get("标题")
    agency, year = None, None
    head = title or text[:400]
    m = _TITLE.search(head)
    first = _TITLE_YEAR_FIRST.search(head)
    if first and (not m or first.start() < m.start()):
        title = title or re.sub(r"\s*\n\s*", "", first.group(0))
        agency, year = first.group(2), int(first.group(1))
        m = None
    if m:
        title = title or re.sub(r"\s*\n\s*", "", m.group(0))  # a title printed on two lines
        agency, year = m.group(1).strip(), int(m.group(2))
    if not agency:
        m = _PROSE.search(text[:3000])
        if m:
            agency, year = m.group(2), year or int(m.group(1))
    publisher = meta.get("发布机构") or meta.get("发文机关")
    if publisher and (not agency or (publisher.startswith(agency) and not re.search(_AGENCY_SUFFIX + "$", agency))):
        agency = publisher  # the title names the place (平潭综合实验区), the page names the office
    if year is None:
        m = re.search(r"(20\d\d)\s*年", text[:3000])
        year = int(m.group(1)) if m else None
    return title, agency, year


@dataclass(frozen=True)
class Meta:
    """The report's identity; `sources` says for each field where it came from."""

    agency: str | None
    year: int | None
    title: str | None
    level: str | None
    region: tuple[tuple[str, str | None], ...]
    published: str | None
    scope: str | None  # agency (本机关) | region (本行政区域汇总)
    url: str | None
    sources: tuple[tuple[str, str], ...]
    notes: tuple[str, ...] = ()


_DATE = re.compile(r"(20\d\d)\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})")
_REGION_SCOPE = re.compile(r"本行政区域|全(?:省|市|县|区|州|旗)(?:共|全年|各级|各部门)?(?:主动公开|受理|收到|新收|办理)")
_AGENCY_SCOPE = re.compile(r"本机关|我局|我委|我办|本局|本单位")


def report_meta(text: str, meta: dict[str, str], doc_title: str | None, path: str,
                sections: dict[str, str] | None = None) -> Meta:
    title, written, year = title_agency_year(text, meta)
    if not title and not meta.get("标题") and doc_title:  # the file's own title (HTML <title>, PDF Title)
        by_doc = title_agency_year(doc_title, {})
        if by_doc[0]:
            title, written, year = by_doc
    if written and not re.search(BODY_END + "$", written) and normalise(written).level is None:
        # neither an agency nor a place (编制2022年…年度报告 in the prose)
        title, written, year = None, None, None
    src: dict[str, str] = {}
    if title or meta.get("标题"):
        src["agency"] = src["year"] = "title"
    elif written:
        src["agency"] = src["year"] = "prose"
    publisher = meta.get("发布机构") or meta.get("发文机关")
    if written and publisher == written and not title:
        src["agency"] = "page metadata"
    if not written or (not title and not meta):  # a report body alone: the agency it names most
        found, how = from_body(text[:6000])
        if found:
            written, src["agency"] = found, how
    if not title and not meta.get("标题"):
        years = Counter(re.findall(r"(20\d\d)\s*年", text[:3000]))
        if years:
            year, src["year"] = int(max(years, key=lambda y: (years[y], y))), "prose"
    if year is None:
        m = re.search(r"(?<!\d)(20\d\d)(?!\d)", path.rsplit("/", 1)[-1])
        if m:
            year, src["year"] = int(m.group(1)), "file name"
    agency = normalise(written, text) if written else None
    publisher = dict(page_fields(meta)).get("publisher")
    if agency and publisher and any("names a place" in n for n in agency.notes) and publisher.startswith(written):
        agency, src["agency"] = normalise(publisher, text), "page metadata"  # the title names the place, the page the office
    if agency:
        src["level"] = "agency name"
        if agency.region:
            src["region"] = "agency name, division dataset (cpca)"
    page = dict(page_fields(meta))
    published, url = _iso(page.get("published")), page.get("url")
    if published:
        src["published"] = "page metadata"
    else:
        m = _DATE.search(text[:800])
        if m and re.search(r"[（(]\s*" + re.escape(m.group(0)) + r"日?\s*[）)]", text[:800]):
            published, src["published"] = _iso(m.group(0)), "prose"
    if url:
        src["url"] = "page metadata"
    first = (sections or {}).get("1") or ""
    scope = _scope(text[: max(0, text.find(first[:30]))] + first if first else text[:1500])
    if scope:
        src["scope"] = "prose"
    return Meta(agency.name if agency else None, year, title or doc_title, agency.level if agency else None,
                region_fields(agency.region if agency else None), published, scope, url, tuple(src.items()),
                agency.notes if agency else ())


def _iso(date: str | None) -> str | None:
    m = _DATE.search(date or "")
    return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" if m else None


def _scope(head: str) -> str | None:
    """From the introduction and section 一 only (the t3 label 本机关不掌握… says nothing of scope)."""
    if _REGION_SCOPE.search(head):
        return "region"
    if _AGENCY_SCOPE.search(head):
        return "agency"
    return None
