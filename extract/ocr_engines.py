"""The OCR engines, both offline: RapidOCR (PP-OCRv4 ONNX models shipped inside the `rapidocr-onnxruntime` wheel,
run by onnxruntime) and Tesseract (Debian's `tesseract-ocr` with `tesseract-ocr-chi-sim`, run as a program).

An engine reads single text lines: `read_lines(images)` takes grey crops of one line each (white ground) and
returns (text, confidence 0..1) per crop. Which engine: the `engine` argument, else `OGI_OCR_ENGINE`, else
RapidOCR: on the generated scans (benchmarks/bench_ocr.py) it read every cell exactly where Tesseract read 96%
and left wrong values outside any failing check; Tesseract is about 1.5× faster. Nothing is downloaded:
RapidOCR reads its models from its own package folder; Tesseract reads Debian's tessdata.
`OcrUnavailable` names the missing piece and how to install it.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

import numpy as np

ENGINES = ("rapidocr", "tesseract")
DEFAULT_ENGINE = "rapidocr"
_THREADS = 2  # the machines this runs on have 2 cores
_TESS_TIMEOUT = 300


class OcrUnavailable(RuntimeError):
    """The chosen OCR engine cannot run here; the message says what to install."""


def engine_name(engine: str | None = None) -> str:
    name = (engine or os.environ.get("OGI_OCR_ENGINE") or DEFAULT_ENGINE).strip().lower()
    if name not in ENGINES:
        raise OcrUnavailable(f"unknown OCR engine {name!r} (OGI_OCR_ENGINE: one of {', '.join(ENGINES)})")
    return name


def get_engine(engine: str | None = None):
    """The engine object (cached per name), or OcrUnavailable."""
    return _engine(engine_name(engine))


@lru_cache(maxsize=None)
def _engine(name: str):
    return RapidEngine() if name == "rapidocr" else TesseractEngine()


class RapidEngine:
    name = "rapidocr"

    def __init__(self) -> None:
        try:
            import logging

            from rapidocr_onnxruntime import RapidOCR
        except ImportError as exc:
            raise OcrUnavailable(f"OCR engine rapidocr: the Python package rapidocr-onnxruntime is not installed "
                                 f"({exc}); pip install 'ogi[ocr]'") from None
        self._ocr = RapidOCR(intra_op_num_threads=min(_THREADS, os.cpu_count() or 1), inter_op_num_threads=1)
        logging.getLogger("RapidOCR").setLevel(logging.ERROR)

    def read_lines(self, images: list[np.ndarray]) -> list[tuple[str, float]]:
        if not images:
            return []
        bgr = [np.ascontiguousarray(np.dstack([im, im, im])) if im.ndim == 2 else im for im in images]
        out, _ = self._ocr.text_rec(bgr)
        return [(text, float(score)) for text, score in out]


class TesseractEngine:
    """One `tesseract` run over all crops of a page (a list file: the model loads once), each crop read as a
    single line (`--psm 7`); words and their confidences come from the TSV output, per page of the list."""

    name = "tesseract"

    def __init__(self) -> None:
        self._exe = shutil.which("tesseract")
        if not self._exe:
            raise OcrUnavailable("OCR engine tesseract: the program is not installed "
                                 "(Debian: apt-get install tesseract-ocr tesseract-ocr-chi-sim)")
        langs = subprocess.run([self._exe, "--list-langs"], capture_output=True, text=True, timeout=60).stdout
        if "chi_sim" not in langs.split():
            raise OcrUnavailable("OCR engine tesseract: the chi_sim language data is not installed "
                                 "(Debian: apt-get install tesseract-ocr-chi-sim)")

    def read_lines(self, images: list[np.ndarray]) -> list[tuple[str, float]]:
        if not images:
            return []
        import cv2

        with tempfile.TemporaryDirectory(prefix="ogi-tess-") as tmp:
            names = []
            for i, im in enumerate(images):
                p = Path(tmp) / f"{i:05d}.png"
                cv2.imwrite(str(p), im)
                names.append(str(p))
            (Path(tmp) / "list.txt").write_text("\n".join(names) + "\n")
            env = dict(os.environ, OMP_THREAD_LIMIT=str(_THREADS))
            run = subprocess.run([self._exe, str(Path(tmp) / "list.txt"), "stdout", "-l", "chi_sim", "--psm", "7",
                                  "-c", "preserve_interword_spaces=1", "tsv"],
                                 capture_output=True, text=True, timeout=_TESS_TIMEOUT, env=env)
        words: dict[int, list[tuple[str, float]]] = {}
        for line in run.stdout.splitlines()[1:]:
            f = line.split("\t")
            if len(f) == 12 and f[0] == "5" and f[11].strip():
                words.setdefault(int(f[1]) - 1, []).append((f[11].strip(), max(float(f[10]), 0.0) / 100))
        out = []
        for i in range(len(images)):
            ws = words.get(i, [])
            out.append((_join_words([w for w, _ in ws]), TESSERACT_TRUST * min((c for _, c in ws), default=0.0)))
        return out


# Tesseract's word confidences are not calibrated for these digits: on generated scans it gave wrong values at
# high confidence (benchmarks/bench_ocr.py). Scaled below normalize/repair.OCR_SURE, none of its cells is taken
# as read on the engine's word alone: an identity that holds must confirm it, or it stays `ambiguous`.
TESSERACT_TRUST = 0.85


def _join_words(words: list[str]) -> str:
    """Tesseract splits Chinese text into one word per character: no space between CJK pieces."""
    out = ""
    for w in words:
        if out and out[-1].isascii() and out[-1].isalnum() and w[0].isascii() and w[0].isalnum():
            out += " "
        out += w
    return out
