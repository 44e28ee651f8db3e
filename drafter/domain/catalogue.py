"""The work-item catalogue (``data/work_items.yaml``) and each year's own items (``data/years.yaml``).

A :class:`WorkItem` is one thing a modern union plan does: the section it belongs to, the
units it fits, its tier (must / common / optional), the years it is valid in, its text with
the unit's words ``{staff}`` and the unit's facts ``{女职工人数}`` as placeholders, where it sits
in the schedule and which asks of a brief it answers. Writers draft from it and the scorer
checks plans against the same must-haves, so the two cannot drift apart.

The files are validated when first loaded (:func:`catalogue`): a broken entry raises a
:class:`ConfigError` naming the file, the item and the fix.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from drafter.domain.assembly import WORDS as ASSEMBLY_WORDS
from drafter.domain.assembly import assembly_words
from drafter.domain.calendar import event_names, event_when
from drafter.domain.facts import SLOT, Facts, fact_fields, fill_slots
from drafter.domain.sectors import sector_ids
from drafter.domain.taxonomy import load_taxonomy
from drafter.domain.units import UnitProfile, unit_ids
from drafter.errors import ConfigError
from drafter.resources import load_data

TIERS = ("must", "common", "optional")
YEAR_KINDS = ("anniversary", "campaign", "priority")
_WORD = re.compile(r"\{([a-z_]+)\}")
YEAR_WORDS = ("year", "next_year", "last_year")


@dataclass(frozen=True)
class When:
    """Where an item sits in the schedule: some months, or the month of a calendar event."""

    months: tuple[int, ...] = ()
    event: str | None = None
    fact: str | None = None  # a fact naming the month (the congress's date); ``months`` when it is not given
    after: int = 0  # the item falls this many months after the month the fact names (会后3个月内; −1: the month before)
    # further months or calendar events the item also acts at, each with its own schedule line
    # (端午、中秋节日慰问: the item sits at 中秋节 and also at 端午节)
    also: tuple[tuple[int | str, str], ...] = ()


@dataclass(frozen=True)
class Step:
    """A milestone of an item in the schedule: its month and its short line there."""

    month: int
    schedule: str


@dataclass(frozen=True)
class Asked:
    """What an item adds when it answers one of the brief's asks: the year's priority done in depth.

    ``text`` follows the item's own text (further actions with months, owners and numbers), ``goal``
    is its line in 工作目标, ``steps`` its milestones in the schedule.
    """

    text: str = ""
    goal: str = ""
    steps: tuple[Step, ...] = ()
    replace: bool = False  # ``text`` is the whole item when asked (it supersedes the item's own text)


@dataclass(frozen=True)
class WorkItem:
    """One item of the catalogue (or of a year's own items)."""

    id: str
    section: str
    text: str
    tier: str = "common"
    units: tuple[str, ...] = ()
    not_units: tuple[str, ...] = ()
    must_for: tuple[str, ...] = ()
    start: int | None = None
    until: int | None = None
    when: When | None = None
    schedule: str = ""
    owner: str = ""
    asks: tuple[str, ...] = ()
    texts: Mapping[str, str] = field(default_factory=dict)
    kind: str = "catalogue"  # catalogue, or a year item's kind (anniversary, campaign, priority)
    year: int | None = None
    excludes: tuple[str, ...] = ()  # items never drafted together with this one
    asked: Asked | None = None  # what it adds when it answers an ask of the brief
    sectors: tuple[str, ...] = ()  # the sectors it fits (sectors.yaml); empty: every sector
    not_sectors: tuple[str, ...] = ()  # sectors it never fits
    family: str = ""  # a kind of activity a plan holds only so many of (families in work_items.yaml)

    def fits(self, unit: str, year: int, sector: str | None = None) -> bool:
        """Whether the item belongs in a plan of this unit (of this sector, when known) for this year."""
        if self.units and unit not in self.units:
            return False
        if self.sectors and sector not in self.sectors:
            return False
        if sector is not None and sector in self.not_sectors:
            return False
        if unit in self.not_units:
            return False
        if self.year is not None and self.year != year:
            return False
        if self.start is not None and year < self.start:
            return False
        return not (self.until is not None and year > self.until)

    def tier_for(self, unit: str) -> str:
        if self.year is not None or unit in self.must_for:
            return "must"
        return self.tier

    def text_for(self, unit: str) -> str:
        return self.texts.get(unit, self.text)


@dataclass(frozen=True)
class RenderedItem:
    """A work item phrased for one unit, year and set of facts."""

    item: WorkItem
    text: str
    schedule: str
    unfilled: tuple[str, ...] = ()
    steps: tuple[Step, ...] = ()  # its lines at the further events of ``when.also``, in their months


@dataclass(frozen=True)
class RenderedAsked:
    """An item's :class:`Asked` phrased for one unit, year and set of facts."""

    text: str
    goal: str
    steps: tuple[Step, ...]
    unfilled: tuple[str, ...] = ()
    replace: bool = False


def _year_words(year: int) -> dict[str, str]:
    return {"year": str(year), "next_year": str(year + 1), "last_year": str(year - 1)}


def render(item: WorkItem, profile: UnitProfile, year: int, facts: Facts | None = None) -> RenderedItem:
    """The item's text and schedule line with the unit's words and facts (a missing fact: 【待填：…】)."""
    facts = facts or Facts({})
    extra = {**_year_words(year), **assembly_words(profile.id, facts)}
    text, missing = fill_slots(_words(item.text_for(profile.id), profile, extra), facts)
    schedule, missing2 = fill_slots(_words(item.schedule, profile, extra), facts)
    steps = tuple(
        Step(at if isinstance(at, int) else event_when(at, year)[0], _words(line, profile, extra))
        for at, line in (item.when.also if item.when else ())
    )
    return RenderedItem(item, text, schedule, tuple(dict.fromkeys([*missing, *missing2])), steps)


def render_asked(item: WorkItem, profile: UnitProfile, year: int, facts: Facts | None = None) -> RenderedAsked | None:
    """What the item adds when it answers an ask, phrased for the unit (None when it adds nothing)."""
    if item.asked is None:
        return None
    facts = facts or Facts({})
    extra = {**_year_words(year), **assembly_words(profile.id, facts)}
    missing: list[str] = []

    def fill(template: str) -> str:
        out, gaps = fill_slots(_words(template, profile, extra), facts)
        missing.extend(gaps)
        return out

    a = item.asked
    steps = tuple(Step(s.month, fill(s.schedule)) for s in a.steps)
    return RenderedAsked(fill(a.text), fill(a.goal), steps, tuple(dict.fromkeys(missing)), a.replace)


def _words(template: str, profile: UnitProfile, extra: Mapping[str, str]) -> str:
    words = {**profile.words, **extra}
    return _WORD.sub(lambda m: words.get(m.group(1), m.group(0)), template)


# --------------------------------------------------------------------------- loading


def _when(raw: Any, where: str) -> When | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: 'when' must be {{month: M}}, {{months: [M, …]}} or {{event: name}}")
    also = raw.get("also") or {}
    if not isinstance(also, dict):
        raise ConfigError(f"{where}: 'also' must map months (1–12) or calendar events to schedule lines")
    for key in also:
        if not (isinstance(key, int) and 1 <= key <= 12) and str(key) not in event_names():
            raise ConfigError(f"{where}: 'also' names {key!r}, neither a month 1–12 nor a calendar.yaml event")
    also_lines = tuple((k if isinstance(k, int) else str(k), str(v)) for k, v in also.items())
    if "event" in raw:
        if str(raw["event"]) not in event_names():
            raise ConfigError(f"{where}: unknown calendar event {raw['event']!r}; use a name from calendar.yaml")
        return When(event=str(raw["event"]), also=also_lines)
    months = raw.get("months", [raw.get("month")] if "month" in raw else None)
    if not months or not all(isinstance(m, int) and 1 <= m <= 12 for m in months):
        raise ConfigError(f"{where}: 'when' needs month 1–12 (or months: [..], or event: name)")
    fact = raw.get("fact")
    if fact is not None and str(fact) not in {f.key for f in fact_fields()}:
        raise ConfigError(f"{where}: 'when' names the unknown fact {fact!r}; use a key of facts.yaml")
    after = raw.get("after", 0)
    if not isinstance(after, int) or not -11 <= after <= 11 or (after and fact is None):
        raise ConfigError(
            f"{where}: 'after' is the months after (negative: before) the month a fact names (−11–11, with fact: …)"
        )
    return When(
        months=tuple(int(m) for m in months),
        fact=str(fact) if fact is not None else None,
        also=also_lines,
        after=after,
    )


def _check_text(text: str, where: str, facts: set[str], words: set[str]) -> None:
    for name in _WORD.findall(text):
        if name not in words:
            raise ConfigError(f"{where}: unknown placeholder {{{name}}}; use one of the unit words of units.yaml")
    for name in SLOT.findall(text):
        if name not in facts:
            raise ConfigError(f"{where}: unknown fact {{{name}}}; add it to facts.yaml or use a known fact")


def _item(raw: dict[str, Any], file: str, *, year: int | None = None) -> WorkItem:
    iid = str(raw.get("id") or "").strip()
    where = f"{file}: item {iid or '?'}"
    if not iid:
        raise ConfigError(f"{file}: an item has no id")
    section = str(raw.get("section") or "")

    if section not in load_taxonomy().ids():
        raise ConfigError(f"{where}: unknown section {section!r}")
    tier = str(raw.get("tier") or ("must" if year is not None else "common"))
    if tier not in TIERS:
        raise ConfigError(f"{where}: tier must be one of {', '.join(TIERS)}")
    known_units = set(unit_ids())
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("units", "not_units", "must_for"):
        values = tuple(str(u) for u in raw.get(key) or ())
        bad = [u for u in values if u not in known_units]
        if bad:
            raise ConfigError(f"{where}: unknown unit {bad[0]!r} in {key}")
        lists[key] = values
    text = str(raw.get("text") or "").strip()
    if not text:
        raise ConfigError(f"{where}: no text")
    texts = {k.removeprefix("text_"): str(v).strip() for k, v in raw.items() if k.startswith("text_")}
    bad_units = [u for u in texts if u not in known_units]
    if bad_units:
        raise ConfigError(f"{where}: text_{bad_units[0]} names no known unit")
    facts = {f.key for f in fact_fields()}
    words = set(UnitProfile.word_names()) | set(YEAR_WORDS) | set(ASSEMBLY_WORDS)
    for t in (text, *texts.values(), str(raw.get("schedule") or "")):
        _check_text(t, where, facts, words)
    when = _when(raw.get("when"), where)
    asked = _asked(raw.get("asked"), where, facts, words)
    schedule = str(raw.get("schedule") or "").strip()
    if when is not None and not schedule:
        raise ConfigError(f"{where}: an item with 'when' needs a 'schedule' line")
    start, until = raw.get("from"), raw.get("until")
    if start is not None and until is not None and int(start) > int(until):
        raise ConfigError(f"{where}: from {start} is after until {until}")
    kind = str(raw.get("kind") or ("priority" if year is not None else "catalogue"))
    if year is not None and kind not in YEAR_KINDS:
        raise ConfigError(f"{where}: kind must be one of {', '.join(YEAR_KINDS)}")
    return WorkItem(
        id=iid,
        section=section,
        text=text,
        tier=tier,
        units=lists["units"],
        not_units=lists["not_units"],
        must_for=lists["must_for"],
        start=int(start) if start is not None else None,
        until=int(until) if until is not None else None,
        when=when,
        schedule=schedule,
        owner=str(raw.get("owner") or ""),
        asks=tuple(str(a) for a in raw.get("asks") or ()),
        texts=texts,
        kind=kind,
        year=year,
        excludes=tuple(str(x) for x in raw.get("excludes") or ()),
        sectors=_sector_list(raw, "sectors", where),
        not_sectors=_sector_list(raw, "not_sectors", where),
        asked=asked,
        family=str(raw.get("family") or ""),
    )


def _sector_list(raw: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    values = tuple(str(s) for s in raw.get(key) or ())
    bad = [s for s in values if s not in sector_ids()]
    if bad:
        raise ConfigError(f"{where}: unknown sector {bad[0]!r} in {key}; use an id of sectors.yaml")
    return values


def _asked(raw: Any, where: str, facts: set[str], words: set[str]) -> Asked | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not set(raw) <= {"text", "goal", "steps", "replace"}:
        raise ConfigError(f"{where}: 'asked' takes text, goal, steps ({{month: M, schedule: …}}) and replace only")
    steps = []
    for s in raw.get("steps") or ():
        month = s.get("month") if isinstance(s, dict) else None
        line = str(s.get("schedule") or "").strip() if isinstance(s, dict) else ""
        if not isinstance(month, int) or not 1 <= month <= 12 or not line:
            raise ConfigError(f"{where}: each of asked.steps needs month 1–12 and a schedule line")
        steps.append(Step(month, line))
    text, goal = str(raw.get("text") or "").strip(), str(raw.get("goal") or "").strip()
    for t in (text, goal, *(s.schedule for s in steps)):
        _check_text(t, where, facts, words)
    if not (text or goal or steps):
        raise ConfigError(f"{where}: 'asked' is empty; give text, goal or steps, or remove it")
    replace = bool(raw.get("replace"))
    if replace and not text:
        raise ConfigError(f"{where}: 'asked.replace' needs the item's whole text in asked.text")
    return Asked(text=text, goal=goal, steps=tuple(steps), replace=replace)


@functools.cache
def catalogue() -> tuple[WorkItem, ...]:
    """Every catalogue item and every year item, validated (ConfigError names a broken entry)."""
    items = [_item(raw, "work_items.yaml") for raw in load_data("work_items.yaml").get("items") or []]
    for year, raws in (load_data("years.yaml").get("years") or {}).items():
        items += [_item(raw, "years.yaml", year=int(year)) for raw in raws or []]
    seen: set[str] = set()
    for it in items:
        if it.id in seen:
            raise ConfigError(f"{'years.yaml' if it.year else 'work_items.yaml'}: item id {it.id!r} is used twice")
        seen.add(it.id)
    caps = families()
    for it in items:
        unknown = [x for x in it.excludes if x not in seen]
        if unknown:
            raise ConfigError(f"work_items.yaml: item {it.id} excludes the unknown item {unknown[0]!r}")
        if it.family and it.family not in caps:
            raise ConfigError(
                f"work_items.yaml: item {it.id} names the unknown family {it.family!r}; add it to 'families'"
            )
    return tuple(items)


@functools.cache
def families() -> dict[str, int]:
    """Kinds of activity a plan holds only so many of (评选表彰: 2), from ``work_items.yaml``'s ``families``."""
    raw = load_data("work_items.yaml").get("families") or {}
    if not isinstance(raw, dict) or not all(isinstance(v, int) and v >= 1 for v in raw.values()):
        raise ConfigError("work_items.yaml: 'families' maps a family name to the most items a plan holds (1 or more)")
    return {str(k): int(v) for k, v in raw.items()}


def items_for(unit: str, year: int, sections: Iterable[str] | None = None, sector: str | None = None) -> list[WorkItem]:
    """Items that fit a unit (and its sector) and year (in file order; year items last), optionally only
    these sections."""
    wanted = set(sections) if sections is not None else None
    return [it for it in catalogue() if it.fits(unit, year, sector) and (wanted is None or it.section in wanted)]


def must_haves(unit: str, year: int, sector: str | None = None) -> list[WorkItem]:
    """What every plan of this unit (and sector) for this year carries: its must items and the year's own."""
    return [it for it in items_for(unit, year, sector=sector) if it.tier_for(unit) == "must"]


@functools.cache
def _by_id() -> dict[str, WorkItem]:
    return {it.id: it for it in catalogue()}


def item_by_id(item_id: str) -> WorkItem:
    """The catalogue or year item with this id (KeyError when there is none)."""
    return _by_id()[item_id]


def answers(item: WorkItem, ask: str) -> int:
    """How strongly an item answers an ask: the length of the longest of its ask words the ask holds."""
    return max((len(w) for w in item.asks if w and w in ask), default=0)
