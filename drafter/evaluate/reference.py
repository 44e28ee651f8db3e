"""What scores compare against: corpus statistics per unit and the corpus n-grams, cached.

:class:`Reference` holds, for every corpus plan, its id, unit, kind, normalised text
and which canonical sections it has with a non-trivial body. From that it gives

* :meth:`Reference.weights` — how common each canonical section is in real plans of a unit
  and of its nearest units (smoothed toward the taxonomy's usual sections);
* :meth:`Reference.ngrams` — every 13-character n-gram of the corpus → the plans holding it.

The built-in corpus's reference is cached on disk (``$DRAFTER_CACHE_DIR/eval``) under a
fingerprint of the corpus files, the taxonomy and units data, and in memory per process.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from drafter.config import default_cache_dir
from drafter.domain.kinds import PLAN_KINDS
from drafter.domain.taxonomy import load_taxonomy
from drafter.domain.units import load_profile
from drafter.evaluate.metrics import MIN_BODY_CHARS, NGRAM_N, normalize_for_ngrams, section_chars
from drafter.fileio import write_atomic
from drafter.ingestion.pipeline import load_plans
from drafter.models import Plan
from drafter.resources import corpus_files, load_data

log = logging.getLogger(__name__)

CACHE_VERSION = 1
# How much the nearest units count (first, second, third) next to the unit's own plans,
# how many pseudo-plans the prior is worth, and the least weight a section needs to be expected.
NEIGHBOUR_WEIGHTS = (0.5, 0.25, 0.125)
PRIOR_PLANS = 2.0
MIN_WEIGHT = 0.25


@dataclass
class RefPlan:
    """What the reference keeps of one corpus plan."""

    id: str
    unit: str
    kind: str
    year: int | None
    norm: str
    sections: dict[str, int] = field(default_factory=dict)  # canonical id → body chars


@dataclass
class Reference:
    plans: list[RefPlan]
    _ngrams: dict[str, tuple[str, ...]] | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ sections
    def counts(self, unit: str) -> tuple[int, dict[str, int]]:
        """Number of union plans of ``unit`` and, per canonical section, how many have it."""
        plans = [p for p in self.plans if p.unit == unit and p.kind in PLAN_KINDS]
        counts: dict[str, int] = defaultdict(int)
        for p in plans:
            for sid, n in p.sections.items():
                if n >= MIN_BODY_CHARS:
                    counts[sid] += 1
        return len(plans), dict(counts)

    def weights(self, unit: str | None) -> dict[str, float]:
        """Canonical section id → share (0–1) of real plans of this unit that have it.

        Smoothed: the unit's plans count fully, its nearest units' plans by
        ``NEIGHBOUR_WEIGHTS``, and ``PRIOR_PLANS`` pseudo-plans hold each section the
        taxonomy gives the unit at 0.5 + half its share among all the corpus's union plans. Sections below ``MIN_WEIGHT`` are left out;
        summary-only sections (achievements, shortcomings…) never count for a plan.
        """
        return _weights(self, unit or "other")

    # ------------------------------------------------------------------ n-grams
    def ngrams(self) -> dict[str, tuple[str, ...]]:
        if self._ngrams is None:
            grams: dict[str, set[str]] = defaultdict(set)
            for p in self.plans:
                t = p.norm
                for i in range(len(t) - NGRAM_N + 1):
                    grams[t[i : i + NGRAM_N]].add(p.id)
            self._ngrams = {g: tuple(sorted(ids)) for g, ids in grams.items()}
        return self._ngrams

    def to_json(self) -> dict[str, Any]:
        return {"version": CACHE_VERSION, "plans": [asdict(p) for p in self.plans]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reference:
        return cls(plans=[RefPlan(**p) for p in data["plans"]])


def _nearest(unit: str) -> list[str]:
    try:
        return list(load_profile(unit).nearest)
    except Exception:  # no drafting profile (school, other) or the draft stage missing
        for u in load_data("units.yaml")["units"]:
            if u["id"] == unit:
                return [str(x) for x in (u.get("nearest") or [])]
        return []


def _taxonomy_prior(ref: Reference, unit: str) -> dict[str, float]:
    """The prior weight of each plan section for ``unit``: 0 when the taxonomy says the section
    is not for this unit, else 0.25 + three quarters of its share of all the corpus's union plans
    (smoothed, (c+1)/(n+2)): the taxonomy's word that the section may belong, weighted mostly by
    how common it is, so a section the corpus hardly ever has (工作目标, 保障措施) is not
    expected of a unit just because the unit has no plans of its own in the corpus."""
    n_all = sum(1 for p in ref.plans if p.kind in PLAN_KINDS)
    prior: dict[str, float] = {}
    for s in plan_sections():
        units = list(getattr(s, "units", None) or [])
        if units and unit not in units:
            prior[s.id] = 0.0
            continue
        c_all = sum(1 for p in ref.plans if p.kind in PLAN_KINDS and p.sections.get(s.id, 0) >= MIN_BODY_CHARS)
        prior[s.id] = 0.25 + 0.75 * (c_all + 1) / (n_all + 2)
    return prior


def plan_sections() -> list[Any]:
    """Canonical sections that belong in a plan (summary-only ones dropped), in usual order."""

    out = []
    for s in load_taxonomy().sections:
        if _summary_only(s):
            continue
        out.append(s)
    return sorted(out, key=lambda s: getattr(s, "order", 0))


def _summary_only(section: Any) -> bool:
    for attr in ("summary_only", "summary"):
        if getattr(section, attr, False) is True:
            return True
    kinds = getattr(section, "kinds", None)
    if kinds and "plan" not in kinds:
        return True
    return section.id in {"achievements", "shortcomings", "next_steps"}


def usual_order() -> list[str]:
    """Canonical plan sections in their usual order (the taxonomy's ``order``)."""
    return [s.id for s in plan_sections()]


def _weights(ref: Reference, unit: str) -> dict[str, float]:
    prior = _taxonomy_prior(ref, unit)
    n_own, own = ref.counts(unit)
    num: dict[str, float] = {sid: PRIOR_PLANS * p for sid, p in prior.items()}
    den = PRIOR_PLANS + n_own
    for sid, c in own.items():
        if sid in num:
            num[sid] += c
    for w, nb in zip(NEIGHBOUR_WEIGHTS, [u for u in _nearest(unit) if u != unit]):
        n_nb, nb_counts = ref.counts(nb)
        den += w * n_nb
        for sid, c in nb_counts.items():
            if sid in num:
                num[sid] += w * c
    weights = {sid: v / den for sid, v in num.items()}
    return {sid: round(w, 4) for sid, w in weights.items() if w >= MIN_WEIGHT}


def reference_from_plans(plans: Sequence[Plan]) -> Reference:
    """Build a reference from parsed corpus plans (their tags and labelled sections)."""

    refs = []
    for p in plans:
        refs.append(
            RefPlan(
                id=p.id,
                unit=str(p.unit.value or "other"),
                kind=str(p.kind.value or "plan"),
                year=p.year.value if isinstance(p.year.value, int) else None,
                norm=normalize_for_ngrams(p.text),
                sections=section_chars(list(p.sections)),
            )
        )
    return Reference(plans=refs)


# What the reference is computed from: the corpus, the domain data, and the code that reads plans
# (every module of these packages; a file added to any of them changes the key too).
_REFERENCE_CODE = ("ingestion", "domain", "evaluate")


def _fingerprint(package: Path | None = None) -> str:
    """A key for the cached reference: a hash of the built-in corpus, every file of ``drafter/data`` and
    every module of the packages that read plans (``ingestion``, ``domain``, ``evaluate``) and ``models``.

    ``package`` is the drafter package folder (a copy of it in tests)."""
    package = package or Path(__file__).resolve().parent.parent
    files = [*corpus_files(), *sorted((package / "data").glob("*.yaml")), package / "models.py"]
    for sub in _REFERENCE_CODE:
        files += sorted((package / sub).glob("*.py"))
    h = hashlib.sha256(f"v{CACHE_VERSION}".encode())
    for path in files:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        h.update(path.name.encode())
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()[:16]


@functools.lru_cache(maxsize=1)
def corpus_plans() -> tuple[Plan, ...]:
    """The built-in corpus's plans, parsed by the ingest stage (once per process)."""

    return tuple(load_plans())


@functools.lru_cache(maxsize=1)
def builtin_reference() -> Reference:
    """The built-in corpus's reference: from the disk cache when its fingerprint matches."""

    key = _fingerprint()
    path = default_cache_dir() / "eval" / f"reference-{key}.json"
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
        if data.get("version") == CACHE_VERSION:
            return Reference.from_json(data)
    except (OSError, ValueError, KeyError, TypeError):
        pass
    ref = reference_from_plans(corpus_plans())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(ref.to_json(), ensure_ascii=False))
    except OSError as exc:  # a read-only cache dir only costs time
        log.debug("cannot cache the eval reference at %s: %s", path, exc)
    return ref
