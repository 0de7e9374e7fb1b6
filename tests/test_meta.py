"""Who, where, when: agency, level, region and year of every corpus report and the seed."""
from __future__ import annotations

import csv

import pytest

import ogi
from extract.agency import normalise
from extract.regions import locate
from tests.conftest import CORPUS, SEED, corpus_file

# (level, province, city, county) by report id; agency and year come from MANIFEST.tsv
PLACES = {
    "seed": ("department", "江苏省", "南通市", None),
    "r001": ("county", "江苏省", "淮安市", "洪泽区"), "r003": ("county", "江苏省", "宿迁市", "沭阳县"),
    "r004": ("county", "福建省", "福州市", "平潭县"), "r005": ("department", "福建省", "福州市", "平潭县"),
    "r006": ("county", "福建省", "福州市", "平潭县"), "r011": ("city", "江苏省", "淮安市", None),
    "r012": ("department", "上海市", None, None), "r014": ("department", "上海市", None, None),
    "r016": ("county", "福建省", "福州市", "平潭县"),
    **{r: ("department", "福建省", "福州市", "平潭县") for r in ("r101", "r103", "r105", "r107", "r111", "r112", "r114")},
}
# MANIFEST names the 2018 whole-zone report's compiler (区管委会办公室编制完成了本报告); r004 says the same
# sentence and MANIFEST names the government. ogi reads both titles (平潭综合实验区) as the government.
MANIFEST_DIFFERS = {"r016": "平潭综合实验区管委会"}


def _manifest() -> list[dict]:
    path = corpus_file("MANIFEST.tsv")
    return [r for r in csv.DictReader(path.open(encoding="utf-8"), delimiter="\t") if r["year"].isdigit()]


def _files(rid: str) -> list:
    return [SEED] if rid == "seed" else sorted(CORPUS.glob(f"{rid}.*"))


def test_seed_metadata():
    r = ogi.extract(SEED).report
    assert (r.agency, r.year, r.level) == ("南通市行政审批局", 2019, "department")
    assert dict(r.region) == {"province": "江苏省", "province_code": "320000", "city": "南通市",
                              "city_code": "320600", "county": None, "county_code": None}
    assert dict(r.sources)["region"] == "agency name, division dataset (cpca)"
    assert dict(r.sources)["agency"] == "prose"


@pytest.mark.skipif(not CORPUS.exists(), reason="../shared/corpus absent")
def test_every_corpus_report_has_agency_level_region_and_year():
    rows = _manifest()
    assert len(rows) == 17  # all but the blank template r017
    checked = 0
    for row in rows:
        for path in _files(row["id"]):
            rep = ogi.extract(path).report
            agency = MANIFEST_DIFFERS.get(row["id"], row["agency"].split(" (")[0])
            level, province, city, county = PLACES[row["id"]]
            region = dict(rep.region)
            got = (rep.agency, rep.year, rep.level, region["province"], region["city"], region["county"])
            assert got == (agency, int(row["year"]), level, province, city, county), path.name
            assert {"agency", "year", "level", "region"} <= set(dict(rep.sources)), path.name
            checked += 1
    assert checked == 27  # the seed and every corpus file but r017


def test_names_normalised_against_the_division_list():
    # a district with its city, where the report writes it so (r001's prose: 淮安市洪泽区人民政府办公室)
    assert normalise("洪泽区人民政府", "由淮安市洪泽区人民政府办公室").name == "淮安市洪泽区人民政府"
    assert normalise("洪泽区人民政府").name == "洪泽区人民政府"
    fixed = normalise("沐阳县人民政府")  # a converter's misread glyph
    assert (fixed.name, fixed.region.county.code) == ("沭阳县人民政府", "321322")
    assert normalise("上海市科委").name == "上海市科学技术委员会"
    assert normalise("平潭综合实验区").name == "平潭综合实验区管委会"
    assert normalise("如皋市城关镇人民政府").level == "township"
    assert normalise("江苏省人民政府").level == "province"
    assert normalise("国家税务总局").level == "ministry"
    assert locate("鼓楼区财政局") is None  # four 鼓楼区: none chosen without a city
    assert locate("福州市鼓楼区财政局").county.code == "350102"
