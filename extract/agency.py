"""An agency's name normalised (place in full, known abbreviations spelled out), its administrative level,
and the agency a report body names when it has no title (HTML fragments)."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from extract.regions import ZONE, Region, locate

# the end of an agency name; a government's own office (人民政府办公室) is read whole
BODY_END = r"(?:人民政府办公室|人民政府办公厅|人民政府|管委会办公室|管理委员会|管委会|街道办事处|办事处|委员会|办公室|办公厅|局|厅|委|办|署|院|中心|政府)"
_MENTION = re.compile(r"[\u4e00-\u9fff]{2,24}?" + BODY_END)
ABBREVIATIONS = (("科委", "科学技术委员会"), ("发改委", "发展和改革委员会"), ("卫健委", "卫生健康委员会"),
                 ("住建局", "住房和城乡建设局"), ("人社局", "人力资源和社会保障局"), ("市监局", "市场监督管理局"),
                 ("管理委员会", "管委会"))
# a place named alone stands for its government: zones are run by a 管委会, towns and counties by a 人民政府
_GOVERNMENT_OF = (("街道", "办事处"), (ZONE.pattern, "管委会"), ("", "人民政府"))
# (level, pattern on the part after the place) in order; a government at a place takes the place's rank
_GOVERNMENT = re.compile(r"^(人民政府|管委会|政府)$")
_TOWNSHIP = re.compile(r"(镇|乡|街道)(人民政府|办事处)?$")
_MINISTRY = re.compile(r"^(国务院|国家|中国|中华人民共和国)|(部|总局|总署|委员会|银行)$")
_NOT_AN_AGENCY = re.compile(r"共和国|党工委|党委|市委|区委|县委|省委|关于|门户网站|网站")
_SELF = (("我局", "局"), ("我委", "委"), ("我办", "办公室"), ("本局", "局"))


@dataclass(frozen=True)
class Agency:
    name: str
    region: Region | None
    level: str | None  # ministry | province | city | county | township | department
    notes: tuple[str, ...] = ()  # what normalisation changed


def normalise(written: str, text: str = "") -> Agency:
    """`text`: the report, where a district's name with its city (淮安市洪泽区) may be written in full."""
    name, notes = written.strip(), []
    region = locate(name)
    if region and region.corrected:
        notes.append(f"{region.corrected} read as {region.lowest.name} (one character, division dataset)")
        name = region.lowest.name + name[len(region.corrected):]
    body = name[region.end:] if region else name
    if region and not body:  # the place alone: its government
        body = next(g for pat, g in _GOVERNMENT_OF if re.search(pat + "$", name))
        notes.append(f"{name} names a place: its government {name + body}")
        name += body
    for short, full in ABBREVIATIONS:
        if body.endswith(short) and not body.endswith(full):
            name, body = name[: -len(short)] + full, body[: -len(short)] + full
            notes.append(f"{short} spelled {full}")
    lowest = region.lowest if region else None
    if region and region.county and region.city and region.county.name.endswith("区") and \
            not name.startswith(region.city.name) and name.startswith(region.county.name) and \
            region.city.name + region.county.name in text:
        name = region.city.name + name  # the report names the district with its city (洪泽区 → 淮安市洪泽区)
        notes.append(f"district named with its city {region.city.name}, as the report writes it")
    return Agency(name, region, _level(body, lowest.rank if lowest else None), tuple(notes))


def _level(body: str, rank: int | None) -> str | None:
    if _TOWNSHIP.search(body) and rank is not None:
        return "township"
    if rank is None:
        return "ministry" if body and _MINISTRY.search(body) else None
    zone = ZONE.match(body)
    rest = body[zone.end():] if zone else body
    if _GOVERNMENT.match(rest):
        return ("province", "city", "county")[rank]
    return "department"


def from_body(text: str) -> tuple[str | None, str]:
    """The agency a report body names, for a page without a title: the full names it mentions (a place,
    then an agency) grouped by place and agency, scored by mentions, by the report's own statements
    (现将…, 请与…联系) and by how it speaks of itself (我局); returns (name, how it was found)."""
    votes: Counter = Counter()
    spelled: dict[tuple, Counter] = {}
    stated = {m.group(1) for pat in (r"现将([\u4e00-\u9fff]{4,30}?)\d{4}\s*年", r"请与([\u4e00-\u9fff]{4,30}?)联系",
                                     r"本报告由([\u4e00-\u9fff]{4,30}?)(?:根据|编制|负责)")
              for m in re.finditer(pat, text)}
    selves = [suffix for word, suffix in _SELF if word in text]
    for m in _MENTION.finditer(text):
        for start in range(m.start(), m.end() - 2):
            written = _own(text[start:m.end()], text, m.end())
            region = locate(written)
            body = ZONE.sub("", written[region.end:]) if region else ""
            by_short = region is not None and not written.startswith(region.lowest.name)
            if region and body and not _NOT_AN_AGENCY.search(written) and not (by_short and len(body) < 3):
                key = (region.lowest.code, body)
                votes[key] += 1 + 2 * any(written in s for s in stated) + any(key[1].endswith(s) for s in selves)
                spelled.setdefault(key, Counter())[written] += 1
                break
    if not votes:
        return None, "none"
    key = max(votes, key=lambda k: (votes[k], len(k[1])))
    name = max(spelled[key], key=lambda w: (spelled[key][w], len(w)))
    return name, "prose"


def _own(written: str, text: str, end: int) -> str:
    """A department's own 办公室 is part of it, not the agency (请与…局办公室联系); a 委/委员会 cut short is
    completed; a government's office is kept (人民政府办公室)."""
    if written.endswith("委") and text.startswith("员会", end):
        return written + "员会"
    if re.search(r"(局|委员会|厅)办公室$", written):
        return written[: -3]
    return written
