"""What a revision knows before it reads a line: the two years, their framing, the sure mappings.

:class:`Context` is built once per revision (:func:`make_context`) from last year's and this year's
:class:`~drafter.domain.era.Era` (``era_for(old)`` against ``era_for(new)``), the stale terms of the new
year (``stale_regex``), the old year's own items of ``years.yaml`` whose event is over (round
anniversaries, campaigns) and the rules of ``revise.yaml``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from drafter.domain import catalogue
from drafter.domain.era import Era, era_for, stale_regex
from drafter.domain.numerals import to_chinese
from drafter.domain.request import DraftRequest
from drafter.resources import load_data
from drafter.revision.rules import Rules, rules

CN_NUM = "[一二三四五六七八九十]"


@dataclass(frozen=True)
class OverItem:
    """An item of the old year's ``years.yaml`` list whose event is over: how to spot it, what to ask."""

    item: catalogue.WorkItem
    words: tuple[str, ...]  # any of these in a sentence shows it
    number: str | None  # an anniversary's ``75周年`` (with its Chinese form), needed together with a word
    note: str


@dataclass
class Context:
    old: int
    new: int
    request: DraftRequest
    old_era: Era
    new_era: Era
    rules: Rules
    stale: re.Pattern[str]
    formula: re.Pattern[str]
    exact: list[tuple[re.Pattern[str], str, str]] = field(default_factory=list)  # (phrase, new, label)
    over: list[OverItem] = field(default_factory=list)

    @property
    def delta(self) -> int:
        return self.new - self.old


def phrase_regex(phrase: str) -> re.Pattern[str]:
    """A phrase as a regex that does not care which quotation marks (or none) surround its quoted words."""
    parts = []
    for ch in phrase:
        if ch in '“”"「」':
            parts.append('[“”"「」]?')
        else:
            parts.append(re.escape(ch))
    return re.compile("".join(parts))


def _exact_mappings(old: Era, new: Era) -> list[tuple[re.Pattern[str], str, str]]:
    """Phrases of last year's framing with a sure counterpart this year: the five-year-plan phrase,
    the guiding thought and its study phrase (the congress spirits are matched more loosely, in detect)."""
    pairs = [
        (old.five_year_phrase, new.five_year_phrase, "五年规划提法"),
        (old.guide, new.guide, "指导思想提法"),
        (old.study, new.study, "学习提法"),
    ]
    out = []
    for a, b, label in pairs:
        if a and b and a != b:
            out.append((phrase_regex(a), b, label))
    out.sort(key=lambda x: -len(x[0].pattern))
    return out


def _over_items(old: int, new: int, kinds: dict[str, str]) -> list[OverItem]:
    """The old year's anniversaries and campaigns (years.yaml), unless the new year carries on with them."""
    new_words = {w for it in catalogue.catalogue() if it.year == new for w in it.asks}
    out = []
    for it in catalogue.catalogue():
        if it.year != old or it.kind not in kinds:
            continue
        if it.kind == "anniversary":
            m = re.search(r"(\d{1,3})周年", it.text)
            number = m.group(1) if m else None
            before = it.text[max(0, m.start() - 3) : m.start()] if m else ""
            words = tuple(w for w in (*it.asks, before) if len(w) >= 2 and w not in new_words)
            what = next((a for a in it.asks if "周年" in a), f"{number}周年" if number else it.id)
            out.append(OverItem(it, words, number, kinds[it.kind].format(what=what)))
        else:
            words = tuple(w for w in it.asks if len(w) >= 4 and w not in new_words)
            if words:
                out.append(OverItem(it, words, None, kinds[it.kind].format(what=words[0])))
    return out


def over_in(sentence: str, over: OverItem) -> bool:
    """Whether a sentence speaks of an old year's item whose event is over."""
    if over.number is not None:
        n = int(over.number)
        if f"{n}周年" not in sentence and f"{to_chinese(n)}周年" not in sentence:
            return False
        return any(w in sentence for w in over.words) or any("周年" in w and w in sentence for w in over.item.asks)
    return any(w in sentence for w in over.words)


@functools.cache
def _formula() -> re.Pattern[str]:
    return re.compile(str(load_data("era.yaml").get("formula") or "$^"))


def make_context(old: int, new: int, request: DraftRequest) -> Context:
    r = rules()
    old_era, new_era = era_for(old), era_for(new)
    return Context(
        old=old,
        new=new,
        request=request,
        old_era=old_era,
        new_era=new_era,
        rules=r,
        stale=stale_regex(new),
        formula=_formula(),
        exact=_exact_mappings(old_era, new_era),
        over=_over_items(old, new, r.year_kinds),
    )
