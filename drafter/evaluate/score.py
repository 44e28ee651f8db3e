"""Score one plan as a union chair reads it, and combine the metrics into one overall score.

``score(source, unit=None, year=None, brief="")`` accepts a path (.md, .txt, .docx), raw
text, or a Draft (anything with a ``.markdown``). Unit and year are inferred from the
text when not given; the kind (plan, summary, summary_and_plan, not_union) always is.

The overall score, in [0, 1] (every term is documented in evals/README.md)::

    quality = (0.35·coverage + 0.25·relevance + 0.20·must_have + 0.20·asks) × (0.4 + 0.6·substance)
    penalty = 1 − Π_m (1 − p_m)                      over the fault metrics m
    overall = quality × (0.85 + 0.15·order) × (1 − penalty) × kind_factor × unit_match

* ``coverage``: the unit's expected sections (outline.yaml, weighted by ``data/scoring.yaml``),
  each counted only with a body that speaks of it and says something concrete;
* ``relevance`` / ``substance``: how much each section's body speaks of its heading, and how
  much of it is concrete action rather than stock phrases (text that is not Chinese prose: none);
* ``must_have``: the catalogue's must-have items for the unit and year the plan carries;
* ``asks``: the brief's asks turned into activities (an ask only mentioned does not count);
* ``p_m = cap × (1 − exp(−count × per_hit / cap))`` per fault count (``FAULT_WEIGHTS``);
  copying counts ``(share − 0.3)`` of copied 13-grams above 30 %;
* ``kind_factor``: plan 1.0, summary_and_plan 0.8, summary 0.45, not_union 0.15;
  ``unit_match``: 0.5 when the plan reads as another kind of unit's.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drafter.domain import sections as outline_sections
from drafter.domain.brief import clean_brief, parse_asks
from drafter.domain.era import stale_regex, stale_terms
from drafter.domain.units import foreign_names, load_profile, mentionable, resolve_unit, unit_ids
from drafter.evaluate.base import MetricResult, PlanContext, saturate
from drafter.evaluate.blocks import plan_blocks
from drafter.evaluate.content import block_relevance, block_substance
from drafter.evaluate.metrics import METRICS, format_value
from drafter.evaluate.parse import ParsedPlan, parse_plan
from drafter.evaluate.reading import items_of
from drafter.evaluate.reference import builtin_reference, usual_order
from drafter.ingestion.clean import find_boilerplate
from drafter.ingestion.tag import tag_kind, tag_unit, tag_year
from drafter.resources import load_data

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2
QUALITY_WEIGHTS = {"coverage": 0.35, "relevance": 0.25, "must_have": 0.20, "asks": 0.20}
SUBSTANCE_FLOOR = 0.4  # a plan of slogans keeps at most this share of its quality
# fault metric → (penalty for the first hit, most penalty this kind of fault can take)
FAULT_WEIGHTS: dict[str, tuple[float, float]] = {
    "era": (0.30, 0.30),
    "placeholders": (0.10, 0.40),
    "boilerplate": (0.10, 0.30),
    "foreign_words": (0.04, 0.30),
    "wrong_years": (0.05, 0.20),
    "stale_terms": (0.05, 0.25),
    "repeats": (0.03, 0.25),
    "off_topic": (0.06, 0.35),
}
COPY_FREE_SHARE = 0.3
COPY_CAP = 0.25


@dataclass
class ScoreReport:
    """The scores of one plan. ``to_dict()`` is the stable JSON (schema in evals/README.md)."""

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
            "asks": self.metrics["asks"].details.get("asks", []) if "asks" in self.metrics else [],
            "must_have": {
                "value": round(self.value("must_have"), 4),
                "missing": self.metrics["must_have"].details.get("missing", []),
            }
            if "must_have" in self.metrics
            else {},
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
            f"  quality {c['quality']:.2f} × order factor {c['order_factor']:.2f} × (1 − penalty {c['penalty']:.2f})"
            f" × kind {c['kind_factor']:.2f} × unit {c['unit_factor']:.2f}"
        )
        for name, m in self.metrics.items():
            mark = f"  (−{self.penalties[name]:.2f})" if self.penalties.get(name, 0) > 0 else ""
            lines.append(f"  {name:<16} {format_value(name, m.value):>6}  {m.reason}{mark}")
        return "\n".join(lines)


def _infer(
    text: str, unit: str | None, year: int | None, title: str = ""
) -> tuple[str | None, int | None, str, list[str], dict[str, dict[str, Any]]]:
    inferred: dict[str, dict[str, Any]] = {}
    if unit:
        unit = resolve_unit(unit)
        inferred["unit"] = {"inferred": False, "evidence": []}
    else:
        t = tag_unit(text)
        unit = t.value if t.value and t.value != "unknown" else None
        inferred["unit"] = {"inferred": True, "evidence": list(t.evidence)[:6]}
    if year:
        inferred["year"] = {"inferred": False, "evidence": []}
    else:
        t = tag_year(text, title)
        year = int(t.value) if isinstance(t.value, int) or (isinstance(t.value, str) and t.value.isdigit()) else None
        inferred["year"] = {"inferred": True, "evidence": list(t.evidence)[:6]}
    k = tag_kind(text)
    return unit, year, str(k.value or "plan"), list(k.evidence), inferred


def _unit_words(unit: str | None) -> list[str]:
    """Another unit's words for this unit (its profile's forbidden list; two characters or more)."""
    if not unit or unit not in unit_ids(drafting_only=True):
        return []
    ok = mentionable()
    return [w for w in (*load_profile(unit).forbidden, *foreign_names()) if len(w) >= 2 and w not in ok]


def _expected_weight(section_id: str, unit: str) -> float:
    raw = (load_data("scoring.yaml").get("expected") or {}).get(section_id, 1.0)
    if isinstance(raw, dict):
        return float(raw.get(unit) or raw.get("default") or 1.0)
    return float(raw)


@functools.cache
def outline_sections_of(unit: str) -> frozenset[str]:
    """The canonical sections a unit's drafting outline holds (with the ones held as sub-sections)."""
    ids: set[str] = set()
    for spec in outline_sections.sections_for(load_profile(unit)):
        ids.add(spec.id)
        ids.update(s.id for s in spec.subsections if s.id)
    return frozenset(ids)


def expected_sections(unit: str | None, reference: Any = None) -> dict[str, float]:
    """What a plan of the unit is expected to hold: its drafting outline's sections, weighted
    (``data/scoring.yaml``); for a unit with no outline, the corpus's usual sections."""
    if unit and unit in unit_ids(drafting_only=True):
        return {sid: _expected_weight(sid, unit) for sid in outline_sections_of(unit)}

    ref = reference if reference is not None else builtin_reference()
    return dict(ref.weights(unit))


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

    ref = reference if reference is not None else builtin_reference()
    stale, pattern = (stale_terms(year), stale_regex(year)) if year and 2000 <= year <= 2099 else ([], None)
    blocks = plan_blocks(parsed.sections)
    first = next((s for s in parsed.sections if s.level >= 1), None)
    body = parsed.text[parsed.text.find(first.heading) :] if first and first.heading in parsed.text else parsed.text
    asked = frozenset(w for a in asks for w in re.findall(r"[\u4e00-\u9fff]{2,}", a))
    musts = {unit: outline_sections_of(unit)} if unit and unit in unit_ids(drafting_only=True) else {}
    return PlanContext(
        text=parsed.text,
        sections=parsed.sections,
        unit=unit,
        year=year,
        kind=kind,
        kind_evidence=list(kind_evidence),
        asks=list(asks),
        weights=expected_sections(unit, ref),
        usual_order=usual_order(),
        forbidden=_unit_words(unit),
        stale=stale,
        stale_pattern=pattern,
        boilerplate_finder=find_boilerplate,
        ngrams=ref.ngrams(),
        exclude_plans=frozenset(exclude_plans),
        blocks=blocks,
        body_text=body,
        must_sections=musts,
        asked_words=asked,
    )


def combine(metrics: dict[str, MetricResult]) -> tuple[float, dict[str, float], dict[str, float]]:
    """The overall score from metric results: ``(overall, penalties, components)`` (formula above)."""
    quality = sum(w * float(metrics[name].value) for name, w in QUALITY_WEIGHTS.items() if name in metrics)
    quality /= sum(w for name, w in QUALITY_WEIGHTS.items() if name in metrics) or 1.0
    if "substance" in metrics:
        quality *= SUBSTANCE_FLOOR + (1 - SUBSTANCE_FLOOR) * float(metrics["substance"].value)
    order_factor = 0.85 + 0.15 * float(metrics["order"].value) if "order" in metrics else 1.0
    penalties: dict[str, float] = {}
    for name, (per_hit, cap) in FAULT_WEIGHTS.items():
        if name in metrics:
            penalties[name] = saturate(float(metrics[name].value), per_hit, cap)
    if "copying" in metrics:
        penalties["copying"] = min(COPY_CAP, max(0.0, float(metrics["copying"].value) - COPY_FREE_SHARE))
    keep = 1.0
    for p in penalties.values():
        keep *= 1.0 - p
    kind_factor = float(metrics["kind"].value) if "kind" in metrics else 1.0
    unit_factor = float(metrics["unit_match"].value) if "unit_match" in metrics else 1.0
    overall = max(0.0, min(1.0, quality * order_factor * keep * kind_factor * unit_factor))
    components = {
        "quality": quality,
        "order_factor": order_factor,
        "penalty": 1.0 - keep,
        "kind_factor": kind_factor,
        "unit_factor": unit_factor,
    }
    return overall, {k: v for k, v in penalties.items() if v > 0}, components


def _section_rows(ctx: PlanContext, metrics: dict[str, MetricResult]) -> list[dict[str, Any]]:
    """Per block: its heading, the sections it claims, relevance, substance, items, characters, repeats."""

    repeated = set(metrics["repeats"].details.get("examples", [])) if "repeats" in metrics else set()
    rows = []
    for b in ctx.blocks:
        rel = block_relevance(b)
        rows.append(
            {
                "heading": b.heading,
                "level": b.level,
                "sections": list(b.labels),
                "section": b.labels[0] if b.labels else None,
                "relevance": None if rel is None else round(rel, 4),
                "substance": round(block_substance(b), 4),
                "items": len(b.items),
                "chars": b.chars,
                "repeats": sum(1 for it in items_of(b.text) if it[:40] in repeated),
            }
        )
    return rows


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
    for name in ("order", "kind", "substance", "unit_match", *QUALITY_WEIGHTS):
        if name not in results:
            results[name] = METRICS[name](ctx)
    overall, penalties, components = combine(results)
    log.debug("scored %s: %.3f (%d blocks)", parsed.source, overall, len(ctx.blocks))
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
        sections=_section_rows(ctx, results),
        appendix_chars=parsed.appendix_chars,
    )
