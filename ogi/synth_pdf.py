"""Generated reports as PDF files, made the two ways agencies make them, for tests and benchmarks:

- `libreoffice`: the HTML page opened as a Writer document, saved as DOCX, exported to PDF (Word-like: tables
  break across pages, and a row may break in the middle);
- `chromium`: the HTML page printed to PDF by headless Chromium (a site's "print" button).

Both programs are Debian packages (libreoffice-writer-nogui, chromium); `missing(renderer)` says why one cannot
run. Rendered files are cached by content (renderer + page bytes), so a rerun renders nothing.
"""
from __future__ import annotations

import hashlib
import os
import queue
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

RENDERERS = ("libreoffice", "chromium")
# the HTML styles of ogi.synth each renderer gets: a Word document has no site chrome (and Writer's PDF export
# fails on the navigation forms of one)
PDF_STYLES = {"libreoffice": ("plain", "word", "split", "mismatch"),
              "chromium": ("plain", "word", "split", "mismatch", "chrome")}
CACHE = Path(os.environ.get("OGI_SYNTH_PDF_CACHE", Path(tempfile.gettempdir()) / "ogi-synth-pdf"))
_CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                   "--disable-background-networking", "--disable-component-update", "--disable-sync",
                   "--no-pdf-header-footer")
_TIMEOUT = 600
_RECIPE = 2  # bump when the way pages are rendered changes: the cache then renders them again


def _program(renderer: str) -> str | None:
    names = ("soffice", "libreoffice") if renderer == "libreoffice" else ("chromium", "chromium-browser")
    return next((p for p in map(shutil.which, names) if p), None)


def missing(renderer: str) -> str | None:
    """Why `renderer` cannot run here, or None."""
    if _program(renderer):
        return None
    package = "libreoffice-writer-nogui" if renderer == "libreoffice" else "chromium"
    return f"{renderer} is not installed (Debian: apt-get install {package})"


def render_pdfs(pages: dict[str, bytes], renderer: str, cache: Path = CACHE) -> dict[str, Path]:
    """name -> PDF file of each HTML page, rendered by `renderer` (only those not already cached)."""
    if renderer not in RENDERERS:
        raise ValueError(f"unknown renderer {renderer!r} (one of {', '.join(RENDERERS)})")
    if (why := missing(renderer)) is not None:
        raise RuntimeError(why)
    folder = cache / renderer
    folder.mkdir(parents=True, exist_ok=True)
    salt = f"{renderer}/{_RECIPE}".encode() + b"\0"
    keys = {name: hashlib.sha256(salt + page).hexdigest()[:24] for name, page in pages.items()}
    todo = {keys[n]: pages[n] for n in pages if not (folder / f"{keys[n]}.pdf").exists()}
    if todo:
        (_libreoffice if renderer == "libreoffice" else _chromium)(todo, folder)
    out = {n: folder / f"{k}.pdf" for n, k in keys.items()}
    lost = [n for n, p in out.items() if not p.exists()]
    if lost:
        raise RuntimeError(f"{renderer} produced no PDF for {len(lost)} pages (e.g. {lost[0]})")
    return out


def _libreoffice(todo: dict[str, bytes], folder: Path) -> None:
    """HTML -> DOCX -> PDF in one Writer process per step, with a private profile."""
    with tempfile.TemporaryDirectory(prefix="ogi-lo-") as tmp:
        t = Path(tmp)
        for key, page in todo.items():
            (t / f"{key}.html").write_bytes(page)
        base = [_program("libreoffice"), f"-env:UserInstallation={(t / 'profile').as_uri()}", "--headless"]
        htmls = sorted(str(p) for p in t.glob("*.html"))
        _run(base + ['--infilter=HTML (StarWriter)', "--convert-to", "docx", "--outdir", str(t / "docx"), *htmls])
        docx = sorted(str(p) for p in (t / "docx").glob("*.docx"))
        _run(base + ["--convert-to", "pdf", "--outdir", str(t / "pdf"), *docx])
        for d in docx:  # a file Writer fails on stops the rest of a batch: those are done one by one
            if not (t / "pdf" / (Path(d).stem + ".pdf")).exists():
                _run(base + ["--convert-to", "pdf", "--outdir", str(t / "pdf"), d])
        for pdf in (t / "pdf").glob("*.pdf"):
            shutil.move(str(pdf), folder / pdf.name)


_EMPTY_TD = re.compile(rb"(<td\b[^>]*>)(\s*)(</td>)", re.I)


def _chromium(todo: dict[str, bytes], folder: Path) -> None:
    """One headless print per page (Chromium prints one URL per run), two at a time. A row of cells without any
    content collapses to no height in a browser and vanishes from the print; Word never writes a cell without
    a paragraph, so empty cells get a `&nbsp;` first, as a Word-made page has."""
    with tempfile.TemporaryDirectory(prefix="ogi-chromium-") as tmp:
        t = Path(tmp)

        profiles: queue.Queue = queue.Queue()
        for i in range(2):
            profiles.put(t / f"profile{i}")  # one browser profile per running browser

        def one(item: tuple[str, bytes]) -> None:
            key, page = item
            html = t / f"{key}.html"
            html.write_bytes(_EMPTY_TD.sub(rb"\1&nbsp;\3", page))
            partial = t / f"{key}.pdf"
            profile = profiles.get()
            try:
                _run([_program("chromium"), *_CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                      f"--print-to-pdf={partial}", html.as_uri()])
            finally:
                profiles.put(profile)
            if partial.exists():
                shutil.move(str(partial), folder / partial.name)

        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(one, todo.items()))


def _run(cmd: list) -> None:
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=_TIMEOUT, check=False)
