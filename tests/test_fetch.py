"""`ogi fetch` against a mock government site on 127.0.0.1 built from ../shared/corpus (offline, fast)."""
from __future__ import annotations

import dataclasses
import hashlib
import http.server
import threading
import time
from email.utils import formatdate
from pathlib import Path

import pandas as pd
import pytest

import ogi
from extract.fetch import (FetchConfig, FetchError, Skipped, disposition_name, fetch, parse_listing, parse_years,
                           read_manifest, safe_name, _Host)
from ogi.cli import main
from tests.conftest import CORPUS

pytestmark = pytest.mark.skipif(not (CORPUS / "r001.pdf").exists(), reason="../shared/corpus absent")

FAST = FetchConfig(delay=0.0, per_host=2, concurrency=4, timeout=0.8, retries=2, backoff=0.01, backoff_max=0.05,
                   max_redirects=5)
NB = "/xxgk/nb"
LAST_MODIFIED = formatdate(1_700_000_000, usegmt=True)


def _corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def _gbk(name: str) -> bytes:
    return _corpus(name).decode("utf-8").encode("gbk")


def _stub(title: str, *links: tuple[str, str]) -> bytes:
    items = "".join(f'<p>附件：<a href="{href}">{text}</a></p>' for href, text in links)
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>'
            f'<meta name="PubDate" content="2024-01-15 09:00"></head><body><h1>{title}</h1>{items}</body></html>'
            ).encode("utf-8")


def _listing(items: list[tuple[str, str, str]], page: int) -> bytes:
    names = ["index.html", "index_1.html", "index_2.html"]
    lis = "".join(f'<li><a href="{href}" title="{title}">{title[:12]}…</a><span>{date}</span></li>'
                  for href, title, date in items)
    pager = " ".join(f'<a href="{n}">{i + 1}</a>' for i, n in enumerate(names))
    nxt = f'<a href="{names[page + 1]}">下一页</a>' if page < 2 else ""
    js = '<script>createPageHTML(3, %d, "index", "html");</script>' % page if page == 0 else ""
    return (f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><title>年报</title>'
            f'</head><body><a href="/">首页</a><ul class="list">{lis}</ul><div class="page">{pager} {nxt}</div>'
            f'{js}</body></html>').encode("utf-8")


# (path in listing, what the corpus file is, served bytes, content type)
PAGES = {
    f"{NB}/202503/t1.html": ("r005.html", _corpus("r005.html"), "text/html; charset=utf-8"),
    f"{NB}/202301/t2.html": ("r103.html", _gbk("r103.html"), "text/html"),  # GBK, declared nowhere
    f"{NB}/202001/t11.html": ("r014.html", _gbk("r014.html"), "text/html; charset=utf-8"),  # GBK, mislabelled
    f"{NB}/flaky/t7.html": ("r101.html", _corpus("r101.html"), "text/html"),
    f"{NB}/202401/t3.html": (None, _stub("2023年洪泽区年报", ("/files/P0204.pdf", "2023年年报.pdf")),
                             "text/html"),
    f"{NB}/202201/t4.html": (None, _stub("2021年度报告", (f"{NB}/download?id=17", "附件.docx")), "text/html"),
    f"{NB}/202501/t5.html": (None, _stub("2024年淮安市年报", ("/files/download.jsp?id=5", "淮安市年报.pdf")),
                             "text/html"),
    "/files/P0204.pdf": ("r001.pdf", _corpus("r001.pdf"), "application/pdf"),
    f"{NB}/download?id=17": ("r017-blank-template.docx", _corpus("r017-blank-template.docx"),
                             "application/octet-stream"),
    "/files/download.jsp?id=5": ("r011.pdf", _corpus("r011.pdf"), "application/pdf"),
}
DISPOSITION = {
    f"{NB}/download?id=17": "attachment; filename=\"../../2021-report.docx\"; "
                            "filename*=UTF-8''..%2F..%2F2021%E5%B9%B4%E6%8A%A5.docx",
    "/files/download.jsp?id=5": 'attachment; filename="../P0204.pdf"',  # the name of another attachment
}
LISTING = [
    [(f"{NB}/202503/t1.html", "2024年度平潭综合实验区管委会办公室政府信息公开工作年度报告",
      "2025-03-10"),
     (f"{NB}/202503/t9.html", "关于开展2024年政务公开工作的通知", "2025-03-01"),
     (f"{NB}/202301/t2.html", "2022年平潭综合实验区公安局政府信息公开工作年度报告",
      "2023-01-09")],
    [(f"{NB}/202401/t3.html", "2023年洪泽区政府信息公开工作年度报告", "2024-01-15"),
     (f"{NB}/202201/t4.html", "2021年度政府信息公开工作年度报告（模板）", "2022-01-20"),
     (f"{NB}/private/t6.html", "2020年度内部政府信息公开工作年度报告", "2021-01-20"),
     (f"{NB}/202501/t5.html", "2024年淮安市人民政府政府信息公开工作年度报告", "2025-01-20")],
    [(f"{NB}/flaky/t7.html", "2022年行政审批局政府信息公开工作年度报告", "2023-01-10"),
     (f"{NB}/slow/t8.html", "2019年某局政府信息公开工作年度报告", "2020-01-10"),
     (f"{NB}/loop/a.html", "2019年另一局政府信息公开年报", "2020-01-11"),
     (f"{NB}/gone.html", "2020年已删除的政府信息公开年报", "2021-01-11"),
     (f"{NB}/old/t10.html", "2014年政府信息公开年报", "2015-01-11"),
     (f"{NB}/202001/t11.html", "2019年上海市人民政府办公厅政府信息公开工作年度报告",
      "2020-01-31")],
]
EXPECTED_ENTRIES = 11  # every report entry from 2016 on: not the notice (t9), not 2014 (t10)


class Site:
    def __init__(self) -> None:
        self.log: list[tuple[str, int]] = []
        self.flaky = 0
        self.robots = (200, b"User-agent: *\nDisallow: /xxgk/nb/private/\n")
        self.lock = threading.Lock()
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                try:
                    site.handle(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    def record(self, path: str, status: int) -> None:
        with self.lock:
            self.log.append((path, status))

    def handle(self, req) -> None:
        path = req.path
        if path == "/robots.txt":
            return self.send(req, path, self.robots[1], "text/plain", status=self.robots[0])
        for i, name in enumerate(("index.html", "index_1.html", "index_2.html")):
            if path == f"{NB}/{name}":
                return self.send(req, path, _listing(LISTING[i], i), "text/html; charset=utf-8")
        if path.startswith(f"{NB}/flaky/"):
            with self.lock:
                self.flaky += 1
                fail = self.flaky <= 2
            if fail:
                return self.send(req, path, b"busy", "text/plain", status=500)
        if path.startswith(f"{NB}/slow/"):
            self.record(path, 0)
            time.sleep(2.0)  # longer than the timeout
            return self.send(req, path, b"<html>late</html>", "text/html", log=False)
        if path.startswith(f"{NB}/loop/"):
            other = "b.html" if path.endswith("a.html") else "a.html"
            return self.send(req, path, b"", "text/html", status=302, extra={"Location": other})
        if path.startswith("/chain/"):  # an endless chain of redirects, no loop
            n = int(path.removeprefix("/chain/").removesuffix(".html"))
            return self.send(req, path, b"", "text/html", status=301, extra={"Location": f"/chain/{n + 1}.html"})
        if path in PAGES:
            _, body, ctype = PAGES[path]
            extra = {"Content-Disposition": DISPOSITION[path]} if path in DISPOSITION else {}
            return self.send(req, path, body, ctype, extra=extra)
        return self.send(req, path, b"not found", "text/plain", status=404)

    def send(self, req, path, body, ctype, status=200, extra=None, log=True) -> None:
        etag = '"%s"' % hashlib.sha256(body).hexdigest()[:16]
        if status == 200 and (req.headers.get("If-None-Match") == etag
                              or req.headers.get("If-Modified-Since") == LAST_MODIFIED):
            status, body = 304, b""
        if log:
            self.record(path, status)
        req.send_response(status)
        for k, v in (extra or {}).items():
            req.send_header(k, v)
        if status in (200, 304):
            req.send_header("ETag", etag)
            req.send_header("Last-Modified", LAST_MODIFIED)
        req.send_header("Content-Type", ctype)
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        req.wfile.write(body)

    def requests(self, prefix: str) -> list[tuple[str, int]]:
        return [r for r in self.log if r[0].startswith(prefix)]


@pytest.fixture
def site():
    s = Site()
    s.thread.start()
    yield s
    s.server.shutdown()
    s.server.server_close()


def _check_store(raw: Path) -> list:
    rows = read_manifest(raw)
    for r in rows:
        path = (raw / r.file).resolve()
        assert path.is_relative_to(raw.resolve()) and path.is_file(), r.file
        data = path.read_bytes()
        assert hashlib.sha256(data).hexdigest() == r.sha256 and len(data) == r.bytes, r.file
    return rows


def test_listing_crawl_politely_then_rerun_fetches_nothing_new(site, tmp_path):
    raw = tmp_path / "raw"
    start = time.perf_counter()
    first = fetch(raw, listing=f"{site.base}{NB}/index.html", years="2016-2030", config=FAST)
    assert time.perf_counter() - start < 20
    assert first.entries == EXPECTED_ENTRIES
    rows = _check_store(raw)
    by_url = {r.url.removeprefix(site.base): r for r in rows}
    # every reachable report, page and attachments, in the store
    for path, (_, body, _) in PAGES.items():
        assert path in by_url, path
        assert by_url[path].sha256 == hashlib.sha256(body).hexdigest()
    assert len(rows) == len(PAGES) and len(first.stored) == len(PAGES)
    # what could not be fetched, and why
    why = {s.url.removeprefix(site.base): s.reason for s in first.skipped}
    assert why == {f"{NB}/private/t6.html": "robots", f"{NB}/slow/t8.html": "timeout",
                   f"{NB}/loop/a.html": "redirects", f"{NB}/gone.html": "http"}
    assert (raw / "skipped.tsv").read_text("utf-8").count("\n") == 1 + len(why)
    # the server's log: robots obeyed, retries bounded, 4xx never retried, filtered entries never asked for
    assert site.requests(f"{NB}/private/") == []
    assert site.requests(f"{NB}/flaky/") == [(f"{NB}/flaky/t7.html", 500)] * 2 + [(f"{NB}/flaky/t7.html", 200)]
    assert len(site.requests(f"{NB}/slow/")) == FAST.retries + 1
    assert len(site.requests(f"{NB}/loop/")) == 2  # a -> b -> a: the loop is seen, not followed
    assert site.requests(f"{NB}/gone.html") == [(f"{NB}/gone.html", 404)]
    assert site.requests(f"{NB}/old/") == [] and site.requests(f"{NB}/202503/t9") == []
    assert sum(1 for p, _ in site.log if p.startswith(f"{NB}/index")) == 3  # each listing page once
    assert site.requests("/robots.txt") == [("/robots.txt", 200)]
    # encodings, names, provenance
    assert by_url[f"{NB}/202503/t1.html"].charset == "utf-8"
    assert by_url[f"{NB}/202301/t2.html"].charset == "gb18030"  # undeclared GBK
    assert by_url[f"{NB}/202001/t11.html"].charset == "gb18030"  # GBK served as utf-8
    docx = by_url[f"{NB}/download?id=17"]
    assert docx.file.endswith("/2021年报.docx") and docx.file.count("/") == 1  # `../` gone
    assert by_url["/files/P0204.pdf"].file.endswith("/P0204.pdf")
    assert by_url["/files/download.jsp?id=5"].file.endswith("/P0204-2.pdf")  # no overwrite
    t3 = by_url[f"{NB}/202401/t3.html"]
    assert (t3.title, t3.publish_date, t3.role, t3.read) == (
        "2023年洪泽区政府信息公开工作年度报告", "2024-01-15", "page", False)
    assert t3.listing_url == f"{site.base}{NB}/index_1.html"
    pdf = by_url["/files/P0204.pdf"]
    assert (pdf.role, pdf.parent_url, pdf.read, pdf.title) == ("attachment", t3.url, True, t3.title)
    assert pdf.content_type == "application/pdf" and pdf.etag and pdf.last_modified == LAST_MODIFIED
    assert by_url[f"{NB}/202503/t1.html"].read and by_url[f"{NB}/202503/t1.html"].role == "page"
    assert len(first.documents) == 7
    # the second run: only conditional requests answered 304; the failures are tried again, nothing stored
    manifest = (raw / "manifest.tsv").read_bytes()
    mtimes = {r.file: (raw / r.file).stat().st_mtime_ns for r in rows}
    site.log.clear()
    second = fetch(raw, listing=f"{site.base}{NB}/index.html", years="2016-2030", config=FAST)
    assert second.stored == () and second.entries == EXPECTED_ENTRIES
    assert (raw / "manifest.tsv").read_bytes() == manifest
    assert {r.file: (raw / r.file).stat().st_mtime_ns for r in rows} == mtimes
    retried = (f"{NB}/slow/", f"{NB}/loop/", f"{NB}/gone.html")
    assert {s for p, s in site.log if not p.startswith(retried)} == {304}
    assert second.unchanged == 3 + len(PAGES) and second.documents == first.documents
    assert site.requests(f"{NB}/private/") == []


def test_fetched_store_reads_as_the_corpus_files(site, tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    urls = [f"{site.base}{p}" for p in (f"{NB}/202503/t1.html", f"{NB}/202301/t2.html", f"{NB}/202001/t11.html",
                                        f"{NB}/202401/t3.html", f"{NB}/202201/t4.html", f"{NB}/202501/t5.html",
                                        f"{NB}/flaky/t7.html")]
    result = fetch(raw, urls=urls, config=FAST, then_batch=out, workers=1, progress=False)
    assert result.batch is not None and result.batch.inputs == 7
    cells = pd.read_parquet(out / "cells.parquet")
    rows = {r.file: r for r in read_manifest(raw)}
    compared = 0
    for doc in result.documents:
        row = rows[doc.relative_to(raw).as_posix()]
        corpus_name = PAGES[row.final_url.removeprefix(site.base)][0]
        direct = ogi.extract(CORPUS / corpus_name)
        got = cells[cells.path == str(doc)].set_index("key")
        assert list(got.index) == [c.key for c in direct.cells], corpus_name
        for c in direct.cells:
            g = got.loc[c.key]
            assert g.status == c.status and (pd.isna(g.value) if c.value is None else g.value == c.value), \
                (corpus_name, c.key)
        compared += len(direct.cells)
    assert compared > 1000
    reports = pd.read_parquet(out / "reports.parquet")
    assert len(reports) + len(pd.read_parquet(out / "errors.parquet")) == 7


def test_interrupted_run_resumes(site, tmp_path):
    raw = tmp_path / "raw"

    class Stop(Exception):
        pass

    stored = []

    def stop_after_three(row):
        stored.append(row)
        if len(stored) == 3:
            raise Stop

    with pytest.raises(Stop):
        fetch(raw, listing=f"{site.base}{NB}/index.html", years="2016-2030", config=FAST, on_stored=stop_after_three)
    before = _check_store(raw)  # the reports in flight at the stop may still have stored theirs
    assert 3 <= len(before) < len(PAGES)
    (raw / ".fetch" / "tmp" / "x.part").write_bytes(b"half a download")
    site.log.clear()
    resumed = fetch(raw, listing=f"{site.base}{NB}/index.html", years="2016-2030", config=FAST)
    rows = _check_store(raw)
    assert len(rows) == len(PAGES) and len(resumed.stored) == len(PAGES) - len(before)
    assert {r.url for r in rows} == {site.base + p for p in PAGES}
    assert not list((raw / ".fetch" / "tmp").iterdir())
    done_before = {r.final_url.removeprefix(site.base) for r in before}
    assert all(s == 304 for p, s in site.log if p in done_before)


def test_size_limit_and_cli(site, tmp_path, capsys):
    raw = tmp_path / "raw"
    small = FetchConfig(delay=0, timeout=5, retries=1, max_bytes=10_000)
    result = fetch(raw, urls=[f"{site.base}/files/P0204.pdf"], config=small)
    assert [s.reason for s in result.skipped] == ["too_large"] and read_manifest(raw) == []
    assert not list((raw / ".fetch" / "tmp").iterdir())
    url_file = tmp_path / "urls.txt"
    url_file.write_text(f"# reports\n{site.base}/files/P0204.pdf\t洪泽区2023年报\n\n"
                        f"{site.base}{NB}/202503/t1.html\n", encoding="utf-8")
    code = main(["fetch", "--urls", str(url_file), "-o", str(raw), "--delay", "0", "--timeout", "1",
                 "--retries", "1", "--contact", "ogi-tests@example.org", "--quiet"])
    out = capsys.readouterr().out
    assert code == 0 and "2 reports found; 2 files stored" in out
    rows = _check_store(raw)
    assert {r.title for r in rows} >= {"洪泽区2023年报"} and all(r.read for r in rows)
    assert [r.role for r in rows if r.url.endswith(".pdf")] == ["document"]
    assert [r.url for r in rows] == sorted(r.url for r in rows)
    with pytest.raises(SystemExit) as usage:  # neither --listing nor --urls
        main(["fetch", "-o", str(raw)])
    assert usage.value.code == 2
    assert main(["fetch", "--urls", str(url_file), "-o", str(raw), "--years", "20x"]) == 2


def test_user_agent_is_descriptive(site, tmp_path):
    seen = []
    old = site.handle

    def spy(req):
        seen.append(req.headers.get("User-Agent"))
        old(req)

    site.handle = spy
    fetch(tmp_path / "raw", urls=[f"{site.base}/files/P0204.pdf"], config=FAST)
    assert seen and all(ua == FAST.user_agent for ua in seen)
    assert "ogi-fetch/" in FAST.user_agent and "robots.txt" in FAST.user_agent


def test_safe_names_and_content_disposition():
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("..\\..\\win.ini") == "win.ini"
    assert safe_name("..") == "file" and safe_name("") == "file"
    assert safe_name(".hidden.pdf") == "hidden.pdf"
    assert safe_name("CON.pdf") == "_CON.pdf"
    assert safe_name('a<b>:"c|?*.PDF') == "a_b___c___.pdf"
    assert safe_name("报告\x00\u202e.pdf") == "报告.pdf"
    long = safe_name("长" * 200 + ".pdf")
    assert long.endswith(".pdf") and len(long.encode()) <= 150
    raw = [(b"content-disposition", 'attachment; filename="../年报.pdf"'.encode("gbk"))]
    assert disposition_name(raw) == "../年报.pdf"
    raw = [(b"Content-Disposition", b"attachment; filename*=UTF-8''%E5%B9%B4%E6%8A%A5.docx; filename=x.docx")]
    assert disposition_name(raw) == "年报.docx"
    assert disposition_name([(b"content-type", b"text/html")]) is None


def test_listing_parser_and_years():
    html = ('<ul><li><a href="a/t1.html" title="2023年某局政府信息公开工作年度报告">'
            '2023年某局政府…</a>'
            '<span>2024-01-20</span></li><li><a href="a/t2.html">某局政府信息公开年报</a> 2021/01/05</li>'
            '<li><a href="a/t3.html">2018年年报</a></li><li><a href="javascript:void(0)">2022年年报</a></li></ul>'
            '<a href="index_1.html">下一页</a><a href="/elsewhere/index_1.html">下一页</a>'
            '<script>createPageHTML(3, 0, "index", "shtml");</script>')
    import re
    entries, pages = parse_listing(html, "http://x.gov.cn/col/index.html", re.compile("年度报告|年报"),
                                   (2019, 2024))
    assert [(e.url, e.title, e.publish_date) for e in entries] == [
        ("http://x.gov.cn/col/a/t1.html", "2023年某局政府信息公开工作年度报告", "2024-01-20"),
        ("http://x.gov.cn/col/a/t2.html", "某局政府信息公开年报", "2021-01-05")]  # year 2020, from the date
    assert pages == ["http://x.gov.cn/col/index_1.html", "http://x.gov.cn/col/index.shtml",
                     "http://x.gov.cn/col/index_1.shtml", "http://x.gov.cn/col/index_2.shtml"]
    assert parse_years("2019-2024") == (2019, 2024) and parse_years("2023") == (2023, 2023)
    assert parse_years("2019-") == (2019, 9999) and parse_years("-2020") == (1900, 2020)
    with pytest.raises(ValueError):
        parse_years("20x")
    with pytest.raises(FetchError):
        fetch("/tmp/never", urls=["ftp://x/y"])


def test_per_host_delay_spaces_requests():
    import asyncio

    async def go():
        host = _Host(per_host=4, delay=0.05)
        starts = []

        async def one():
            async with host:
                starts.append(asyncio.get_running_loop().time())

        await asyncio.gather(*(one() for _ in range(4)))
        return starts

    starts = sorted(asyncio.run(go()))
    assert all(b - a >= 0.045 for a, b in zip(starts, starts[1:]))


def test_skipped_rows_are_typed():
    s = Skipped("http://x/y", "", "t", "robots")
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.reason = "x"


@pytest.mark.parametrize("status, allowed", [(404, True), (403, False), (503, False)])
def test_robots_txt_missing_forbidden_or_failing(site, tmp_path, status, allowed):
    site.robots = (status, b"")
    result = fetch(tmp_path / "raw", urls=[f"{site.base}/files/P0204.pdf"], config=FAST)
    assert bool(result.stored) is allowed
    assert len(site.requests("/robots.txt")) == (FAST.retries + 1 if status >= 500 else 1)
    assert len(site.requests("/files/")) == (1 if allowed else 0)
    if not allowed:
        assert [s.reason for s in result.skipped] == ["robots"]


def test_crawl_delay_and_disallow_for_our_agent(site, tmp_path):
    site.robots = (200, b"User-agent: ogi-fetch\nDisallow: /files/download.jsp\nCrawl-delay: 0.2\n\n"
                        b"User-agent: *\nDisallow: /\n")
    start = time.perf_counter()
    result = fetch(tmp_path / "raw", urls=[f"{site.base}/files/P0204.pdf", f"{site.base}/files/download.jsp?id=5",
                                           f"{site.base}{NB}/202503/t1.html"], config=FAST)
    assert [s.reason for s in result.skipped] == ["robots"] and len(result.stored) == 2
    assert site.requests("/files/download.jsp") == []
    assert time.perf_counter() - start >= 0.2  # the two allowed requests 0.2 s apart


def test_redirect_chain_is_bounded(site, tmp_path):
    result = fetch(tmp_path / "raw", urls=[f"{site.base}/chain/0.html"], config=FAST)
    assert [(s.reason, s.http_status) for s in result.skipped] == [("redirects", 301)]
    assert len(site.requests("/chain/")) == FAST.max_redirects + 1
