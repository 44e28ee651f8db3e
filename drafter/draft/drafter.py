"""The :class:`Drafter` API: outline → retrieve → write (concurrently) → assemble, in one call.

    from drafter import Drafter
    draft = Drafter().write("kindergarten", 2024, brief="今年重点：教职工心理健康、筹建职工之家")
    print(draft.markdown); draft.save("计划.docx")

``write`` works in scripts and inside a running event loop (Jupyter): there it runs the
async path in a worker thread with its own loop. ``awrite`` is the async form.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from drafter.config import IndexConfig
from drafter.draft.draft import Draft
from drafter.errors import InputError
from drafter.models import Outline

log = logging.getLogger(__name__)

Warn = Callable[[str], None]


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
        max_concurrency: int = 4,
        progress: Callable[[int, int, str], None] | None = None,
        warn: Warn | None = None,
        *,
        temperature: float | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        from drafter.draft.writers import choose_provider

        self.config = index if isinstance(index, IndexConfig) else IndexConfig.resolve(index, chroma_url)
        self.provider = choose_provider(provider, api_key=api_key, base_url=base_url)
        self.writer_options: dict[str, Any] = {
            "model": model, "base_url": base_url, "api_key": api_key, "temperature": temperature,
            "timeout": timeout, "max_retries": max_retries, "cache_dir": Path(cache_dir) if cache_dir else None,
        }
        self.max_concurrency = max_concurrency
        self.progress = progress
        self.warn = warn
        self._retriever: Any = None
        self._writer: Any = None

    # ------------------------------------------------------------------ parts
    @property
    def writer_name(self) -> str:
        return self.provider

    def _get_writer(self):  # noqa: ANN202
        if self._writer is None:
            from drafter.draft.writers import make_writer

            self._writer = make_writer(self.provider, **self.writer_options)
        return self._writer

    def _get_retriever(self):  # noqa: ANN202
        if self._retriever is None:
            from drafter.index.catalog import ensure_index
            from drafter.index.retrieve import Retriever

            config = ensure_index(self.config, warn=self.warn)
            self._retriever = Retriever(config, warn=self.warn)
        return self._retriever

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._retriever is not None:
            self._retriever.close()
            self._retriever = None

    # ------------------------------------------------------------------ public
    def outline(self, unit: str, year: int, brief: str = "", name: str | None = None) -> Outline:
        """The outline a draft would follow (edit it, then pass it to ``write(outline=...)``)."""
        from drafter.draft.outline import plan_outline

        return plan_outline(unit, year, brief, name)

    def write(self, unit: str | None = None, year: int | None = None, brief: str = "", name: str | None = None,
              outline: Outline | str | os.PathLike[str] | None = None, script: str = "simplified") -> Draft:
        """Draft a plan (see :meth:`awrite`); safe to call inside a running event loop."""
        coro_args = dict(unit=unit, year=year, brief=brief, name=name, outline=outline, script=script)
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(self.awrite(**coro_args))
        with concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="drafter") as pool:
            return pool.submit(lambda: asyncio.run(self.awrite(**coro_args))).result()

    async def awrite(self, unit: str | None = None, year: int | None = None, brief: str = "",
                     name: str | None = None, outline: Outline | str | os.PathLike[str] | None = None,
                     script: str = "simplified") -> Draft:
        """Draft a plan for a unit and year (or from an outline object or outline file)."""
        from drafter.draft import compose
        from drafter.draft.assemble import preamble
        from drafter.draft.era import era_for
        from drafter.draft.offline_writer import dedupe_sections
        from drafter.draft.outline import load_outline, plan_outline
        from drafter.draft.units import load_profile

        if script not in ("simplified", "traditional"):
            raise InputError(f"unknown script {script!r}: use simplified or traditional")
        if outline is None:
            if unit is None or year is None:
                raise InputError("give a unit and a year (or an outline): e.g. write('kindergarten', 2024)")
            outline = plan_outline(unit, year, brief, name)
        elif not isinstance(outline, Outline):
            outline = load_outline(outline)
        profile = load_profile(outline.unit)
        era = era_for(outline.year)
        brief_obj = outline.brief
        if brief_obj is None:
            from drafter.models import Brief

            brief_obj = outline.brief = Brief(unit=outline.unit, year=outline.year)
        if name and name.strip() and name.strip() != brief_obj.name:  # --name overrides the outline's
            from drafter.draft.outline import plan_title

            brief_obj.name = name.strip()
            outline.title = plan_title(profile, outline.year, brief_obj.name)
        brief_obj.script = script

        retriever = self._get_retriever() if any(s.id not in compose._NO_RETRIEVAL for s in outline.sections) else None  # noqa: SLF001
        passages = {s.id: compose.gather_passages(retriever, outline, s, profile) for s in outline.sections}
        writer = self._get_writer()
        sections = await compose.write_sections(outline, writer, profile=profile, era=era, passages=passages,
                                                max_concurrency=self.max_concurrency, progress=self.progress)
        dedupe_sections(sections)
        titles: dict[str, str] = {}
        if retriever is not None:
            try:
                titles = {p.id: p.title for p in retriever.plans()}
            except Exception as exc:  # noqa: BLE001 - titles are a nicety
                log.debug("plan titles unavailable: %s", exc)
        from drafter.draft.calendar import schedule_for

        schedule = [{"month": m, "events": [e.to_dict() for e in evs]}
                    for m, evs in schedule_for(profile.id, outline.year, profile)]
        return Draft(
            brief=brief_obj, outline=outline, title=outline.title, sections=sections, schedule=schedule,
            writer=getattr(writer, "name", self.provider),
            failed=[s.title for s in sections if s.error], preamble=preamble(profile, era, brief_obj),
            plan_titles=titles, script=script,
        )
