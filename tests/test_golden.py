"""Golden files: the whole result document per fixture, reviewed once by a person, diffed on every run.

The comparison and the rewrite are those of `ogi verify` (a golden file is an expected file of the
`document` form: every field compared by `ogi.compare.diff_reports`, the function `ogi diff` uses too).
Set OGI_UPDATE_GOLDEN=1 to rewrite them after an intended change, then review the diff before committing.
"""
from __future__ import annotations

import os

import pytest

from ogi.expected import verify_pairs
from ogi.testing import assert_verified
from tests.conftest import CORPUS, ROOT, SEED

GOLDEN = ROOT / "fixtures" / "golden"
CASES = [("seed", SEED)] + [(n.replace(".txt", "").replace(".md", "").replace(".", "-"), CORPUS / n) for n in (
    "r003.md", "r004.txt", "r005.txt", "r006.txt", "r012.md", "r016.txt", "r101.txt", "r103.txt", "r105.txt",
    "r107.txt", "r111.txt", "r112.txt", "r114.txt",
    "r004.html", "r005.html", "r006.html", "r014.html", "r101.html", "r103.html", "r105.html", "r107.html",
    "r111.html", "r112.html", "r114.html")]


@pytest.mark.parametrize("name,path", CASES, ids=[c[0] for c in CASES])
def test_golden(name, path):
    if not path.exists():
        pytest.skip(f"{path} not available")
    golden = GOLDEN / f"{name}.json"
    update = os.environ.get("OGI_UPDATE_GOLDEN") == "1"
    existed = golden.exists()
    result = verify_pairs([(path, golden)], write=update or not existed, new_form="document", root=ROOT)
    if not existed:
        pytest.fail(f"{golden} did not exist: written now, review it and commit")
    if not update:
        assert_verified(result)
