"""Drafting profiles of unit types: the unit's own words, themes, nearest units, word map, forbidden words.

Profiles live in ``drafter/data/units.yaml`` (editable by a domain expert); this module
reads them into :class:`UnitProfile` and applies the word map to borrowed text.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

from drafter.errors import UnknownUnitError
from drafter.resources import load_data
from drafter.units import resolve_unit


@dataclass
class UnitProfile:
    """How a unit speaks: used by the outline, the composer and the prompts."""

    id: str
    name: str
    aliases: list[str] = field(default_factory=list)
    staff: str = "职工"
    women: str = "女职工"
    home: str = "职工之家"
    congress: str = "职代会"
    congress_full: str = "职工代表大会"
    openness: str = "厂务公开"
    ethics: str = "职业道德"
    self: str = "单位"
    we: str = "我单位"
    this: str = "本单位"
    union: str = "工会"
    leader: str = "党组织"
    work: str = "中心工作"
    service: str = "群众"
    themes: list[str] = field(default_factory=list)
    nearest: list[str] = field(default_factory=list)
    word_map: dict[str, str] = field(default_factory=dict)
    forbidden: list[str] = field(default_factory=list)
    exclude_sections: list[str] = field(default_factory=list)

    @property
    def words(self) -> dict[str, str]:
        """The placeholders templates may use: {staff}, {congress}, {openness}, {we} …"""
        return {
            "staff": self.staff, "women": self.women, "home": self.home, "congress": self.congress, "congress_full": self.congress_full,
            "openness": self.openness, "ethics": self.ethics, "self": self.self, "we": self.we,
            "this": self.this, "union": self.union, "leader": self.leader, "work": self.work,
            "service": self.service, "name": self.name,
        }

    def fill(self, template: str, **extra: Any) -> str:
        """Fill ``{staff}``-style placeholders of a template with this unit's words."""
        return template.format_map({**self.words, **extra})

    def adapt(self, text: str) -> str:
        """Map source-unit words to this unit's words (one pass, longest match first)."""
        if not self.word_map:
            return text
        out = _map_regex(tuple(self.word_map.items())).sub(lambda m: self.word_map[m.group(0)], text)
        for word in _doubled(tuple(self.word_map.values())):
            out = out.replace(word + word, word)  # 师德医德标兵 → 医德医德标兵 → 医德标兵
        if self.self and self.openness and self.self[-1] == self.openness[0]:
            # 学校政务上榜公开 → 学校校务公开 → 校务公开 (the unit is named once)
            out = out.replace(self.self + self.openness, self.openness)
        return out

    def forbidden_in(self, text: str) -> list[str]:
        """The forbidden words (and foreign proper names) that occur in text."""
        return [w for w in (*self.forbidden, *foreign_names()) if w and w in text]

    def to_dict(self) -> dict[str, Any]:
        import dataclasses

        return dataclasses.asdict(self)


@functools.lru_cache(maxsize=64)
def _map_regex(items: tuple[tuple[str, str], ...]) -> re.Pattern[str]:
    keys = sorted((k for k, _ in items if k), key=len, reverse=True)
    return re.compile("|".join(re.escape(k) for k in keys))


@functools.lru_cache(maxsize=64)
def _doubled(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted({v for v in values if len(v) >= 2}, key=len, reverse=True))


def foreign_names() -> list[str]:
    return list(load_data("units.yaml").get("foreign_names") or [])


_FIELDS = {f for f in UnitProfile.__dataclass_fields__}  # noqa: SLF001


@functools.lru_cache(maxsize=None)
def _profile(unit_id: str) -> UnitProfile:
    for raw in load_data("units.yaml")["units"]:
        if raw["id"] == unit_id:
            data = {k: v for k, v in raw.items() if k in _FIELDS}
            data["word_map"] = {str(k): str(v) for k, v in (raw.get("word_map") or {}).items()}
            for key in ("themes", "nearest", "forbidden", "exclude_sections", "aliases"):
                data[key] = [str(x) for x in (raw.get(key) or [])]
            return UnitProfile(**data)
    raise UnknownUnitError(f"unknown unit {unit_id!r}")  # pragma: no cover - resolve_unit checks first


def load_profile(unit: str) -> UnitProfile:
    """The drafting profile of a unit id, Chinese name or alias (UnknownUnitError lists the known ones)."""
    return _profile(resolve_unit(unit, drafting_only=True))


def list_units() -> list[UnitProfile]:
    """Profiles of every unit that `drafter write` can draft for, in file order."""
    return [_profile(u["id"]) for u in load_data("units.yaml")["units"] if u.get("drafting")]
