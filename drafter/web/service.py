"""What the pages and the API do, each a few calls of the library: the app's shared state.

One :class:`~drafter.draft.drafter.Drafter` per writer (offline, the configured model) serves every
request of the warm server; drafting runs in a thread pool, each draft in its own event loop, and
its sections are saved as they are written (:class:`DraftJobs`), so an interrupted draft keeps what
was finished. Index reads and writes go through the library's ``ingest``, ``list_plans`` and
``Retriever``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import logging
import re
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drafter.config import IndexConfig
from drafter.draft.draft import Draft
from drafter.draft.drafter import Drafter
from drafter.errors import DrafterError, InputError
from drafter.models import Outline, SectionDraft
from drafter.web import schemas, views
from drafter.web.errors import describe
from drafter.web.settings import WebSettings
from drafter.web.store import Change, DraftRecord, DraftStore, EditConflict, StorageError

log = logging.getLogger(__name__)

UPLOAD_SUFFIXES = (".docx", ".txt", ".md")
PING_SECONDS = 15.0


# --------------------------------------------------------------------------- events of a running draft
@dataclass
class Channel:
    """The events of one running job, for any number of listeners (lives on the server's event loop)."""

    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    closed: bool = False
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def publish(self, name: str, data: dict[str, Any], final: bool = False) -> None:
        self.events.append((name, data))
        self.closed = self.closed or final
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def follow(self, start: int = 0) -> AsyncIterator[tuple[str, dict[str, Any] | None]]:
        i = start
        while True:
            while i < len(self.events):
                yield self.events[i]
                i += 1
            if self.closed:
                return
            waiter = self._changed
            try:
                await asyncio.wait_for(waiter.wait(), PING_SECONDS)
            except TimeoutError:
                yield ("ping", None)


def _keep(change: Change, rec: DraftRecord) -> Change:
    """A change that does not depend on the record it is applied to (a job's own sections)."""
    return change


def _safe_name(filename: str) -> str:
    """An uploaded file's name, reduced to a plain file name (no folders, no control characters)."""
    name = Path(filename.replace("\\", "/")).name
    name = re.sub(r"[\x00-\x1f\x7f/:*?\"<>|]", "", name).strip().lstrip(".")
    if not name:
        raise InputError("文件名无效：请给文件起一个普通的名字")
    stem, dot, suffix = name.rpartition(".")
    if not dot or f".{suffix.lower()}" not in UPLOAD_SUFFIXES:
        raise InputError(f"《{name}》不是 .docx、.txt 或 .md 文件：只能上传这三种格式的往年计划")
    return f"{stem[:80]}.{suffix.lower()}"


class Workspace:
    """The app's state: settings, the drafts' store, the drafters, the running jobs, the index."""

    def __init__(self, settings: WebSettings) -> None:
        self.settings = settings
        self.config = IndexConfig.resolve(settings.index, settings.chroma_url)
        self.store = DraftStore(settings.database_url)
        self.executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=settings.draft_workers, thread_name_prefix="drafter-web"
        )
        self.channels: dict[str, Channel] = {}
        self._drafters: dict[str, Drafter] = {}
        self._lock = threading.Lock()
        self._retriever: Any = None
        self._index_lock = threading.Lock()  # one upload at a time
        self.loop: asyncio.AbstractEventLoop | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        left = self.store.mark_interrupted()
        if left:
            log.warning("drafts interrupted by the last shutdown (finished sections kept): %s", ", ".join(left))
        self.executor.submit(self._warm)

    def _warm(self) -> None:
        """Load what the first request would wait for: the scorer's reference, the offline composer, the model writer."""
        try:
            from drafter.evaluate.reference import builtin_reference

            builtin_reference()
            self.drafter("offline").write("kindergarten", 2025)  # the composer's data and imports, not saved
            if self.model_available():
                _ = self.drafter("model").writer
        except Exception as exc:  # a warm-up failure shows again, with its message, on the request that needs it
            log.debug("warm-up: %s", exc)

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
        for d in self._drafters.values():
            d.close()
        self.store.close()

    # ------------------------------------------------------------------ writers
    def model_available(self) -> bool:
        from drafter.draft.writers import model_configured

        m = self.settings.model
        if m.provider == "offline":
            return False
        return m.provider == "openai" or model_configured(m.api_key, m.base_url)

    def drafter(self, writer: str) -> Drafter:
        """The shared Drafter of a writer: ``offline`` or ``model`` (the configured OpenAI-compatible model)."""
        key = "openai" if writer in ("model", "openai") else "offline"
        if key == "openai" and not self.model_available():
            raise InputError(
                "本服务器没有配置大模型：请选择离线起草（管理员可用 --base-url、--api-key 启动 drafter serve 来配置模型）"
            )
        with self._lock:
            d = self._drafters.get(key)
            if d is None:
                m = self.settings.model
                d = Drafter(
                    index=self.config,
                    provider=key,
                    model=m.model,
                    base_url=m.base_url,
                    api_key=m.api_key,
                    temperature=m.temperature,
                    timeout=m.timeout,
                    max_retries=m.max_retries,
                    max_concurrency=self.settings.concurrency,
                )
                self._drafters[key] = d
            return d

    def writers(self) -> list[schemas.WriterOut]:
        out = [schemas.WriterOut(id="offline", label="离线起草（不联网，按工作事项库和往年计划撰写）")]
        if self.model_available():
            w = self.drafter("model").writer
            model, where = getattr(w, "model", None), getattr(w, "where", None)
            out.insert(
                0, schemas.WriterOut(id="model", label=f"大模型起草：{model}（{where}）", model=model, endpoint=where)
            )
        return out

    def app_config(self) -> schemas.ConfigOut:
        from drafter.domain.units import list_units

        return schemas.ConfigOut(
            units=[schemas.UnitOut(id=p.id, name=p.name, aliases=list(p.aliases)) for p in list_units()],
            facts=views.facts_fields(),
            writers=self.writers(),
            max_upload_mb=round(self.settings.max_upload_bytes / 1024 / 1024, 1),
        )

    # ------------------------------------------------------------------ outline and new drafts
    def plan(
        self, body: schemas.PlanIn, sections: list[schemas.OutlineSectionIn] | None, writer: str = "offline"
    ) -> tuple[Drafter, Any, Outline]:
        """The request and outline of the form (the outline edited as ``sections`` list it)."""
        from drafter.domain.facts import check_facts
        from drafter.draft.outline import SectionEdit, edit_outline

        d = self.drafter(writer)
        facts = check_facts({k: v for k, v in body.facts.items() if v and v.strip()})
        request, outline = d.request(body.unit, body.year, brief=body.brief, name=body.name or None, facts=facts)
        if sections is not None:
            edited = edit_outline(outline, [SectionEdit(title=s.title, id=s.id) for s in sections])
            request, outline = d.request(outline=edited, facts=facts)
        return d, request, outline

    def outline(self, body: schemas.DraftIn) -> schemas.OutlineOut:
        from drafter.draft.content import plan_items

        _, request, outline = self.plan(body, body.sections, body.writer)
        return views.outline_out(outline, plan_items(request, outline))

    def create(self, body: schemas.DraftIn) -> DraftRecord:
        d, request, outline = self.plan(body, body.sections, body.writer)
        first = d.unfinished(request, outline, [], views.PENDING)
        rec = self.store.create(first, provider=d.provider)
        self._start_job(rec.id, lambda publish: self._draft_job(rec.id, d, request, outline, publish))
        return rec

    # ------------------------------------------------------------------ jobs
    def _start_job(self, draft_id: str, job: Callable[[Callable[..., None]], None]) -> None:
        assert self.loop is not None, "Workspace.start() was not called"
        loop = self.loop
        channel = Channel()
        self.channels[draft_id] = channel

        def publish(name: str, data: dict[str, Any], final: bool = False) -> None:
            loop.call_soon_threadsafe(channel.publish, name, data, final)

        def run() -> None:
            try:
                job(publish)
            finally:
                loop.call_soon_threadsafe(loop.call_later, 60, self._drop_channel, draft_id, channel)

        self.executor.submit(run)

    def _drop_channel(self, draft_id: str, channel: Channel) -> None:
        if self.channels.get(draft_id) is channel:
            del self.channels[draft_id]

    def _event(self, rec: DraftRecord, draft: Draft, **extra: Any) -> dict[str, Any]:
        return {"draft": views.draft_out(rec, draft).model_dump(), **extra}

    def _fail(self, draft_id: str, exc: BaseException, partial: Draft | None, publish: Callable[..., None]) -> None:
        status, message = describe(exc)
        if status == 500 and not isinstance(exc, DrafterError):
            log.error("draft %s failed", draft_id, exc_info=exc)
        try:
            rec = self.store.modify(draft_id, lambda r: Change(draft=partial, status="failed", error=message))
            publish("failed", self._event(rec, partial or rec.draft(), message=message), True)
        except StorageError as exc2:
            publish("failed", {"message": f"{message}；{exc2}", "draft": None}, True)

    def _draft_job(
        self, draft_id: str, d: Drafter, request: Any, outline: Outline, publish: Callable[..., None]
    ) -> None:
        written: list[SectionDraft] = []

        async def go() -> None:
            async for ev in d.stream(request, outline):
                if ev.kind == "section" and ev.section is not None:
                    written.append(ev.section)
                    partial = d.unfinished(request, outline, written, views.PENDING)
                    sid = ev.section.id
                    rec = self.store.modify(draft_id, functools.partial(_keep, Change(draft=partial, touched=[sid])))
                    publish("section", self._event(rec, partial, section=sid))
                elif ev.draft is not None:
                    final = ev.draft
                    done = Change(draft=final, status="done", clear_error=True)
                    rec = self.store.modify(draft_id, functools.partial(_keep, done))
                    publish("done", self._event(rec, final), True)

        try:
            asyncio.run(go())
        except BaseException as exc:
            _, message = describe(exc)
            partial = d.unfinished(request, outline, written, f"未写成：{message}")
            self._fail(draft_id, exc, partial, publish)

    def resume(self, draft_id: str) -> DraftRecord:
        """Write again the sections a failed or interrupted draft lacks (the finished ones are kept)."""
        rec = self.store.get(draft_id)
        if rec.status == "drafting":
            raise EditConflict("这份计划正在起草，请等它写完")
        d = self.drafter("model" if rec.provider == "openai" else "offline")
        todo = [s.id for s in rec.draft().sections if s.error]
        rec = self.store.modify(
            draft_id, lambda r: self._check_not_drafting(r) or Change(status="drafting", clear_error=True)
        )
        self._start_job(draft_id, lambda publish: self._resume_job(draft_id, d, todo, publish))
        return rec

    @staticmethod
    def _check_not_drafting(rec: DraftRecord) -> None:
        if rec.status == "drafting":
            raise EditConflict("这份计划正在起草，请等它写完")

    def _resume_job(self, draft_id: str, d: Drafter, todo: list[str], publish: Callable[..., None]) -> None:
        try:
            for sid in todo:

                def change(r: DraftRecord, sid: str = sid) -> Change:
                    return Change(draft=asyncio.run(d.redraft_section(r.draft(), sid)), touched=[sid])

                rec = self.store.modify(draft_id, change)
                publish("section", self._event(rec, rec.draft(), section=sid))
            rec = self.store.modify(draft_id, lambda r: Change(status="done" if not r.draft().failed else "failed"))
            publish("done", self._event(rec, rec.draft()), True)
        except BaseException as exc:
            self._fail(draft_id, exc, None, publish)

    # ------------------------------------------------------------------ one section
    def edit(self, draft_id: str, section_id: str, body: schemas.SectionEditIn) -> DraftRecord:
        d = self.drafter("offline")  # an edit writes nothing: any drafter parses the chair's text

        def change(rec: DraftRecord) -> Change:
            self._check_not_drafting(rec)
            if rec.section_revs.get(section_id, 0) > body.base_version:
                raise EditConflict("本节已被他人修改：页面已载入最新内容，请在此基础上重新修改后保存")
            return Change(draft=d.edit_section(rec.draft(), section_id, body.text), touched=[section_id])

        return self.store.modify(draft_id, change)

    def redraft(self, draft_id: str, section_id: str, base_version: int | None) -> DraftRecord:
        rec = self.store.get(draft_id)
        d = self.drafter("model" if rec.provider == "openai" else "offline")

        def change(rec: DraftRecord) -> Change:
            self._check_not_drafting(rec)
            if base_version is not None and rec.section_revs.get(section_id, 0) > base_version:
                raise EditConflict("本节已被他人修改：页面已载入最新内容，如仍要重新起草请再点一次")
            return Change(draft=asyncio.run(d.redraft_section(rec.draft(), section_id)), touched=[section_id])

        return self.store.modify(draft_id, change)

    # ------------------------------------------------------------------ reading drafts
    def score(self, draft_id: str) -> schemas.ScoreOut:
        from drafter.evaluate.score import score

        rec = self.store.get(draft_id)
        draft = rec.draft()
        r = draft.request
        report = score(draft, unit=r.unit.id, year=r.year, brief=r.brief)
        return views.score_out(report, r.unit.id, r.year, rec.version)

    def download(self, draft_id: str, fmt: str) -> tuple[bytes, str, str]:
        """The plan's file: (bytes, file name, media type); rendered from the database, never read from disk."""
        rec = self.store.get(draft_id)
        draft = rec.draft()
        if fmt == "docx":
            data = draft.render_as("docx")
            media = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        else:
            data = draft.markdown
            media = "text/markdown; charset=utf-8"
        raw = data if isinstance(data, bytes) else data.encode("utf-8")
        return raw, f"{draft.title}.{fmt}", media

    # ------------------------------------------------------------------ library
    def _uploaded_names(self) -> set[str]:
        folder = self.settings.upload_dir
        return {p.name for p in folder.iterdir()} if folder.is_dir() else set()

    def plans(self) -> list[schemas.PlanRowOut]:
        from drafter.index.catalog import list_plans

        uploaded = self._uploaded_names()
        return [views.plan_row(p, p.source in uploaded) for p in list_plans(config=self.config)]

    def plan_text(self, plan_id: str) -> schemas.PlanOut:
        from drafter.index.catalog import list_plans

        for p in list_plans(config=self.config):
            if p.id == plan_id:
                return views.plan_out(p)
        raise InputError(f"资料库里没有这份计划（{plan_id}）")

    def upload(self, files: list[tuple[str, bytes]]) -> schemas.UploadOut:
        """Save uploaded plans in the app's folder and ingest them into the index (the library's ``ingest``)."""
        from drafter.fileio import write_atomic
        from drafter.index.build import ingest
        from drafter.index.catalog import ensure_index

        if not files:
            raise InputError("请选择要上传的文件")
        named: list[tuple[str, bytes]] = []
        for filename, data in files:
            name = _safe_name(filename)
            if not data.strip():
                raise InputError(f"《{name}》是空文件")
            named.append((name, data))
        folder = self.settings.upload_dir
        with self._index_lock:
            ensure_index(self.config)  # the built-in corpus first, so an upload adds to it
            paths = [write_atomic(folder / name, data) for name, data in named]
            try:
                report = ingest(paths, config=self.config)
            except Exception:  # nothing half-uploaded stays behind
                for p in paths:
                    p.unlink(missing_ok=True)
                raise
            skipped = [s["file"] for s in report.files_skipped]
            for p in paths:
                if str(p) in skipped or p.name in skipped:
                    p.unlink(missing_ok=True)
            self._reload_index()
        added = report.plans_added
        parts = [f"已收入 {len(paths) - len(skipped)} 个文件，新增 {added} 份计划，资料库现有 {report.plans_total} 份"]
        if report.files_unchanged:
            parts.append(f"{len(report.files_unchanged)} 个文件与已收入的相同")
        if report.files_skipped:
            parts.append(
                "未能收入：" + "；".join(f"{Path(s['file']).name}（{s['reason']}）" for s in report.files_skipped)
            )
        return schemas.UploadOut(
            files=[p.name for p in paths],
            plans_added=added,
            plans_total=report.plans_total,
            skipped=[{"file": Path(s["file"]).name, "reason": s["reason"]} for s in report.files_skipped],
            message="；".join(parts) + "。",
        )

    def _reload_index(self) -> None:
        with self._lock:
            self._retriever = None
            drafters = list(self._drafters.values())
        for d in drafters:
            d.reload_index()

    def _get_retriever(self) -> Any:
        with self._lock:
            if self._retriever is None:
                from drafter.index.catalog import ensure_index
                from drafter.index.retrieve import Retriever

                self._retriever = Retriever(ensure_index(self.config))
            return self._retriever

    def search(self, q: str, unit: str | None, k: int) -> list[schemas.HitOut]:
        if not q.strip():
            raise InputError("请输入要检索的内容")
        r = self._get_retriever()
        hits = r.search(q.strip(), unit=unit or None, k=k)
        titles = {p.id: p.title for p in r.plans()}
        return [views.hit_out(h, titles) for h in hits]
