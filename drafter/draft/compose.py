"""Run a writer over every section of an outline: retrieve, write concurrently, keep what succeeds.

Passages are gathered per section first (the retriever is not shared across threads);
then the sections are written concurrently, at most ``max_concurrency`` at a time, each
request carrying the whole outline. A failing section is recorded (``SectionDraft.error``)
and the others are kept.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from drafter.draft.base import SectionRequest, Writer
from drafter.errors import DrafterError, ModelError
from drafter.models import Outline, OutlineSection, Passage, SectionDraft

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
_NO_RETRIEVAL = {"schedule", "guiding_ideology"}
# Plans and summaries of union work; a document that is not about the union (a hospital's
# business plan) is never borrowed from.
UNION_KINDS = ("plan", "summary_and_plan", "summary")


def _known_sections() -> set[str]:
    from drafter.resources import load_data

    return set((load_data("outline.yaml").get("sections") or {}).keys())


def gather_passages(retriever: Any, outline: Outline, section: OutlineSection, profile: Any,
                    k: int = 24) -> tuple[list[Passage], list[str]]:
    """Passages for one section: same and nearest units first, then any unit; plus the asks'.

    Returns the passages (best first, no repeated chunk) and the chunk ids found for the asks.
    """
    if retriever is None or section.id in _NO_RETRIEVAL:
        return [], []
    from drafter.draft.outline import section_query

    query = " ".join([section_query(section.id, section.title), *section.asks])
    labelled = section.id if section.id in _known_sections() else None
    near = [profile.id, *profile.nearest[:3]]
    found: dict[str, Passage] = {}
    ask_ids: list[str] = []

    def run(q: str, **kw: Any) -> list[Passage]:
        try:
            return retriever.search(q, **kw)
        except Exception as exc:  # noqa: BLE001 - a filter the index does not know: search wider
            log.debug("search %r %s failed: %s", q, kw, exc)
            if kw.get("section"):
                kw = dict(kw, section=None)
                try:
                    return retriever.search(q, **kw)
                except Exception as exc2:  # noqa: BLE001
                    log.debug("search %r %s failed: %s", q, kw, exc2)
            return []

    kinds = list(UNION_KINDS)
    searches = [run(query, unit=near, section=labelled, kind=kinds, k=k // 2, per_plan=4),
                run(query, section=labelled, kind=kinds, k=k, per_plan=4)]
    if labelled:  # items under another heading may still speak to this section (the writer checks keywords)
        searches.append(run(query, unit=near, kind=kinds, k=k // 3, per_plan=2))
    from drafter.draft.outline import subsection_section

    for sub in section.subsections:
        sub_id = subsection_section(sub)
        sub_query = section_query(sub_id, sub) if sub_id else sub
        searches.append(run(sub_query, unit=near, section=sub_id, kind=kinds, k=k // 3, per_plan=3))
        searches.append(run(sub_query, section=sub_id, kind=kinds, k=k // 3, per_plan=3))
    for hits in searches:
        for p in hits:
            found.setdefault(p.chunk.id, p)
    for ask in section.asks:
        for p in run(ask, kind=kinds, k=6, per_plan=2):
            ask_ids.append(p.chunk.id)
            found.setdefault(p.chunk.id, p)
    return list(found.values()), ask_ids


async def write_sections(outline: Outline, writer: Writer, *, profile: Any, era: Any,
                         passages: dict[str, tuple[list[Passage], list[str]]],
                         max_concurrency: int = 4, progress: Progress | None = None) -> list[SectionDraft]:
    """Write every section concurrently (bounded); failures become drafts with ``error`` set."""
    brief = outline.brief
    total = len(outline.sections)
    sem = asyncio.Semaphore(max(1, int(max_concurrency)))
    done = 0

    async def one(section: OutlineSection) -> SectionDraft:
        nonlocal done
        found, ask_ids = passages.get(section.id, ([], []))
        request = SectionRequest(brief=brief, outline=outline, section=section, passages=found,
                                 profile=profile, era=era, extra={"ask_chunks": ask_ids})
        async with sem:
            try:
                result = await writer.awrite(request)
                result.id, result.title = section.id, result.title or section.title
            except Exception as exc:  # noqa: BLE001 - keep the other sections
                msg = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
                log.debug("section %s failed: %s", section.id, msg)
                errors.append(exc)
                result = SectionDraft(id=section.id, title=section.title, writer=getattr(writer, "name", ""),
                                      error=msg)
        done += 1
        if progress is not None:
            progress(done, total, section.title)
        return result

    errors: list[BaseException] = []
    results = list(await asyncio.gather(*(one(s) for s in outline.sections)))
    if results and len(errors) == len(results):
        # Nothing was written: one cause (no key, 401, server down…) is the whole story.
        first = errors[0]
        if isinstance(first, DrafterError):
            raise first
        raise ModelError(f"every section failed: {results[0].error}")
    return results
