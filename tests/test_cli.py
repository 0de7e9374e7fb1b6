"""The command line: readable tables, the exact JSON document, one clear error line for bad input."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT, SEED

EDGE = ROOT / "fixtures" / "edge"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ogi.cli", *args], capture_output=True, text=True, cwd=ROOT)


def test_extract_json_is_the_output_document():
    p = run("extract", str(SEED), "--json")
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert doc["schema"] == "ogi.report/1"
    assert set(doc) == {"schema", "source", "report", "status", "cells", "checks", "issues", "text"}
    cell = next(c for c in doc["cells"] if c["key"] == "t3.new_received.total")
    assert set(cell) == {"key", "value", "unit", "raw", "status", "confidence", "alternatives", "note", "at"}
    assert (cell["value"], cell["status"]) == (161, "inferred")
    assert set(cell["at"]) == {"table", "row", "col", "page", "line"}


def test_extract_prints_tables_with_status_marks():
    p = run("extract", str(SEED))
    assert p.returncode == 0, p.stderr
    assert "total=161~" in p.stdout and "decisions=15503" in p.stdout
    assert "✗ t3.balance.total: 161 + 2 ≠ 159 + 2  (cause: source)" in p.stdout


@pytest.mark.parametrize("path,message", [
    ("no/such/file.txt", "no such file"),
    (str(EDGE / "empty.txt"), "empty file"),
    (str(EDGE / "garbage.bin"), "binary"),
    (str(EDGE / "not_a_report.txt"), "no report found"),
    (str(ROOT / "fixtures"), "not a regular file"),
])
def test_bad_input_gives_one_clear_line(path, message):
    p = run("extract", path)
    assert p.returncode != 0
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in p.stderr, p.stderr
    assert path.split("/")[-1] in lines[0]
