"""The canonical section taxonomy (``drafter/data/sections.yaml``): labels for headings, and corpus stats.

``load_taxonomy().label("加强工会组织建设，提高整体工作水平")`` → ``"union_building"``;
:func:`label_sections` labels a plan's sections (a heading with no label of its own
inherits its nearest labelled ancestor's); :func:`section_stats` counts, per canonical
section, the plans of each unit that contain it (``drafter sections --stats``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from drafter.domain.units import unit_ids
from drafter.models import Plan, Section
from drafter.resources import load_data

ALIAS_POINTS = 3.0
KEYWORD_POINTS = 1.0
HEADING_MIN = 2.0  # a heading without an alias needs this many keyword points
BODY_MIN = 3.0  # body evidence needed when the heading says nothing
SCHEDULE = "schedule"
WORK_LIST_WORDS = ("工作安排", "工作计划安排")  # schedule aliases that also head plain lists of work
LONG_ITEM_HEADING = 8  # numbered headings at least this long may be labelled by their body
_PREAMBLE_HEAD = re.compile(r"^([^。：:\n]{2,30})[：:]")


@dataclass
class CanonicalSection:
    """One canonical section of a plan (see ``sections.yaml`` for the meaning of each field)."""

    id: str
    name: str
    aliases: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    order: int = 0
    units: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    description: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def applies_to(self, unit: str | None = None, kind: str | None = None) -> bool:
        unit_ok = unit is None or not self.units or unit in self.units
        kind_ok = kind is None or not self.kinds or kind in self.kinds
        return unit_ok and kind_ok


class Taxonomy:
    """The canonical sections, in their usual order, and the heading labeller."""

    def __init__(
        self,
        sections: Iterable[CanonicalSection],
        bonus: dict[str, float] | None = None,
        anchored: Iterable[tuple[str, str]] = (),
    ):
        self.sections = sorted(sections, key=lambda s: s.order)
        self._by_id = {s.id: s for s in self.sections}
        self._bonus = dict(bonus or {})
        self._anchored = set(anchored)  # (id, alias) pairs that only count at a heading's start

    def __len__(self) -> int:
        return len(self.sections)

    def ids(self) -> list[str]:
        return [s.id for s in self.sections]

    def get(self, id: str) -> CanonicalSection | None:
        return self._by_id.get(id)

    def for_unit(self, unit: str, kind: str = "plan") -> list[CanonicalSection]:
        """The sections a ``kind`` document of ``unit`` usually has, in their usual order."""
        return [s for s in self.sections if s.applies_to(unit, kind)]

    def scores(self, text: str, kind: str | None = None) -> dict[str, tuple[float, int]]:
        """``{id: (points, first position)}`` for every section with evidence in ``text``."""
        out: dict[str, tuple[float, int]] = {}
        for s in self.sections:
            if kind is not None and not s.applies_to(None, kind):
                continue
            points, first = 0.0, len(text)
            rest = text
            for alias in sorted(s.aliases, key=len, reverse=True):
                if (s.id, alias) in self._anchored:  # counts only at the start of the heading
                    i = 0 if text.startswith(alias) else -1
                else:
                    i = text.find(alias)
                if i >= 0:
                    points += ALIAS_POINTS + len(alias) / 100
                    first = min(first, i)
                    rest = rest.replace(alias, " " * len(alias))  # keywords inside an alias don't count twice
            if points:
                points += self._bonus.get(s.id, 0.0)
            for word in s.keywords:
                i = rest.find(word)
                if i >= 0:
                    points += KEYWORD_POINTS
                    first = min(first, i)
            if points:
                out[s.id] = (points, first)
        return out

    def resolve(self, name: str) -> str | None:
        """The canonical id a user means: an id (worker_care), a section's Chinese name or alias
        (关心职工生活, 生活保障), or a heading that names it (关心教职工生活，竭诚办实事); else None."""
        text = (name or "").strip()
        if text in self._by_id:
            return text
        for s in self.sections:
            if text == s.name or text in s.aliases:
                return s.id
        return self.label(text) if text else None

    def label(self, heading: str, body: str = "", *, kind: str | None = None) -> str | None:
        """The canonical section id of a heading (simplified script), or None.

        The heading decides first (aliases, then keywords); only when it says nothing
        do the body's words count, weakly. ``kind`` restricts to sections of that
        document kind (a plan's 主要工作 is not a summary's achievements).
        """
        heading = (heading or "").strip()
        scored = self.scores(heading, kind) if heading else {}
        best = _best(scored, HEADING_MIN, margin=0.0)
        if best or not body:
            return best
        body_scores = self.scores(body[:600], kind)
        return _best(body_scores, BODY_MIN, margin=1.0)


def _best(scored: dict[str, tuple[float, int]], minimum: float, margin: float) -> str | None:
    if not scored:
        return None
    ranked = sorted(scored.items(), key=lambda kv: (-kv[1][0], kv[1][1]))
    top_id, (top, _) = ranked[0]
    has_alias = top >= ALIAS_POINTS
    if not has_alias and top < minimum:
        return None
    if len(ranked) > 1 and top - ranked[1][1][0] < margin:
        return None
    return top_id


@functools.lru_cache(maxsize=1)
def load_taxonomy() -> Taxonomy:
    """The taxonomy from ``drafter/data/sections.yaml`` (cached)."""
    data = load_data("sections.yaml")
    sections = [
        CanonicalSection(
            id=str(d["id"]),
            name=str(d["name"]),
            aliases=[str(a).lstrip("^") for a in d.get("aliases", [])],
            keywords=[str(k) for k in d.get("keywords", [])],
            order=int(d.get("order", 0)),
            units=[str(u) for u in d.get("units", [])],
            kinds=[str(k) for k in d.get("kinds", [])],
            description=str(d.get("description", "")),
        )
        for d in data["sections"]
    ]
    anchored = [
        (str(d["id"]), str(a)[1:]) for d in data["sections"] for a in d.get("aliases", []) if str(a).startswith("^")
    ]
    bonus = {str(k): float(v) for k, v in (data.get("label_bonus") or {}).items()}
    return Taxonomy(sections, bonus=bonus, anchored=anchored)


def label_sections(
    sections: list[Section], taxonomy: Taxonomy | None = None, *, kind: str | None = None
) -> list[Section]:
    """Set ``section_id``/``own_label`` on each section (in place; also returned).

    A section's own label comes from its heading (for the untitled preamble, from a
    ``…指导思想：`` lead-in); a section without one inherits the nearest labelled
    ancestor's label (``own_label`` False). Inside a schedule (具体活动安排 → 3月份 → items)
    the activities are not sections of their own: only month blocks get an own label
    (``schedule``), the items inherit it.
    """
    taxonomy = taxonomy or load_taxonomy()
    stack: list[tuple[int, str | None]] = []
    for k, s in enumerate(sections):
        while stack and stack[-1][0] >= s.level:
            stack.pop()
        in_schedule = any(sid == SCHEDULE for _, sid in stack)
        if s.level == 0:
            m = _PREAMBLE_HEAD.match(s.body)
            own = taxonomy.label(m.group(1), kind=kind) if m else None
        else:
            own = taxonomy.label(s.heading, s.body if _long_item(s) else "", kind=kind)
            if (in_schedule and own != SCHEDULE) or (
                own == SCHEDULE and not in_schedule and not _is_schedule(sections, k)
            ):
                own = None
        inherited = next((sid for _, sid in reversed(stack) if sid), None) if s.level > 0 else None
        s.section_id = own or inherited
        s.own_label = own is not None
        stack.append((s.level, s.section_id))
    return sections


_MONTHS = re.compile(r"(\d{1,2}|十[一二]?|[一二三四五六七八九])月|季度|半年")


def _is_schedule(sections: list[Section], k: int) -> bool:
    """A heading that only says 工作安排 is a schedule when months follow (else it lists work items)."""
    s = sections[k]
    if not any(word in s.heading for word in WORK_LIST_WORDS) or _MONTHS.search(s.heading):
        return True
    if _MONTHS.search(s.body[:200]):
        return True
    for child in sections[k + 1 :]:
        if child.level <= s.level:
            break
        if _MONTHS.match(child.heading):
            return True
    return False


def _long_item(s: Section) -> bool:
    """Numbered items whose heading is a clause of a long paragraph may be labelled by their body."""
    return bool(s.number) and len(s.heading) >= LONG_ITEM_HEADING


def section_stats(plans: list[Plan], taxonomy: Taxonomy | None = None) -> dict[str, Any]:
    """Per canonical section, how many plans of each unit contain it.

    Returns ``{"units": [unit ids present, in units.yaml order], "sections": {id: {"name",
    "by_unit": {unit: n_plans}, "total"}} (usual order), "plans_per_unit": {unit: n},
    "headings": n, "labelled_headings": n}``; a heading counts as labelled when it has a
    canonical section (its own or inherited).
    """

    taxonomy = taxonomy or load_taxonomy()
    known = unit_ids()
    present = {p.unit.value for p in plans}
    units = [u for u in known if u in present] + sorted(present - set(known))
    per_unit = {u: sum(1 for p in plans if p.unit.value == u) for u in units}
    table: dict[str, dict[str, Any]] = {}
    for s in taxonomy.sections:
        by_unit = {u: 0 for u in units}
        for p in plans:
            if any(sec.section_id == s.id for sec in p.sections):
                by_unit[p.unit.value] += 1
        table[s.id] = {"name": s.name, "by_unit": by_unit, "total": sum(by_unit.values())}
    headings = [sec for p in plans for sec in p.sections if sec.level > 0]
    return {
        "units": units,
        "sections": table,
        "plans_per_unit": per_unit,
        "headings": len(headings),
        "labelled_headings": sum(1 for sec in headings if sec.section_id),
    }
