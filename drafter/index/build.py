"""``ingest``: source files → plans → chunks → vectors (chroma) + BM25 + sidecars, incrementally.

Behaviour:

* Each source file is known by its name and sha256 (in ``manifest.json``). A file
  whose hash is unchanged is not read again ("unchanged"); a changed file's old
  chunks are deleted and its new ones added; a new file is added. Files not named
  in this ingest stay in the index; ``rebuild=True`` starts from nothing.
* Chunk ids are content hashes, so identical chunks are never written twice.
* The n-gram embedder is fitted on the first ingest and refitted — every chunk
  re-embedded and its vector rewritten — when the index has grown by more than
  50 % since the last fit (``REFIT_GROWTH``); otherwise new chunks are embedded with
  the saved embedder.
* Writers hold an exclusive lock on ``<index>/.lock``; sidecars are replaced
  atomically and the manifest is written last (see :mod:`drafter.index.layout`).
* Nothing is printed: ``progress(done, total, label)`` is called per file and per
  embedding batch, ``warn(message)`` for skipped files.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from drafter.fileio import atomic_path
from drafter.config import IndexConfig
from drafter.errors import ConfigError, DrafterError, InputError, NoDocumentsError
from drafter.index import layout
from drafter.index.layout import IndexPaths
from drafter.models import Chunk, Plan

log = logging.getLogger(__name__)

REFIT_GROWTH = 1.5
EMBED_BATCH = 512

Progress = Callable[[int, int, str], None]
Warn = Callable[[str], None]


@dataclass
class IngestReport:
    """What an ingest did."""

    index_dir: str
    chroma: str
    files_new: list[str] = field(default_factory=list)
    files_changed: list[str] = field(default_factory=list)
    files_unchanged: list[str] = field(default_factory=list)
    files_skipped: list[dict[str, str]] = field(default_factory=list)
    plans_added: int = 0
    plans_removed: int = 0
    plans_total: int = 0
    chunks_added: int = 0
    chunks_removed: int = 0
    chunks_total: int = 0
    embedder: str = ""
    refitted: bool = False
    rebuilt: bool = False
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
        lines = [
            f"files: {self.files_read} read ({len(self.files_new)} new, {len(self.files_changed)} changed), "
            f"{len(self.files_unchanged)} unchanged{skipped}",
            f"plans: {self.plans_added} added, {self.plans_removed} removed, {self.plans_total} in the index",
            f"chunks: {self.chunks_added} added, {self.chunks_removed} removed, {self.chunks_total} in the index"
            f" (embedder {self.embedder}{', refitted' if self.refitted else ''})",
            f"index: {self.index_dir} (vectors: {self.chroma}){' rebuilt' if self.rebuilt else ''} in {self.seconds:.1f} s",
        ]
        for s in self.files_skipped:
            lines.append(f"skipped {s['file']}: {s['reason']}")
        return "\n".join(lines)


# --------------------------------------------------------------------------- helpers


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def source_files(paths: Sequence[Path] | None) -> list[Path]:
    """The files to ingest: ``paths`` (files or folders) or the built-in corpus.

    A named path that does not exist raises :class:`InputError`.
    """
    from drafter.resources import corpus_dir

    targets = [Path(p).expanduser() for p in paths] if paths else [corpus_dir()]
    for p in targets:
        if not p.exists():
            raise InputError(f"{p} does not exist: pass existing files or folders of plans")
    from drafter.ingestion.pipeline import iter_source_files

    return list(iter_source_files(targets))


def _parse_file(path: Path) -> list[Plan]:
    from drafter.ingestion.pipeline import plans_from_file

    return plans_from_file(path)


def read_plans_file(path: Path) -> list[Plan]:
    """Plans saved in ``plans.jsonl``."""
    if not path.is_file():
        return []
    plans: list[Plan] = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                plans.append(Plan.from_dict(json.loads(line)))
    return plans


def _write_plans(path: Path, plans: Sequence[Plan]) -> None:
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        for p in plans:
            fh.write(json.dumps(p.to_dict(), ensure_ascii=False) + "\n")


def _clear_sidecars(paths: IndexPaths) -> None:
    for f in (paths.manifest, paths.bm25, paths.plans):
        f.unlink(missing_ok=True)
    shutil.rmtree(paths.embedder, ignore_errors=True)
    # chroma/ stays: the collection is dropped through the client (deleting the folder under an
    # open client leaves it a read-only database)


def _save_embedder(paths: IndexPaths, embedder: Any, fit_id: str) -> str:
    """Save into ``embedder/<fit id>/`` (the manifest names the current one); return the fit id."""
    target = paths.embedder / fit_id
    tmp = paths.embedder / f".{fit_id}.tmp"
    embedder.save(tmp)
    tmp.rename(target)
    return fit_id


def _prune_embedders(paths: IndexPaths, keep: str) -> None:
    if paths.embedder.is_dir():
        for d in paths.embedder.iterdir():
            if d.name != keep:
                shutil.rmtree(d, ignore_errors=True)


# --------------------------------------------------------------------------- ingest


def ingest(
    paths: list[Path] | None = None,
    *,
    config: IndexConfig | None = None,
    rebuild: bool = False,
    progress: Progress | None = None,
    warn: Warn | None = None,
    parse: Callable[[Path], list[Plan]] | None = None,
) -> IngestReport:
    """Index ``paths`` (files or folders; None: the built-in corpus) into the index of ``config``.

    ``parse`` turns one file into plans (default: ``drafter.ingestion.pipeline.plans_from_file``).
    Raises :class:`NoDocumentsError` when no file could be read.
    """
    from drafter.index.bm25 import BM25Index, jieba_tokens
    from drafter.index.chunk import chunk_plans
    from drafter.index.embed import configured_spec, load_embedder, make_embedder
    from drafter.index.store import ChromaStore

    t0 = time.perf_counter()
    config = config or IndexConfig.resolve()
    parse = parse or _parse_file
    report_progress = progress or (lambda done, total, label: None)
    say = warn or (lambda msg: None)
    files = source_files(paths)
    if not files:
        where = ", ".join(str(p) for p in paths) if paths else "the built-in corpus"
        raise NoDocumentsError(f"no .txt, .md or .docx files found in {where}: pass files or folders that hold plans")
    lp = IndexPaths.of(config)
    report = IngestReport(index_dir=str(lp.root), chroma=config.chroma_url or "local", rebuilt=rebuild)

    with layout.index_lock(lp, warn=say):
        manifest = None if rebuild else layout.load_manifest(lp)
        retired = None
        if manifest is None:  # a new index, or --rebuild: start from nothing
            if rebuild and config.chroma_url:  # on a server: drop only the collection this index used
                old = _old_collection(lp, config)
                retired = ChromaStore(config, name=old) if old else None
            elif not config.chroma_url:  # a local folder is ours: drop all its collections
                _drop_collections(config)
            _clear_sidecars(lp)
            manifest = layout.new_manifest(config)
        elif manifest.get("embedder"):
            layout.check_vectors_location(manifest, config)
        old_collection = (manifest.get("embedder") or {}).get("collection")
        index_spec = (manifest.get("embedder") or {}).get("spec")
        wanted = configured_spec()
        if index_spec and wanted and wanted != index_spec:
            raise ConfigError(
                f"the index at {lp.root} was built with embedder {index_spec!r} but DRAFTER_EMBEDDER={wanted!r}: "
                "rebuild with `drafter ingest --rebuild` or unset DRAFTER_EMBEDDER"
            )
        sources: dict[str, Any] = manifest["sources"]

        # 1. which files are new, changed, unchanged or unreadable
        parsed: dict[str, tuple[Path, str, list[Plan]]] = {}
        for i, path in enumerate(files):
            report_progress(i, len(files), path.name)
            name = path.name
            if name in parsed or name in report.files_unchanged:
                _skip(report, say, f"{path}", f"another {name} was read in this ingest; plan ids come from file names, so rename one")
                continue
            try:
                sha = _sha256(path)
            except OSError as exc:
                _skip(report, say, name, exc.strerror or str(exc))
                continue
            prev = sources.get(name)
            if prev and prev.get("sha256") == sha:
                report.files_unchanged.append(name)
                continue
            try:
                plans = parse(path)
            except (DrafterError, OSError, UnicodeError, ValueError) as exc:
                _skip(report, say, name, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
                continue
            if not plans:
                _skip(report, say, name, "no plans found in it")
                continue
            (report.files_changed if prev else report.files_new).append(name)
            parsed[name] = (path, sha, plans)
        report_progress(len(files), len(files), "files read")
        if not parsed and not report.files_unchanged:
            raise NoDocumentsError(
                f"none of the {len(files)} files could be read (" + "; ".join(
                    f"{s['file']}: {s['reason']}" for s in report.files_skipped[:3]) + "): pass text, Markdown or .docx plans"
            )

        # 2. which chunks go and which come
        bm = BM25Index.load(lp.bm25) if lp.bm25.is_file() else BM25Index()
        old_plan_ids = {pid for name in parsed if name in sources for pid in sources[name].get("plans", [])}
        new_plans = [p for _, _, plans in parsed.values() for p in plans]
        new_chunks = chunk_plans(new_plans)
        new_ids = {c.id for c in new_chunks}
        to_delete = set(bm.rows_of_plans(old_plan_ids)) - new_ids
        present = set(bm.ids) - to_delete
        to_add = [c for c in new_chunks if c.id not in present]
        report.chunks_removed = len(to_delete)
        report.chunks_added = len(to_add)

        plans_by_id = {p.id: p for p in read_plans_file(lp.plans)} if parsed else {}
        if parsed:
            for pid in old_plan_ids:
                plans_by_id.pop(pid, None)
            for p in new_plans:
                plans_by_id[p.id] = p
        report.plans_added = len(new_plans)
        report.plans_removed = len(old_plan_ids - {p.id for p in new_plans})

        emb_meta = manifest.get("embedder")
        if not parsed:  # every named file unchanged (or skipped): nothing is rewritten
            report.plans_total = manifest["counts"]["plans"]
            report.chunks_total = manifest["counts"]["chunks"]
            report.embedder = (emb_meta or {}).get("spec", "")
            report.seconds = time.perf_counter() - t0
            return report

        # 3. vectors
        store = ChromaStore(config, name=old_collection) if old_collection else None
        total_after = len(present) + len(to_add)
        refit = emb_meta is None or (
            emb_meta.get("needs_fit", True) and total_after > REFIT_GROWTH * max(1, int(emb_meta.get("fitted_on", 0)))
        )
        if refit and total_after:
            # a new fit gets a new collection (its dimension may differ); the old one is
            # dropped once the manifest names the new one, so readers never see it half-filled
            kept = _kept_chunks(store, present) if store is not None else []
            everything = kept + to_add
            embedder = make_embedder(index_spec or wanted)
            if embedder.needs_fit:
                report_progress(0, len(everything), "fitting the embedder")
                embedder.fit([c.text for c in everything])
            fit_id = uuid.uuid4().hex[:12]
            retired, store = retired or store, ChromaStore(config, name=f"{config.collection}-{fit_id}")
            _embed_and_store(store, embedder, everything, report_progress)
            _save_embedder(lp, embedder, fit_id)
            emb_meta = {"spec": embedder.spec, "name": embedder.name, "dim": embedder.dim, "needs_fit": embedder.needs_fit,
                        "fitted_on": len(everything), "fit_id": fit_id, "collection": store.name}
            report.refitted = True
        elif store is not None and emb_meta:
            if to_delete:
                store.delete(sorted(to_delete))
            if to_add:
                embedder = load_embedder(lp.embedder / emb_meta["fit_id"])
                _embed_and_store(store, embedder, to_add, report_progress)

        # 4. BM25 and the table of chunks
        if to_add or to_delete or not lp.bm25.is_file():
            report_progress(0, len(to_add), "tokenising")
            tokens = jieba_tokens([c.text for c in to_add])
            bm = bm.updated(remove=to_delete, chunks=to_add, tokens=tokens)
            with atomic_path(lp.bm25) as tmp:
                bm.save(tmp)
        ordered = sorted(plans_by_id.values(), key=lambda p: (p.source, p.index, p.id))
        _write_plans(lp.plans, ordered)

        # 5. the manifest, last
        _record_sources(manifest, parsed, new_chunks)
        manifest["embedder"] = emb_meta
        manifest["counts"] = {"sources": len(manifest["sources"]), "plans": len(ordered), "chunks": len(bm)}
        manifest["collection"] = config.collection
        manifest["chroma_url"] = config.chroma_url
        manifest["updated"] = layout.now_iso()
        layout.write_json_atomic(lp.manifest, manifest)
        if emb_meta:
            _prune_embedders(lp, emb_meta["fit_id"])
        if retired is not None:
            retired.drop()
        if report.refitted and not config.chroma_url:  # collections left by an interrupted refit
            _drop_collections(config, keep=emb_meta["collection"])

    report.plans_total = len(ordered)
    report.chunks_total = len(bm)
    report.embedder = (emb_meta or {}).get("spec", "")
    report.seconds = time.perf_counter() - t0
    log.info("ingest: %s", report.to_dict())
    return report


def _skip(report: IngestReport, say: Warn, name: str, reason: str) -> None:
    if reason.startswith(f"{name}: "):
        reason = reason[len(name) + 2 :]
    report.files_skipped.append({"file": name, "reason": reason})
    say(f"skipped {name}: {reason}")


def _record_sources(manifest: dict[str, Any], parsed: dict[str, tuple[Path, str, list[Plan]]], chunks: Any) -> None:
    per_plan: dict[str, int] = {}
    for c in chunks or []:
        per_plan[c.plan_id] = per_plan.get(c.plan_id, 0) + 1
    for name, (path, sha, plans) in parsed.items():
        manifest["sources"][name] = {
            "path": str(path.resolve()),
            "sha256": sha,
            "plans": [p.id for p in plans],
            "chunks": sum(per_plan.get(p.id, 0) for p in plans),
        }


def _old_collection(paths: IndexPaths, config: IndexConfig) -> str | None:
    """The collection the previous index used, if it lived where ``config`` points."""
    try:
        manifest = layout.load_manifest(paths)
    except InputError:
        return None
    if not manifest or (manifest.get("chroma_url") or None) != (config.chroma_url or None):
        return None
    return (manifest.get("embedder") or {}).get("collection")


def _drop_collections(config: IndexConfig, keep: str | None = None) -> None:
    """Drop this index's collections: every ``<collection>-<fit id>`` (and a bare ``<collection>``) but ``keep``."""
    from drafter.index.store import ChromaStore

    base = ChromaStore(config)
    for name in base.collection_names():
        if name != keep and (name == config.collection or name.startswith(f"{config.collection}-")):
            ChromaStore(config, name=name).drop()


def _kept_chunks(store: Any, present: set[str]) -> list[Chunk]:
    if not present:
        return []
    ids, texts, metas = store.get_all()
    return [Chunk.from_metadata(i, t, m) for i, t, m in zip(ids, texts, metas) if i in present]


def _embed_and_store(store: Any, embedder: Any, chunks: list[Chunk], progress: Progress) -> None:
    total = len(chunks)
    for i in range(0, total, EMBED_BATCH):
        batch = chunks[i : i + EMBED_BATCH]
        vectors = embedder.embed_documents([c.text for c in batch])
        store.add(batch, vectors)
        progress(min(i + EMBED_BATCH, total), total, "embedding")


def known_sources(config: IndexConfig) -> dict[str, Any]:
    """The manifest's sources (empty when there is no index)."""
    manifest = layout.load_manifest(IndexPaths.of(config))
    return dict(manifest["sources"]) if manifest else {}


__all__ = ["IngestReport", "ingest", "read_plans_file", "source_files", "known_sources"]
