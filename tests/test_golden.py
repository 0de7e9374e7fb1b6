"""Golden files: the whole result document per fixture, reviewed once by a person, diffed on every run.

Set OGI_UPDATE_GOLDEN=1 to rewrite them after an intended change, then review the diff before committing.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import ogi
from tests.conftest import CORPUS, ROOT, SEED

GOLDEN = ROOT / "fixtures" / "golden"
CASES = [("seed", SEED)] + [(n.replace(".txt", "").replace(".md", "").replace(".", "-"), CORPUS / n) for n in (
    "r003.md", "r004.txt", "r005.txt", "r006.txt", "r012.md", "r016.txt", "r101.txt", "r103.txt", "r105.txt",
    "r107.txt", "r111.txt", "r112.txt", "r114.txt",
    "r004.html", "r005.html", "r006.html", "r014.html", "r101.html", "r103.html", "r105.html", "r107.html",
    "r111.html", "r112.html", "r114.html")]


def _document(path: Path) -> dict:
    text = json.dumps(ogi.extract(path).to_dict(), ensure_ascii=False)
    # where the file lies is not part of the result
    return json.loads(text.replace(json.dumps(str(path), ensure_ascii=False)[1:-1], path.name))


@pytest.mark.parametrize("name,path", CASES, ids=[c[0] for c in CASES])
def test_golden(name, path):
    if not path.exists():
        pytest.skip(f"{path} not available")
    got = _document(path)
    golden = GOLDEN / f"{name}.json"
    if os.environ.get("OGI_UPDATE_GOLDEN") == "1" or not golden.exists():
        golden.write_text(json.dumps(got, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        if os.environ.get("OGI_UPDATE_GOLDEN") != "1":
            pytest.fail(f"{golden} did not exist: written now, review it and commit")
    want = json.loads(golden.read_text(encoding="utf-8"))
    diffs = _diff(want, got)
    assert not diffs, f"{name}: {len(diffs)} differences from {golden.name}:\n" + "\n".join(diffs[:30])


def _diff(want: dict, got: dict) -> list[str]:
    out = []
    for part in ("source", "report", "status", "checks", "issues", "text"):
        if want.get(part) != got.get(part):
            out.append(f"{part}: {json.dumps(want.get(part), ensure_ascii=False)[:300]} -> "
                       f"{json.dumps(got.get(part), ensure_ascii=False)[:300]}")
    w = {c["key"]: c for c in want["cells"]}
    g = {c["key"]: c for c in got["cells"]}
    for key in list(w) + [k for k in g if k not in w]:
        if w.get(key) != g.get(key):
            out.append(f"{key}: {w.get(key)} -> {g.get(key)}")
    return out
