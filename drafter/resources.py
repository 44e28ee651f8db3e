"""Where drafter's shipped files live: the built-in corpus, the prompts and the domain data.

In a wheel the top-level ``corpus/``, ``prompts/`` and ``evals/`` folders are copied into the
package as ``drafter/_corpus``, ``drafter/_prompts`` and ``drafter/_evals``; in a source checkout or an
editable install they are read from the repository root. Domain data files
(``drafter/data/*.yaml``) always live inside the package.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import marshal
import os
import sys
from pathlib import Path
from typing import Any

from drafter.config import default_cache_dir
from drafter.errors import ConfigError

log = logging.getLogger(__name__)

_PKG = Path(__file__).resolve().parent


def _shipped(name: str) -> Path:
    inside = _PKG / f"_{name}"
    if inside.is_dir():
        return inside
    return _PKG.parent / name


def corpus_dir() -> Path:
    """The built-in corpus folder (raw source texts)."""
    return _shipped("corpus")


def prompts_dir() -> Path:
    """The folder of prompt templates."""
    return _shipped("prompts")


def evals_dir() -> Path:
    """The eval suites, their thresholds and baselines (``evals/``; ``drafter/_evals`` in a wheel)."""
    return _shipped("evals")


def data_path(name: str) -> Path:
    """Path of a domain data file in ``drafter/data`` (e.g. ``"sections.yaml"``)."""
    return _PKG / "data" / name


@functools.cache
def load_data(name: str) -> Any:
    """Parse a YAML data file from ``drafter/data`` (cached; treat the result as read-only).

    Parsing the data files costs ~0.13 s of every process that drafts (the work-item
    catalogue alone 70 ms), so the parsed data is also kept in the user cache folder
    (``DRAFTER_CACHE_DIR``) as a ``marshal`` file named by a hash of the YAML's bytes and
    the Python version: a changed file, or another Python, is parsed afresh. A cache that
    cannot be read or written is skipped.
    """
    raw = data_path(name).read_bytes()
    key = hashlib.sha1(raw + f"{sys.version}|{marshal.version}".encode()).hexdigest()[:20]
    cached = _parsed_dir() / f"{Path(name).stem}-{key}.marshal"
    try:
        return marshal.loads(cached.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        pass
    import yaml

    try:
        data = yaml.load(raw.decode("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or exc.__class__.__name__
        raise ConfigError(
            f"data file {data_path(name)} is not valid YAML ({problem} at{where or ' an unknown place'}): "
            "fix that line (a text with {…} inside a {…} mapping needs quotes)"
        ) from None
    try:
        blob = marshal.dumps(data)
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_name(f".{cached.name}.{os.getpid()}.tmp")
        tmp.write_bytes(blob)
        os.replace(tmp, cached)
    except (OSError, ValueError):  # a read-only cache folder, or data marshal cannot hold: parse each time
        log.debug("cannot cache the parsed %s", name, exc_info=True)
    return data


def _parsed_dir() -> Path:
    return default_cache_dir() / "data"


def corpus_files() -> list[Path]:
    """The built-in corpus's source files, sorted by name (README.md excluded)."""
    return sorted(
        p
        for p in corpus_dir().iterdir()
        if p.is_file() and p.suffix.lower() in {".txt", ".md", ".docx"} and p.name.lower() != "readme.md"
    )
