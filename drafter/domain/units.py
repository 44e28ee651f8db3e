"""Unit types: their ids, Chinese names and aliases, and their drafting profiles.

Everything lives in ``drafter/data/units.yaml`` (editable by a domain expert). Every stage
uses these ids (corpus tags, ``--unit`` options, metadata filters); :class:`UnitProfile`
holds how a unit speaks (its own words, themes, nearest units, word map, forbidden words).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

from drafter.errors import UnknownUnitError
from drafter.resources import load_data


def _units() -> list[dict]:
    return load_data("units.yaml")["units"]


def unit_ids(drafting_only: bool = False) -> list[str]:
    """All unit ids in file order (only those with a drafting profile when asked)."""
    return [u["id"] for u in _units() if not drafting_only or u.get("drafting")]


def unit_name(unit_id: str) -> str:
    """Chinese name of a unit id (幼儿园 for kindergarten)."""
    for u in _units():
        if u["id"] == unit_id:
            return u["name"]
    raise UnknownUnitError(_unknown_message(unit_id, drafting_only=False))


def resolve_unit(name: str, *, drafting_only: bool = False) -> str:
    """Map a unit id, Chinese name or alias (``医院``, ``Hospital``) to its id.

    Raises :class:`UnknownUnitError` with the list of known units otherwise.
    """
    key = (name or "").strip()
    low = key.lower().replace("-", "_")
    for u in _units():
        if low == u["id"] or key == u["name"] or key in u.get("aliases", []):
            if drafting_only and not u.get("drafting"):
                instead = " or ".join(f"{x} ({unit_name(x)})" for x in u.get("draft_as") or [])
                raise UnknownUnitError(
                    f"{u['id']} ({u['name']}) tags corpus plans but has no drafting profile; "
                    f"draft for {instead or 'one of the units of `drafter units`'}"
                )
            return u["id"]
    raise UnknownUnitError(_unknown_message(key, drafting_only=drafting_only))


def _unknown_message(name: str, *, drafting_only: bool) -> str:
    known = ", ".join(f"{u['id']} ({u['name']})" for u in _units() if not drafting_only or u.get("drafting"))
    return f"unknown unit {name!r}; known units: {known}"


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
    items_per_section: int = 0  # common items a section holds beyond its must items (0: the default)
    mission: str = ""  # what the union's work serves, in the guiding thought (幼儿园高质量发展)
    union_suffix: str = "工会委员会"  # the union's formal name after the unit's (阳光幼儿园工会委员会)
    groups: str = "工会小组"  # the union's cells below it (工会小组 / 二级工会 / 会员单位)
    group_leads: str = "工会小组长"  # who leads them

    WORDS = (
        "staff",
        "women",
        "home",
        "congress",
        "congress_full",
        "openness",
        "ethics",
        "self",
        "we",
        "this",
        "union",
        "leader",
        "work",
        "service",
        "name",
        "groups",
        "group_leads",
    )

    @classmethod
    def word_names(cls) -> tuple[str, ...]:
        """The names of the unit words templates may use as {placeholders}."""
        return cls.WORDS

    @property
    def words(self) -> dict[str, str]:
        """The placeholders templates may use: {staff}, {congress}, {openness}, {we} …"""
        return {name: str(getattr(self, name)) for name in self.WORDS}

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


def mentionable() -> frozenset[str]:
    """Words any plan may mention in passing (医院 for a staff check-up): never another unit's word to the
    scorer or a model, though borrowed corpus sentences are still judged by the unit's forbidden list."""
    return frozenset(str(w) for w in load_data("units.yaml").get("mentionable") or [])


_FIELDS = {f for f in UnitProfile.__dataclass_fields__}


@functools.cache
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
