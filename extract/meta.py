"""Title, agency and year from a report's text (page metadata lines when present, else the prose)."""
from __future__ import annotations

import re

_META_LINE = re.compile(r"^\s*(标题|发布时间|发布日期|成文日期|发布机构|发文机关|信息来源|来源|索引号|原文链接|文号)[ \t]*[:：][ \t]*(.*)$",
                        re.M)
# page metadata, by the labels sites use, under stable names
PAGE_FIELDS = (("publisher", ("发布机构", "发文机关", "信息来源", "来源")),
               ("published", ("发布日期", "发布时间", "成文日期")),
               ("index_no", ("索引号",)), ("doc_no", ("文号",)), ("url", ("原文链接",)))


def page_fields(meta: dict[str, str]) -> tuple[tuple[str, str | None], ...]:
    return tuple((name, next((meta[k] for k in keys if meta.get(k)), None)) for name, keys in PAGE_FIELDS)
_TITLE = re.compile(r"([\u4e00-\u9fff()（）]{2,40}?)\s*(\d{4})\s*年(?:度)?\s*政府信息公开(?:工作)?年度报告")
_AGENCY_SUFFIX = r"(?:人民政府办公室|人民政府|管委会办公室|管委会|委员会|办公厅|办公室|办事处|局|厅|委|办|署|院|中心|政府)"
_PROSE = re.compile(r"(\d{4})\s*年(?:度)?\s*[,，]?\s*(?:我局|我委|我办|我区|我县|我市)?\s*([\u4e00-\u9fff]{2,24}?" + _AGENCY_SUFFIX + ")")


def page_metadata(text: str) -> tuple[tuple[str, str], ...]:
    return tuple((m.group(1), m.group(2).strip()) for m in _META_LINE.finditer(text[:3000]) if m.group(2).strip())


def title_agency_year(text: str, meta: dict[str, str]) -> tuple[str | None, str | None, int | None]:
    title = meta.get("标题")
    agency, year = None, None
    head = title or text[:400]
    m = _TITLE.search(head)
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
