from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("OGI_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus"
SEED = ROOT / "fixtures" / "seed" / "000_e121fe427aa0e29e.txt"


def corpus_file(name: str) -> Path:
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"{path} not available (../shared/corpus absent)")
    return path
