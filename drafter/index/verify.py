"""Open an index for writing: check every sidecar against the manifest and the vector store, and repair.

Run by every ingest (and ``drafter ingest --repair``) under the write lock, after
:func:`drafter.index.journal.recover`. What it checks, and what it does about it:

* ``manifest.json`` — the record of sources; unreadable or the wrong shape: one line
  saying to rebuild (nothing else records which files the index held). Missing while
  ``bm25.npz`` or ``plans.jsonl`` are there: the same.
* ``plans.jsonl`` — missing, unreadable or without some of the manifest's plans: the
  sources concerned are read again from their files (a source whose file is gone
  cannot be recovered and is removed, with a message).
* ``bm25.npz`` — missing, unreadable, inconsistent, not matching the manifest, or without
  the table of chunk texts (written by a drafter before that table): rebuilt from the plans.
* ``embedder/<fit>`` — missing or unreadable: refitted, every chunk re-embedded.
* the vectors — the collection missing (a wiped ``chroma/`` folder, a server restarted
  without its data) or some vectors missing: re-made from the plans and re-added;
  vectors no sidecar knows (left by an interrupted update) are deleted. A local chroma
  folder that chroma cannot open is moved aside and made anew.

Every repair is told through ``warn`` and listed in the ingest report.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from drafter.config import IndexConfig
from drafter.errors import ConfigError, StoreError
from drafter.index import layout
from drafter.index.bm25 import BM25Index
from drafter.index.embed import configured_spec, load_embedder, make_embedder
from drafter.index.layout import IndexPaths
from drafter.index.store import ChromaStore, forget_client, shared_client
from drafter.models import Plan

log = logging.getLogger(__name__)

Warn = Callable[[str], None]


@dataclass
class Snapshot:
    """The committed index before an update, for the report's counters."""

    plans: dict[str, str | None] = field(default_factory=dict)  # plan id -> content hash (None: unknown)
    chunks: set[str] | None = field(default_factory=set)  # None: unknown (bm25.npz was damaged)
    chunk_count: int = 0
    sources: set[str] = field(default_factory=set)


@dataclass
class State:
    """An index opened for writing, checked, with what its repair still needs."""

    manifest: dict[str, Any]
    plans: dict[str, Plan]
    bm: Any  # BM25Index
    embedder: Any = None  # None: (re)fit
    store: Any = None  # ChromaStore of the committed collection; None: none yet
    store_ids: set[str] = field(default_factory=set)
    orphans: set[str] = field(default_factory=set)  # vectors no sidecar knows
    replace: set[str] = field(default_factory=set)  # plan ids whose chunks must be made again
    reread: set[str] = field(default_factory=set)  # source keys to read again from their files
    drop_after: list[str] = field(default_factory=list)  # collections to drop once the update commits
    drop_local_others: bool = False  # a local rebuild: drop every other collection of this index
    repairs: list[str] = field(default_factory=list)
    before: Snapshot = field(default_factory=Snapshot)

    @property
    def sources(self) -> dict[str, Any]:
        return self.manifest["sources"]

    def expected_plans(self) -> dict[str, str]:
        """Plan id -> source key, from the manifest."""
        return {pid: key for key, e in self.sources.items() for pid in e["plans"]}

    def repaired(self, message: str, say: Warn) -> None:
        self.repairs.append(message)
        say(f"repair: {message}")


def _empty_bm25() -> Any:
    return BM25Index()


# --------------------------------------------------------------------------- opening


def open_state(paths: IndexPaths, config: IndexConfig, *, rebuild: bool, say: Warn) -> State:
    """The index at ``paths``, checked and (in memory) repaired; a fresh one for ``rebuild``."""
    if rebuild:
        return _fresh_for_rebuild(paths, config, say)
    manifest = layout.load_manifest(paths)
    if manifest is None:
        left = [n for n in (layout.BM25, layout.PLANS) if (paths.root / n).is_file()]
        if left:
            raise layout.damaged(
                paths, f"{layout.MANIFEST} is missing but {' and '.join(left)} are there", layout.REBUILD_FIX
            )
        return State(manifest=layout.new_manifest(config), plans={}, bm=_empty_bm25())
    _check_settings(manifest, config)
    state = State(manifest=manifest, plans={}, bm=_empty_bm25())
    state.before.sources = set(manifest["sources"])
    _load_plans(state, paths, say)
    _load_bm25(state, paths, say)
    _load_embedder(state, paths, say)
    _open_store(state, paths, config, say)
    state.before.plans = {
        pid: (state.plans[pid].content_hash if pid in state.plans else None) for pid in state.expected_plans()
    }
    return state


def _check_settings(manifest: dict[str, Any], config: IndexConfig) -> None:
    if manifest["embedder"]:
        layout.check_vectors_location(manifest, config)
    index_spec = (manifest["embedder"] or {}).get("spec")
    wanted = configured_spec()
    if index_spec and wanted and wanted != index_spec:
        raise ConfigError(
            f"the index at {config.index_dir} was built with embedder {index_spec!r} but DRAFTER_EMBEDDER={wanted!r}: "
            "rebuild with `drafter ingest --rebuild` or unset DRAFTER_EMBEDDER"
        )


def _load_plans(state: State, paths: IndexPaths, say: Warn) -> None:
    expected = state.expected_plans()
    path = layout.committed(paths, paths.plans)
    try:
        plans = layout.load_plans_file(path) if path.is_file() or expected else []
    except (OSError, ValueError) as exc:
        reason = "is missing" if isinstance(exc, FileNotFoundError) else f"is unreadable ({exc})"
        state.reread = set(state.sources)
        state.repaired(f"{layout.PLANS} {reason}: reading the {len(state.reread)} recorded files again", say)
        return
    by_id = {p.id: p for p in plans}
    lost = {expected[pid] for pid in expected if pid not in by_id}
    extra = sorted(set(by_id) - set(expected))
    if lost:
        state.reread = lost
        state.repaired(f"{layout.PLANS} lacks the plans of {len(lost)} recorded file(s): reading them again", say)
    if extra:
        state.repaired(f"{layout.PLANS} held {len(extra)} plan(s) no recorded file has ({extra[0]}…): removed", say)
    state.plans = {pid: by_id[pid] for pid in expected if pid in by_id}


def _load_bm25(state: State, paths: IndexPaths, say: Warn) -> None:
    expected = state.manifest["counts"]["chunks"]
    path = layout.committed(paths, paths.bm25)
    problem = None
    if not path.is_file():
        problem = "is missing" if expected or state.plans else None
    else:
        try:
            bm = BM25Index.load(path)
        except (OSError, ValueError) as exc:
            problem = f"is unreadable ({exc})"
        else:
            known = set(state.expected_plans())
            stray = bm.plans() - known
            if len(bm) != expected:
                problem = f"holds {len(bm)} chunks; the manifest records {expected}"
            elif len(bm) and bm.table is None:
                problem = "has no table of chunk texts (an older drafter wrote it)"
            elif len(bm) and bm.table is not None and not bm.table.has_vectors and state.manifest.get("embedder"):
                problem = "has no chunk vectors for filtered search (an older drafter wrote it)"
            elif stray:
                problem = f"holds chunks of {len(stray)} plan(s) no recorded file has"
            else:
                state.bm = bm
                state.before.chunks = set(bm.ids)
                state.before.chunk_count = len(bm)
                return
    state.before.chunk_count = expected
    state.before.chunks = None if problem else set()
    if problem:
        # every plan's chunks are made again; the ids come out the same, so the vectors are kept
        state.replace |= set(state.plans)
        state.repaired(f"{layout.BM25} {problem}: rebuilding it from the {len(state.plans)} recorded plans", say)


def _load_embedder(state: State, paths: IndexPaths, say: Warn) -> None:
    emb = state.manifest["embedder"]
    if not emb:
        return
    make_embedder(emb["spec"])  # an embedder this drafter does not know is a ConfigError, not damage
    try:
        state.embedder = load_embedder(paths.embedder / emb["fit_id"])
    except Exception as exc:  # missing or damaged files of the fit
        log.debug("loading the embedder failed", exc_info=True)
        state.embedder = None
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        state.repaired(
            f"the fitted embedder is unreadable ({reason[:100]}): fitting it again and re-embedding every chunk", say
        )


def _open_store(state: State, paths: IndexPaths, config: IndexConfig, say: Warn) -> None:
    emb = state.manifest["embedder"]
    if not emb:
        return
    try:
        store = ChromaStore(config, name=emb["collection"])
    except StoreError:
        if config.chroma_url:
            raise
        moved = _move_chroma_aside(paths, config)
        state.repaired(f"chroma could not open {paths.chroma}: moved it to {moved.name} and made a new one", say)
        store = ChromaStore(config, name=emb["collection"])
    state.store = store
    where = config.chroma_url or str(paths.chroma)
    existed = store.exists()
    state.store_ids = store.ids() if existed else set()
    known = set(state.bm.ids)
    state.orphans = state.store_ids - known
    missing = known - state.store_ids
    if missing:
        state.replace |= state.bm.plan_of(missing)
        if not existed:
            state.repaired(
                f"the vectors are gone from {where}: re-adding all {len(known)} from the recorded plans", say
            )
        else:
            state.repaired(
                f"{len(missing)} of {len(known)} vectors are missing from {where}: re-adding them "
                "from the recorded plans",
                say,
            )


def _move_chroma_aside(paths: IndexPaths, config: IndexConfig) -> Any:
    forget_client(config)
    target = paths.root / f"chroma.damaged-{time.strftime('%Y%m%d-%H%M%S')}"
    shutil.move(str(paths.chroma), str(target))
    return target


# --------------------------------------------------------------------------- --rebuild


def _fresh_for_rebuild(paths: IndexPaths, config: IndexConfig, say: Warn) -> State:
    """An empty state; the old index (whatever shape it is in) is replaced when the rebuild commits."""
    state = State(manifest=layout.new_manifest(config), plans={}, bm=_empty_bm25())
    try:
        old = layout.load_manifest(paths)
    except Exception:  # a damaged index is what --rebuild is for
        old = None
    if old:
        state.before.sources = set(old["sources"])
        state.before.plans = {pid: None for e in old["sources"].values() for pid in e["plans"]}
        state.before.chunk_count = old["counts"]["chunks"]
        try:
            state.before.chunks = set(BM25Index.load(layout.committed(paths, paths.bm25)).ids)
        except Exception:
            state.before.chunks = None
    if config.chroma_url:
        if old and (old.get("chroma_url") or None) == config.chroma_url and old.get("embedder"):
            state.drop_after.append(old["embedder"]["collection"])
        return state
    state.drop_local_others = True  # a local chroma folder is this index's own
    try:
        shared_client(config)
    except StoreError:
        moved = _move_chroma_aside(paths, config)
        state.repaired(f"chroma could not open {paths.chroma}: moved it to {moved.name} and made a new one", say)
    return state
