"""``ingest``: source files → plans → chunks → vectors (chroma) + BM25 + sidecars, incrementally and atomically.

Behaviour:

* A source file is known by its resolved path (a file of the built-in corpus as
  ``builtin:<name>``, see :mod:`drafter.index.sources`) and its sha256, recorded in
  ``manifest.json``. An unchanged file is not read again; a changed file's plans
  replace its old ones; a new file is added. Plan ids are ``<stem>#<n>``, unique per
  source (``<stem>~<hash>#<n>`` for a second file with the same stem); chunk ids are
  hashes of the plan id, the plan's content and the chunk's text.
* Files not named in an ingest stay in the index. Recorded files that no longer
  exist are reported; ``prune=True`` removes them (files of the built-in corpus that
  a new drafter version no longer ships are removed when the built-in corpus is
  ingested). ``rebuild=True`` builds the index anew from the named files.
* Every ingest first finishes or discards an update an earlier writer left behind
  (:mod:`drafter.index.journal`), then checks the manifest, ``plans.jsonl``,
  ``bm25.npz``, the fitted embedder and the vectors against each other and repairs
  what it can (:mod:`drafter.index.verify`); :func:`repair_index` does only that.
* An update is atomic from the user's view: new vectors are added first, the new
  sidecars are staged and committed at once, and only then are old vectors deleted.
  Killed at any moment, the index holds either the old state or the new one.
* The n-gram embedder is fitted on the first ingest and refitted — every chunk
  re-embedded into a new collection — when the index has grown by more than 50 %
  since the last fit (``REFIT_GROWTH``).
* Writers hold an exclusive lock on ``<index>/.lock``. Nothing is printed:
  ``progress(done, total, label)`` is called per file and per embedding batch,
  ``warn(message)`` for skipped files, missing files and repairs.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from drafter.config import IndexConfig
from drafter.errors import DrafterError, IndexWriteError, NoDocumentsError, StoreError
from drafter.index import layout
from drafter.index.bm25 import BM25Index, jieba_tokens
from drafter.index.chunk import chunk_plans
from drafter.index.embed import configured_spec, make_embedder
from drafter.index.journal import Journal, recover
from drafter.index.layout import IndexPaths, read_plans_file
from drafter.index.scan import Parsed, Scan, gone_sources, parse_source, scan_files, source_files
from drafter.index.sources import BUILTIN, file_sha256, is_builtin, source_path
from drafter.index.store import ChromaStore, shared_client
from drafter.index.verify import State, open_state
from drafter.models import Chunk, Plan

log = logging.getLogger(__name__)

REFIT_GROWTH = 1.5
EMBED_BATCH = 512

Progress = Callable[[int, int, str], None]
Warn = Callable[[str], None]


@dataclass
class IngestReport:
    """What an ingest did. Totals always equal the totals before + added − removed."""

    index_dir: str
    chroma: str
    files_new: list[str] = field(default_factory=list)
    files_changed: list[str] = field(default_factory=list)
    files_unchanged: list[str] = field(default_factory=list)
    files_skipped: list[dict[str, str]] = field(default_factory=list)
    files_removed: list[str] = field(default_factory=list)
    files_gone: list[str] = field(default_factory=list)
    plans_added: int = 0
    plans_changed: int = 0
    plans_removed: int = 0
    plans_total: int = 0
    chunks_added: int = 0
    chunks_removed: int = 0
    chunks_total: int = 0
    embedder: str = ""
    refitted: bool = False
    rebuilt: bool = False
    repairs: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def files_read(self) -> int:
        return len(self.files_new) + len(self.files_changed)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["files_read"] = self.files_read
        return d

    def describe(self) -> str:
        skipped = f", {len(self.files_skipped)} skipped" if self.files_skipped else ""
        removed = f", {len(self.files_removed)} removed" if self.files_removed else ""
        if self.rebuilt:
            files = f"files: {self.files_read} read (index rebuilt){removed}{skipped}"
        else:
            files = (
                f"files: {self.files_read} read ({len(self.files_new)} new, {len(self.files_changed)} changed), "
                f"{len(self.files_unchanged)} unchanged{removed}{skipped}"
            )
        changed = f", {self.plans_changed} changed" if self.plans_changed else ""
        lines = [
            files,
            f"plans: {self.plans_added} added{changed}, {self.plans_removed} removed, {self.plans_total} in the index",
            f"chunks: {self.chunks_added} added, {self.chunks_removed} removed, {self.chunks_total} in the index"
            f" (embedder {self.embedder}{', refitted' if self.refitted else ''})",
            f"index: {self.index_dir} (vectors: {self.chroma}){' rebuilt' if self.rebuilt else ''} in {self.seconds:.1f} s",
        ]
        lines += [f"skipped {s['file']}: {s['reason']}" for s in self.files_skipped]
        lines += [f"removed {f} (no longer exists)" for f in self.files_removed]
        if self.files_gone:
            lines.append(
                f"{len(self.files_gone)} indexed file(s) no longer exist ({', '.join(self.files_gone[:3])}"
                f"{'…' if len(self.files_gone) > 3 else ''}): `drafter ingest --prune` removes them"
            )
        lines += [f"repaired: {r}" for r in self.repairs]
        return "\n".join(lines)


@dataclass
class Update:
    """The change an ingest makes: chunks leaving and joining, the plans after it."""

    plans: dict[str, Plan]
    leaving: set[str]  # chunk ids leaving bm25 (and, once committed, the store)
    to_bm25: list[Chunk]  # chunks joining bm25
    to_store: list[Chunk]  # chunks the store lacks (new, or repaired)
    per_plan: dict[str, int]  # chunks of each (re)made plan
    removed_sources: list[str]

    @property
    def empty(self) -> bool:
        return not (self.leaving or self.to_bm25 or self.to_store or self.removed_sources)


# --------------------------------------------------------------------------- public


def ingest(
    paths: Sequence[Path | str] | None = None,
    *,
    config: IndexConfig | None = None,
    rebuild: bool = False,
    prune: bool = False,
    progress: Progress | None = None,
    warn: Warn | None = None,
    parse: Callable[[Path], list[Plan]] | None = None,
) -> IngestReport:
    """Index ``paths`` (files or folders, ``~`` expanded; None: the built-in corpus) into the index of ``config``.

    ``parse`` turns one file into plans (default: ``drafter.ingestion.pipeline.plans_from_file``).
    ``prune`` removes recorded files that no longer exist. Raises :class:`NoDocumentsError`
    when no file could be read, :class:`~drafter.errors.DamagedIndexError` for damage
    that needs ``rebuild``, :class:`IndexWriteError` when the index cannot be written
    (it is then left as it was).
    """
    return _run(
        paths, config=config, rebuild=rebuild, prune=prune, progress=progress, warn=warn, parse=parse, files_wanted=True
    )


def repair_index(
    config: IndexConfig | None = None,
    *,
    prune: bool = False,
    progress: Progress | None = None,
    warn: Warn | None = None,
    parse: Callable[[Path], list[Plan]] | None = None,
) -> IngestReport:
    """Check the index and repair it from its recorded sources, reading no new files (``drafter ingest --repair``)."""
    return _run(
        None, config=config, rebuild=False, prune=prune, progress=progress, warn=warn, parse=parse, files_wanted=False
    )


def known_sources(config: IndexConfig) -> dict[str, Any]:
    """The manifest's sources, keyed by resolved path or ``builtin:<name>`` (empty when there is no index)."""
    manifest = layout.load_manifest(IndexPaths.of(config))
    return dict(manifest["sources"]) if manifest else {}


# --------------------------------------------------------------------------- the steps


def _run(
    paths: Sequence[Path | str] | None,
    *,
    config: IndexConfig | None,
    rebuild: bool,
    prune: bool,
    progress: Progress | None,
    warn: Warn | None,
    parse: Callable[[Path], list[Plan]] | None,
    files_wanted: bool,
) -> IngestReport:
    t0 = time.perf_counter()
    config = config or IndexConfig.resolve()
    parse = parse or _parse_file
    report_progress = progress or (lambda done, total, label: None)
    say = warn or (lambda msg: None)
    scan = Scan()
    files = source_files(paths, scan, say) if files_wanted else []
    if files_wanted and not files:
        where = ", ".join(str(p) for p in paths) if paths else "the built-in corpus"
        raise NoDocumentsError(f"no .txt, .md or .docx files found in {where}: pass files or folders that hold plans")
    lp = IndexPaths.of(config)
    report = IngestReport(index_dir=str(lp.root), chroma=config.chroma_url or "local", rebuilt=rebuild)

    with layout.index_lock(lp, warn=say):
        _see_other_writers(config)
        note = recover(lp, config, say)
        if note:
            report.repairs.append(note)
            say(f"repair: {note}")
        state = open_state(lp, config, rebuild=rebuild, say=say)
        report.repairs += state.repairs
        _read_files(state, scan, files, parse, say, report_progress)
        _fill_file_lists(report, scan)
        removed = _removed_sources(
            state, scan, builtin_ingest=files_wanted and not paths, prune=prune, report=report, say=say
        )
        if files_wanted and not scan.parsed and not scan.unchanged:  # never commit an index of nothing (--rebuild too)
            raise NoDocumentsError(
                f"none of the {len(files)} files could be read ("
                + "; ".join(f"{s['file']}: {s['reason']}" for s in scan.skipped[:3])
                + "): pass text, Markdown or .docx plans"
            )
        update = _plan_update(state, scan, removed)
        if update.empty and not scan.parsed and not state.repairs and not rebuild:
            if state.orphans and state.store is not None:  # vectors an interrupted update left: nobody reads them
                state.store.delete(sorted(state.orphans))
            _finish(report, state, state.manifest, len(state.bm), t0)
            return report
        manifest, total_chunks = _write(lp, config, state, scan, update, rebuild, report, say, report_progress)
    _finish(report, state, manifest, total_chunks, t0, update)
    log.info("ingest: %s", report.to_dict())
    return report


def _see_other_writers(config: IndexConfig) -> None:
    """A local chroma folder another process has written since this one looked is opened anew (see store)."""
    if config.chroma_url or not IndexPaths.of(config).chroma.is_dir():
        return
    try:
        shared_client(config, fresh=True)
    except StoreError as exc:  # a folder chroma cannot open: verify moves it aside
        log.debug("opening %s: %s", config.index_dir, exc)


def _parse_file(path: Path) -> list[Plan]:
    from drafter.ingestion.pipeline import plans_from_file

    return plans_from_file(path)


def _read_files(
    state: State, scan: Scan, files: list[Path], parse: Callable[[Path], list[Plan]], say: Warn, progress: Progress
) -> None:
    """Step 1: read the new and changed files, and the recorded files a repair needs again."""
    scan_files(files, state.sources, parse, say, scan, force=state.reread, progress=progress)
    for key in sorted(state.reread - set(scan.parsed)):
        entry = state.sources[key]
        path = source_path(key)
        if key in scan.seen:  # named in this ingest but unreadable now: told as skipped already
            continue
        try:
            plans = parse_source(path, key, str(entry.get("stem") or path.stem), parse) if path.is_file() else []
            sha = file_sha256(path)
        except (DrafterError, OSError) as exc:
            log.debug("cannot read %s again: %s", path, exc)
            plans = []
        if plans:
            scan.parsed[key] = Parsed(
                key=key, path=path, sha=sha, plans=plans, stem=str(entry.get("stem") or path.stem)
            )


def _fill_file_lists(report: IngestReport, scan: Scan) -> None:
    report.files_new, report.files_changed = list(scan.new), list(scan.changed)
    report.files_unchanged, report.files_skipped = list(scan.unchanged), list(scan.skipped)


def _removed_sources(
    state: State, scan: Scan, *, builtin_ingest: bool, prune: bool, report: IngestReport, say: Warn
) -> list[str]:
    """Step 2: recorded sources that leave the index (pruned, no longer shipped, unrecoverable); report the gone."""
    removed: list[str] = []
    for key in sorted(state.reread - set(scan.parsed)):
        removed.append(key)
        state.repaired(
            f"the plans of {_label(key)} could not be recovered (its file is gone or unreadable): "
            "removed it from the index; ingest it again to restore it",
            say,
        )
        report.repairs.append(state.repairs[-1])
    gone = [k for k in gone_sources(state.sources) if k not in removed and k not in scan.parsed]
    for key in gone:
        if prune or (is_builtin(key) and builtin_ingest):
            removed.append(key)
            report.files_removed.append(_label(key))
        else:
            report.files_gone.append(_label(key))
    if report.files_gone:
        names = ", ".join(report.files_gone[:3]) + ("…" if len(report.files_gone) > 3 else "")
        say(
            f"{len(report.files_gone)} indexed file(s) no longer exist ({names}): their plans are still searched; "
            "`drafter ingest --prune` removes them"
        )
    return removed


def _label(key: str) -> str:
    return key[len(BUILTIN) :] if is_builtin(key) else key


def _plan_update(state: State, scan: Scan, removed: list[str]) -> Update:
    """Step 3: which plans and chunks leave and join."""
    sources = state.sources
    replaced = {pid for key in list(scan.parsed) + removed if key in sources for pid in sources[key]["plans"]}
    new_plans = [p for parsed in scan.parsed.values() for p in parsed.plans]
    remade = [state.plans[pid] for pid in sorted(state.replace) if pid in state.plans and pid not in replaced]
    chunks = chunk_plans(new_plans + remade)
    chunk_ids = {c.id for c in chunks}
    leaving = set(state.bm.rows_of_plans(replaced | {p.id for p in remade})) - chunk_ids
    kept = set(state.bm.ids) - leaving
    plans = {pid: p for pid, p in state.plans.items() if pid not in replaced}
    for p in new_plans:
        plans[p.id] = p
    per_plan: dict[str, int] = {}
    for c in chunks:
        per_plan[c.plan_id] = per_plan.get(c.plan_id, 0) + 1
    empty = [p.id for p in new_plans if not per_plan.get(p.id)]
    if empty:
        log.info("plans with no text to index: %s", empty)
    return Update(
        plans=plans,
        leaving=leaving,
        to_bm25=[c for c in chunks if c.id not in kept],
        to_store=[c for c in chunks if c.id not in state.store_ids],
        per_plan=per_plan,
        removed_sources=removed,
    )


def _write(
    lp: IndexPaths,
    config: IndexConfig,
    state: State,
    scan: Scan,
    update: Update,
    rebuild: bool,
    report: IngestReport,
    say: Warn,
    progress: Progress,
) -> tuple[dict[str, Any], int]:
    """Step 4: vectors first, then the sidecars staged and committed at once, then old vectors deleted."""
    journal = Journal(lp, config)
    manifest = state.manifest
    try:
        journal.begin()
        fresh: dict[str, np.ndarray] = {}  # the vectors computed in this run, by chunk id
        store, emb_meta, fit_id, refitted, embedder = _write_vectors(
            config, state, update, journal, progress, lp, fresh
        )
        report.refitted = refitted
        bm = state.bm
        if update.to_bm25 or update.leaving:
            progress(0, len(update.to_bm25), "tokenising")
            tokens = jieba_tokens([c.text for c in update.to_bm25]) if update.to_bm25 else []
            bm = bm.updated(remove=update.leaving, chunks=update.to_bm25, tokens=tokens)
        if bm.table is not None and embedder is not None and (fresh or refitted or not bm.table.has_vectors):
            bm.table.vectors = _table_vectors(bm, state, fresh, refitted, embedder, progress)
        manifest = _new_manifest(state, scan, update, emb_meta, config, len(bm))
        journal.stage_bm25(bm)
        journal.stage_plans(sorted(update.plans.values(), key=lambda p: (p.source, p.index, p.id)))
        journal.stage_manifest(manifest)
        # vectors to delete once committed: those leaving, and those no sidecar knows — judged against the
        # table after the update (with bm25.npz rebuilt, every vector looked unknown when the index was opened)
        final = set(bm.ids)
        delete = (
            []
            if refitted
            else sorted(
                ((update.leaving | state.orphans) - final) & (state.store_ids | {c.id for c in update.to_store})
            )
        )
        drop = list(state.drop_after)
        current = store.name if store is not None else None
        if refitted and state.store is not None and state.store.name != current:
            drop.append(state.store.name)
        if store is not None and (state.drop_local_others or (refitted and not config.chroma_url)):
            drop += [n for n in store.collection_names() if n != current and _ours(n, config)]
        journal.commit(delete=delete, collection=current, drop=drop, keep_fit=fit_id)
    except OSError as exc:
        journal.abandon(say)
        raise IndexWriteError(
            f"cannot write the index at {lp.root}: {exc.strerror or exc}; free some space (or make the folder writable) "
            "and run the ingest again — the index was left as it was"
        ) from None
    except BaseException as exc:
        journal.abandon(say, store_ok=not isinstance(exc, StoreError))
        raise
    try:
        journal.apply(say)
    except OSError as exc:
        raise IndexWriteError(
            f"the update of {lp.root} is committed but could not be finished ({exc.strerror or exc}): "
            "run `drafter ingest --repair` to finish it"
        ) from None
    return manifest, len(bm)


def _ours(name: str, config: IndexConfig) -> bool:
    return name == config.collection or name.startswith(f"{config.collection}-")


def _write_vectors(
    config: IndexConfig,
    state: State,
    update: Update,
    journal: Journal,
    progress: Progress,
    lp: IndexPaths,
    fresh: dict[str, np.ndarray],
) -> tuple[Any, dict[str, Any] | None, str | None, bool, Any]:
    """Add the vectors the update needs (also into ``fresh``); a (re)fit writes every chunk into a new
    collection. Returns the store, the embedder's manifest entry, its fit id, whether it was refitted and
    the embedder."""
    emb_meta = state.manifest["embedder"]
    final = (set(state.bm.ids) - update.leaving) | {c.id for c in update.to_bm25}
    if not final and state.embedder is None:  # plans without a chunk of text: nothing to fit or store yet
        return state.store, emb_meta, (emb_meta or {}).get("fit_id"), False, None
    refit = state.embedder is None or (
        bool(emb_meta.get("needs_fit", True)) and len(final) > REFIT_GROWTH * max(1, int(emb_meta.get("fitted_on", 0)))
    )
    if not refit:
        store = state.store
        _embed_and_store(store, state.embedder, update.to_store, progress, fresh)
        return store, emb_meta, emb_meta["fit_id"], False, state.embedder
    # a new fit gets a new collection (its dimension may differ); the old one is dropped once the
    # update commits, so readers never see a half-filled collection
    everything = _all_chunks(state, update, final)
    embedder = make_embedder((emb_meta or {}).get("spec") or configured_spec())
    if embedder.needs_fit:
        progress(0, len(everything), "fitting the embedder")
        embedder.fit([c.text for c in everything])
    fit_id = uuid.uuid4().hex[:12]
    name = f"{config.collection}-{fit_id}"
    journal.created_collection(name)
    store = ChromaStore(config, name=name)
    _embed_and_store(store, embedder, everything, progress, fresh)
    target = lp.embedder / fit_id
    tmp = lp.embedder / f".{fit_id}.tmp"
    embedder.save(tmp)
    tmp.rename(target)
    meta = {
        "spec": embedder.spec,
        "name": embedder.name,
        "dim": embedder.dim,
        "needs_fit": embedder.needs_fit,
        "fitted_on": len(everything),
        "fit_id": fit_id,
        "collection": name,
    }
    return store, meta, fit_id, True, embedder


def _table_vectors(
    bm: BM25Index, state: State, fresh: dict[str, np.ndarray], refitted: bool, embedder: Any, progress: Progress
) -> np.ndarray:
    """The chunk table's vectors after the update, row by row: the ones computed in this run, else the
    table's own from before (unless the embedder was refitted), else embedded now from the table's text
    (an index written before the table kept vectors; the embedder is deterministic, so these equal the
    store's)."""
    assert bm.table is not None
    old = state.bm.table
    keep_old = not refitted and old is not None and old.has_vectors and old.vectors.shape[1] == embedder.dim
    old_rows = state.bm.row_index if keep_old else {}
    out = np.zeros((len(bm), embedder.dim), np.float16)
    missing = []
    for r, cid in enumerate(bm.ids):
        v = fresh.get(cid)
        if v is not None:
            out[r] = v
        elif cid in old_rows:
            out[r] = old.vectors[old_rows[cid]]
        else:
            missing.append(r)
    for i in range(0, len(missing), EMBED_BATCH):
        rows = missing[i : i + EMBED_BATCH]
        out[rows] = embedder.embed_documents([bm.table.text(r) for r in rows])
        progress(min(i + EMBED_BATCH, len(missing)), len(missing), "embedding for the chunk table")
    return out


def _all_chunks(state: State, update: Update, final: set[str]) -> list[Chunk]:
    """Every chunk of the index after the update: the new ones, and the kept ones read back from the store."""
    have = {c.id: c for c in update.to_store}
    have.update({c.id: c for c in update.to_bm25})
    need = final - set(have)
    if need and state.store is not None:
        ids, texts, metas = state.store.get_all()
        for i, t, m in zip(ids, texts, metas, strict=True):
            if i in need:
                have[i] = Chunk.from_metadata(i, t, m)
    lost = final - set(have)
    if lost:  # cannot happen when verify did its job; never index a chunk without its text
        raise IndexWriteError(f"{len(lost)} chunks of the index have no text to embed: run `drafter ingest --repair`")
    return [have[i] for i in sorted(final)]


def _embed_and_store(
    store: Any, embedder: Any, chunks: list[Chunk], progress: Progress, fresh: dict[str, np.ndarray]
) -> None:
    total = len(chunks)
    for i in range(0, total, EMBED_BATCH):
        batch = chunks[i : i + EMBED_BATCH]
        vectors = embedder.embed_documents([c.text for c in batch])
        store.add(batch, vectors)
        fresh.update(zip((c.id for c in batch), np.asarray(vectors, dtype=np.float32), strict=True))
        progress(min(i + EMBED_BATCH, total), total, "embedding")


def _new_manifest(
    state: State, scan: Scan, update: Update, emb_meta: dict[str, Any] | None, config: IndexConfig, chunks: int
) -> dict[str, Any]:
    manifest = dict(state.manifest)
    sources = dict(manifest["sources"])
    for key in update.removed_sources:
        sources.pop(key, None)
    for key, parsed in scan.parsed.items():
        sources[key] = parsed.entry(sum(update.per_plan.get(p.id, 0) for p in parsed.plans))
    manifest.update(
        sources=dict(sorted(sources.items())),
        embedder=emb_meta,
        collection=config.collection,
        chroma_url=config.chroma_url,
        updated=layout.now_iso(),
        counts={"sources": len(sources), "plans": len(update.plans), "chunks": chunks},
    )
    return manifest


def _finish(
    report: IngestReport,
    state: State,
    manifest: dict[str, Any],
    chunks_total: int,
    t0: float,
    update: Update | None = None,
) -> None:
    """The counters: the committed index after the update against the one before."""
    before = state.before
    if update is not None:
        after = {pid: p.content_hash for pid, p in update.plans.items()}
        report.plans_added = len(set(after) - set(before.plans))
        report.plans_removed = len(set(before.plans) - set(after))
        report.plans_changed = sum(
            1
            for pid in set(after) & set(before.plans)
            if before.plans[pid] is not None and before.plans[pid] != after[pid]
        )
    report.plans_total = manifest["counts"]["plans"]
    report.chunks_total = chunks_total
    if update is not None:
        after_ids = (set(state.bm.ids) - update.leaving) | {c.id for c in update.to_bm25}
        if before.chunks is not None:
            report.chunks_added = len(after_ids - before.chunks)
            report.chunks_removed = len(before.chunks - after_ids)
        else:
            report.chunks_added = max(0, chunks_total - before.chunk_count)
            report.chunks_removed = max(0, before.chunk_count - chunks_total)
    report.embedder = (manifest.get("embedder") or {}).get("spec", "")
    report.seconds = time.perf_counter() - t0


__all__ = ["IngestReport", "ingest", "known_sources", "read_plans_file", "repair_index", "source_files"]
