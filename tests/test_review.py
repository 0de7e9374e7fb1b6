"""The review page: every byte from a report escaped, deterministic, and working in a real browser."""
from __future__ import annotations

import base64
import hashlib
import re
import struct
import subprocess
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from ogi.runner import CELL_STATUSES, run_batch, write_tables
from ogi.review import MAX_TEXT, write_review
from tests.conftest import ROOT

XSS = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>')
BAD = "".join(XSS)
CHROMIUM = Path("/usr/bin/chromium")  # Debian: apt-get install -y chromium


def _cell(path: str, key: str, **kw) -> dict:
    row = {"report_id": "ab" * 32, "path": path, "key": key, "value": 1.0, "unit": None, "raw": "1",
           "status": "read", "confidence": 1.0, "alternatives": "[]", "note": None, "at_table": 1, "at_row": 2,
           "at_col": 3, "at_page": None, "at_line": 4}
    return {**row, **kw}


def _evil_out(out: Path) -> Path:
    """A batch folder whose every string field carries markup, as a hostile report could."""
    out.mkdir()
    path, other = f"reports/{BAD}.html", "reports/x\u202e<b>lmth.exe"
    counts = {f"cells_{s}": 0 for s in CELL_STATUSES}
    rep = {"report_id": "ab" * 32, "path": path, "sha256": "ab" * 32, "format": BAD, "agency": BAD, "year": 2020,
           "title": BAD, "templates": '{"t2": "2019", "t3": "2019", "t4": "2019"}', "status": "inconsistent",
           **counts, "seconds": 0.1}
    tables = {
        "reports": [rep, {**rep, "report_id": "cd" * 32, "path": other, "templates": "{not json",
                          "status": BAD, "agency": None, "year": None}],
        "cells": [_cell(path, "t3.new_received.total", raw=BAD, note=BAD),
                  _cell(path, "t3.carried_over.total", status="ambiguous", confidence=0.5,
                        alternatives=f'["{XSS[1].replace(chr(34), chr(92) + chr(34))}", 7]'),
                  _cell(path, "t2.central_procurement.amount", unit=BAD, value=12.5),
                  _cell(path, "t4.cases.review_total", raw="9" * 10_000, status=BAD),
                  _cell(path, f"extra.t2.{BAD}.1", raw=BAD)],
        "checks": [{"report_id": "ab" * 32, "path": path, "id": "t3.balance.total", "ok": False, "lhs": 1.0,
                    "rhs": 2.0, "cause": BAD, "detail": BAD},
                   {"report_id": "ab" * 32, "path": path, "id": BAD, "ok": False, "lhs": 1.0, "rhs": 2.0,
                    "cause": "source", "detail": "x"}],
        "issues": [{"report_id": "ab" * 32, "path": path, "code": BAD, "severity": BAD, "message": BAD * 100,
                    "keys": "[]"}],
        "errors": [{"path": f"in/{BAD}.pdf", "sha256": None, "error": BAD}],
    }
    write_tables(tables, out)  # the batch's own writer and schema
    return out


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self._in = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        self._in = tag if tag in ("script", "style") else None

    def handle_data(self, data):
        if self._in == "script":
            self.scripts.append(data)
        elif self._in == "style":
            self.styles.append(data)
        self._in = None


def _sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_everything_from_a_report_is_escaped(tmp_path):
    out = _evil_out(tmp_path / "out")
    page = write_review(out).read_text(encoding="utf-8")
    for payload in XSS:
        assert payload not in page
        assert escape(payload) in page  # shown as text, e.g. the agency
    assert "<img" not in page and "\u202e" not in page
    assert "9" * (MAX_TEXT + 1) not in page  # long raw text is cut
    parser = _Tags()
    parser.feed(page)
    tags = {t for t, _ in parser.tags}
    assert tags <= {"html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "span", "div",
                    "b", "label", "select", "option", "main", "details", "summary", "table", "caption", "tr", "th",
                    "td", "i", "br", "a", "p", "section", "aside", "ul", "li", "script"}, tags
    assert [t for t, _ in parser.tags].count("script") == 1
    for _tag, attrs in parser.tags:
        for name, value in attrs:
            assert not name.startswith("on") and "javascript:" not in (value or "").lower()
            if name == "href":
                assert value.startswith(("#", "file:///")) and not re.search(r'[<>"\s]', value), value
    # a strict CSP that lets through only this page's own script and style
    csp = next(dict(a)["content"] for t, a in parser.tags if t == "meta" and dict(a).get("http-equiv"))
    assert csp.startswith("default-src 'none';") and "unsafe-inline" not in csp
    assert f"script-src {_sha(parser.scripts[0])};" in csp and f"style-src {_sha(parser.styles[0])};" in csp
    # the input path becomes a percent-encoded file:// link, the tables are laid out with the cells in place
    assert 'href="file:///' in page and "%3Cscript%3Ealert%281%29%3C/script%3E" in page
    assert 'class="t3"' in page and "t3: not found" not in page.split('id="r2"')[0]


def test_same_tables_give_the_same_bytes(tmp_path):
    out = _evil_out(tmp_path / "out")
    first = write_review(out).read_bytes()
    assert write_review(out).read_bytes() == first


# ---------------------------------------------------------------- in a real browser

@pytest.fixture(scope="module")
def chromium():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} absent (apt-get install -y chromium)")
    return CHROMIUM


@pytest.fixture(scope="module")
def batch_out(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("review") / "out"
    run_batch([ROOT / "fixtures"], out, workers=1, progress=False)
    write_review(out, base=ROOT)
    return out


def _run(chromium: Path, tmp: Path, url: str, *args: str) -> str:
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    cmd = [str(chromium), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}", *args, url]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True).stdout


def _dom(chromium: Path, tmp: Path, page: Path, fragment: str = "") -> str:
    dom = _run(chromium, tmp, page.as_uri() + fragment, "--dump-dom")
    assert 'data-ready="1"' in dom  # the inline script ran: its CSP hash matches
    return dom


def _shown(dom: str) -> list[str]:
    return [m.group(1) for m in re.finditer(r'<section class="report" id="(r\d+)"([^>]*)>', dom)
            if "hidden" not in m.group(2)]


def test_filters_by_report_status_cell_status_and_check_in_chromium(chromium, batch_out, tmp_path):
    page = batch_out / "review.html"
    reports = pd.read_parquet(batch_out / "reports.parquet")
    ids = {f"r{i}": r for i, r in enumerate(reports.itertuples(), 1)}
    everything = _dom(chromium, tmp_path, page)
    assert _shown(everything) == list(ids) and f"{len(ids)} of {len(ids)} reports shown" in everything

    dom = _dom(chromium, tmp_path, page, "#status=inconsistent")
    assert _shown(dom) == [k for k, r in ids.items() if r.status == "inconsistent"] != []
    assert f"{len(_shown(dom))} of {len(ids)} reports shown" in dom

    dom = _dom(chromium, tmp_path, page, "#cell=ambiguous")
    assert _shown(dom) == [k for k, r in ids.items() if r.cells_ambiguous > 0] != []
    assert '<body data-cell="ambiguous"' in dom

    checks = pd.read_parquet(batch_out / "checks.parquet")
    failing = checks[checks.ok == False]  # noqa: E712
    check = sorted(failing.id)[0]
    dom = _dom(chromium, tmp_path, page, f"#check={check}")
    paths = set(failing[failing.id == check].path)
    assert _shown(dom) == [k for k, r in ids.items() if r.path in paths]
    highlighted = re.findall(r'<td class="[^"]*\bhl\b[^"]*"', dom)
    assert highlighted and all(" fail" in td for td in highlighted)

    dom = _dom(chromium, tmp_path, page, "#status=no-such-status")  # unknown values: no filter
    assert _shown(dom) == list(ids)


def test_hostile_page_renders_as_text_in_chromium(chromium, tmp_path):
    out = _evil_out(tmp_path / "out")
    dom = _dom(chromium, tmp_path, write_review(out))
    assert "<img" not in dom and "alert(1)</script>" not in dom.split("<script>")[0]
    assert escape(XSS[1], quote=False) in dom


def test_screenshot_is_a_real_page(chromium, batch_out, tmp_path):
    png = tmp_path / "review.png"
    _run(chromium, tmp_path, (batch_out / "review.html").as_uri() + "#status=inconsistent",
         f"--screenshot={png}", "--window-size=1400,2000", "--hide-scrollbars")
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (1400, 2000)
    assert len(data) > 50_000  # a blank or error page compresses to a few kB
