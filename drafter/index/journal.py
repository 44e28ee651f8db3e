"""An index update, committed all at once: stage → commit → apply, replayed after a crash.

An update changes several things that cannot be replaced in one step: vectors in
chroma, ``bm25.npz``, ``plans.jsonl`` and ``manifest.json``. The order that keeps the
index whole whatever moment the writer dies at (kill -9, Ctrl-C, a chroma server
going away, a full disk):

1. **add** the new vectors to chroma (or a new fit's collection, named in
   ``.pending/begin.json`` so that it can be dropped if the update never commits);
   the old vectors stay, so the committed state is still complete;
2. **stage** the new sidecars in ``.pending/``;
3. **commit**: ``.pending/after.json`` (the vectors and collections the update
   retires), then the ``.pending/COMMIT`` marker, written atomically — the update
   has happened from here on;
4. **apply**: move the staged sidecars into place (the manifest last), delete the
   retired vectors, drop retired collections and old embedder fits, remove ``.pending/``.

The next writer calls :func:`recover` under the lock before anything else: a
committed update is applied again (every step is idempotent), an uncommitted one is
discarded (its vectors are not in ``bm25.npz``, so readers ignore them, and the
verification that follows every recovery deletes them). Readers never wait for
this: :func:`drafter.index.layout.committed` points them at the staged copy of a
sidecar that a committed update has not moved into place yet.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from drafter.config import IndexConfig
from drafter.errors import DrafterError
from drafter.fileio import atomic_path, write_atomic
from drafter.index import layout
from drafter.index.layout import IndexPaths
from drafter.index.store import ChromaStore, note_written
from drafter.models import Plan

log = logging.getLogger(__name__)

BEGIN = "begin.json"
AFTER = "after.json"
ORDER = (layout.BM25, layout.PLANS, layout.MANIFEST)  # the manifest last

Warn = Callable[[str], None]


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


class Journal:
    """The ``.pending/`` folder of one update."""

    def __init__(self, paths: IndexPaths, config: IndexConfig):
        self.paths = paths
        self.config = config
        self.dir = paths.pending
        self.created: list[str] = []

    # -- before the commit --------------------------------------------------------------
    def begin(self) -> None:
        if self.dir.exists():  # recover() runs first; anything left here is an abandoned update
            shutil.rmtree(self.dir)
        self.dir.mkdir(parents=True)
        self._write_begin()

    def _write_begin(self) -> None:
        write_atomic(
            self.dir / BEGIN,
            json.dumps({"created": self.created, "chroma_url": self.config.chroma_url}, ensure_ascii=False),
        )

    def created_collection(self, name: str) -> None:
        """Note a collection made for this update (dropped again if the update never commits)."""
        self.created.append(name)
        self._write_begin()

    def stage_bm25(self, bm: Any) -> None:
        with atomic_path(self.dir / layout.BM25) as tmp:
            bm.save(tmp)

    def stage_plans(self, plans: Iterable[Plan]) -> None:
        with atomic_path(self.dir / layout.PLANS) as tmp, open(tmp, "w", encoding="utf-8") as fh:
            for p in plans:
                fh.write(json.dumps(p.to_dict(), ensure_ascii=False) + "\n")

    def stage_manifest(self, manifest: dict[str, Any]) -> None:
        write_atomic(self.dir / layout.MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1) + "\n")

    def commit(
        self, *, delete: Sequence[str], collection: str | None, drop: Sequence[str], keep_fit: str | None
    ) -> None:
        """Record what the update retires, then the commit marker: from here on the update has happened."""
        after = {"delete": sorted(delete), "collection": collection, "drop": sorted(set(drop)), "keep_fit": keep_fit}
        write_atomic(self.dir / AFTER, json.dumps(after, ensure_ascii=False))
        write_atomic(self.dir / layout.COMMIT, layout.now_iso())

    def abandon(self, warn: Warn | None = None, *, store_ok: bool = True) -> None:
        """Give an uncommitted update up (best effort).

        With ``store_ok`` the collections it made are dropped now; otherwise (chroma is
        what failed) only the staged files go, and ``.pending/begin.json`` stays so that
        the next writer's :func:`recover` drops them, without this run waiting on chroma again.
        """
        try:
            if store_ok:
                _rollback(self.paths, self.config, warn)
                return
            for f in self.dir.iterdir() if self.dir.is_dir() else []:
                if f.name != BEGIN:
                    f.unlink(missing_ok=True)
            _prune_fits(self.paths)
        except Exception as exc:
            log.debug("abandoning the update of %s: %s", self.paths.root, exc)

    def apply(self, warn: Warn | None = None) -> None:
        _apply(self.paths, self.config, warn)


# --------------------------------------------------------------------------- replay


def recover(paths: IndexPaths, config: IndexConfig, warn: Warn | None = None) -> str | None:
    """Finish or discard an update a writer left behind; returns what was done (None: nothing to do).

    Call with the index's write lock held.
    """
    if not paths.pending.exists():
        return None
    if (paths.pending / layout.COMMIT).is_file():
        _apply(paths, config, warn)
        return "finished an update that was interrupted after it was committed"
    _rollback(paths, config, warn)
    return "discarded an update that was interrupted before it was committed"


def _apply(paths: IndexPaths, config: IndexConfig, warn: Warn | None) -> None:
    pending = paths.pending
    for name in ORDER:
        staged = pending / name
        if staged.is_file():
            os.replace(staged, paths.root / name)
    after = _read(pending / AFTER)
    try:
        if after.get("delete") and after.get("collection"):
            ChromaStore(config, name=after["collection"]).delete(after["delete"])
        for name in after.get("drop") or []:
            ChromaStore(config, name=name).drop()
    except DrafterError as exc:  # committed already: leftovers are only unused vectors, removed by the next ingest
        if warn is not None:
            warn(f"could not remove the old vectors yet ({exc}); the next ingest removes them")
        log.debug("apply %s: %s", paths.root, exc)
    note_written(config)  # this process's chroma client has seen the committed index
    keep = after.get("keep_fit")
    if keep and paths.embedder.is_dir():
        for d in paths.embedder.iterdir():
            if d.name != keep:
                shutil.rmtree(d, ignore_errors=True)
    _remove(pending)


def _rollback(paths: IndexPaths, config: IndexConfig, warn: Warn | None) -> None:
    begin = _read(paths.pending / BEGIN)
    live = _live_manifest(paths)
    current = ((live or {}).get("embedder") or {}).get("collection")
    if (begin.get("chroma_url") or None) == (config.chroma_url or None):  # else: made on a store not used now
        for name in begin.get("created") or []:
            if name != current:  # never the collection the committed index uses
                ChromaStore(config, name=name).drop()
    _prune_fits(paths)
    _remove(paths.pending)


def _live_manifest(paths: IndexPaths) -> dict[str, Any] | None:
    try:
        return layout.load_manifest(paths)
    except DrafterError:  # a damaged manifest: --rebuild replaces it
        return None


def _prune_fits(paths: IndexPaths) -> None:
    """Remove embedder fits the committed manifest does not name (left by an uncommitted update)."""
    if not paths.embedder.is_dir() or (paths.manifest.is_file() and _live_manifest(paths) is None):
        return  # nothing to prune, or no trustworthy manifest to say which fit is current
    live = _live_manifest(paths)
    current_fit = ((live or {}).get("embedder") or {}).get("fit_id")
    for d in paths.embedder.iterdir():
        if d.name != current_fit:
            shutil.rmtree(d, ignore_errors=True)


def _remove(pending: Path) -> None:
    """Remove ``.pending/``, the commit marker last (a half-removed committed update is applied again)."""
    if not pending.exists():
        return
    for f in pending.iterdir():
        if f.name != layout.COMMIT:
            if f.is_dir():
                shutil.rmtree(f, ignore_errors=True)
            else:
                f.unlink(missing_ok=True)
    (pending / layout.COMMIT).unlink(missing_ok=True)
    shutil.rmtree(pending, ignore_errors=True)
