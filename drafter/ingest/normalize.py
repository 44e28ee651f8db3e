"""Script conversion (OpenCC) and consistent full-width Chinese punctuation."""

from __future__ import annotations

import functools
import re

from drafter.models import Tag

_CJK = r"\u4e00-\u9fff\u3400-\u4dbf"
_CJK_RE = re.compile(f"[{_CJK}]")
_FULL_PUNCT = "，。、；：！？（）“”‘’《》【】…—"


@functools.lru_cache(maxsize=None)
def _converter(config: str):
    import opencc

    return opencc.OpenCC(config)


def to_simplified(text: str) -> str:
    """Traditional → simplified Chinese (OpenCC ``t2s``); simplified text comes back unchanged."""
    return _converter("t2s").convert(text) if text else text


def to_traditional(text: str) -> str:
    """Simplified → traditional Chinese in the customary Taiwan forms (OpenCC ``s2tw``: 為, 著, 裡).

    Characters only, no vocabulary changes; plain ``s2t`` would give the rarer 爲/着/裏,
    which neither the corpus's traditional plans nor most readers use.
    """
    return _converter("s2tw").convert(text) if text else text


@functools.lru_cache(maxsize=4096)
def _is_traditional_char(ch: str) -> bool:
    return to_simplified(ch) != ch


def detect_script(text: str) -> Tag:
    """``Tag("traditional"|"simplified", evidence=[traditional-only characters found])``.

    A text is traditional when at least 3% of its CJK characters (and at least 5 of
    them, or 30% of a short text) change under t2s conversion; the evidence then lists
    up to 8 such characters. For simplified text it lists simplified-only characters
    (those s2t changes), empty when the text has none.
    """
    chars = _CJK_RE.findall(text)
    if not chars:
        return Tag("simplified", [])
    trad = [ch for ch in chars if _is_traditional_char(ch)]
    sample: list[str] = []
    for ch in trad:
        if ch not in sample:
            sample.append(ch)
        if len(sample) >= 8:
            break
    share = len(trad) / len(chars)
    if share >= 0.03 and (len(trad) >= 5 or share >= 0.3):
        return Tag("traditional", sample)
    simp: list[str] = []
    for ch in chars:
        if ch not in simp and _is_simplified_char(ch):
            simp.append(ch)
            if len(simp) >= 8:
                break
    return Tag("simplified", simp)


@functools.lru_cache(maxsize=4096)
def _is_simplified_char(ch: str) -> bool:
    return to_traditional(ch) != ch


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
    text = re.sub(rf"(?<=[、，；：])[ \t\u3000]+", "", text)
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
