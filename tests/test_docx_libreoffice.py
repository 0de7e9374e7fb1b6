"""DOC/WPS/RTF/ODT through LibreOffice: 50 generated reports saved as .doc read exactly, the reader's own
per-file conversion (two at once), RTF and ODT, the time limit, the error when LibreOffice is missing, and
`ogi extract` / `ogi batch` on Word files. Skips (with the reason) where LibreOffice is not installed."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from extract.convert import convert_bytes, convert_files, soffice_path
from extract.sniff import ReadError
from ogi.api import extract, extract_bytes
from ogi.runner import run_batch
from ogi.synth_docx import render_docx
from tests.conftest import ROOT
from tests.test_docx import CASES, _synth, problems

N_DOC = 50
needs_soffice = pytest.mark.skipif(soffice_path() is None, reason="LibreOffice (soffice) is not installed: "
                                   "apt-get install libreoffice-writer-nogui")


@pytest.fixture(scope="module")
def doc_files(tmp_path_factory) -> list[tuple[Path, tuple[str, str, int]]]:
    """50 generated reports (every style, both versions) as DOCX, saved as .doc by one LibreOffice run."""
    folder = tmp_path_factory.mktemp("doc")
    cases = CASES[:N_DOC]
    sources = []
    for style, version, seed in cases:
        p = folder / f"r-{style}-{version}-{seed}.docx"
        p.write_bytes(render_docx(_synth(version, seed), style))
        sources.append(p)
    docs = convert_files(sources, folder / "doc", "doc")
    assert len(docs) == N_DOC
    return list(zip(docs, cases))


@needs_soffice
def test_fifty_doc_reports_are_read_exactly(doc_files, tmp_path):
    """The .doc files go back to DOCX as the reader converts them (one LibreOffice run for all 50 here)."""
    docs = [p for p, _ in doc_files]
    assert all(p.read_bytes()[:4] == b"\xd0\xcf\x11\xe0" for p in docs)
    back = convert_files(docs, tmp_path, "docx")
    assert [p.stem for p in back] == [p.stem for p in docs]
    for p, (style, version, seed) in zip(back, (c for _, c in doc_files)):
        found = problems(extract_bytes(p.read_bytes(), p.name), _synth(version, seed))
        assert not found, f"{p.name}: {len(found)} problems:\n" + "\n".join(found[:20])


@needs_soffice
def test_reader_converts_doc_files_itself_two_at_once(doc_files):
    picked = doc_files[:4]  # word/split/boxed, both versions
    start = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(lambda item: extract(item[0]), picked))
    elapsed = time.perf_counter() - start
    for report, (path, (_style, version, seed)) in zip(reports, picked):
        found = problems(report, _synth(version, seed), fmt="doc")
        assert not found, f"{path.name}: " + "\n".join(found[:20])
        assert report.source.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert elapsed < 60


@needs_soffice
def test_rtf_and_odt_are_converted_and_read(doc_files, tmp_path):
    path, (style, version, seed) = doc_files[5]
    for target, fmt in (("rtf", "rtf"), ("odt", "odt")):
        (converted,) = convert_files([path], tmp_path / target, target)
        report = extract(converted)
        found = problems(report, _synth(version, seed), fmt=fmt)
        assert not found, f"{fmt}: " + "\n".join(found[:20])


def test_missing_libreoffice_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("OGI_SOFFICE", "/nonexistent/soffice")
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
    with pytest.raises(ReadError) as info:
        extract_bytes(ole, "report.doc")
    msg = str(info.value)
    assert msg.startswith("report.doc: converting this format needs LibreOffice (soffice), which is not installed")
    assert "apt-get install libreoffice-writer-nogui" in msg
    with pytest.raises(ReadError, match="needs LibreOffice"):
        extract_bytes(b"{\\rtf1\\ansi hello}", "report.rtf")


def test_conversion_time_limit_kills_the_process_group(monkeypatch, tmp_path):
    pid_file = tmp_path / "child.pid"
    fake = tmp_path / "soffice"
    fake.write_text(f"#!/bin/sh\nsleep 300 &\necho $! > {pid_file}\nwait\n")
    fake.chmod(0o755)
    monkeypatch.setenv("OGI_SOFFICE", str(fake))
    start = time.perf_counter()
    with pytest.raises(ReadError, match=r"report.doc: LibreOffice did not finish converting within 1 s"):
        convert_bytes(b"\xd0\xcf\x11\xe0", ".doc", "report.doc", "DOC", timeout=1.0)
    assert time.perf_counter() - start < 5
    child = int(pid_file.read_text())
    time.sleep(0.2)
    assert not Path(f"/proc/{child}").exists() or "Z" in Path(f"/proc/{child}/stat").read_text().split()[2]


def test_damaged_doc_is_a_read_error(tmp_path):
    if soffice_path() is None:
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui")
    with pytest.raises(ReadError, match="report.doc: "):
        extract_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(3000), "report.doc")


@needs_soffice
def test_cli_and_batch_on_word_files(doc_files, tmp_path):
    docx_path = doc_files[0][0].parent.parent / (doc_files[0][0].stem + ".docx")
    p = subprocess.run([sys.executable, "-m", "ogi.cli", "extract", str(docx_path), "--json"], capture_output=True,
                       text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert doc["source"]["format"] == "docx" and doc["status"] in ("ok", "inconsistent")
    folder = tmp_path / "in"
    folder.mkdir()
    for path, _ in doc_files[:2]:
        (folder / path.name).write_bytes(path.read_bytes())
        src = path.parent.parent / (path.stem + ".docx")
        (folder / src.name).write_bytes(src.read_bytes())
    (folder / "bomb.docx").write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    run_batch([folder], tmp_path / "out", workers=2, progress=False)
    reports = pd.read_parquet(tmp_path / "out" / "reports.parquet")
    errors = pd.read_parquet(tmp_path / "out" / "errors.parquet")
    assert sorted(reports.format) == ["doc", "doc", "docx", "docx"]
    assert set(reports.status) <= {"ok", "inconsistent"}
    assert list(errors.path.str.rsplit("/", n=1).str[-1]) == ["bomb.docx"] and "DOCX" in errors.error[0]
