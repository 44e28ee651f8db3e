"""The writer interface: one small class per way of writing a section.

A writer turns a :class:`SectionRequest` (the brief, the whole outline, the section
to write and the passages retrieved for it) into a :class:`drafter.models.SectionDraft`.
``awrite`` has a default that runs ``write`` in a thread; writers with real async
I/O (the OpenAI-compatible one) override it. Writers are chosen from the plain
mapping in :mod:`drafter.draft.writers`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from drafter.models import Brief, Outline, OutlineSection, Passage, SectionDraft


@dataclass
class SectionRequest:
    """Everything a writer needs for one section.

    ``profile`` is the unit's drafting profile (drafter.draft.units.UnitProfile);
    ``era`` is the political framing current for the year (drafter.draft.era.Era).
    """

    brief: Brief
    outline: Outline
    section: OutlineSection
    passages: list[Passage]
    profile: Any
    era: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


class Writer:
    """Base class for section writers."""

    name: str = "base"

    def write(self, request: SectionRequest) -> SectionDraft:
        raise NotImplementedError

    async def awrite(self, request: SectionRequest) -> SectionDraft:
        return await asyncio.to_thread(self.write, request)

    def close(self) -> None:
        """Release clients or connections (optional)."""
