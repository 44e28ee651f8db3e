"""Score one plan: structure coverage, order, faults a reader would catch, and one overall.

``score(source, unit=None, year=None, brief="")`` accepts a path (.md, .txt, .docx), raw
text, or a Draft (anything with a ``.markdown``). Unit and year are inferred from the
text when not given; the kind (plan, summary, summary_and_plan, not_union) always is.

The overall score, in [0, 1]::

    structure = coverage × (0.5 + 0.5 × order)
    penalty   = 1 − Π_m (1 − p_m)                       over the fault metrics m
    overall   = structure × (1 − penalty) × kind_factor

* ``coverage``: weighted share of the unit's usual sections present with ≥ 40 characters
  (weights: how common each section is in real plans of the unit and its nearest units);
* ``order``: Kendall's tau of the sections' order against the usual order, mapped to [0, 1];
* ``p_m = cap × (1 − exp(−count × per_hit / cap))`` for each fault count (``FAULT_WEIGHTS``:
  per hit / cap), so every extra fault lowers the score and no single kind of fault
  takes more than its cap; copying counts ``(share − 0.3)`` of copied 13-grams above 30 %;
  missed asks of the brief count ``0.25 × (1 − share addressed)``;
* ``kind_factor``: plan 1.0, summary_and_plan 0.8, summary 0.45, not_union 0.15.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drafter.domain.brief import clean_brief, parse_asks
from drafter.evaluate.metrics import METRICS, MetricResult, PlanContext, format_value, saturate, top_level
from drafter.evaluate.parse import ParsedPlan, parse_plan

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
# fault metric → (penalty for the first hit, most penalty this kind of fault can take)
FAULT_WEIGHTS: dict[str, tuple[float, float]] = {
    "placeholders": (0.10, 0.40),
    "boilerplate": (0.10, 0.30),
    "foreign_words": (0.08, 0.30),
    "wrong_years": (0.05, 0.20),
    "stale_terms": (0.05, 0.20),
    "repeated_sentences": (0.03, 0.15),
    "duplicates": (0.05, 0.15),
}
COPY_FREE_SHARE = 0.3
COPY_CAP = 0.25
ASKS_WEIGHT = 0.25


@dataclass
class ScoreReport:
    """The scores of one plan. ``to_dict()`` is the stable JSON (see evals/README.md)."""

    overall: float
    metrics: dict[str, MetricResult]
    penalties: dict[str, float]
    components: dict[str, float]
    unit: str | None
    year: int | None
    kind: str
    source: str = "<text>"
    fmt: str = "text"
    title: str = ""
    script: str = "simplified"
    asks: list[str] = field(default_factory=list)
    inferred: dict[str, dict[str, Any]] = field(default_factory=dict)
    sections: list[dict[str, Any]] = field(default_factory=list)
    appendix_chars: int = 0

    def value(self, metric: str) -> float:
        return float(self.metrics[metric].value)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA_VERSION,
            "overall": round(self.overall, 4),
            "source": self.source,
            "format": self.fmt,
            "title": self.title,
            "unit": self.unit,
            "year": self.year,
            "kind": self.kind,
            "script": self.script,
            "asks": list(self.asks),
            "inferred": self.inferred,
            "components": {k: round(v, 4) for k, v in self.components.items()},
            "penalties": {k: round(v, 4) for k, v in self.penalties.items()},
            "metrics": {k: m.to_dict() for k, m in self.metrics.items()},
            "sections": self.sections,
            "appendix_chars": self.appendix_chars,
        }

    def summary(self) -> str:
        """A few lines a person can read: the overall, what is missing, what a reader would catch."""
        head = f"overall {self.overall:.2f}  ({self.title or self.source})"
        facts = [f"unit {self.unit or '?'}", f"year {self.year or '?'}", f"kind {self.kind}", f"format {self.fmt}"]
        for key in ("unit", "year"):
            if self.inferred.get(key, {}).get("inferred"):
                facts[0 if key == "unit" else 1] += " (inferred)"
        lines = [head, "  " + ", ".join(facts)]
        c = self.components
        lines.append(
            f"  coverage {c['coverage']:.2f} × order factor {c['order_factor']:.2f} × "
            f"(1 − penalty {c['penalty']:.2f}) × kind factor {c['kind_factor']:.2f}"
        )
        for name, m in self.metrics.items():
            mark = ""
            if self.penalties.get(name, 0) > 0:
                mark = f"  (−{self.penalties[name]:.2f})"
            lines.append(f"  {name:<19} {format_value(name, m.value):>6}  {m.reason}{mark}")
        return "\n".join(lines)


def _infer(
    text: str, unit: str | None, year: int | None, title: str = ""
) -> tuple[str | None, int | None, str, list[str], dict[str, dict[str, Any]]]:
    from drafter.ingestion import tag

    inferred: dict[str, dict[str, Any]] = {}
    if unit:
        from drafter.domain.units import resolve_unit

        unit = resolve_unit(unit)
        inferred["unit"] = {"inferred": False, "evidence": []}
    else:
        t = tag.tag_unit(text)
        unit = t.value if t.value and t.value != "unknown" else None
        inferred["unit"] = {"inferred": True, "evidence": list(t.evidence)[:6]}
    if year:
        inferred["year"] = {"inferred": False, "evidence": []}
    else:
        t = tag.tag_year(text, title)
        year = int(t.value) if isinstance(t.value, int) or (isinstance(t.value, str) and t.value.isdigit()) else None
        inferred["year"] = {"inferred": True, "evidence": list(t.evidence)[:6]}
    k = tag.tag_kind(text)
    return unit, year, str(k.value or "plan"), list(k.evidence), inferred


def _unit_words(unit: str | None) -> list[str]:
    if not unit:
        return []
    try:
        from drafter.domain.units import foreign_names, load_profile

        # one-character entries (院, 校) filter the composer's borrowed items; to a reader
        # they are ordinary characters, so only words of two or more characters count here
        return [w for w in (*load_profile(unit).forbidden, *foreign_names()) if len(w) >= 2]
    except ImportError:
        return []
    except Exception as exc:  # a unit with no drafting profile (school, other)
        log.debug("no forbidden words for %s: %s", unit, exc)
        return []


def _stale(year: int | None) -> tuple[list[str], re.Pattern[str] | None]:
    if not year:
        return [], None
    try:
        from drafter.domain.era import stale_regex, stale_terms

        return stale_terms(year), stale_regex(year)
    except ImportError:
        return [], None
    except Exception as exc:  # a year outside the era data's range
        log.debug("no stale terms for %s: %s", year, exc)
        return [], None


def _boilerplate_finder():
    try:
        from drafter.ingestion.clean import find_boilerplate
    except ImportError:
        return None
    return find_boilerplate


def build_context(
    parsed: ParsedPlan,
    *,
    unit: str | None,
    year: int | None,
    kind: str,
    kind_evidence: Sequence[str] = (),
    asks: Sequence[str] = (),
    reference: Any = None,
    exclude_plans: Iterable[str] = (),
) -> PlanContext:
    """The :class:`PlanContext` the metrics read, for a parsed plan and its reference."""
    from drafter.evaluate.reference import builtin_reference, usual_order

    ref = reference if reference is not None else builtin_reference()
    stale, stale_pattern = _stale(year)
    return PlanContext(
        text=parsed.text,
        sections=parsed.sections,
        unit=unit,
        year=year,
        kind=kind,
        kind_evidence=list(kind_evidence),
        asks=list(asks),
        weights=ref.weights(unit),
        usual_order=usual_order(),
        forbidden=_unit_words(unit),
        stale=stale,
        stale_pattern=stale_pattern,
        boilerplate_finder=_boilerplate_finder(),
        ngrams=ref.ngrams(),
        exclude_plans=frozenset(exclude_plans),
    )


def combine(metrics: dict[str, MetricResult]) -> tuple[float, dict[str, float], dict[str, float]]:
    """The overall score from metric results: ``(overall, penalties, components)`` (formula above)."""
    cov = float(metrics["coverage"].value)
    order_factor = 0.5 + 0.5 * float(metrics["order"].value)
    penalties: dict[str, float] = {}
    for name, (per_hit, cap) in FAULT_WEIGHTS.items():
        if name in metrics:
            penalties[name] = saturate(float(metrics[name].value), per_hit, cap)
    if "copying" in metrics:
        excess = max(0.0, float(metrics["copying"].value) - COPY_FREE_SHARE)
        penalties["copying"] = min(COPY_CAP, excess)
    if "brief_asks" in metrics:
        penalties["brief_asks"] = ASKS_WEIGHT * (1.0 - float(metrics["brief_asks"].value))
    keep = 1.0
    for p in penalties.values():
        keep *= 1.0 - p
    kind_factor = float(metrics["kind"].value) if "kind" in metrics else 1.0
    overall = max(0.0, min(1.0, cov * order_factor * keep * kind_factor))
    components = {"coverage": cov, "order_factor": order_factor, "penalty": 1.0 - keep, "kind_factor": kind_factor}
    return overall, {k: v for k, v in penalties.items() if v > 0}, components


def score(
    source: str | Path | Any,
    *,
    unit: str | None = None,
    year: int | None = None,
    brief: str = "",
    kind: str | None = None,
    reference: Any = None,
    exclude_plans: Iterable[str] = (),
    metrics: Iterable[str] | None = None,
) -> ScoreReport:
    """Score a plan (path, text, or Draft) as a union work plan for ``unit`` and ``year``.

    ``kind`` overrides the inferred kind; ``reference`` replaces the built-in corpus's
    statistics (:func:`drafter.evaluate.reference.reference_from_plans`); ``exclude_plans``
    are corpus plan ids not counted as sources of copying (to score a corpus plan itself).
    """
    markdown = getattr(source, "markdown", None)
    parsed = parse_plan(markdown if isinstance(markdown, str) else source)
    unit, year, tagged_kind, evidence, inferred = _infer(parsed.text, unit, year, parsed.title)
    kind = kind or tagged_kind
    asks = parse_asks(clean_brief(brief))
    ctx = build_context(
        parsed,
        unit=unit,
        year=year,
        kind=kind,
        kind_evidence=evidence,
        asks=asks,
        reference=reference,
        exclude_plans=exclude_plans,
    )
    names = list(metrics) if metrics else list(METRICS)
    results = {name: METRICS[name](ctx) for name in names}
    needed = {"coverage", "order", "kind"}
    for name in needed - set(results):
        results[name] = METRICS[name](ctx)
    overall, penalties, components = combine(results)
    sections = [
        {"heading": s.heading, "level": s.level, "section": s.section_id, "chars": len("".join(s.body.split()))}
        for s in parsed.sections
        if s.level >= 1
    ]
    log.debug("scored %s: %.3f (%d top-level sections)", parsed.source, overall, len(top_level(parsed.sections)))
    return ScoreReport(
        overall=overall,
        metrics=results,
        penalties=penalties,
        components=components,
        unit=unit,
        year=year,
        kind=kind,
        source=parsed.source,
        fmt=parsed.fmt,
        title=parsed.title,
        script=parsed.script,
        asks=asks,
        inferred=inferred,
        sections=sections,
        appendix_chars=parsed.appendix_chars,
    )
