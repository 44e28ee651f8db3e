"""Where drafter's shipped files live: the built-in corpus, the prompts and the domain data.

In a wheel the top-level ``corpus/``, ``prompts/`` and ``evals/`` folders are copied into the
package as ``drafter/_corpus``, ``drafter/_prompts`` and ``drafter/_evals``; in a source checkout or an
editable install they are read from the repository root. Domain data files
(``drafter/data/*.yaml``) always live inside the package.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

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
    """Parse a YAML data file from ``drafter/data`` (cached; treat the result as read-only)."""
    import yaml

    with open(data_path(name), encoding="utf-8") as fh:
        return yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def corpus_files() -> list[Path]:
    """The built-in corpus's source files, sorted by name (README.md excluded)."""
    return sorted(
        p
        for p in corpus_dir().iterdir()
        if p.is_file() and p.suffix.lower() in {".txt", ".md", ".docx"} and p.name.lower() != "readme.md"
    )
