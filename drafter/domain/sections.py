"""How a draft's sections are planned and phrased (``drafter/data/outline.yaml``), and their vocabulary.

:func:`sections_for` gives a unit's default sections as :class:`SectionSpec` (heading and goal
phrased with the unit's words, sub-sections, layout); :func:`section_keywords` the words that
tie an ask or an item to a section (outline.yaml + the taxonomy's aliases and keywords);
:func:`assign_ask` the section an ask fits best; :func:`layout_of` how a section is laid out.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from drafter.domain.taxonomy import load_taxonomy
from drafter.domain.units import UnitProfile
from drafter.resources import load_data

SCHEDULE = "schedule"
GUIDING = "guiding_ideology"
LAYOUTS = ("prose", "items", "months")


@dataclass(frozen=True)
class SubsectionSpec:
    """A sub-heading （一）… of a section and the canonical section whose items it holds."""

    id: str | None
    title: str


@dataclass(frozen=True)
class SectionSpec:
    """One section of a unit's default outline, phrased for the unit."""

    id: str
    title: str
    goal: str
    layout: str = "items"
    retrieve: bool = True
    subsections: tuple[SubsectionSpec, ...] = field(default_factory=tuple)


def _phrasing() -> dict[str, Any]:
    return load_data("outline.yaml")


def _entries() -> dict[str, Any]:
    return _phrasing().get("sections") or {}


def _pick(entry: dict[str, Any], key: str, unit: str) -> Any:
    value = entry.get(f"{key}_{unit}")
    return value if value is not None else entry.get(key)


def phrased_section_ids() -> list[str]:
    """The canonical sections outline.yaml phrases, in plan order (a unit's outline has a subset)."""
    return [str(k) for k in _entries()]


def is_known(section_id: str) -> bool:
    return section_id in _entries()


def layout_of(section_id: str) -> str:
    """prose, items or months: how a section's body is laid out (items for sections outline.yaml lacks)."""
    entry = _entries().get(section_id) or {}
    layout = str(entry.get("layout") or "items")
    return layout if layout in LAYOUTS else "items"


def retrieves(section_id: str) -> bool:
    """Whether the section is drafted from corpus passages (指导思想 and the schedule are not)."""
    entry = _entries().get(section_id) or {}
    return entry.get("retrieve", True) is not False


def applies_to(section_id: str, profile: UnitProfile) -> bool:
    """Whether a unit's default outline has the section."""
    entry = _entries().get(section_id)
    if entry is None or section_id in profile.exclude_sections:
        return False
    units = entry.get("units")
    return not units or profile.id in units


def _subsections(entry: dict[str, Any], profile: UnitProfile) -> tuple[SubsectionSpec, ...]:
    raw = _pick(entry, "subsections", profile.id) or []
    out = []
    for sub in raw:
        if isinstance(sub, dict):
            out.append(SubsectionSpec(id=sub.get("id"), title=profile.fill(str(sub.get("title") or ""))))
        else:
            title = profile.fill(str(sub))
            out.append(SubsectionSpec(id=subsection_section(title), title=title))
    return tuple(out)


def section_spec(section_id: str, profile: UnitProfile) -> SectionSpec:
    """A section phrased for a unit (KeyError for a section outline.yaml does not phrase)."""
    entry = _entries()[section_id]
    return SectionSpec(
        id=section_id,
        title=profile.fill(str(_pick(entry, "title", profile.id) or "")),
        goal=profile.fill(str(_pick(entry, "goal", profile.id) or "")),
        layout=layout_of(section_id),
        retrieve=retrieves(section_id),
        subsections=_subsections(entry, profile),
    )


def sections_for(profile: UnitProfile) -> list[SectionSpec]:
    """A unit's default sections, in plan order."""
    return [section_spec(sid, profile) for sid in _entries() if applies_to(sid, profile)]


@functools.cache
def section_keywords(section_id: str) -> tuple[str, ...]:
    """Words that tie an ask, an item or a passage to a section (outline.yaml + taxonomy keywords)."""
    entry = _entries().get(section_id) or {}
    words = [str(w) for w in entry.get("keywords") or []]
    t = load_taxonomy().get(section_id)
    if t is not None:
        words += [str(w).lstrip("^") for w in t.aliases if 2 <= len(str(w).lstrip("^")) <= 6]
        words += [str(w) for w in t.keywords if len(str(w)) >= 2]
    return tuple(dict.fromkeys(words))


def section_query(section_id: str, title: str = "") -> str:
    """The retrieval query for a section."""
    entry = _entries().get(section_id) or {}
    return " ".join(x for x in (title, str(entry.get("query") or "")) if x).strip()


def assign_ask(ask: str, section_ids: list[str]) -> str | None:
    """The section an ask fits best by keywords (the longest words found win), or None when none fits."""
    best, best_score = None, 0
    for sid in section_ids:
        if layout_of(sid) != "items" or sid in ("goals", "safeguards"):
            continue
        score = sum(len(w) for w in section_keywords(sid) if w in ask)
        if score > best_score:
            best, best_score = sid, score
    return best


def subsection_section(title: str) -> str | None:
    """The canonical section a sub-section title speaks of (规范经费管理 → finance_audit), or None."""
    ids = phrased_section_ids() + [i for i in load_taxonomy().ids() if i not in _entries()]
    return assign_ask(title, ids)


def preamble_phrasing() -> dict[str, str]:
    """The templates of the plan's opening paragraph (``preamble`` in outline.yaml)."""
    spec = _phrasing().get("preamble") or {}
    return {k: str(v) for k, v in spec.items()}


def new_section_phrasing() -> dict[str, str]:
    """Title and goal templates for a section added for an ask that fits no section ({ask})."""
    spec = _phrasing().get("new_section") or {}
    return {k: str(v) for k, v in spec.items()}
