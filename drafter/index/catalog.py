"""The plans of an index (``drafter corpus``, ``sections --stats``) and making sure an index exists."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from drafter.config import IndexConfig
from drafter.index import layout
from drafter.index.layout import IndexPaths
from drafter.models import Plan

log = logging.getLogger(__name__)

Warn = Callable[[str], None]


def _parse(paths: list[Path], warn: Warn | None) -> list[Plan]:
    from drafter.ingestion.pipeline import load_plans

    return load_plans([Path(p) for p in paths], warn=warn)


def list_plans(
    paths: list[Path] | None = None, *, config: IndexConfig | None = None, warn: Warn | None = None
) -> list[Plan]:
    """Plans of ``paths`` (parsed now), else of the index (``plans.jsonl``), else of the built-in corpus.

    Without an index nothing is written: the built-in corpus is parsed on the fly.
    """
    if paths:
        return _parse(list(paths), warn)
    config = config or IndexConfig.resolve()
    lp = IndexPaths.of(config)
    if layout.committed(lp, lp.manifest).is_file():
        with layout.index_lock(lp, shared=True, warn=warn):
            manifest = layout.load_manifest(lp)  # raises a one-line error for a damaged index
            if manifest is not None:
                plans = layout.read_plans_file(lp.plans)
                layout.check_plans(lp, manifest, plans)  # a missing or short plans.jsonl is damage, not "0 plans"
                return plans
    from drafter.resources import corpus_dir

    return _parse([corpus_dir()], warn)


def ensure_index(config: IndexConfig | None = None, warn: Warn | None = None) -> IndexConfig:
    """The config, after indexing the built-in corpus if the index is missing or empty."""
    config = config or IndexConfig.resolve()
    lp = IndexPaths.of(config)
    if layout.index_is_empty(lp):
        from drafter.index.build import ingest

        if warn is not None:
            warn(f"index at {lp.root} is empty: indexing the built-in corpus (first run, a few seconds)…")
        report = ingest(None, config=config, warn=warn)
        if warn is not None:
            warn(f"indexed the built-in corpus: {report.plans_total} plans, {report.chunks_total} chunks")
    return config
