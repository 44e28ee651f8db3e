"""The quality gate: which sentences of the corpus a writer may use, and why the others may not.

The corpus is scraped plans, most from 2005–2015. Before any writer sees a passage, each of its
items is judged by general checks rather than one rule per sentence:

* **form**: a usable item stands alone as a task — it starts with a verb of action, has
  18–90 CJK characters and at most four clauses (longer runs are fused items or garbled
  text), balanced quotes and brackets, no stray digits, Latin letters or questions;
* **era**: wording bound to past years (era.yaml's ``stale`` table: 三个代表, 学习型组织, 和谐社会…)
  and stated years other than the plan year's;
* **voice**: past-year reporting (一年来, 取得了…) and a speaker's 我们;
* **unit and level**: another unit's words (units.yaml ``forbidden``), another level of the
  union's tasks (组建率, 劳动监察, 指导各基层工会…), one source's own names and campaigns
  (a quoted name not on the ``quoted_ok`` list is one source's campaign);
* **substance**: slogans with no concrete marker;
* **place**: an item whose subject is another section of the outline, or a section this unit's
  plan does not have;
* **novelty**: an item that repeats a planned item (the catalogue already says it better).

Word lists live in ``data/gate.yaml``; :func:`judge` returns the first reason or ``None``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from drafter.domain import sections
from drafter.domain.era import stale_regex
from drafter.domain.units import UnitProfile, foreign_names
from drafter.draft import text as tx
from drafter.models import Item, Passage
from drafter.resources import load_data

_CJK = re.compile(r"[\u4e00-\u9fff]")
_QUOTED = re.compile(r"“([^”]{4,20})”")
_CONCRETE = re.compile(
    r"\d|[一二三四五六七八九十两]+[次期场项名个人]|每(?:年|学期|季度|月|周)|不少于|不低于|达到|[春夏秋冬]季|月份?"
)
# digits a plan may carry: a year, a month and day, a quoted number (“三八” is not digits)
_DIGITS_OK = re.compile(r"\d{4}年|\d{1,2}月(?:\d{1,2}日)?|\d{1,2}[·.]\d{1,2}(?=[\u4e00-\u9fff”])|“\d+”")
# 是 as the main verb: a definition or a judgement (…是工会的基本职能), not an action
_DEFINITION = re.compile(r"(?<![否还特尤就凡若但于一二三四五六七八九十只])是(?![否以])")
_PAST_LE = re.compile(r"(?<![为除])了(?![解如])")


@dataclass(frozen=True)
class GateWords:
    past: tuple[str, ...]
    other_level: tuple[str, ...]
    own_names: tuple[str, ...]
    vague: tuple[str, ...]
    quoted_ok: frozenset[str]
    generic: frozenset[str]
    min_chars: int
    max_chars: int
    max_clauses: int


@functools.cache
def gate_words() -> GateWords:
    d = load_data("gate.yaml")
    limits = d.get("limits") or {}
    return GateWords(
        past=tuple(map(str, d.get("past") or ())),
        other_level=tuple(map(str, d.get("other_level") or ())),
        own_names=tuple(map(str, d.get("own_names") or ())),
        vague=tuple(map(str, d.get("vague") or ())),
        quoted_ok=frozenset(map(str, d.get("quoted_ok") or ())),
        generic=frozenset(map(str, d.get("generic") or ())),
        min_chars=int(limits.get("min_chars", 18)),
        max_chars=int(limits.get("max_chars", 90)),
        max_clauses=int(limits.get("max_clauses", 4)),
    )


def _balanced(t: str) -> bool:
    return (
        t.count("“") == t.count("”")
        and t.count("《") == t.count("》")
        and t.count("（") == t.count("）")
        and t.count("(") == t.count(")")
    )


def keyword_score(text: str, words: Iterable[str]) -> int:
    """How much a text speaks of a section: its distinctive keywords found (each at most twice)."""
    generic = gate_words().generic
    return sum(min(text.count(w), 2) for w in words if w and w not in generic)


def judge(item: str, profile: UnitProfile, year: int) -> str | None:
    """Why an (adapted, finished) item must not be borrowed, or None when it may (see the module docstring)."""
    g = gate_words()
    m = stale_regex(year).search(item)
    if m:
        return f"era:{m.group(0)}"
    for y in re.findall(r"((?:19|20)\d{2})年", item):
        if int(y) != year:
            return f"era:{y}年"
    if "我们" in item:
        return "voice:我们"
    for w in g.past:
        if w in item:
            return f"voice:{w}"
    if _PAST_LE.search(item):
        return "voice:了"
    for w in g.other_level:
        if w in item:
            return f"level:{w}"
    for w in (*profile.forbidden, *foreign_names()):
        if w and w in item:
            return f"unit:{w}"
    for w in g.own_names:
        if w in item:
            return f"source:{w}"
    for q in _QUOTED.findall(item):
        if q not in g.quoted_ok and not any(ok in q for ok in g.quoted_ok):
            return f"source:“{q}”"
    cjk = len(_CJK.findall(item))
    if cjk < g.min_chars:
        return "form:fragment"
    if cjk > g.max_chars:
        return "form:too_long"
    if len(tx.sentences(item)) > 1:
        return "form:two_sentences"
    if item.count("，") + item.count("；") + 1 > g.max_clauses:
        return "form:run_on"
    if not tx.task_start().match(item):
        return "form:not_a_task"
    if _DEFINITION.search(item):
        return "form:definition"
    if not _balanced(item):
        return "form:unbalanced"
    if re.search(r"\d", _DIGITS_OK.sub("", item)) or re.search(r"[A-Za-z]{2,}", item) or "？" in item:
        return "form:stray"
    if re.search(r"[\ufffd]|[^\u0000-\uffff]", item):
        return "form:garbled"
    if any(w in item for w in g.vague) and not _CONCRETE.search(item):
        return "substance:slogan"
    return None


@dataclass(frozen=True)
class Candidate:
    """A corpus item that passed the gate, with where it came from and how well it fits."""

    text: str
    plan_id: str
    score: float


def usable_items(
    passages: list[Passage],
    profile: UnitProfile,
    year: int,
    section_id: str,
    outline_ids: list[str],
    planned: list[Item],
) -> tuple[list[Candidate], dict[str, int]]:
    """The corpus items of a section's passages that pass the gate, best first; and the refusals by reason.

    An item must speak of its own section more than of another (of the outline, or of a section
    this unit's plan does not have), and must not repeat a planned item.
    """
    own = sections.section_keywords(section_id)
    others = {
        sid: sections.section_keywords(sid)
        for sid in sections.phrased_section_ids()
        if sid not in (section_id, sections.SCHEDULE, sections.GUIDING)
    }
    seen = [tx.bigrams(x.text) for x in planned]
    refused: dict[str, int] = {}
    out: list[Candidate] = []
    for rank, p in enumerate(passages):
        c = p.chunk
        if c.kind == "not_union":
            continue
        for raw in tx.split_items(p.text):
            item = tx.finish(tx.adapt_year(profile.adapt(raw), year))
            why = judge(item, profile, year)
            if why is None:
                mine = keyword_score(item, own)
                theirs = max((keyword_score(item, w) for w in others.values()), default=0)
                if mine == 0 or theirs > mine:
                    why = "place:elsewhere"
                elif tx.is_duplicate(item, seen, 0.35):
                    why = "novelty:repeats"
            if why is not None:
                key = why.split(":")[0]
                refused[key] = refused.get(key, 0) + 1
                continue
            tx.remember(item, seen)
            unit_bonus = 1.0 if c.unit == profile.id else 0.5 if c.unit in profile.nearest[:2] else 0.0
            out.append(Candidate(item, c.plan_id, 1.0 / (1 + 0.1 * rank) + unit_bonus + 0.2 * min(mine, 4)))
    out.sort(key=lambda x: -x.score)
    return out, refused
