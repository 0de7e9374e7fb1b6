"""Text normalisation: traditional -> simplified (official OpenCC), width folding, label keys."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache, wraps
from typing import Callable

import opencc

# t2s keeps 著 where mainland usage writes 着 (TOOLING.md §1); fix the few phrases these reports use.
_PHRASE_FIXES = {"著力": "着力", "著手": "着手", "著重": "着重", "著眼": "着眼"}
_QUOTES = "“”‘’\"'「」『』〝〞"


SHORT = 256  # texts longer than this (a section body, a whole table) are not worth keeping in a cache
_CLEARS: list[Callable[[], None]] = []


def register_cache(clear: Callable[[], None]) -> None:
    """A cache of texts kept outside `short_text_cache` (a plain dict on a hot path) is emptied with them."""
    _CLEARS.append(clear)


def short_text_cache(maxsize: int):
    """`lru_cache` for a function of a text (and hashable options) that caches only short texts: labels and
    cells repeat from report to report, long texts never do, and a cache full of them is memory a long batch
    never gives back."""
    def wrap(fn):
        cached = lru_cache(maxsize=maxsize)(fn)

        @wraps(fn)
        def call(text, *args, **kwargs):
            return cached(text, *args, **kwargs) if len(text) <= SHORT else fn(text, *args, **kwargs)

        call.cache_clear, call.cache_info = cached.cache_clear, cached.cache_info
        register_cache(cached.cache_clear)
        return call
    return wrap


def clear_text_caches() -> None:
    """Empties every `short_text_cache` (a batch worker does, when its work is done)."""
    for clear in _CLEARS:
        clear()


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _fix_phrases(_converter().convert(text))


def _fix_phrases(text: str) -> str:
    for old, new in _PHRASE_FIXES.items():
        text = text.replace(old, new)
    return text


_WIDE = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}  # full-width ASCII, ideographic space


def fold_width(text: str) -> str:
    """NFKC: full-width digits/punctuation to half-width, Kangxi radicals (⼀) to ideographs.

    Full-width ASCII is mapped first (it is what these reports hold, and NFKC maps each such character to
    its ASCII form alone, so the result is the same); CPython's full NFKC is slow, and runs only when
    something else is left to fold."""
    if text.isascii():
        return text
    text = text.translate(_WIDE)
    return text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)


def _unify_spaces(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").replace("\u3000", " ")


def normalize_text(text: str) -> str:
    """Simplified characters, half-width forms, unified line ends. Raw text is kept by callers."""
    return fold_width(to_simplified(_unify_spaces(text)))


def normalize_with_script(text: str) -> tuple[str, str]:
    """`normalize_text(text)` and `detect_script(text)`, converting the text once."""
    text = _unify_spaces(text)
    converted = _converter().convert(text)
    before, after = text[:4000], converted[:4000]
    if len(converted) != len(text):  # OpenCC changed the length somewhere: compare character by character
        script = detect_script(text)
    else:
        script = "simplified" if before == after else _script(_cjk_count(text, 4000), before, after)
    return fold_width(_fix_phrases(converted)), script


_CJK = re.compile("[\u4e00-\u9fff]+")


def _cjk_count(text: str, end: int) -> int:
    return sum(map(len, _CJK.findall(text, 0, end)))


def _script(cjk: int, before: str, after: str) -> str:
    changed = sum(map(str.__ne__, before, after))
    return "traditional" if cjk and changed / cjk > 0.02 else "simplified"


def detect_script(text: str) -> str:
    """'traditional' when OpenCC changes a noticeable share of the CJK characters (of the first 4000
    characters), else 'simplified'."""
    sample = "".join(_CJK.findall(text, 0, 4000))
    return _script(len(sample), sample, _converter().convert(sample))


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


@short_text_cache(maxsize=65536)
def label_key(label: str, keep_notes: bool = False) -> str:
    """A matching key: simplified, half-width, no ordinals, no notes in parentheses, no punctuation/spaces."""
    return normalized_key(normalize_text(label), keep_notes)


def normalized_key(text: str, keep_notes: bool = False) -> str:
    """`label_key` of a text that is already normalised (`normalize_text`): no conversion, no cache."""
    text = text.lower()
    for q in _QUOTES:
        text = text.replace(q, "")
    text = strip_ordinals(text)
    if not keep_notes:
        prev = None
        while prev != text:
            prev, text = text, _PAREN.sub("", text)
    return _NOT_WORD.sub("", text)
