"""Plan the sections of a draft: the unit's sections, phrased for it, with the brief's asks routed to them.

:func:`outline_for` builds the :class:`~drafter.models.Outline` of a resolved
:class:`~drafter.domain.request.DraftRequest`; :func:`plan_outline` does the same from a unit,
a year and a brief (the public, notebook-friendly form). Each ask goes to the section whose
catalogue items answer it best (between equals, the one whose own words it shares most), else
to the section whose keywords it shares most, else to a section of its own placed before the
保障措施 and the schedule. Its activity then also reaches the schedule through its month.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from dataclasses import dataclass

from drafter.domain import catalogue, sections
from drafter.domain.asks import template_for
from drafter.domain.brief import vocabulary as brief_vocabulary
from drafter.domain.request import DraftRequest, build_request
from drafter.domain.units import UnitProfile
from drafter.errors import InputError
from drafter.models import Brief, Outline, OutlineSection, OutlineSubsection

MAX_SECTIONS_PER_ASK = 1  # an ask's activity sits in one section, and in the schedule


def ask_sections(ask: str, request: DraftRequest, section_ids: list[str]) -> list[str]:
    """The sections an ask touches: those holding the catalogue items that answer it best, else by keywords."""
    t = template_for(ask)[0]
    if t.own and t.section in section_ids:
        return [t.section]  # an ask that always gets its own item, in its own section
    scored: dict[str, int] = {}
    for item in catalogue.items_for(request.unit.id, request.year, section_ids, sector=request.sector):
        strength = catalogue.answers(item, ask)
        if strength >= 2:
            scored[item.section] = max(scored.get(item.section, 0), strength)
    if scored:
        # the strongest answer wins; between equals, the section whose own words the ask shares most
        def rank(sid: str) -> tuple[int, int, int]:
            words = sum(len(w) for w in sections.section_keywords(sid) if w in ask)
            return (-scored[sid], -words, section_ids.index(sid))

        return sorted(scored, key=rank)[:MAX_SECTIONS_PER_ASK]
    sid = sections.assign_ask(ask, section_ids)
    return [sid] if sid else []


def _custom_section(ask: str, index: int, profile: UnitProfile) -> OutlineSection:
    phr = sections.new_section_phrasing()
    ask = profile.adapt(ask)
    template = phr.get("title_verb") if ask.startswith(brief_vocabulary().verbs) else phr.get("title")
    return OutlineSection(
        id=f"custom_{index}",
        title=profile.fill(template or "{ask}", ask=ask),
        goal=profile.fill(phr.get("goal") or "", ask=ask),
        asks=[ask],
    )


def outline_for(request: DraftRequest) -> Outline:
    """The outline of a resolved request: the unit's sections in plan order, each ask routed."""
    profile = request.unit
    out: list[OutlineSection] = []
    for spec in sections.sections_for(profile):
        subs = [OutlineSubsection(title=s.title, id=s.id) for s in spec.subsections]
        out.append(OutlineSection(id=spec.id, title=spec.title, goal=spec.goal, subsections=subs))
    # sections the outline holds through its sub-sections (finance_audit inside union_building)
    held = {sub.id: s.id for s in out for sub in s.subsections if sub.id and sub.id != s.id}
    ids = [s.id for s in out] + list(held)
    custom = 0
    for ask in request.asks:
        targets = ask_sections(ask, request, ids)
        if not targets:
            custom += 1
            new = _custom_section(ask, custom, profile)
            at = next((i for i, s in enumerate(out) if s.id in (sections.SCHEDULE, "safeguards")), len(out))
            out.insert(at, new)
            continue
        phrased = profile.adapt(ask)  # the unit's own words (职工之家 → 教职工之家)
        for sid in dict.fromkeys(held.get(t, t) for t in targets):
            section = next(s for s in out if s.id == sid)
            if phrased not in section.asks:
                section.asks.append(phrased)
    brief = Brief(
        unit=profile.id,
        year=request.year,
        name=request.name,
        text=request.brief,
        asks=list(request.asks),
        script=request.script,
    )
    return Outline(unit=profile.id, year=request.year, title=request.title, sections=out, brief=brief)


def plan_outline(unit: str, year: int, brief: str = "", name: str | None = None) -> Outline:
    """The outline of a plan for a unit and year, with the brief's asks routed to its sections."""
    return outline_for(build_request(unit, year, brief=brief, name=name))


MAX_TITLE = 40
_CUSTOM_ID = re.compile(r"^custom_(\d+)$")


@dataclass(frozen=True)
class SectionEdit:
    """One section of an edited outline, in its new place: an existing section's id (renamed when the
    title differs), or ``id=None`` for a new section the chair adds."""

    title: str
    id: str | None = None


def edit_outline(outline: Outline, edits: Sequence[SectionEdit]) -> Outline:
    """The outline with its sections renamed, reordered, deleted or added as ``edits`` list them.

    A kept section keeps its goal, sub-sections and asks; a new section gets the next ``custom_N`` id
    and its title as its goal. The schedule (具体活动安排) may be moved or deleted but not added twice.
    Raises :class:`InputError` for an empty outline, an empty or over-long title, an id the outline
    does not hold, or an id given twice.
    """
    if not edits:
        raise InputError("an outline needs at least one section")
    old = {s.id: s for s in outline.sections}
    used = [int(m.group(1)) for s in outline.sections if (m := _CUSTOM_ID.match(s.id))]
    next_custom = max(used, default=0) + 1
    out: list[OutlineSection] = []
    seen: set[str] = set()
    for i, e in enumerate(edits, 1):
        title = re.sub(r"\s+", " ", e.title or "").strip()
        if not title:
            raise InputError(f"section {i} has no title: give each section a heading")
        if len(title) > MAX_TITLE:
            raise InputError(f"section {i}'s title is {len(title)} characters: keep a heading to {MAX_TITLE} at most")
        if e.id is None:
            out.append(OutlineSection(id=f"custom_{next_custom}", title=title, goal=title))
            next_custom += 1
            continue
        if e.id not in old:
            raise InputError(f"the outline has no section {e.id!r}: a new section is given without an id")
        if e.id in seen:
            raise InputError(f"section {e.id!r} is listed twice")
        seen.add(e.id)
        kept = copy.deepcopy(old[e.id])
        kept.title = title
        out.append(kept)
    edited = copy.deepcopy(outline)
    edited.sections = out
    if edited.brief is not None:  # an ask whose section was deleted is no longer asked for
        edited.brief.asks = list(dict.fromkeys(a for s in out for a in s.asks))
    return edited
