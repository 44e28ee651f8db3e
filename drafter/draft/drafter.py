"""The :class:`Drafter` API: request → outline → planned items → sections → document pass, in one call.

    from drafter import Drafter
    draft = Drafter().write("kindergarten", 2024, brief="今年重点：教职工心理健康、筹建职工之家")
    print(draft.markdown); draft.save("计划.docx")

``write`` works in scripts and inside a running event loop (Jupyter): there it runs the
async path in a worker thread with its own loop. ``awrite`` is the async form.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import logging
import os
import threading
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drafter.config import IndexConfig
from drafter.domain import sections
from drafter.domain.facts import Facts
from drafter.domain.request import NAME_SLOT, DraftRequest, build_request, plan_title
from drafter.domain.units import load_profile
from drafter.draft import compose, document
from drafter.draft.answer import parse_section_markdown
from drafter.draft.assemble import preamble
from drafter.draft.base import Writer
from drafter.draft.content import plan_items
from drafter.draft.draft import Draft
from drafter.draft.outline import outline_for
from drafter.draft.outline_file import load_outline
from drafter.draft.writers import choose_provider, make_writer
from drafter.errors import InputError
from drafter.models import Item, Outline, OutlineSection, SectionDraft
from drafter.sync import run_sync

if TYPE_CHECKING:  # pragma: no cover
    from drafter.revision.result import RevisedPlan

log = logging.getLogger(__name__)


@dataclass
class DraftEvent:
    """One step of :meth:`Drafter.stream`: a section as soon as it is written, or the finished draft."""

    kind: str  # "section" or "done"
    section: SectionDraft | None = None
    draft: Draft | None = None


Warn = Callable[[str], None]
FactsArg = Facts | Mapping[str, Any] | str | Path | None


def request_from_outline(
    outline: Outline,
    *,
    unit: str | None = None,
    year: int | None = None,
    brief: str = "",
    name: str | None = None,
    facts: FactsArg = None,
    script: str = "simplified",
    warn: Warn | None = None,
) -> DraftRequest:
    """The request an (edited) outline stands for; options that contradict it are an error.

    ``unit``/``year`` must agree with the outline's; a ``brief`` cannot be added to an outline (its
    asks are already routed: edit them in the file); ``name`` replaces the outline's name and
    title, with a warning, unless the title was edited by hand (then it is an error).
    """

    if unit is not None and load_profile(unit).id != outline.unit:
        raise InputError(
            f"--unit {unit} conflicts with the outline's unit {outline.unit}: drop --unit or edit the outline"
        )
    if year is not None and int(year) != outline.year:
        raise InputError(
            f"--year {year} conflicts with the outline's year {outline.year}: drop --year or edit the outline"
        )
    if brief and brief.strip():
        raise InputError(
            "the outline already holds the brief and its asks: edit 'brief' and 'asks' in the outline file, "
            "or make a new outline with `drafter outline --brief …`"
        )
    b = outline.brief
    old_name = b.name if b else None
    if name and name.strip() and name.strip() != old_name:
        default_title = plan_title(old_name or NAME_SLOT, outline.year)
        if outline.title != default_title:
            raise InputError(
                f"--name would replace the outline's edited title {outline.title!r}: "
                "drop --name, or change the name and title in the outline file"
            )
        if warn is not None:
            warn(f"drafter: --name {name.strip()} replaces the outline's name {old_name or '(none)'}")
    else:
        name = old_name
    asks = [a for s in outline.sections for a in s.asks]
    return build_request(
        outline.unit,
        outline.year,
        brief=b.text if b else "",
        name=name,
        facts=facts,
        script=script,
        asks=list(dict.fromkeys(asks)),
    )


class Drafter:
    """Drafts plans against an index (the built-in corpus is indexed automatically when missing)."""

    def __init__(
        self,
        index: str | os.PathLike[str] | IndexConfig | None = None,
        chroma_url: str | None = None,
        provider: str = "auto",
        model: str | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        max_concurrency: int = compose.DEFAULT_CONCURRENCY,
        progress: Callable[[int, int, str], None] | None = None,
        warn: Warn | None = None,
        *,
        temperature: float | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        self.config = index if isinstance(index, IndexConfig) else IndexConfig.resolve(index, chroma_url)
        self.provider = choose_provider(provider, api_key=api_key, base_url=base_url)
        self.writer_options: dict[str, Any] = {
            "model": model,
            "base_url": base_url,
            "api_key": api_key,
            "temperature": temperature,
            "timeout": timeout,
            "max_retries": max_retries,
            "cache_dir": Path(cache_dir).expanduser() if cache_dir else None,
        }
        self.max_concurrency = max_concurrency
        self.progress = progress
        self.warn = warn
        self._retriever: Any = None
        self._writer: Writer | None = None
        self._lock = threading.Lock()  # one Drafter may serve many threads (a web server's drafts)

    # ------------------------------------------------------------------ parts
    @property
    def writer(self) -> Writer:
        if self._writer is None:
            with self._lock:
                if self._writer is None:
                    self._writer = make_writer(self.provider, **self.writer_options)
        return self._writer

    def _get_retriever(self) -> Any:
        if self._retriever is None:
            with self._lock:
                if self._retriever is None:
                    # the index layer loads numpy and chromadb: only when a section needs passages
                    from drafter.index.catalog import ensure_index
                    from drafter.index.retrieve import Retriever

                    config = ensure_index(self.config, warn=self.warn)
                    self._retriever = Retriever(config, warn=self.warn)
        return self._retriever

    def reload_index(self) -> None:
        """Read the index afresh for the next draft (after an ingest added plans); drafts under way keep
        the retriever they started with."""
        with self._lock:
            self._retriever = None

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._retriever is not None:
            self._retriever.close()
            self._retriever = None

    def __enter__(self) -> Drafter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ public
    def request(
        self,
        unit: str | None = None,
        year: int | None = None,
        brief: str = "",
        name: str | None = None,
        outline: Outline | str | os.PathLike[str] | None = None,
        script: str = "simplified",
        facts: FactsArg = None,
    ) -> tuple[DraftRequest, Outline]:
        """The resolved request and the outline a draft would follow (nothing is written)."""
        if outline is None:
            if unit is None or year is None:
                raise InputError("give a unit and a year (or an outline): e.g. write('kindergarten', 2024)")
            req = build_request(unit, year, brief=brief, name=name, facts=facts, script=script)
            return req, outline_for(req)
        loaded = outline if isinstance(outline, Outline) else load_outline(Path(outline))
        loaded = copy.deepcopy(loaded)  # the caller's outline is never edited
        req = request_from_outline(
            loaded, unit=unit, year=year, brief=brief, name=name, facts=facts, script=script, warn=self.warn
        )
        if loaded.brief is not None and req.name != loaded.brief.name:  # --name replaced the outline's name
            loaded.title = req.title
            loaded.brief.name = req.name
        return req, loaded

    def outline(self, unit: str, year: int, brief: str = "", name: str | None = None) -> Outline:
        """The outline a draft would follow (edit it, then pass it to ``write(outline=...)``)."""
        return self.request(unit, year, brief=brief, name=name)[1]

    def write(
        self,
        unit: str | None = None,
        year: int | None = None,
        brief: str = "",
        name: str | None = None,
        outline: Outline | str | os.PathLike[str] | None = None,
        script: str = "simplified",
        facts: FactsArg = None,
    ) -> Draft:
        """Draft a plan (see :meth:`awrite`); safe to call inside a running event loop."""
        return run_sync(
            lambda: self.awrite(
                unit=unit, year=year, brief=brief, name=name, outline=outline, script=script, facts=facts
            )
        )

    async def awrite(
        self,
        unit: str | None = None,
        year: int | None = None,
        brief: str = "",
        name: str | None = None,
        outline: Outline | str | os.PathLike[str] | None = None,
        script: str = "simplified",
        facts: FactsArg = None,
    ) -> Draft:
        """Draft a plan for a unit and year (or from an outline object or outline file)."""
        req, plan = self.request(unit, year, brief=brief, name=name, outline=outline, script=script, facts=facts)
        return await self.draft(req, plan)

    async def stream(self, request: DraftRequest, outline: Outline) -> AsyncIterator[DraftEvent]:
        """Draft along an outline, yielding each section as soon as it is written, then the whole draft.

        Events: ``DraftEvent("section", section=…)`` per written section (before the document pass),
        then ``DraftEvent("done", draft=…)`` with the finished plan (its sections are the ones to keep);
        a failure ends the stream with its exception.
        """
        queue: asyncio.Queue[SectionDraft] = asyncio.Queue()
        task = asyncio.create_task(self.draft(request, outline, on_section=queue.put_nowait))
        while not (task.done() and queue.empty()):
            getter = asyncio.ensure_future(queue.get())
            await asyncio.wait({getter, task}, return_when=asyncio.FIRST_COMPLETED)
            if getter.done():
                yield DraftEvent("section", section=getter.result())
            else:
                getter.cancel()
        yield DraftEvent("done", draft=task.result())

    async def redraft_section(self, draft: Draft, section_id: str) -> Draft:
        """The draft with one section written again (the others kept as they are, edits included) and the
        schedule rebuilt from every section's dated items."""
        section = next((s for s in draft.outline.sections if s.id == section_id), None)
        if section is None:
            raise InputError(f"the draft has no section {section_id!r}")
        request = draft.request
        if not compose.written_by_writer(section):
            fresh = self._document_section(section, request)
        else:
            writer = self.writer
            planned = {section.id: plan_items(request, draft.outline).get(section.id, [])}
            wanted = writer.needs_passages(len(planned[section.id])) and sections.retrieves(section.id)
            retriever = self._get_retriever() if wanted else None
            passages = {section.id: compose.gather_passages(retriever, section, request)} if wanted else {}
            one = Outline(
                unit=draft.outline.unit,
                year=draft.outline.year,
                title=draft.outline.title,
                sections=[section],
                brief=draft.outline.brief,
            )
            written = await compose.write_sections(
                one, writer, request, planned=planned, passages=passages, max_concurrency=1
            )
            fresh = written[0]
        kept = [fresh if s.id == section_id else s for s in draft.sections]
        return self._finish(draft, kept)

    def _document_section(self, section: OutlineSection, request: DraftRequest) -> SectionDraft:
        if section.id == sections.GUIDING:
            return SectionDraft(
                id=section.id, title=section.title, intro=request.guiding_thought, writer="document", layout="prose"
            )
        return SectionDraft(id=section.id, title=section.title, writer="document", layout="months")

    def _finish(self, draft: Draft, drafted: list[SectionDraft]) -> Draft:
        """A draft's sections after an edit or a redraft: the schedule rebuilt, punctuation tidied."""
        planned = plan_items(draft.request, draft.outline)
        dated: list[Item] = []
        for d in drafted:
            if d.layout == "items":
                items = d.all_items()
                dated += items if any(it.months for it in items) else planned.get(d.id, [])
        out = [document.build_schedule(draft.request, d.title, dated) if d.layout == "months" else d for d in drafted]
        document.tidy(out)
        return dataclasses.replace(draft, sections=out, failed=[s.title for s in out if s.error])

    def unfinished(self, request: DraftRequest, outline: Outline, written: list[SectionDraft], reason: str) -> Draft:
        """The draft of a run that has not finished (or was interrupted): the sections written so far, every
        other section empty and marked with ``reason`` (so ``failed`` names it and :meth:`redraft_section`
        can fill it), 指导思想 and the schedule built from what is there."""
        by_id = {s.id: s for s in written}
        drafted: list[SectionDraft] = []
        for s in outline.sections:
            if s.id in by_id:
                drafted.append(by_id[s.id])
            elif not compose.written_by_writer(s):
                drafted.append(self._document_section(s, request))
            else:
                drafted.append(SectionDraft(id=s.id, title=s.title, error=reason))
        shell = Draft(
            request=request,
            outline=outline,
            title=outline.title,
            writer=self.provider,
            preamble=preamble(request),
            closing=document.closing(request),
        )
        return self._finish(shell, drafted)

    def edit_section(self, draft: Draft, section_id: str, text: str) -> Draft:
        """The draft with one section's text replaced by the chair's own (Markdown: an opening line, then
        numbered items or （一） sub-headings), and the schedule rebuilt."""
        section = next((s for s in draft.sections if s.id == section_id), None)
        if section is None:
            raise InputError(f"the draft has no section {section_id!r}")
        if section.layout == "months":
            raise InputError("the schedule is built from the sections' dated items: edit those sections instead")
        edited = parse_section_markdown(text, OutlineSection(id=section.id, title=section.title))
        for it in edited.all_items():
            it.origin = "edited"
            document.date_from_text(it)
        edited.layout = section.layout
        edited.writer = "edited"
        if section.layout == "prose":
            edited.intro = text.strip()
            edited.items, edited.subsections = [], []
        kept = [edited if s.id == section_id else s for s in draft.sections]
        return self._finish(draft, kept)

    async def draft(
        self, request: DraftRequest, outline: Outline, on_section: Callable[[SectionDraft], None] | None = None
    ) -> Draft:
        """Draft a resolved request along an outline: the stages in order (see the module docstring)."""
        writer = self.writer
        used = writer.usage()  # the writer counts for its whole life; the draft reports this run's share
        planned = plan_items(request, outline)
        wanted = [
            s
            for s in outline.sections
            if compose.written_by_writer(s) and writer.needs_passages(len(planned.get(s.id, [])))
        ]
        retriever = self._get_retriever() if wanted else None
        passages = {s.id: compose.gather_passages(retriever, s, request) for s in wanted}
        written = await compose.write_sections(
            outline,
            writer,
            request,
            planned=planned,
            passages=passages,
            max_concurrency=self.max_concurrency,
            progress=self.progress,
            on_section=on_section,
        )
        by_id = {s.id: s for s in written}
        drafted: list[SectionDraft] = []
        for s in outline.sections:
            if s.id in by_id:
                drafted.append(by_id[s.id])
            elif s.id == sections.GUIDING:
                drafted.append(
                    SectionDraft(
                        id=s.id,
                        title=s.title,
                        intro=request.guiding_thought,
                        writer="document",
                        layout="prose",
                    )
                )
            else:  # the schedule: built below from every section's dated items
                drafted.append(SectionDraft(id=s.id, title=s.title, writer="document", layout="months"))
        document.dedupe(drafted)
        dated: list[Item] = []
        for d in drafted:
            if d.layout == "items":
                # a model's items carry no months: the section's planned items stand for them
                items = d.all_items()
                dated += items if any(it.months for it in items) else planned.get(d.id, [])
        for i, d in enumerate(drafted):
            if d.layout == "months":
                drafted[i] = document.build_schedule(request, d.title, dated)
        document.tidy(drafted)
        titles: dict[str, str] = {}
        if retriever is not None and any(d.sources for d in drafted):
            try:
                titles = {p.id: p.title for p in retriever.plans()}
            except Exception as exc:
                log.debug("plan titles unavailable: %s", exc)
        return Draft(
            request=request,
            outline=outline,
            title=outline.title,
            sections=drafted,
            writer=writer.name,
            failed=[s.title for s in drafted if s.error],
            preamble=preamble(request),
            closing=document.closing(request),
            plan_titles=titles,
            usage={k: v - used.get(k, 0) for k, v in writer.usage().items()},
        )

    # ------------------------------------------------------------------ revise
    def revise(
        self,
        source: str | os.PathLike[str],
        year: int,
        brief: str = "",
        facts: FactsArg = None,
        unit: str | None = None,
        from_year: int | None = None,
    ) -> RevisedPlan:
        """This year's plan from last year's (see :meth:`arevise`); safe inside a running event loop."""
        return run_sync(
            lambda: self.arevise(source=source, year=year, brief=brief, facts=facts, unit=unit, from_year=from_year)
        )

    async def arevise(
        self,
        source: str | os.PathLike[str],
        year: int,
        brief: str = "",
        facts: FactsArg = None,
        unit: str | None = None,
        from_year: int | None = None,
    ) -> RevisedPlan:
        """Revise last year's plan (a .docx/.txt/.md path, or its text) into a plan for ``year``.

        The union's own sections, activities, names and figures are kept; years, the era's wording and
        lunar dates are updated; one-off events, figures and stale phrasing are flagged 【待核：…】; the
        brief's asks and the unit's missing must-haves are added. With a model configured, each section is
        rewritten by the model from last year's section, then checked again (``drafter.revision``).
        """

        from drafter.revision.revision import arevise  # the revise layer builds on this one

        writer = self.writer if self.provider != "offline" else None
        return await arevise(
            Path(source) if isinstance(source, os.PathLike) else source,
            year,
            brief=brief,
            facts=facts,
            unit=unit,
            from_year=from_year,
            writer=writer,
            max_concurrency=self.max_concurrency,
            progress=self.progress,
        )
