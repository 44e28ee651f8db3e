"""The revision's domain words (``drafter/data/revise.yaml``), read once into typed rules.

What counts as last year's one-off event, which yearly anniversaries move with the year, which
lunar festivals move, which numbers need this year's value: a union officer edits the file, the
detectors of :mod:`drafter.revision.detect` read these rules. A broken entry raises a
:class:`~drafter.errors.ConfigError` naming the entry.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from drafter.errors import ConfigError
from drafter.resources import load_data

FILE = "revise.yaml"


@dataclass(frozen=True)
class OneOff:
    """A kind of one-off event: its label, the words that give it away, what the chair is asked."""

    label: str
    pattern: re.Pattern[str]
    note: str


@dataclass(frozen=True)
class Recheck:
    """Wording that moves every year but cannot be computed (第六届…第三次会议): kept inside a flag."""

    label: str
    pattern: re.Pattern[str]
    note: str


@dataclass(frozen=True)
class Anniversary:
    """A yearly anniversary (建党N周年): the words that name it and the year counting starts from."""

    pattern: re.Pattern[str]
    base: int


@dataclass(frozen=True)
class Festival:
    """A lunar festival: its names, its lunar month and day, and a day offset (除夕: −1)."""

    name: str
    pattern: re.Pattern[str]
    lunar: tuple[int, int]
    days: int = 0


@dataclass(frozen=True)
class Group:
    """People a headcount counts (会员, 女职工 …) and the facts.yaml key that gives this year's number."""

    words: tuple[str, ...]
    fact: str | None = None


@dataclass(frozen=True)
class Rules:
    one_offs: tuple[OneOff, ...]
    year_kinds: dict[str, str]
    anniversaries: tuple[Anniversary, ...]
    festivals: tuple[Festival, ...]
    groups: tuple[Group, ...]
    between: tuple[str, ...]
    people: tuple[str, ...]
    money: re.Pattern[str]
    budget_words: tuple[str, ...]
    budget_fact: str | None
    budget_unit: str
    rechecks: tuple[Recheck, ...] = ()
    results: re.Pattern[str] = re.compile("$^")
    results_broad: re.Pattern[str] = re.compile("$^")
    subgroups: tuple[str, ...] = ()
    standing: re.Pattern[str] = re.compile("$^")

    def group_of(self, word: str) -> Group | None:
        return next((g for g in self.groups if word in g.words), None)

    @property
    def group_words(self) -> tuple[str, ...]:
        """Every group word, longest first (女职工 before 职工)."""
        return tuple(sorted({w for g in self.groups for w in g.words}, key=len, reverse=True))


def _regex(raw: Any, where: str) -> re.Pattern[str]:
    try:
        return re.compile(str(raw))
    except re.error as exc:
        raise ConfigError(f"{FILE}: {where}: the pattern {raw!r} is not a valid regular expression ({exc})") from None


@functools.cache
def rules() -> Rules:
    """The rules of ``revise.yaml`` (cached)."""
    d = load_data(FILE) or {}
    one_offs = []
    for i, raw in enumerate(d.get("one_off") or []):
        label = str(raw.get("label") or "").strip()
        if not label or not raw.get("pattern") or not raw.get("note"):
            raise ConfigError(f"{FILE}: one_off entry {i + 1} needs a label, a pattern and a note")
        one_offs.append(OneOff(label, _regex(raw["pattern"], f"one_off {label}"), str(raw["note"])))
    anniversaries = tuple(
        Anniversary(_regex(a["pattern"], "anniversaries"), int(a["base"])) for a in d.get("anniversaries") or []
    )
    festivals = []
    for raw in d.get("festivals") or []:
        lunar = raw.get("lunar") or []
        if len(lunar) != 2:
            raise ConfigError(f"{FILE}: festival {raw.get('name')!r} needs lunar: [month, day]")
        names = str(raw["name"])
        festivals.append(
            Festival(
                names.split("|")[-1],
                _regex(names, "festivals"),
                (int(lunar[0]), int(lunar[1])),
                int(raw.get("days", 0)),
            )
        )
    fig = d.get("figures") or {}
    groups = tuple(
        Group(tuple(str(w) for w in g.get("words") or ()), str(g["fact"]) if g.get("fact") else None)
        for g in fig.get("groups") or []
    )
    budget = fig.get("budget") or {}
    rechecks = []
    for i, raw in enumerate(d.get("recheck") or []):
        if not raw.get("label") or not raw.get("pattern") or not raw.get("note"):
            raise ConfigError(f"{FILE}: recheck entry {i + 1} needs a label, a pattern and a note")
        rechecks.append(Recheck(str(raw["label"]), _regex(raw["pattern"], f"recheck {raw['label']}"), str(raw["note"])))
    return Rules(
        one_offs=tuple(one_offs),
        year_kinds={str(k): str(v) for k, v in (d.get("year_kinds") or {}).items()},
        anniversaries=anniversaries,
        festivals=tuple(festivals),
        groups=groups,
        between=tuple(str(w) for w in fig.get("between") or ()),
        people=tuple(str(w) for w in fig.get("units") or ("人", "名")),
        money=_regex(fig.get("money") or r"\d+(?:\.\d+)?\s*(?:万元|元)", "figures.money"),
        budget_words=tuple(str(w) for w in budget.get("words") or ()),
        budget_fact=str(budget["fact"]) if budget.get("fact") else None,
        budget_unit=str(budget.get("unit") or "万元"),
        rechecks=tuple(rechecks),
        results=_regex(d.get("results") or "$^", "results"),
        results_broad=_regex(d.get("results_broad") or d.get("results") or "$^", "results_broad"),
        subgroups=tuple(str(w) for w in fig.get("subgroups") or ()),
        standing=_regex(d.get("standing") or "$^", "standing"),
    )
