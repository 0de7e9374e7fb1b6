"""China's administrative divisions (GB/T 2260 codes) and the place a name begins with.

The division list is the data file shipped inside the `cpca` wheel (`cpca/resources/adcodes.csv`: 12-digit
codes of every province, prefecture and county; read as a file, the package's matcher is not used). A
name is read from its start: province, then prefecture, then county, each by its full name (南通市) or its
name without the type suffix (平潭 for 平潭县), each level only inside the one before it.
"""
from __future__ import annotations

import csv
import importlib.util
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

RANKS = ("province", "city", "county")
_SUFFIX = re.compile(r"(特别行政区|维吾尔自治区|壮族自治区|回族自治区|自治区|自治州|自治县|自治旗|林区|地区|省|市|区|县|盟|旗)$")
_PLACEHOLDERS = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")
# special zones run by a 管委会, written after a place name (平潭综合实验区)
_LOOKALIKE = 64  # code-point distance within which two characters of one radical may be misread
ZONE = re.compile(r"(综合实验区|综合区|经济技术开发区|高新技术产业开发区|高新区|开发区|新区|实验区)")


@dataclass(frozen=True)
class Division:
    code: str  # 6 digits
    name: str
    rank: int  # 0 province, 1 city, 2 county

    @property
    def short(self) -> str:
        s = _SUFFIX.sub("", self.name)
        return s if len(s) >= 2 and s != self.name else self.name


@dataclass(frozen=True)
class Region:
    province: Division | None
    city: Division | None
    county: Division | None
    end: int  # characters of the name consumed by the place (zone words included)
    corrected: str | None = None  # the place as written, when it was read as a one-character misprint

    @property
    def lowest(self) -> Division | None:
        return self.county or self.city or self.province


def _data_file() -> Path:
    spec = importlib.util.find_spec("cpca")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the administrative-division data needs the `cpca` package (pip install cpca)")
    return Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv"


@lru_cache(maxsize=1)
def divisions() -> dict[str, Division]:
    out: dict[str, Division] = {}
    with _data_file().open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            code, name = row["adcode"][:6], row["name"].strip()
            if name in _PLACEHOLDERS:
                continue
            rank = 0 if code.endswith("0000") else 1 if code.endswith("00") else 2
            out[code] = Division(code, name, rank)
    return out


@lru_cache(maxsize=1)
def _by_name() -> dict[str, tuple[tuple[Division, bool], ...]]:
    index: dict[str, list[tuple[Division, bool]]] = {}
    for d in divisions().values():
        index.setdefault(d.name, []).append((d, True))
        if d.short != d.name:
            index.setdefault(d.short, []).append((d, False))
    return {k: tuple(v) for k, v in index.items()}


def _inside(d: Division, parent: Division | None) -> bool:
    return parent is None or d.code.startswith(parent.code[: 2 * (parent.rank + 1)])


def _step(name: str, pos: int, rank: int, parent: Division | None) -> tuple[Division, int] | None:
    """The division of rank > `rank` inside `parent` named at `pos` (longest name first; unique)."""
    index = _by_name()
    for length in range(min(12, len(name) - pos), 1, -1):
        hits = [d for d, _full in index.get(name[pos:pos + length], ()) if d.rank > rank and _inside(d, parent)]
        if len({d.code for d in hits}) == 1:
            return hits[0], pos + length
        if len(hits) > 1:
            return None  # 鼓楼区 alone: several places, none chosen
    return None


def locate(name: str) -> Region | None:
    """The place `name` starts with, or None. A one-character misprint of a county or city at the start
    (沐阳县 for 沭阳县) is read as that place when exactly one division differs by that character."""
    found: dict[int, Division] = {}
    pos, rank, parent, corrected = 0, -1, None, None
    while True:
        hit = _step(name, pos, rank, parent)
        if hit is None:
            break
        d, pos = hit
        found[d.rank], rank, parent = d, d.rank, d
    if not found:
        fix = _misprint(name)
        if fix is None:
            return None
        found[fix.rank], pos, corrected = fix, len(fix.name), name[: len(fix.name)]
    lowest = found[max(found)]
    codes = divisions()
    province = found.get(0) or codes.get(lowest.code[:2] + "0000")
    city = found.get(1) or (codes.get(lowest.code[:4] + "00") if lowest.rank == 2 else None)
    m = ZONE.match(name, pos)
    return Region(province, city, found.get(2), m.end() if m else pos, corrected)


def _misprint(name: str) -> Division | None:
    m = re.match(r"[\u4e00-\u9fff]{2,4}?(县|区|市)", name)
    if not m:
        return None
    written = m.group(0)
    if written in _by_name():
        return None
    near = []
    for d in divisions().values():
        diff = [(a, b) for a, b in zip(d.name, written) if a != b] if len(d.name) == len(written) else []
        if d.rank > 0 and len(diff) == 1 and d.name[-1] == written[-1]:
            near.append((abs(ord(diff[0][0]) - ord(diff[0][1])), d))
    near.sort(key=lambda x: x[0])
    # CJK code points run by radical, then strokes: a near code point is a look-alike (沐/沭), a far one is not
    if near and near[0][0] <= _LOOKALIKE and (len(near) == 1 or near[1][0] > near[0][0]):
        return near[0][1]
    return None


def region_fields(region: Region | None) -> tuple[tuple[str, str | None], ...]:
    """(("province", "江苏省"), ("province_code", "320000"), ("city", …), …) for the output document."""
    out = []
    for rank in RANKS:
        d = getattr(region, rank) if region else None
        out += [(rank, d.name if d else None), (f"{rank}_code", d.code if d else None)]
    return tuple(out)
