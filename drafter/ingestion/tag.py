"""Tag a plan's unit type, document kind and year from its own text, with the evidence found.

Signals and weights live in ``drafter/data/unit_signals.yaml``. Texts are expected in
simplified script (the pipeline normalises before tagging).
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass

from drafter.domain.numerals import from_chinese
from drafter.models import Tag
from drafter.resources import load_data

EDUCATION_LEVELS = ("kindergarten", "primary_school", "middle_school", "university")


@dataclass(frozen=True)
class _Weighted:
    items: tuple[tuple[re.Pattern[str], float], ...]

    def score(self, text: str, cap: int) -> tuple[float, list[tuple[float, str]]]:
        """Total score and ``(score, phrase)`` per term found (phrase = first match as written)."""
        total = 0.0
        found: list[tuple[float, str]] = []
        for pattern, weight in self.items:
            matches = pattern.findall(text) if weight else []
            if not matches:
                continue
            first = pattern.search(text)
            s = weight * min(len(matches), cap)
            total += s
            if weight >= 1:  # light signals (了) are too weak to show as evidence
                found.append((s, first.group(0) if first else pattern.pattern))
        found.sort(key=lambda x: -x[0])
        return total, found


def _weighted(mapping: dict | None) -> _Weighted:
    return _Weighted(tuple((re.compile(str(k)), float(v)) for k, v in (mapping or {}).items()))


@functools.lru_cache(maxsize=1)
def _signals() -> dict:
    data = load_data("unit_signals.yaml")
    return {
        "cap": int(data.get("cap", 6)),
        "min_score": float(data.get("min_score", 2)),
        "sectors": {k: _weighted(v) for k, v in data["sectors"].items()},
        "levels": {k: _weighted(v) for k, v in data["levels"].items()},
        "union_words": list(data.get("union_words", [])),
        "business_words": list(data.get("business_words", [])),
        "summary": _weighted(data.get("summary")),
        "plan": _weighted(data.get("plan")),
        "next_markers": list(data.get("next_steps_markers", [])),
        "next_min_lines": int(data.get("next_steps_min_lines", 3)),
    }


def _phrases(found: list[tuple[float, str]], n: int = 6) -> list[str]:
    out: list[str] = []
    for _, phrase in found:
        if phrase not in out:
            out.append(phrase)
        if len(out) >= n:
            break
    return out


def unit_scores(text: str) -> dict[str, float]:
    """Score of each sector (hospital, education, enterprise, government, community) for ``text``."""
    sig = _signals()
    return {name: w.score(text, sig["cap"])[0] for name, w in sig["sectors"].items()}


def tag_unit(text: str) -> Tag:
    """The unit type a plan was written for, from its content (see ``unit_signals.yaml``).

    First the sector (hospital, education, enterprise, government, community) with the
    highest score; within education, the school level (kindergarten, primary_school,
    middle_school, university) when one level's evidence is clear, else ``school``.
    Below ``min_score`` the unit is ``other``.
    """
    sig = _signals()
    scored = {name: w.score(text, sig["cap"]) for name, w in sig["sectors"].items()}
    sector, (best, found) = max(scored.items(), key=lambda kv: kv[1][0])
    if best < sig["min_score"]:
        return Tag("other", _phrases(found))
    if sector != "education":
        return Tag(sector, _phrases(found))
    levels = {name: w.score(text, sig["cap"]) for name, w in sig["levels"].items()}
    mixed_score, mixed_found = levels.pop("mixed")
    level, (lscore, lfound) = max(levels.items(), key=lambda kv: kv[1][0])
    if lscore >= 2 and lscore > mixed_score:
        return Tag(level, _phrases(lfound, 3) + _phrases(found, 4))
    return Tag("school", _phrases(mixed_found, 3) + _phrases(found, 4))


def tag_kind(text: str) -> Tag:
    """``plan``, ``summary``, ``summary_and_plan`` or ``not_union``, with the words that decided it.

    Not a union document when no union word (工会, 职代会, 教代会…) appears. A summary
    reports what was done (一年来, 取得了, 开展了…); it is a summary_and_plan when a
    line opens the next year's work (今后的工作思路, 今后要…) and enough text follows it.
    """
    sig = _signals()
    if not any(w in text for w in sig["union_words"]):
        business = [w for w in sig["business_words"] if w in text]
        return Tag("not_union", ["无工会内容", *business[:5]])
    s_score, s_found = sig["summary"].score(text, sig["cap"])
    p_score, p_found = sig["plan"].score(text, sig["cap"])
    if s_score <= p_score:
        return Tag("plan", _phrases(p_found, 5))
    next_line = _next_steps(text, sig["next_markers"], sig["next_min_lines"])
    if next_line:
        return Tag("summary_and_plan", _phrases(s_found, 4) + [next_line])
    return Tag("summary", _phrases(s_found, 5))


def _next_steps(text: str, markers: list[str], min_lines: int) -> str | None:
    """The marker phrase of a forward-looking part with enough text after it, or None."""
    lines = [line for line in text.split("\n") if line.strip()]
    total = sum(len(line) for line in lines) or 1
    for i, line in enumerate(lines):
        for marker in markers:
            if marker in line:
                rest = lines[i + 1 :]
                if len(rest) >= min_lines or sum(len(x) for x in rest) >= total / 5:
                    return marker
    return None


_ARABIC_YEAR = re.compile(r"(?<![\dxX])((?:19[5-9]|20[0-9])\d)\s*年")
_PLACEHOLDER_YEAR = re.compile(r"(?<![\dA-Za-z])(?:20[xX]{2}|[xX]{2,4}|[xX]{2}|二[〇○零0]?[xX]{2})年")
_TITLE_YEAR = re.compile(r"(?<![\dxX])((?:19[5-9]|20[0-9])\d)(?!\d)")
_CN_YEAR = re.compile(r"([一二][〇○零0O九][〇○零0O一二三四五六七八九]{2})年")


def tag_year(text: str, title: str = "") -> Tag:
    """The year a plan is for: from its own title first (``2023年医院工会工作计划3``), else the
    year stated most often in the text (``2005年`` or ``二00五年``). Placeholders (``20xx``,
    ``xx年``, ``xxxx年``) mean unknown: ``Tag(None, [placeholders found])``.
    """
    m = _TITLE_YEAR.search(title or "")
    if m:
        return Tag(int(m.group(1)), [title.strip()])
    years: Counter[int] = Counter()
    first: dict[int, str] = {}
    for m in _ARABIC_YEAR.finditer(text):
        y = int(m.group(1))
        years[y] += 1
        first.setdefault(y, m.group(0))
    for m in _CN_YEAR.finditer(text):
        y = from_chinese(m.group(1)) or 0
        if 1950 <= y <= 2099:
            years[y] += 1
            first.setdefault(y, m.group(0))
    if not years:
        return Tag(None, sorted(set(_PLACEHOLDER_YEAR.findall(text)))[:3])
    year = max(years, key=lambda y: (years[y], -text.find(first[y])))
    return Tag(year, [first[year]])
