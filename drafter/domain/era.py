"""The political framing current for a plan year, from ``drafter/data/era.yaml``.

A plan for year Y is written around the turn of Y-1/Y, so the current congress is the
latest one held before Y. Years beyond the table keep the last known guiding thought but
name no congress (drafter never guesses a congress number).
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from drafter.errors import YearError
from drafter.resources import load_data

if TYPE_CHECKING:  # pragma: no cover
    from drafter.domain.units import UnitProfile

log = logging.getLogger(__name__)

MIN_YEAR, MAX_YEAR = 2000, 2099


@dataclass
class Era:
    """Framing for one plan year. ``None`` fields are unknown for that year and never printed."""

    year: int
    party_congress: str | None = None  # 党的二十大
    party_spirit: str = ""  # 党的二十大和二十届二中全会精神
    union_congress: str | None = None  # 中国工会十八大
    five_year_plan: str | None = None  # 十四五
    five_year_phrase: str | None = None  # “十四五”规划收官之年
    guide: str = ""  # 习近平新时代中国特色社会主义思想
    study: str = ""
    key_phrases: list[str] = field(default_factory=list)
    beyond_table: bool = False

    def guiding_sentence(self, profile: UnitProfile, superior: str | None = None) -> str:
        """The 指导思想 paragraph for a unit (and its higher union, when known), from the era.yaml templates."""
        t = _data()["templates"]
        mission = profile.mission if profile.mission and self.year >= int(_data().get("mission_from", 2021)) else ""
        union_clause = ""
        if self.union_congress:
            union_clause = t["union_spirit_clause"].format(union_congress=self.union_congress.removeprefix("中国工会"))
        template = t["guiding"] if self.party_congress else t["guiding_no_congress"]
        return profile.fill(
            template,
            guide=self.guide,
            party_spirit=self.party_spirit,
            study=self.study,
            union_spirit_clause=union_clause,
            year=self.year,
            superior=superior or "上级工会",
            mission=mission or f"{profile.self}改革发展",
        )

    def year_sentence(self) -> str | None:
        """E.g. ``2025年是“十四五”规划收官之年`` (None when the year has no such standing)."""
        if not self.five_year_phrase:
            return None
        return _data()["templates"]["year_phrase"].format(year=self.year, five_year_phrase=self.five_year_phrase)

    def to_dict(self) -> dict:
        import dataclasses

        return dataclasses.asdict(self)


def _data() -> dict:
    return load_data("era.yaml")


def check_year(year: int) -> int:
    """The year as an int, or YearError when outside 2000–2099."""
    try:
        y = int(year)
    except (TypeError, ValueError):
        raise YearError(f"year {year!r} is not a number; give a year between {MIN_YEAR} and {MAX_YEAR}") from None
    if not MIN_YEAR <= y <= MAX_YEAR:
        raise YearError(f"year {y} is outside the supported range; give a year between {MIN_YEAR} and {MAX_YEAR}")
    return y


def _current(congresses: list[dict], year: int) -> str | None:
    held = [c for c in congresses if int(c["held"]) <= year - 1]
    return str(held[-1]["number"]) if held else None


@functools.lru_cache(maxsize=256)
def era_for(year: int) -> Era:
    """The framing for a plan year (YearError outside 2000–2099)."""
    year = check_year(year)
    d = _data()
    known_until = int(d.get("known_until", MAX_YEAR))
    beyond = year > known_until
    guide = next((g for g in d["guides"] if int(g["from"]) <= year <= int(g["to"])), d["guides"][-1])
    era = Era(year=year, guide=guide["guide"], study=guide.get("study", ""), beyond_table=beyond)
    if beyond:
        # Past the table: keep the guiding thought, name no congress and no five-year plan.
        log.info("year %s is beyond the era table (known until %s): no congress is named", year, known_until)
    else:
        party = _current(d["party_congresses"], year)
        union = _current(d["union_congresses"], year)
        era.party_congress = f"党的{party}" if party else None
        era.union_congress = f"中国工会{union}" if union else None
        spirit = (d.get("party_spirit") or {}).get(year)
        era.party_spirit = str(spirit) if spirit else (f"{era.party_congress}精神" if era.party_congress else "")
    for plan in d["five_year_plans"]:
        if int(plan["from"]) <= year <= int(plan["to"]) and not (beyond and year > int(plan["to"])):
            era.five_year_plan = plan["name"]
            t = d["templates"]
            if year == int(plan["from"]):
                era.five_year_phrase = t["five_year_first"].format(plan=plan["name"])
            elif year == int(plan["to"]):
                era.five_year_phrase = t["five_year_last"].format(plan=plan["name"])
            else:
                era.five_year_phrase = t["five_year_key"].format(plan=plan["name"])
    era.key_phrases = [
        p for p in (era.guide, era.party_spirit, era.union_congress and f"{era.union_congress}精神") if p
    ]
    return era


def _held_in(congresses: list[dict], year: int) -> set[str]:
    return {str(c["number"]) for c in congresses if int(c["held"]) == year}


def _stale_entries(year: int) -> list[tuple[str, str]]:
    """(label, regex) of every term that is stale in a plan year."""
    year = check_year(year)
    d = _data()
    out: list[tuple[str, str]] = []
    for e in d.get("stale") or []:
        if not int(e["from"]) <= year <= int(e["to"]):
            out.append((str(e["label"]), str(e["pattern"])))
    # Congress numbers: stale when neither the current one nor the one held in the plan year (a 2022
    # plan prepares for 党的二十大); a number that is current in one sense (十八大 of the unions in
    # 2024) is only stale in its other sense (党的十八大).
    era = era_for(year)
    party_ok = {(era.party_congress or "").removeprefix("党的")} | _held_in(d["party_congresses"], year)
    union_ok = {(era.union_congress or "").removeprefix("中国工会")} | _held_in(d["union_congresses"], year)
    numbers = {str(c["number"]) for c in d["party_congresses"]} | {str(c["number"]) for c in d["union_congresses"]}
    for num in sorted(numbers):
        party_stale = num not in party_ok
        union_stale = num not in union_ok
        if party_stale and union_stale:
            out.append((num, rf"(?<![一二三四五六七八九十]){num}"))
        elif party_stale:
            out.append((f"党的{num}", rf"(?<!工会)(?<![一二三四五六七八九十]){num}"))
        elif union_stale:
            out.append((f"工会{num}", rf"工会{num}"))
    for plan in d["five_year_plans"]:
        name = str(plan["name"])
        if name == "十五":
            continue  # too ambiguous as a bare word
        if not int(plan["from"]) - 1 <= year <= int(plan["to"]):
            out.append((name, rf"(?<![一二三四五六七八九十]){name}(?![一二三四五六七八九十大])"))
    return out


def stale_terms(year: int) -> list[str]:
    """Terms that must not be cited as current in a plan for ``year`` (三个代表, 十三五, 党的十八大 …)."""
    return [label for label, _ in _stale_entries(year)]


@functools.lru_cache(maxsize=256)
def stale_regex(year: int) -> re.Pattern[str]:
    """One regex matching any stale term of the year (used by the composer's filter)."""
    return re.compile("|".join(f"(?:{p})" for _, p in _stale_entries(year)))
