"""Numbers with units in the prose of sections 一 and 六 (主动公开各类政府信息9200余条, 门户网站点击量90万余次,
共受理申请859件, 收取信息处理费400元), with their sentence, approximate markers kept, and the table cell a
figure restates when its wording says which (RESTATES, data: first match wins)."""
from __future__ import annotations

import re

from ogi.model import Figure

_FIGURE = re.compile(r"(?P<before>约|近|超过|超|逾)?(?P<num>\d+(?:\.\d+)?)\s*(?P<mult>万|亿)?\s*(?P<after>余|多)?\s*"
                     r"(?P<unit>万元|元|人次|件|条|次|篇|期|项|份|家|场|人)")
_CLAUSE = re.compile(r"[，,。；;：:、\n（(）)]")
_SENTENCE = re.compile(r"[^。；;\n]*")
# (key or keys (a sum written `a+b`, alternatives by template `a|b`), unit, pattern on the clause before the
# number, pattern the sentence must also match)
RESTATES = (
    ("t3.carried_forward.total", "件", r"结转(下|至下|到下)一?年", r"申请"),
    ("t3.carried_over.total", "件", r"上一?年(度)?结转|结转上一?年", r"申请"),
    ("t3.granted.total", "件", r"(同意公开|予以公开)[^，。]*$", r"申请"),
    ("t3.partly_granted.total", "件", r"部分公开[^，。]*$", r"申请"),
    ("t3.new_received.total", "件", r"(新收|收到|接收)[^，。]*申请|申请[^，。]*(新收|收到)", r""),
    # 受理 counts the new requests, or the new and the carried-over ones together
    ("t3.new_received.total|t3.new_received.total+t3.carried_over.total", "件",
     r"受理[^，。]*申请|申请[^，。]*受理", r""),
    ("t3.total_processed.total", "件", r"(办理|办结|答复|处理)[^，。]*申请$|^(共)?(办结|答复|办理完成|处理)$|申请[^，。]*(办结|答复)", r"申请"),
    ("t4.cases.review_total", "件", r"行政复议[^，。诉]*$", r""),
    ("t4.cases.suit_direct_total+t4.cases.suit_after_review_total", "件", r"行政诉讼[^，。]*$", r""),
    ("t2.normative_documents.issued|t2.normative_documents.made", "件", r"制(发|定|作)[^，。]*规范性文件$", r""),
    ("t2.regulations.issued|t2.regulations.made", "件", r"制(发|定)[^，。]*规章$", r""),
)
_MULT = {"万": 10_000, "亿": 100_000_000}


def figures(sections: dict[str, str]) -> tuple[Figure, ...]:
    out = []
    for sec in ("1", "6"):
        text = sections.get(sec) or ""
        for m in _FIGURE.finditer(text):
            if text[m.end():m.end() + 1] in ("年", "月", "日") or text[max(0, m.start() - 1):m.start()].isdigit():
                continue
            start = max((c.end() for c in _CLAUSE.finditer(text, 0, m.start())), default=0)
            clause = text[start:m.start()].strip()
            s0 = max((c.end() for c in re.finditer(r"[。；;\n]", text[:m.start()])), default=0)
            sentence = text[s0:m.end()] + _SENTENCE.match(text, m.end()).group(0)
            num = float(m.group("num")) * _MULT.get(m.group("mult") or "", 1)
            value = int(num) if num.is_integer() else num
            unit = m.group("unit")
            out.append(Figure(sec, (clause + text[m.start():m.end()]).strip(), value, unit,
                              m.group("before") or m.group("after"), sentence.strip()[:300],
                              _restates(clause, sentence, unit)))
    return tuple(out)


def _restates(clause: str, sentence: str, unit: str) -> str | None:
    for key, u, pat, need in RESTATES:
        if unit == u and re.search(pat, clause) and re.search(need, sentence):
            return key
    return None
