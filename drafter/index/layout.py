"""The index folder: where each file lives, atomic writes, the write lock and the manifest.

Layout of ``<index_dir>`` (see docs/ARCHITECTURE.md)::

    manifest.json   sources (name, path, sha256, plan ids), counts, embedder, collection, times
    plans.jsonl     every indexed Plan, one JSON object a line
    embedder/       the fitted embedder's files
    bm25.npz        BM25 postings + per-chunk arrays (the index's table of chunks)
    chroma/         chromadb PersistentClient data (absent with a chroma server)
    .lock           flock'ed exclusively while writing, shared while loading

With a chroma server (``--chroma-url``) only the vectors live on the server: every
sidecar file above still lives in the local index folder, so two machines sharing a
server each need their own folder (or a shared one).

Sidecars are written to a temporary file and moved into place with ``os.replace``,
so a reader sees the old file or the new one, never half of one; the manifest is
written last, so it only names what is already on disk.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from drafter.fileio import write_atomic
from drafter.config import IndexConfig
from drafter.errors import ConfigError, IndexBusyError, InputError

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
PLANS = "plans.jsonl"
EMBEDDER_DIR = "embedder"
BM25 = "bm25.npz"
CHROMA_DIR = "chroma"
LOCK = ".lock"
FORMAT_VERSION = 1
DEFAULT_LOCK_TIMEOUT = 120.0


def lock_timeout() -> float:
    """Seconds a writer waits for another writer (``DRAFTER_LOCK_TIMEOUT``, default 120)."""
    try:
        return float(os.environ.get("DRAFTER_LOCK_TIMEOUT", DEFAULT_LOCK_TIMEOUT))
    except ValueError:
        return DEFAULT_LOCK_TIMEOUT


@dataclass(frozen=True)
class IndexPaths:
    root: Path

    @property
    def manifest(self) -> Path:
        return self.root / MANIFEST

    @property
    def plans(self) -> Path:
        return self.root / PLANS

    @property
    def embedder(self) -> Path:
        return self.root / EMBEDDER_DIR

    @property
    def bm25(self) -> Path:
        return self.root / BM25

    @property
    def chroma(self) -> Path:
        return self.root / CHROMA_DIR

    @property
    def lock(self) -> Path:
        return self.root / LOCK

    @classmethod
    def of(cls, config: IndexConfig) -> "IndexPaths":
        return cls(Path(config.index_dir))


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


# --------------------------------------------------------------------------- atomic writes


def write_text_atomic(target: Path, text: str) -> None:
    write_atomic(target, text)


def write_json_atomic(target: Path, data: Any) -> None:
    write_text_atomic(target, json.dumps(data, ensure_ascii=False, indent=1) + "\n")


def read_json(path: Path) -> Any:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


# --------------------------------------------------------------------------- lock


@contextlib.contextmanager
def index_lock(
    paths: IndexPaths,
    *,
    shared: bool = False,
    timeout: float | None = None,
    warn: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold ``<index>/.lock``: exclusively for writers, shared for readers loading sidecars.

    A second writer waits (telling ``warn`` once) up to ``timeout`` seconds
    (``DRAFTER_LOCK_TIMEOUT``), then raises :class:`IndexBusyError`.
    """
    timeout = lock_timeout() if timeout is None else timeout
    if shared and not paths.root.is_dir():  # nothing to read; don't create the folder
        yield
        return
    try:
        paths.root.mkdir(parents=True, exist_ok=True)
        fh = open(paths.lock, "a+", encoding="utf-8")
    except OSError as exc:
        if shared:  # a read-only place: reading without the lock is still safe (atomic files)
            log.debug("cannot open lock file %s: %s", paths.lock, exc)
            yield
            return
        raise InputError(f"cannot write the index at {paths.root}: {exc.strerror}; pass --index DIR to a writable folder") from None
    mode = (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB
    deadline = time.monotonic() + timeout
    told = False
    try:
        while True:
            try:
                fcntl.flock(fh.fileno(), mode)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexBusyError(
                        f"the index at {paths.root} is being written by another process "
                        f"(waited {timeout:.0f} s): try again when it finishes, or raise DRAFTER_LOCK_TIMEOUT"
                    ) from None
                if not told and warn is not None:
                    warn(f"the index at {paths.root} is being written by another process; waiting…")
                told = True
                time.sleep(0.1)
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        fh.close()


# --------------------------------------------------------------------------- manifest


def new_manifest(config: IndexConfig) -> dict[str, Any]:
    return {
        "format": FORMAT_VERSION,
        "created": now_iso(),
        "updated": None,
        "collection": config.collection,
        "chroma_url": config.chroma_url,
        "embedder": None,  # {"spec", "name", "dim", "fitted_on"}
        "sources": {},  # name -> {"path", "sha256", "plans": [ids], "chunks": n}
        "counts": {"sources": 0, "plans": 0, "chunks": 0},
    }


def load_manifest(paths: IndexPaths) -> dict[str, Any] | None:
    """The manifest, or None when the folder holds no index."""
    if not paths.manifest.is_file():
        return None
    try:
        data = read_json(paths.manifest)
    except (OSError, ValueError) as exc:
        raise InputError(
            f"the index manifest {paths.manifest} is unreadable ({exc}): rebuild it with `drafter ingest --rebuild`"
        ) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT_VERSION:
        raise InputError(f"the index at {paths.root} has an unknown format: rebuild it with `drafter ingest --rebuild`")
    return data


def index_is_empty(paths: IndexPaths) -> bool:
    manifest = load_manifest(paths)
    return manifest is None or not manifest.get("counts", {}).get("chunks")


def check_vectors_location(manifest: dict[str, Any], config: IndexConfig) -> None:
    """Raise if the index keeps its vectors elsewhere than ``config`` says (server vs local folder)."""
    were = manifest.get("chroma_url") or None
    if were != (config.chroma_url or None):
        here = f"on the chroma server {were}" if were else "in its local chroma folder"
        fix = f"pass --chroma-url {were}" if were else "drop --chroma-url"
        raise ConfigError(
            f"the index at {config.index_dir} keeps its vectors {here}: {fix}, or rebuild it with `drafter ingest --rebuild`"
        )
