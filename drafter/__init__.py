"""drafter: draft Chinese trade-union annual work plans (工会工作计划) grounded in real plans.

The public API, for notebooks and scripts (the CLI calls the same functions)::

    import drafter
    drafter.ingest()                                   # index the built-in corpus
    drafter.search("送温暖", unit="hospital", k=5)      # hybrid retrieval with provenance
    draft = drafter.Drafter().write(unit="kindergarten", year=2024, brief="…")
    drafter.score("plan.md")                           # structure coverage and faults

Names are imported lazily so ``import drafter`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    # ingest
    "load_plans": "drafter.ingestion.pipeline",
    "section_stats": "drafter.domain.taxonomy",
    # index
    "ingest": "drafter.index.build",
    "repair_index": "drafter.index.build",
    "list_plans": "drafter.index.catalog",
    "search": "drafter.index.retrieve",
    "Retriever": "drafter.index.retrieve",
    # draft
    "Drafter": "drafter.draft.drafter",
    "list_units": "drafter.domain.units",
    "plan_outline": "drafter.draft.outline",
    "revise": "drafter.revision",
    # evaluate
    "score": "drafter.evaluate.score",
    "run_eval": "drafter.evaluate.suite",
    # data
    "Plan": "drafter.models",
    "Section": "drafter.models",
    "Chunk": "drafter.models",
    "Passage": "drafter.models",
    "SearchResult": "drafter.models",
    "Tag": "drafter.models",
    "IndexConfig": "drafter.config",
    "DrafterError": "drafter.errors",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'drafter' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:  # pragma: no cover
    from drafter.config import IndexConfig as IndexConfig
    from drafter.errors import DrafterError as DrafterError
    from drafter.models import Chunk as Chunk
    from drafter.models import Passage as Passage
    from drafter.models import Plan as Plan
    from drafter.models import Section as Section
    from drafter.models import Tag as Tag
