"""Run a writer over the sections of an outline: retrieve, write concurrently, keep what succeeds.

Passages are gathered per section first (the retriever is not shared across threads); then
the sections are written concurrently, at most ``max_concurrency`` at a time (default: a
plan's sections, up to 16, all at once), each request carrying the whole outline and the
section's planned items. 指导思想 (the year's framing) and the schedule (built from every
section's dated items) are not a writer's: the document pass makes them. A failing section is
recorded (``SectionDraft.error``) and the others are kept. The run stops early, the sections
still in flight cancelled, at a failure every request would share (ModelUnavailableError,
ConfigError) or after :data:`STOP_AFTER` identical failures while nothing has succeeded.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from drafter.domain import sections
from drafter.domain.kinds import UNION_KINDS
from drafter.domain.request import DraftRequest
from drafter.draft.base import SectionRequest, Writer
from drafter.errors import ConfigError, DrafterError, ModelError, ModelUnavailableError
from drafter.models import Item, Outline, OutlineSection, Passage, SectionDraft

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
DEFAULT_CONCURRENCY = 16
STOP_AFTER = 3


def written_by_writer(section: OutlineSection) -> bool:
    """Whether a writer drafts the section (指导思想 and the schedule are the document pass's)."""
    return section.id != sections.GUIDING and sections.layout_of(section.id) != "months"


def gather_passages(retriever: Any, section: OutlineSection, request: DraftRequest, k: int = 16) -> list[Passage]:
    """Passages for one section: the unit and its nearest units first, then any unit; best first, no repeats."""
    if retriever is None or not written_by_writer(section) or not sections.retrieves(section.id):
        return []
    query = " ".join([sections.section_query(section.id, section.title), *section.asks])
    labelled = section.id if sections.is_known(section.id) else None
    near = [request.unit.id, *request.unit.nearest[:2]]
    found: dict[str, Passage] = {}

    def run(**kw: Any) -> list[Passage]:
        try:
            return list(retriever.search(query, kind=list(UNION_KINDS), **kw))
        except DrafterError as exc:  # a filter the index does not know: the section is drafted without
            log.debug("search for %s %s failed: %s", section.id, kw, exc)
            return []

    for hits in (run(unit=near, section=labelled, k=k // 2, per_plan=3), run(section=labelled, k=k // 2, per_plan=3)):
        for p in hits:
            found.setdefault(p.chunk.id, p)
    return list(found.values())


def _message(exc: BaseException) -> str:
    """An exception's first line, or its class name when it says nothing (``NotImplementedError()``)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__


async def write_sections(
    outline: Outline,
    writer: Writer,
    request: DraftRequest,
    *,
    planned: dict[str, list[Item]],
    passages: dict[str, list[Passage]],
    max_concurrency: int = DEFAULT_CONCURRENCY,
    progress: Progress | None = None,
    on_section: Callable[[SectionDraft], None] | None = None,
) -> list[SectionDraft]:
    """Write every writer's section concurrently (bounded); failures become drafts with ``error`` set.

    ``on_section`` is called with each section as soon as it is written (the web page shows it).
    """
    todo = [s for s in outline.sections if written_by_writer(s)]
    total = len(todo)
    sem = asyncio.Semaphore(max(1, int(max_concurrency)))
    done = 0
    errors: list[BaseException] = []
    same: dict[str, int] = {}
    stop: list[BaseException] = []  # the failure that ends the run early

    async def one(section: OutlineSection) -> SectionDraft:
        nonlocal done
        sreq = SectionRequest(
            request=request,
            outline=outline,
            section=section,
            items=planned.get(section.id, []),
            passages=passages.get(section.id, []),
        )
        async with sem:
            try:
                result = await writer.awrite(sreq)
                result.id, result.title = section.id, result.title or section.title
                result.writer = result.writer or writer.name
            except Exception as exc:
                msg = _message(exc)
                log.debug("section %s failed: %s", section.id, msg)
                errors.append(exc)
                same[msg] = same.get(msg, 0) + 1
                shared = isinstance(exc, (ModelUnavailableError, ConfigError))
                if not stop and (shared or (same[msg] >= STOP_AFTER and len(errors) == done + 1)):
                    stop.append(exc)
                    for t in tasks:
                        if t is not asyncio.current_task():
                            t.cancel()
                result = SectionDraft(id=section.id, title=section.title, writer=writer.name, error=msg)
        done += 1
        if progress is not None:
            progress(done, total, section.title)
        if on_section is not None:
            on_section(result)
        return result

    tasks = [asyncio.ensure_future(one(s)) for s in todo]
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    results: list[SectionDraft] = []
    for section, outcome in zip(todo, outcomes):
        if isinstance(outcome, SectionDraft):
            results.append(outcome)
        elif isinstance(outcome, asyncio.CancelledError) and stop:  # cancelled by the early stop
            msg = _message(stop[0])
            errors.append(stop[0])
            results.append(SectionDraft(id=section.id, title=section.title, writer=writer.name, error=msg))
        else:
            raise outcome
    if results and len(errors) == len(results):
        # Nothing was written: one cause (no key, 401, server down…) is the whole story.
        first = stop[0] if stop else errors[0]
        if isinstance(first, DrafterError):
            raise first
        raise ModelError(f"every section failed: {results[0].error}")
    return results
