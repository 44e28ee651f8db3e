"""The offline composer: drafts a section from its planned items, with no model and no network.

A section is its goal as an opening sentence, then its planned items — the asks' items first,
then the year's own items, then the must and common items of the work-item catalogue, each
already phrased for the unit and filled with its facts — placed under their sub-headings.
Corpus sentences that pass the quality gate (:mod:`drafter.draft.gate`) are added only where a
section holds few items, at most :data:`MAX_BORROWED` of them, the unit's own plans first.
指导思想 is the year's framing (era.yaml); the schedule is built later, by the document pass,
from every section's dated items.
"""

from __future__ import annotations

import logging

from drafter.draft.base import SectionRequest, Writer
from drafter.draft.gate import usable_items
from drafter.models import Item, OutlineSection, SectionDraft, SubSection

log = logging.getLogger(__name__)

MAX_BORROWED = 2  # corpus items a section may borrow
MIN_OWN_ITEMS = 2  # below this many planned items a section borrows from the corpus


def opening(request: SectionRequest) -> str:
    """The section's goal as one sentence. The brief's asks are not echoed here: their items (first in
    the section, deepened, with milestones) and their lines in 工作目标 and the schedule carry them."""
    goal = (request.section.goal or "").strip().rstrip("。")
    if not goal or goal.endswith("："):  # a goal that introduces the items (以下目标：) keeps its colon
        return goal
    return f"{goal}。"


def place(items: list[Item], section: OutlineSection) -> tuple[list[Item], list[SubSection]]:
    """Items directly under the section, or grouped under its sub-headings by the section each item belongs to."""
    if not section.subsections:
        return items, []
    subs = [SubSection(title=s.title) for s in section.subsections]
    ids = [s.id for s in section.subsections]
    fallback = ids.index(section.id) if section.id in ids else 0
    for it in items:
        i = ids.index(it.section) if it.section in ids else fallback
        subs[i].items.append(it)
    return [], [s for s in subs if s.items]


class OfflineWriter(Writer):
    """Compose sections from planned items (see the module docstring)."""

    name = "offline"

    def __init__(self, max_borrowed: int = MAX_BORROWED, **_: object) -> None:
        self.max_borrowed = max_borrowed

    def needs_passages(self, planned: int) -> bool:
        return planned < MIN_OWN_ITEMS and self.max_borrowed > 0

    def describe(self) -> str:
        return "drafter: writing with the offline composer"

    def write(self, request: SectionRequest) -> SectionDraft:
        section, req = request.section, request.request
        if section.id == "guiding_ideology":
            return SectionDraft(
                id=section.id,
                title=section.title,
                intro=req.guiding_thought,
                writer=self.name,
                layout="prose",
            )
        items = list(request.items)
        borrowed = self.borrow(request) if len(items) < MIN_OWN_ITEMS else []
        items += borrowed
        own, subs = place(items, section)
        return SectionDraft(
            id=section.id,
            title=section.title,
            intro=opening(request),
            items=own,
            subsections=subs,
            sources=list(dict.fromkeys(it.plan_id for it in borrowed if it.plan_id)),
            writer=self.name,
        )

    def borrow(self, request: SectionRequest) -> list[Item]:
        """Up to ``max_borrowed`` corpus items that pass the gate and add something new."""
        if not request.passages or self.max_borrowed <= 0:
            return []
        section, req = request.section, request.request
        ids = [s.id for s in request.outline.sections]
        found, refused = usable_items(request.passages, req.unit, req.year, section.id, ids, request.items)
        log.debug("section %s: %d corpus items usable, refused %s", section.id, len(found), refused)
        return [
            Item(text=c.text, origin=f"corpus:{c.plan_id}", section=section.id, tier="corpus")
            for c in found[: self.max_borrowed]
        ]
