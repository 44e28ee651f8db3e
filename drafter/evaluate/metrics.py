"""One pure function per metric: ``metric(ctx: PlanContext) -> MetricResult``.

A :class:`PlanContext` is plain data (the plan's text and labelled sections plus what
it is compared against: section weights, usual order, forbidden words, stale terms,
the corpus n-grams), so every metric can be tested on a small hand-made plan with no
corpus, index or model. :mod:`drafter.evaluate.score` builds the context and combines
the results into one overall score.

Two families (``METRIC_KIND`` tells which):

* ``quality`` metrics have a value in [0, 1], higher is better (coverage, order, asks, kind);
* ``fault`` metrics count what a reader would catch (placeholders, boilerplate, another
  unit's words, wrong years, stale terms, repeated sentences, duplicated sections);
  ``copying`` is a share in [0, 1] of the plan's 13-character n-grams found in the corpus.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from drafter.evaluate import content
from drafter.evaluate.base import (  # noqa: F401 - re-exported for the score, reference and report modules
    MIN_BODY_CHARS,
    NGRAM_N,
    MetricResult,
    PlanContext,
    _squash,
    effective_ids,
    normalize_for_ngrams,
    saturate,
    section_chars,
    top_level,
)
from drafter.evaluate.faults import (  # noqa: F401
    BOILERPLATE_RE,
    PLACEHOLDER_RE,
    boilerplate,
    copying,
    foreign_words,
    placeholders,
    stale_terms,
    wrong_years,
)

# --------------------------------------------------------------------------- structure


def kendall_tau(a: list[str], b: list[str]) -> float | None:
    """Kendall's tau between two orderings of (partly) the same items; None below two shared items."""
    shared = [x for x in a if x in set(b)]
    if len(shared) < 2:
        return None
    rank_b = {x: i for i, x in enumerate(b)}
    conc = disc = 0
    for i in range(len(shared)):
        for j in range(i + 1, len(shared)):
            if rank_b[shared[i]] < rank_b[shared[j]]:
                conc += 1
            else:
                disc += 1
    return (conc - disc) / (conc + disc)


def order(ctx: PlanContext) -> MetricResult:
    """Agreement of the sections' order with the usual order: Kendall's tau mapped to [0, 1]."""
    seen: list[str] = []
    for b in ctx.blocks:
        for sid in b.labels:
            if sid and sid not in seen and sid in ctx.usual_order:
                seen.append(sid)
                break
    tau = kendall_tau(seen, ctx.usual_order)
    if tau is None:
        return MetricResult(1.0, "too few recognised sections to judge their order", {"order": seen})
    value = (tau + 1) / 2
    rank = {x: i for i, x in enumerate(ctx.usual_order)}
    out_of_place = [b for a, b in zip(seen, seen[1:]) if rank[b] < rank[a]]
    reason = (
        "sections in the usual order" if not out_of_place else "out of the usual order: " + "、".join(out_of_place[:5])
    )
    return MetricResult(value, reason, {"order": seen, "tau": round(tau, 4), "out_of_place": out_of_place})


def duplicates(ctx: PlanContext) -> MetricResult:
    """Canonical sections that appear as more than one top-level heading."""
    counts = Counter(s.section_id for s in top_level(ctx.sections) if s.section_id and s.own_label)
    dup = {k: n for k, n in counts.items() if n > 1}
    n = sum(v - 1 for v in dup.values())
    return MetricResult(
        n, "no duplicated sections" if not n else "duplicated: " + "、".join(sorted(dup)), {"duplicated": dup}
    )


def unrecognised(ctx: PlanContext) -> MetricResult:
    """Share of top-level headings that map to no canonical section (reported, not penalised)."""
    top = top_level(ctx.sections)
    unknown = [s.heading for s in top if not s.section_id]
    value = len(unknown) / len(top) if top else 0.0
    reason = (
        "every top-level heading recognised"
        if not unknown
        else f"{len(unknown)} unrecognised: " + "；".join(unknown[:4])
    )
    return MetricResult(value, reason, {"headings": unknown, "top_level": len(top)})


def section_lengths(ctx: PlanContext) -> MetricResult:
    """Characters per top-level section; the value is the share of them with a non-trivial body."""
    top = top_level(ctx.sections)
    lengths: list[dict[str, Any]] = []
    for i, s in enumerate(top):
        # a top-level section's text runs until the next top-level heading
        start = ctx.sections.index(s)
        end = ctx.sections.index(top[i + 1]) if i + 1 < len(top) else len(ctx.sections)
        n = len(_squash(s.body)) + sum(
            len(_squash(c.heading)) + len(_squash(c.body)) for c in ctx.sections[start + 1 : end]
        )
        lengths.append({"heading": s.heading, "section": s.section_id, "chars": n})
    if not lengths:
        return MetricResult(0.0, "no headings found", {"sections": []})
    ok = [x for x in lengths if x["chars"] >= ctx.min_chars]
    thin = [x["heading"] for x in lengths if x["chars"] < ctx.min_chars]
    reason = f"{len(ok)}/{len(lengths)} sections have at least {ctx.min_chars} characters"
    if thin:
        reason += "; thin: " + "；".join(thin[:3])
    return MetricResult(len(ok) / len(lengths), reason, {"sections": lengths, "total_chars": len(_squash(ctx.text))})


# --------------------------------------------------------------------------- brief and kind

KIND_FACTORS = {"plan": 1.0, "summary_and_plan": 0.8, "summary": 0.45, "not_union": 0.15}


def kind(ctx: PlanContext) -> MetricResult:
    """Is this a union work plan? plan 1.0, summary_and_plan 0.8, summary 0.45, not_union 0.15."""
    factor = KIND_FACTORS.get(ctx.kind, 0.5)
    reason = f"reads as {ctx.kind}" + (f" ({'、'.join(ctx.kind_evidence[:3])})" if ctx.kind_evidence else "")
    return MetricResult(factor, reason, {"kind": ctx.kind, "evidence": ctx.kind_evidence[:6]})


METRICS: dict[str, Callable[[PlanContext], MetricResult]] = {
    "coverage": content.coverage,
    "relevance": content.relevance,
    "substance": content.substance,
    "must_have": content.must_have,
    "asks": content.asks,
    "order": order,
    "kind": kind,
    "unit_match": content.unit_match,
    "section_lengths": section_lengths,
    "unrecognised": unrecognised,
    "repeats": content.repeats,
    "off_topic": content.off_topic,
    "era": content.era,
    "duplicates": duplicates,
    "placeholders": placeholders,
    "boilerplate": boilerplate,
    "foreign_words": foreign_words,
    "wrong_years": wrong_years,
    "stale_terms": stale_terms,
    "copying": copying,
}

METRIC_KIND: dict[str, str] = {
    "coverage": "quality",
    "relevance": "quality",
    "substance": "quality",
    "must_have": "quality",
    "asks": "quality",
    "order": "quality",
    "kind": "quality",
    "unit_match": "quality",
    "section_lengths": "info",
    "unrecognised": "info",
    "repeats": "fault",
    "off_topic": "fault",
    "era": "fault",
    "duplicates": "fault",
    "placeholders": "fault",
    "boilerplate": "fault",
    "foreign_words": "fault",
    "wrong_years": "fault",
    "stale_terms": "fault",
    "copying": "fault",
}


def format_value(name: str, value: float) -> str:
    """A metric value as a reader expects it: counts as integers, copying as a percentage."""
    if name == "copying":
        return f"{float(value):.0%}"
    if METRIC_KIND.get(name) == "fault":
        return str(int(round(float(value))))
    return f"{float(value):.2f}"
