"""Saved drafts: one row per draft in a SQL database (SQLite by default; any SQLAlchemy URL works).

A row holds the draft as JSON (``Draft.to_dict``), its status, a ``version`` that every change
increments, and for each section the version that last changed it. Every change is one
transaction that succeeds only if the row still has the version it was computed from
(optimistic concurrency): :meth:`DraftStore.modify` re-reads and re-applies a change that lost a
race, so two chairs editing different sections of one draft both keep their edits, and an edit
of a section someone else changed since the editor loaded it is refused (:class:`EditConflict`).
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drafter.draft.draft import Draft
from drafter.errors import DrafterError, InputError

log = logging.getLogger(__name__)

STATUSES = ("drafting", "done", "failed", "interrupted")
MAX_RETRIES = 20


class DraftNotFound(InputError):
    """No saved draft has this id."""


class EditConflict(DrafterError):
    """The section was changed by someone else since the editor loaded it."""

    exit_code = 1


class StorageError(DrafterError):
    """The database could not be written (a full disk, a read-only folder, a server gone)."""

    exit_code = 3


@dataclass
class DraftRecord:
    """One saved draft."""

    id: str
    version: int
    status: str
    title: str
    unit: str
    year: int
    provider: str
    doc: dict[str, Any]
    section_revs: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    created: float = 0.0
    updated: float = 0.0

    def draft(self) -> Draft:
        return Draft.from_dict(self.doc)


@dataclass
class DraftSummary:
    """A row of the list of saved drafts (no body)."""

    id: str
    status: str
    title: str
    unit: str
    year: int
    provider: str
    created: float
    updated: float


@dataclass
class Change:
    """What :meth:`DraftStore.modify` writes: a new draft (``touched`` the sections it changed), a status, an error."""

    draft: Draft | None = None
    touched: list[str] = field(default_factory=list)
    status: str | None = None
    error: str | None = None
    clear_error: bool = False


def new_id() -> str:
    return uuid.uuid4().hex


def valid_id(draft_id: str) -> bool:
    return len(draft_id) == 32 and all(c in "0123456789abcdef" for c in draft_id)


def _storage_error(exc: Exception) -> StorageError:
    text = str(getattr(exc, "orig", exc) or exc)
    if "full" in text.lower() or "no space" in text.lower():
        return StorageError("磁盘已满，计划未能保存：请清理磁盘空间后重试（此前已保存的内容不受影响）")
    if "readonly" in text.lower() or "read-only" in text.lower():
        return StorageError("数据库只读，计划未能保存：请检查数据文件夹的写入权限")
    return StorageError(f"数据库写入失败（{text.splitlines()[0] if text else type(exc).__name__}）")


def _rowcount(stmt: Any, conn: Any) -> int:
    return int(conn.execute(stmt).rowcount)


class DraftStore:
    """Drafts in the database at ``url`` (``sqlite:///path``, ``postgresql://…``); tables made on first use."""

    def __init__(self, url: str) -> None:
        from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, create_engine, event

        self.url = url
        is_sqlite = url.startswith("sqlite")
        if is_sqlite and url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            Path(url.removeprefix("sqlite:///")).expanduser().parent.mkdir(parents=True, exist_ok=True)
        self.engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30} if is_sqlite else {}, future=True
        )
        if is_sqlite:

            @event.listens_for(self.engine, "connect")
            def _pragmas(dbapi_conn: Any, _record: Any) -> None:
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA journal_mode=WAL")  # readers never wait for a writer
                cur.execute("PRAGMA synchronous=NORMAL")
                cur.execute("PRAGMA busy_timeout=30000")
                cur.close()

        self.metadata = MetaData()
        self.drafts = Table(
            "drafts",
            self.metadata,
            Column("id", String(32), primary_key=True),
            Column("version", Integer, nullable=False),
            Column("status", String(16), nullable=False),
            Column("title", Text, nullable=False),
            Column("unit", String(32), nullable=False),
            Column("year", Integer, nullable=False),
            Column("provider", String(16), nullable=False),
            Column("error", Text, nullable=True),
            Column("doc", Text, nullable=False),
            Column("section_revs", Text, nullable=False),
            Column("created", Float, nullable=False),
            Column("updated", Float, nullable=False),
        )
        self._write_lock = threading.Lock() if is_sqlite else None  # SQLite has one writer at a time anyway
        try:
            self.metadata.create_all(self.engine)
        except Exception as exc:
            raise _storage_error(exc) from exc

    def close(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------------ reading
    def _record(self, row: Any) -> DraftRecord:
        return DraftRecord(
            id=row.id,
            version=row.version,
            status=row.status,
            title=row.title,
            unit=row.unit,
            year=row.year,
            provider=row.provider,
            doc=json.loads(row.doc),
            section_revs={k: int(v) for k, v in json.loads(row.section_revs).items()},
            error=row.error,
            created=row.created,
            updated=row.updated,
        )

    def get(self, draft_id: str) -> DraftRecord:
        from sqlalchemy import select

        if not valid_id(draft_id):
            raise DraftNotFound("找不到这份计划：它可能已被删除")
        with self.engine.connect() as conn:
            row = conn.execute(select(self.drafts).where(self.drafts.c.id == draft_id)).first()
        if row is None:
            raise DraftNotFound("找不到这份计划：它可能已被删除")
        return self._record(row)

    def summaries(self, limit: int = 200) -> list[DraftSummary]:
        from sqlalchemy import select

        t = self.drafts
        cols = [t.c.id, t.c.status, t.c.title, t.c.unit, t.c.year, t.c.provider, t.c.created, t.c.updated]
        with self.engine.connect() as conn:
            rows = conn.execute(select(*cols).order_by(t.c.updated.desc()).limit(limit)).all()
        return [DraftSummary(*row) for row in rows]

    # ------------------------------------------------------------------ writing
    def _write(self, fn: Callable[[Any], Any]) -> Any:
        from sqlalchemy.exc import DBAPIError

        try:
            if self._write_lock is None:
                with self.engine.begin() as conn:
                    return fn(conn)
            with self._write_lock, self.engine.begin() as conn:
                return fn(conn)
        except DBAPIError as exc:
            raise _storage_error(exc) from exc

    def create(self, draft: Draft, *, provider: str, status: str = "drafting") -> DraftRecord:
        now = time.time()
        rec = DraftRecord(
            id=new_id(),
            version=1,
            status=status,
            title=draft.title,
            unit=draft.request.unit.id,
            year=draft.request.year,
            provider=provider,
            doc=draft.to_dict(),
            created=now,
            updated=now,
        )
        values = {
            "id": rec.id,
            "version": rec.version,
            "status": rec.status,
            "title": rec.title,
            "unit": rec.unit,
            "year": rec.year,
            "provider": rec.provider,
            "error": None,
            "doc": json.dumps(rec.doc, ensure_ascii=False),
            "section_revs": "{}",
            "created": now,
            "updated": now,
        }
        self._write(lambda conn: conn.execute(self.drafts.insert().values(**values)))
        return rec

    def modify(self, draft_id: str, change: Callable[[DraftRecord], Change]) -> DraftRecord:
        """Apply ``change`` to the latest version of a draft and save it atomically.

        ``change`` may raise (an :class:`EditConflict`, an ``InputError``) to save nothing; when another
        writer saved first, it is called again on the newer version.
        """
        from sqlalchemy import update

        for _ in range(MAX_RETRIES):
            rec = self.get(draft_id)
            ch = change(rec)
            revs = dict(rec.section_revs)
            version = rec.version + 1
            for sid in ch.touched:
                revs[sid] = version
            values: dict[str, Any] = {"version": version, "updated": time.time(), "section_revs": json.dumps(revs)}
            if ch.draft is not None:
                values["doc"] = json.dumps(ch.draft.to_dict(), ensure_ascii=False)
                values["title"] = ch.draft.title
            if ch.status is not None:
                values["status"] = ch.status
            if ch.error is not None:
                values["error"] = ch.error
            elif ch.clear_error:
                values["error"] = None
            t = self.drafts
            stmt = update(t).where(t.c.id == draft_id, t.c.version == rec.version).values(**values)
            if self._write(functools.partial(_rowcount, stmt)) == 1:
                return self.get(draft_id)
            log.debug("draft %s changed under us (version %s): applying the change again", draft_id, rec.version)
        raise StorageError("这份计划正被多人同时修改，请稍后重试")

    def delete(self, draft_id: str) -> None:
        from sqlalchemy import delete

        if not valid_id(draft_id):
            raise DraftNotFound("找不到这份计划：它可能已被删除")
        t = self.drafts
        if self._write(functools.partial(_rowcount, delete(t).where(t.c.id == draft_id))) != 1:
            raise DraftNotFound("找不到这份计划：它可能已被删除")

    def mark_interrupted(self) -> list[str]:
        """Drafts left 'drafting' by a server that stopped: now 'interrupted' (their finished sections kept)."""
        from sqlalchemy import select, update

        t = self.drafts
        with self.engine.connect() as conn:
            ids = [r.id for r in conn.execute(select(t.c.id).where(t.c.status == "drafting")).all()]
        if ids:
            stmt = (
                update(t)
                .where(t.c.id.in_(ids), t.c.status == "drafting")
                .values(
                    status="interrupted", version=t.c.version + 1, error="服务器在起草过程中停止，已写好的部分已保存"
                )
            )
            self._write(lambda conn: conn.execute(stmt))
        return ids
