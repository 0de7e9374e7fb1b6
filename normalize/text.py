"""Text normalisation: traditional -> simplified (official OpenCC), width folding, label keys."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

# t2s keeps 著 where mainland usage writes 着 (TOOLING.md §1); fix the few phrases these reports use.
_PHRASE_FIXES = {"著力": "着力", "著手": "着手", "著重": "着重", "著眼": "着眼"}
_QUOTES = "“”‘’\"'「」『』〝〞"


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    out = _converter().convert(text)
    for old, new in _PHRASE_FIXES.items():
        out = out.replace(old, new)
    return out


def fold_width(text: str) -> str:
    """NFKC: full-width digits/punctuation to half-width, Kangxi radicals (⼀) to ideographs."""
    return unicodedata.normalize("NFKC", text)


def normalize_text(text: str) -> str:
    """Simplified characters, half-width forms, unified line ends. Raw text is kept by callers."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").replace("\u3000", " ")
    return fold_width(to_simplified(text))


def detect_script(text: str) -> str:
    """'traditional' when OpenCC changes a noticeable share of the CJK characters, else 'simplified'."""
    cjk = [c for c in text[:4000] if "\u4e00" <= c <= "\u9fff"]
    if not cjk:
        return "simplified"
    sample = "".join(cjk)
    changed = sum(a != b for a, b in zip(sample, _converter().convert(sample)))
    return "traditional" if changed / len(sample) > 0.02 else "simplified"


_ORDINAL = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+\s*[、.,]|[(（]\s*[一二三四五六七八九十]+\s*[)）]|\d+\s*[.、,]|[(（]\s*\d+\s*[)）])\s*"
)
_PAREN = re.compile(r"[(（][^()（）]*[)）]")
_NOT_WORD = re.compile(r"[^0-9a-z\u4e00-\u9fff]+")


def strip_ordinals(label: str) -> str:
    prev = None
    while prev != label:
        prev, label = label, _ORDINAL.sub("", label, count=1)
    return label


@lru_cache(maxsize=65536)
def label_key(label: str, keep_notes: bool = False) -> str:
    """A matching key: simplified, half-width, no ordinals, no notes in parentheses, no punctuation/spaces."""
    text = normalize_text(label).lower()
    for q in _QUOTES:
        text = text.replace(q, "")
    text = strip_ordinals(text)
    if not keep_notes:
        prev = None
        while prev != text:
            prev, text = text, _PAREN.sub("", text)
    return _NOT_WORD.sub("", text)
