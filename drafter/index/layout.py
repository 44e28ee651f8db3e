"""The index folder: where each file lives, the write lock, the manifest and its validation.

Layout of ``<index_dir>`` (see docs/ARCHITECTURE.md)::

    manifest.json   sources (keyed by resolved path or ``builtin:<name>``: sha256, plan ids), counts,
                    embedder, collection, times
    plans.jsonl     every indexed Plan, one JSON object a line
    embedder/       the fitted embedder's files, one folder per fit
    bm25.npz        BM25 postings + per-chunk arrays + the chunk table (texts, provenance, signatures:
                    :mod:`drafter.index.chunktable`) — the index's table of chunks
    chroma/         chromadb PersistentClient data (absent with a chroma server)
    .pending/       an update being committed (see :mod:`drafter.index.journal`)
    .lock           flock'ed exclusively while writing, shared while loading

With a chroma server (``--chroma-url``) only the vectors live on the server: every
sidecar file above still lives in the local index folder, so two machines sharing a
server each need their own folder (or a shared one).

A writer stages the new sidecars in ``.pending/`` and commits them all at once (the
journal); a reader asks :func:`committed` which copy of a sidecar is current, so it
sees the last committed state even when a writer was killed half-way through moving
the files into place. Every sidecar is checked when it is opened: a damaged one
raises :class:`~drafter.errors.DamagedIndexError` with the command that fixes it.
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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from drafter.config import IndexConfig
from drafter.errors import ConfigError, DamagedIndexError, IndexBusyError, InputError
from drafter.fileio import write_atomic
from drafter.index.sources import migrate_v1_key

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
PLANS = "plans.jsonl"
EMBEDDER_DIR = "embedder"
BM25 = "bm25.npz"
CHROMA_DIR = "chroma"
LOCK = ".lock"
PENDING = ".pending"
COMMIT = "COMMIT"
FORMAT_VERSION = 2
REPAIR_FIX = "run `drafter ingest --repair` to restore it from the recorded sources"
REBUILD_FIX = "rebuild it with `drafter ingest --rebuild PATH…`, naming the files and folders it held"
# the readers' advice when a sidecar contradicts the manifest (a writer repairs it)
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

    @property
    def pending(self) -> Path:
        return self.root / PENDING

    @classmethod
    def of(cls, config: IndexConfig) -> IndexPaths:
        return cls(Path(config.index_dir))


def committed(paths: IndexPaths, live: Path) -> Path:
    """The current copy of sidecar ``live``: its staged copy while a committed update is being applied."""
    if (paths.pending / COMMIT).is_file():
        staged = paths.pending / live.name
        if staged.is_file():
            return staged
    return live


def damaged(paths: IndexPaths, what: str, fix: str = REPAIR_FIX) -> DamagedIndexError:
    return DamagedIndexError(f"the index at {paths.root} is damaged ({what}): {fix}")


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


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
        fh = open(paths.lock, "a+", encoding="utf-8")  # noqa: SIM115 - held across the yield, closed in finally
    except OSError as exc:
        if shared:  # a read-only place: reading without the lock is still safe (atomic files)
            log.debug("cannot open lock file %s: %s", paths.lock, exc)
            yield
            return
        raise InputError(
            f"cannot write the index at {paths.root}: {exc.strerror}; pass --index DIR to a writable folder"
        ) from None
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
        "embedder": None,  # {"spec", "name", "dim", "needs_fit", "fitted_on", "fit_id", "collection"}
        "sources": {},  # key -> {"name", "path", "sha256", "stem", "plans": [ids], "chunks": n}
        "counts": {"sources": 0, "plans": 0, "chunks": 0},
    }


def load_manifest(paths: IndexPaths) -> dict[str, Any] | None:
    """The committed manifest, checked (and upgraded from format 1), or None when the folder holds no index.

    A manifest that cannot be read or has the wrong shape raises :class:`DamagedIndexError`.
    """
    path = committed(paths, paths.manifest)
    if not path.is_file():
        return None
    try:
        data = read_json(path)
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc).splitlines()[0]
        raise damaged(paths, f"{MANIFEST} is unreadable: {reason}", REBUILD_FIX) from None
    problem = manifest_problem(data)
    if problem:
        raise damaged(paths, f"{MANIFEST} {problem}", REBUILD_FIX)
    if data["format"] == 1:
        data = _upgrade_v1(data)
    return data


def manifest_problem(data: Any) -> str | None:
    """What is wrong with a manifest's shape, or None."""
    if not isinstance(data, dict):
        return "is not a JSON object"
    if data.get("format") not in (1, FORMAT_VERSION):
        return f"has an unknown format {data.get('format')!r}"
    sources = data.get("sources")
    if not isinstance(sources, dict):
        return "has no table of sources"
    for key, entry in sources.items():
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("sha256"), str)
            and isinstance(entry.get("plans"), list)
            and all(isinstance(p, str) for p in entry["plans"])
        ):
            return f"has a malformed entry for {key!r}"
    counts = data.get("counts")
    if not (isinstance(counts, dict) and all(isinstance(counts.get(k), int) for k in ("plans", "chunks"))):
        return "has no counts"
    emb = data.get("embedder")
    if emb is not None and not (
        isinstance(emb, dict)
        and all(isinstance(emb.get(k), str) and emb.get(k) for k in ("spec", "fit_id", "collection"))
        and isinstance(emb.get("fitted_on", 0), int)
    ):
        return "has a malformed embedder entry"
    if not isinstance(data.get("collection"), str) or not (
        data.get("chroma_url") is None or isinstance(data["chroma_url"], str)
    ):
        return "has no collection"
    return None


def _upgrade_v1(data: dict[str, Any]) -> dict[str, Any]:
    """Format 1 keyed sources by bare file name; format 2 keys them by resolved path (or ``builtin:<name>``)."""
    sources: dict[str, Any] = {}
    for name, entry in data["sources"].items():
        key = migrate_v1_key(name, entry)
        plans = entry["plans"]
        stem = plans[0].rsplit("#", 1)[0] if plans else Path(name).stem
        sources[key] = {**entry, "name": name, "path": entry.get("path") or name, "stem": stem}
    return {**data, "format": FORMAT_VERSION, "sources": sources}


def index_is_empty(paths: IndexPaths) -> bool:
    manifest = load_manifest(paths)
    return manifest is None or not manifest["counts"]["chunks"]


def check_vectors_location(manifest: dict[str, Any], config: IndexConfig) -> None:
    """Raise if the index keeps its vectors elsewhere than ``config`` says (server vs local folder)."""
    were = manifest.get("chroma_url") or None
    if were != (config.chroma_url or None):
        here = f"on the chroma server {were}" if were else "in its local chroma folder"
        fix = f"pass --chroma-url {were}" if were else "drop --chroma-url"
        raise ConfigError(
            f"the index at {config.index_dir} keeps its vectors {here}: {fix}, or rebuild it with `drafter ingest --rebuild`"
        )


# --------------------------------------------------------------------------- plans.jsonl


def load_plans_file(path: Path) -> list[Any]:
    """Every Plan in ``plans.jsonl``; a missing file raises ``FileNotFoundError``, a damaged one ``ValueError``."""
    from drafter.models import Plan

    plans = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                if not isinstance(data, dict):
                    raise TypeError("not an object")
                plans.append(Plan.from_dict(data))
            except Exception as exc:  # JSON, shape and type errors of a damaged line
                raise ValueError(f"line {n} is not a plan ({type(exc).__name__})") from None
    return plans


def read_plans_file(path: Path) -> list[Any]:
    """Plans saved in ``plans.jsonl`` (the committed copy; none when it is missing).

    A damaged file raises :class:`DamagedIndexError` naming the fix.
    """
    paths = IndexPaths(Path(path).parent)
    current = committed(paths, Path(path))
    if not current.is_file():
        return []
    try:
        return load_plans_file(current)
    except (OSError, ValueError) as exc:
        raise damaged(paths, f"{PLANS} is unreadable: {exc}") from None


def check_plans(paths: IndexPaths, manifest: dict[str, Any], plans: list[Any]) -> None:
    """Raise :class:`DamagedIndexError` when ``plans.jsonl`` does not hold the manifest's plans."""
    expected = manifest["counts"]["plans"]
    if not plans and expected:
        raise damaged(paths, f"{PLANS} is missing; the manifest records {expected} plans")
    if len(plans) != expected:
        raise damaged(paths, f"{PLANS} holds {len(plans)} plans; the manifest records {expected}")
