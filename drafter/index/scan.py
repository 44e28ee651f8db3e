"""Which source files an ingest reads: new, changed, unchanged, skipped, gone — and their plans.

A source is known by its key (:mod:`drafter.index.sources`: resolved path, or
``builtin:<name>``) and the sha256 of its bytes. Its plans get ids ``<stem>#<n>``: the
file's stem, or ``<stem>~<hash of the key>`` when another source of the index already
uses that stem; a source keeps its stem for as long as it is in the index.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drafter import resources
from drafter.config import expand
from drafter.errors import DrafterError, InputError
from drafter.index.sources import BUILTIN, file_sha256, is_builtin, source_key, source_path
from drafter.ingestion.pipeline import iter_source_files, unique_stem, with_ids
from drafter.models import Plan

log = logging.getLogger(__name__)

Parse = Callable[[Path], list[Plan]]
Warn = Callable[[str], None]
MAX_SKIP_LINES = 12  # skipped files told one a line; the rest in one summary line


@dataclass
class Parsed:
    """One source read in this ingest."""

    key: str
    path: Path
    sha: str
    plans: list[Plan]
    stem: str

    def entry(self, chunks: int) -> dict[str, Any]:
        return {
            "name": self.path.name,
            "path": str(self.path.resolve()),
            "sha256": self.sha,
            "stem": self.stem,
            "plans": [p.id for p in self.plans],
            "chunks": chunks,
        }


@dataclass
class Scan:
    """What the files named in an ingest hold, against the manifest's sources."""

    parsed: dict[str, Parsed] = field(default_factory=dict)
    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)  # keys of the files named in this ingest

    def skip(self, name: str, reason: str, say: Warn) -> None:
        if reason.startswith(f"{name}: "):
            reason = reason[len(name) + 2 :]
        self.skipped.append({"file": name, "reason": reason})
        if len(self.skipped) <= MAX_SKIP_LINES:
            say(f"skipped {name}: {reason}")
        elif len(self.skipped) == MAX_SKIP_LINES + 1:
            say("skipped more files; the ingest report (--json) lists them all")


def source_files(paths: Sequence[Path | str] | None, scan: Scan, say: Warn) -> list[Path]:
    """The files to ingest: ``paths`` (files or folders, ``~`` expanded) or the built-in corpus.

    A named path that does not exist raises :class:`InputError`; files and folders the
    walk leaves out are recorded as skipped.
    """
    targets = [expand(p) for p in paths] if paths else [resources.corpus_dir()]
    for p in targets:
        if not p.exists():
            raise InputError(f"{p} does not exist: pass existing files or folders of plans")
    return iter_source_files(targets, on_skip=lambda path, reason: scan.skip(str(path), reason, say))


def parse_source(path: Path, key: str, stem: str, parse: Parse) -> list[Plan]:
    """The plans of one file with their index ids. Any failure to read it is an :class:`InputError`."""
    try:
        plans = parse(path)
    except DrafterError:
        raise
    except Exception as exc:  # one bad file must not abort the ingest of the others
        log.debug("parsing %s failed", path, exc_info=True)
        first = str(exc).splitlines()[0] if str(exc) else ""
        raise InputError(f"could not be read ({type(exc).__name__}{': ' + first[:120] if first else ''})") from None
    if not plans:
        raise InputError("no plans found in it")
    return with_ids(plans, stem, path.name)


def taken_stems(sources: dict[str, Any], but: str | None = None) -> set[str]:
    return {str(e.get("stem")) for k, e in sources.items() if k != but and e.get("stem")}


def scan_files(
    files: list[Path],
    sources: dict[str, Any],
    parse: Parse,
    say: Warn,
    scan: Scan,
    *,
    force: set[str] | frozenset[str] = frozenset(),
    progress: Callable[[int, int, str], None] | None = None,
) -> Scan:
    """Read the new and changed files among ``files`` (and those in ``force``, whatever their hash)."""
    stems = taken_stems(sources)
    for i, path in enumerate(files):
        if progress is not None:
            progress(i, len(files), path.name)
        key = source_key(path)
        name = key[len(BUILTIN) :] if is_builtin(key) else str(path)
        scan.seen.add(key)
        try:
            sha = file_sha256(path)
        except OSError as exc:
            scan.skip(name, f"cannot read it ({exc.strerror or exc})", say)
            continue
        prev = sources.get(key)
        if prev and prev.get("sha256") == sha and key not in force:
            scan.unchanged.append(name)
            continue
        stem = str(prev["stem"]) if prev and prev.get("stem") else unique_stem(path.stem, key, stems)
        try:
            plans = parse_source(path, key, stem, parse)
        except DrafterError as exc:
            scan.skip(name, str(exc).splitlines()[0] if str(exc) else type(exc).__name__, say)
            continue
        stems.add(stem)
        if not prev:
            scan.new.append(name)
        elif prev.get("sha256") != sha:
            scan.changed.append(name)
        scan.parsed[key] = Parsed(key=key, path=path, sha=sha, plans=plans, stem=stem)
    if progress is not None:
        progress(len(files), len(files), "files read")
    return scan


def gone_sources(sources: dict[str, Any]) -> list[str]:
    """Keys of recorded sources whose file no longer exists."""
    return [k for k in sources if not source_path(k).exists()]
