"""What every metric shares: the result type, the plan context, and small text helpers."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from drafter.models import Section

MIN_BODY_CHARS = 40
NGRAM_N = 13


@dataclass
class MetricResult:
    """The value of one metric, a one-line reason a reader can act on, and the evidence."""

    value: float
    reason: str
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"value": round(float(self.value), 4), "reason": self.reason, "details": self.details}


@dataclass
class PlanContext:
    """Everything the metrics look at. Built by :func:`drafter.evaluate.score.build_context`.

    ``sections`` are in document order with canonical ``section_id`` s (inherited from the
    nearest labelled ancestor) and levels (0 preamble, 1 top level, deeper below).
    ``weights`` maps the unit's expected canonical sections to how much a plan lacks without
    each (0–1); ``usual_order`` lists canonical ids in their usual order.
    ``ngrams`` maps each corpus n-gram (of normalised text) to the ids of the plans holding
    it; grams found only in ``exclude_plans`` do not count as copied. ``blocks`` are the plan's
    sections as a reader judges them (:mod:`drafter.evaluate.blocks`).
    """

    text: str
    sections: list[Section] = field(default_factory=list)
    unit: str | None = None
    year: int | None = None
    kind: str = "plan"
    kind_evidence: list[str] = field(default_factory=list)
    asks: list[str] = field(default_factory=list)
    weights: dict[str, float] = field(default_factory=dict)
    usual_order: list[str] = field(default_factory=list)
    forbidden: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    stale_pattern: re.Pattern[str] | None = None
    boilerplate_finder: Callable[[str], Iterable[str]] | None = None
    ngrams: Mapping[str, Any] | None = None
    exclude_plans: frozenset[str] = frozenset()
    min_chars: int = MIN_BODY_CHARS
    blocks: list[Any] = field(default_factory=list)  # drafter.evaluate.blocks.Block
    body_text: str = ""  # the text below the first heading (the plan's sections, not its preamble)
    must_sections: Mapping[str, frozenset[str]] = field(default_factory=dict)  # unit → its outline's sections
    asked_words: frozenset[str] = frozenset()  # words the brief asks about: never another unit's word


# --------------------------------------------------------------------------- helpers


def top_level(sections: list[Section]) -> list[Section]:
    """The plan's top-level sections (the smallest heading level ≥ 1 present)."""
    levels = [s.level for s in sections if s.level >= 1]
    if not levels:
        return []
    top = min(levels)
    return [s for s in sections if s.level == top]


def effective_ids(sections: list[Section]) -> list[str | None]:
    """The canonical section each section's text counts for: its outermost labelled ancestor's
    (or its own) label. Items of a schedule count for the schedule even when they mention
    民主管理; sub-sections of an unlabelled 主要工作 keep their own labels."""
    out: list[str | None] = []
    stack: list[tuple[int, str | None]] = []
    for s in sections:
        if s.level <= 0:
            out.append(s.section_id)
            stack = []
            continue
        while stack and stack[-1][0] >= s.level:
            stack.pop()
        outer = next((sid for _, sid in stack if sid), None)
        eff = outer or s.section_id
        out.append(eff)
        stack.append((s.level, s.section_id))
    return out


def section_chars(sections: list[Section]) -> dict[str, int]:
    """Characters of text (body, and sub-headings below the top level) per canonical section.

    Text counts for its outermost labelled heading, except under a sub-heading of the second
    level that names another canonical section (（二）规范经费管理，加强经费审查监督 inside
    工会自身建设): a reader sees that section covered, so its text counts for its own label.
    Items of a schedule always count for the schedule.
    """
    chars: dict[str, int] = defaultdict(int)
    top = min((s.level for s in sections if s.level >= 1), default=1)
    own_sub: tuple[int, str] | None = None  # (level, label) of the sub-heading being counted on its own
    for s, sid in zip(sections, effective_ids(sections)):
        if own_sub is not None and s.level <= own_sub[0]:
            own_sub = None
        if s.level == top + 1 and s.own_label and s.section_id and sid and s.section_id != sid and sid != "schedule":
            own_sub = (s.level, s.section_id)
        if own_sub is not None:
            sid = own_sub[1]
        if not sid:
            continue
        n = len(_squash(s.body))
        if s.level > top:
            n += len(_squash(s.heading))
        chars[sid] += n
    return dict(chars)


_SPACE = re.compile(r"\s+")


def _squash(text: str) -> str:
    return _SPACE.sub("", text or "")


_NON_WORD = re.compile(r"[^\w]|_", re.UNICODE)


def normalize_for_ngrams(text: str) -> str:
    """Keep letters, digits and CJK characters only (so ',' vs '，' or line breaks do not matter)."""
    return _NON_WORD.sub("", text or "").lower()


def saturate(count: float, per_hit: float, cap: float) -> float:
    """A penalty that grows with every hit (``per_hit`` for the first) and never exceeds ``cap``."""
    import math

    if count <= 0:
        return 0.0
    return cap * (1.0 - math.exp(-count * per_hit / cap))


def _examples(items: Iterable[str], limit: int = 8) -> list[str]:
    out: list[str] = []
    for item in items:
        if item not in out:
            out.append(item)
        if len(out) >= limit:
            break
    return out


def _context(text: str, start: int, end: int, width: int = 12) -> str:
    return text[max(0, start - width) : end + width].replace("\n", " ")
