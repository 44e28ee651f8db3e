"""How the index knows a source file: by its resolved path, or as a file of the built-in corpus.

A user's file is keyed by its resolved absolute path, so ``a/plan.txt`` and
``b/plan.txt`` (or ``plan.txt`` and ``plan.md``) are two sources. A file of the built-in
corpus is keyed ``builtin:<name>``: the corpus lives inside the installed package
(``site-packages/drafter/_corpus`` in a wheel, ``corpus/`` in a checkout), so its
absolute path changes with every virtual environment and upgrade while the file
stays the same source.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

BUILTIN = "builtin:"


@functools.lru_cache(maxsize=1)
def _corpus_root() -> Path:
    from drafter.resources import corpus_dir

    return corpus_dir().resolve()


def source_key(path: Path) -> str:
    """The key of a source file: ``builtin:<name>`` inside the built-in corpus, else its resolved path."""
    resolved = Path(path).expanduser().resolve()
    try:
        return BUILTIN + resolved.relative_to(_corpus_root()).as_posix()
    except ValueError:
        return str(resolved)


def is_builtin(key: str) -> bool:
    return key.startswith(BUILTIN)


def source_path(key: str) -> Path:
    """Where the file of a source key is now."""
    if is_builtin(key):
        return _corpus_root() / key[len(BUILTIN) :]
    return Path(key)


def display_name(key: str) -> str:
    """How a source is named to the user: the path, or ``<name> (built-in)``."""
    if is_builtin(key):
        return f"{key[len(BUILTIN) :]} (built-in)"
    return key


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def migrate_v1_key(name: str, entry: dict) -> str:
    """The key of a format-1 manifest entry (keyed by bare file name, with its resolved path)."""
    path = entry.get("path")
    if isinstance(path, str) and path:
        key = source_key(Path(path))
        if is_builtin(key):
            return key
        builtin = _corpus_root() / name
        if builtin.is_file() and not Path(path).exists():  # the corpus of another installation
            try:
                if file_sha256(builtin) == entry.get("sha256"):
                    return BUILTIN + name
            except OSError:
                pass
        return key
    return name
