"""The writer interface: one small class per way of writing a section.

A writer turns a :class:`SectionRequest` (the resolved draft request, the whole outline, the
section to write, the items planned for it and the passages retrieved for it) into a
:class:`drafter.models.SectionDraft`. ``awrite`` has a default that runs ``write`` in a
thread; writers with real async I/O (the OpenAI-compatible one) override it. Writers are
chosen from the plain mapping in :mod:`drafter.draft.writers`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from drafter.domain.request import DraftRequest
from drafter.models import Item, Outline, OutlineSection, Passage, SectionDraft


@dataclass
class SectionRequest:
    """Everything a writer needs for one section.

    ``items`` are the section's planned items (catalogue, the year's own, the asks'): the
    offline composer drafts from them, the model writer receives them as deliverables.
    """

    request: DraftRequest
    outline: Outline
    section: OutlineSection
    items: list[Item] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)


class Writer:
    """Base class for section writers."""

    name: str = "base"

    def write(self, request: SectionRequest) -> SectionDraft:
        raise NotImplementedError

    async def awrite(self, request: SectionRequest) -> SectionDraft:
        return await asyncio.to_thread(self.write, request)

    def needs_passages(self, planned: int) -> bool:
        """Whether the writer uses retrieved passages for a section with ``planned`` planned items."""
        return True

    def usage(self) -> dict[str, int]:
        """Requests and tokens used so far (a model writer's; empty for the offline composer)."""
        return {}

    def describe(self) -> str:
        """What the CLI says on stderr about this writer (never a key)."""
        return f"drafter: writing with {self.name}"

    def close(self) -> None:
        """Release clients or connections (optional)."""
