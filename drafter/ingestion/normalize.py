"""Consistent full-width Chinese punctuation (script conversion lives in :mod:`drafter.domain.script`)."""

from __future__ import annotations

import re

_CJK = r"\u4e00-\u9fff\u3400-\u4dbf"
_CJK_RE = re.compile(f"[{_CJK}]")
_FULL_PUNCT = "，。、；：！？（）“”‘’《》【】…—"


_PAIRS = {",": "，", ":": "：", ";": "；", "!": "！", "?": "？", "(": "（", ")": "）"}
_C = f"[{_CJK}{_FULL_PUNCT}]"


def normalize_punctuation(text: str) -> str:
    """Full-width Chinese punctuation next to Chinese text; ASCII kept inside numbers and Latin words.

    ``,`` → ``，``, ``:`` → ``：``, ``;`` → ``；``, ``!`` → ``！``, ``?`` → ``？``, ``(``/``)`` →
    ``（``/``）`` when a neighbour (or, for brackets, the bracketed text) is Chinese; ``.``
    followed by a space after Chinese → ``。``; ``5.12``, ``3.5%``, ``7:20``, ``qc``, ``oa``
    are kept. Spaces between Chinese characters are removed.
    """
    if not text:
        return text
    # "…" around Chinese text → “…”
    text = re.sub(rf'"([^"\n]{{0,80}}[{_CJK}][^"\n]{{0,80}}?)"', r"“\1”", text)
    # brackets whose content or neighbour is Chinese
    text = re.sub(r"\(([^()\n]{0,80})\)", _bracket, text)
    # , : ; ! ? next to Chinese (not between two digits: 5,000 / 7:20)
    text = re.sub(rf"(?<={_C})\s*([,:;!?])|([,:;!?])\s*(?={_C})", _punct, text)
    text = re.sub(r"(?<=\D)([,;!?])(?=\D)", lambda m: _PAIRS[m.group(1)] if _near_cjk(m) else m.group(1), text)
    # "240人. 6月" → "240人。6月"
    text = re.sub(rf"(?<=[{_CJK}])\.(\s+|$)", "。", text, flags=re.M)
    # spaces between Chinese characters or Chinese punctuation
    text = re.sub(rf"(?<={_C})[ \t\u3000]+(?={_C})", "", text)
    text = re.sub(r"(?<=[、，；：])[ \t\u3000]+", "", text)
    # doubled punctuation left by the sources: 。， → 。
    text = re.sub(r"([。！？；])[，、]", r"\1", text)
    # "1. 参加" → "1.参加"; a sentence line ending in 、 ends with 。
    text = re.sub(r"(?m)^(\d{1,2}[.．])[ \t\u3000]+", r"\1", text)
    text = re.sub(rf"(?m)(?<=[{_CJK}）》”])、$", "。", text)
    return text


def _near_cjk(m: re.Match[str]) -> bool:
    s, i, j = m.string, m.start(), m.end()
    return bool((i > 0 and _CJK_RE.match(s[i - 1])) or (j < len(s) and _CJK_RE.match(s[j])))


def _punct(m: re.Match[str]) -> str:
    ch = m.group(1) or m.group(2)
    return _PAIRS[ch]


def _bracket(m: re.Match[str]) -> str:
    inner = m.group(1)
    s, i, j = m.string, m.start(), m.end()
    near = (i > 0 and _CJK_RE.match(s[i - 1])) or (j < len(s) and _CJK_RE.match(s[j]))
    if _CJK_RE.search(inner) or near:
        return f"（{inner}）"
    return m.group(0)
