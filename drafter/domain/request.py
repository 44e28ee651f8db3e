"""One resolved request for a draft, built once at the edge (CLI, Python API, web app) and passed down.

:func:`build_request` checks and resolves everything a draft depends on — the unit (to its
profile), the year (to its era framing and calendar), the unit's name, the brief (cleaned, its
asks parsed), the facts and the script — and raises one :class:`~drafter.errors.InputError`
for the first thing that is wrong. No stage re-checks the year or re-resolves the unit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drafter.domain.brief import clean_brief, parse_asks
from drafter.domain.calendar import CalendarEvent, year_events
from drafter.domain.era import Era, check_year, era_for
from drafter.domain.facts import Facts, check_facts, derive_facts, load_facts
from drafter.domain.script import SCRIPTS
from drafter.domain.sectors import sector_of
from drafter.domain.units import UnitProfile, load_profile
from drafter.errors import InputError

MAX_NAME_CHARS = 40
NAME_SLOT = "【待填：单位名称】"  # the title and the 落款 when the unit's name is not given


@dataclass(frozen=True)
class DraftRequest:
    """What a draft is for: resolved, checked, typed. Build it with :func:`build_request`."""

    unit: UnitProfile
    year: int
    era: Era
    events: tuple[CalendarEvent, ...]
    name: str | None = None
    brief: str = ""
    asks: tuple[str, ...] = ()
    facts: Facts = field(default_factory=Facts)
    script: str = "simplified"

    @property
    def sector(self) -> str | None:
        """The sector the unit's name reveals (物流 → logistics; sectors.yaml), or None."""
        found = sector_of(self.unit.id, self.name or self.facts.get("单位名称"))
        return found.id if found else None

    @property
    def unit_name(self) -> str:
        """The unit's own name (阳光幼儿园), else the facts' 单位名称, else a visible 【待填：单位名称】."""
        return self.name or self.facts.get("单位名称") or NAME_SLOT

    @property
    def guiding_thought(self) -> str:
        """The 指导思想 paragraph: the year's framing, the unit's leader, mission and higher union."""
        return self.era.guiding_sentence(self.unit, self.facts.get("上级工会"))

    @property
    def title(self) -> str:
        """``阳光幼儿园2024年工会工作计划``."""
        return plan_title(self.unit_name, self.year)


def plan_title(unit_name: str, year: int) -> str:
    return f"{unit_name}{year}年工会工作计划"


def clean_name(name: str | None) -> str | None:
    """A unit's name is one line of plain text: markup, control characters and line breaks are an error."""
    if name is None:
        return None
    text = name.strip()
    if not text:
        return None
    if re.search(r"[\x00-\x1f\x7f]", text):
        raise InputError("the unit name must be one line of text (no line breaks or control characters)")
    if re.search(r"[<>#*`\[\]{}|\\]", text):
        raise InputError(
            f"the unit name {text!r} holds markup characters (< > # * ` [ ] {{ }} | \\); give the plain name"
        )
    if len(text) > MAX_NAME_CHARS:
        raise InputError(f"the unit name has {len(text)} characters; give the unit's name ({MAX_NAME_CHARS} at most)")
    return text


def check_script(script: str) -> str:
    s = (script or "simplified").strip().lower()
    if s not in SCRIPTS:
        raise InputError(f"unknown script {script!r}: use simplified or traditional")
    return s


def build_request(
    unit: str | UnitProfile,
    year: int | str,
    *,
    brief: str = "",
    name: str | None = None,
    facts: Facts | Mapping[str, Any] | str | Path | None = None,
    script: str = "simplified",
    asks: list[str] | tuple[str, ...] | None = None,
) -> DraftRequest:
    """Resolve a draft request (unit id or Chinese name, year, brief, name, facts as a mapping or a file).

    ``asks`` replaces the asks parsed from the brief (an edited outline carries its own).
    """
    profile = unit if isinstance(unit, UnitProfile) else load_profile(unit)
    y = check_year(year)  # type: ignore[arg-type]
    text = clean_brief(brief)
    if isinstance(facts, Facts):
        resolved = facts
    elif isinstance(facts, (str, Path)):
        resolved = load_facts(facts, profile.id)
    else:
        resolved = check_facts(facts, profile.id)
    resolved = derive_facts(resolved)
    priorities = resolved.get("本年重点")
    if priorities and asks is None:
        # the facts' 本年重点 are asks too: brief and facts say the year's priorities together
        extra = "本年重点：" + "、".join(p.strip() for p in re.split(r"[；;\n]", priorities) if p.strip())
        text = f"{text}\n{extra}" if text else extra
    parsed = tuple(asks) if asks is not None else tuple(parse_asks(text))
    return DraftRequest(
        unit=profile,
        year=y,
        era=era_for(y),
        events=tuple(year_events(y, profile)),
        name=clean_name(name),
        brief=text,
        asks=parsed,
        facts=resolved,
        script=check_script(script),
    )
