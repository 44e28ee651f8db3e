"""Chinese script, one home for every stage: simplified ↔ traditional (OpenCC) and detection.

OpenCC is imported on first use (``drafter --help`` stays fast). A text is traditional when
at least 3 % of its CJK characters change under t2s (and at least 5 of them, or 30 % of a
short text): ingestion tags plans with it, scoring reads any plan through it, export
writes a traditional draft with it.
"""

from __future__ import annotations

import functools
import re

from drafter.models import Tag

SCRIPTS = ("simplified", "traditional")
_CJK_RE = re.compile("[\u4e00-\u9fff\u3400-\u4dbf]")


@functools.cache
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
