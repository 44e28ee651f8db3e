"""Content metrics: what a plan's sections say, read the way a union chair reads them.

Each is ``metric(ctx: PlanContext) -> MetricResult`` over the plan's blocks (:mod:`drafter.evaluate.blocks`):

* ``coverage`` — the unit's expected sections, each counted only when a block claims it *and* speaks
  of it *and* says something (relevance and substance below); a section whose items stand under
  another heading earns half.
* ``relevance`` — per block, whether its items speak of the block's heading (the sections'
  vocabularies, :class:`drafter.evaluate.reading.Vocabulary`); the schedule by its month lines,
  工作目标 by its targets, 指导思想 by its guiding thought.
* ``substance`` — per block, the share of items that are concrete actions (a number, a month, a
  cadence, an owner, a named activity, a 【待填：…】 slot), less the items made of stock phrases;
  text that is not Chinese prose (random characters, filler, another language) has none.
* ``repeats`` — items that say again what an earlier item said (near-duplicates, any heading level).
* ``must_have`` — the work-item catalogue's must items for the unit and year that the plan carries.
* ``asks`` — the brief's asks turned into an activity (an item that names the ask and is concrete),
  not only mentioned.
* ``era`` — from 2018 on, the guiding-thought sentence names 习近平新时代中国特色社会主义思想.
* ``unit_match`` — the plan reads as a plan of the unit it is scored for.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from drafter.domain import catalogue
from drafter.domain.sectors import sector_of
from drafter.draft import text as tx
from drafter.evaluate import reading
from drafter.evaluate.base import MetricResult, PlanContext
from drafter.evaluate.blocks import SCHEDULE, Block
from drafter.ingestion.tag import tag_unit, unit_scores
from drafter.resources import load_data

# Sections whose items naturally stand under each other's headings: counted as 0.7 of a hit.
RELATED = {
    frozenset(p)
    for p in (
        ("union_building", "finance_audit"),
        ("worker_care", "women_workers"),
        ("professional_ethics", "skills_competition"),
        ("rights_protection", "democratic_management"),
        ("rights_protection", "safety_production"),
        ("worker_care", "culture_sports"),
        ("political_guidance", "culture_sports"),
        ("union_building", "democratic_management"),
    )
}
MIN_PROSE = 0.35
LOOSE_CREDIT = 0.35  # a section whose items stand only under other headings


def _prose_factor(block: Block) -> float:
    return min(1.0, reading.prose_share(block.text) / MIN_PROSE)


def block_relevance(block: Block) -> float | None:
    """How much a block speaks of what its heading claims (None for a block that claims nothing)."""
    if not block.labels or not block.text.strip():
        return None if not block.labels else 0.0
    items = block.items
    prose = _prose_factor(block)
    if SCHEDULE in block.labels:
        lines = [ln for ln in block.text.splitlines() if ln.strip(" |-")]
        dated = [ln for ln in lines if reading.month_line(ln)]
        share = len(dated) / max(1, len(lines))
        grouped = sum(1 for ln in dated if reading.cjk_len(ln) <= 16) >= 2  # 第一季度 / 3月 sub-headings
        return prose * (1.0 if grouped else min(1.0, share / 0.6))
    if "guiding_ideology" in block.labels:
        ok = "为指导" in block.text or "指导思想" in block.text or "为统领" in block.text
        return prose * (1.0 if ok else 0.3) * min(1.0, block.chars / 40)
    if "goals" in block.labels:
        share = sum(1 for it in items if reading.has_target(it)) / max(1, len(items))
        return prose * min(1.0, share / 0.6)
    vocab = reading.vocabulary()
    labels = set(block.labels)
    # only items that name some section's subject are evidence; the rest say nothing either way
    scored_items = [sc for sc in (vocab.scores(it) for it in items) if sc]
    per_item = [_item_relevance(sc, labels) for sc in scored_items]
    by_text = _item_relevance(vocab.scores(block.text), labels)
    if len(per_item) >= 2:
        value = 0.7 * sum(per_item) / len(per_item) + 0.3 * by_text
    else:
        value = by_text
    return prose * value


def _item_relevance(scored: dict[str, float], labels: set[str]) -> float:
    """How much a text speaks of its own sections rather than another (0.5 when it names none)."""
    own = max((scored.get(lab, 0.0) for lab in labels), default=0.0)
    related = max(
        (
            0.7 * v
            for k, v in scored.items()
            if k not in labels and any(frozenset((k, lab)) in RELATED for lab in labels)
        ),
        default=0.0,
    )
    own = max(own, related)
    other = max(
        (v for k, v in scored.items() if k not in labels and not any(frozenset((k, lab)) in RELATED for lab in labels)),
        default=0.0,
    )
    if own + other == 0:
        return 0.5
    return (own + 0.25) / (own + other + 0.5)


def block_substance(block: Block) -> float:
    """How much of a block is concrete action rather than stock phrases (0 for text that is not prose)."""
    prose = _prose_factor(block)
    if not block.items or prose == 0:
        return 0.0
    length = min(1.0, block.chars / 40)
    if "guiding_ideology" in block.labels:
        return prose * length * (1.0 - min(1.0, sum(map(reading.stock_share, block.items)) / len(block.items)))
    schedule = SCHEDULE in block.labels
    concrete = sum(1 for it in block.items if reading.is_concrete(it) and (schedule or reading.is_action(it)))
    stock = sum(1 for it in block.items if reading.stock_share(it) >= 0.3)
    value = concrete / len(block.items) - 0.8 * stock / len(block.items)
    return max(0.0, min(1.0, value)) * prose * length


def _judged(ctx: PlanContext) -> list[tuple[Block, float, float]]:
    """(block, relevance, substance) for every block that claims a section."""
    out = []
    for b in ctx.blocks:
        rel = block_relevance(b)
        if rel is None:
            continue
        out.append((b, rel, block_substance(b)))
    return out


def _weighted_mean(rows: Iterable[tuple[float, float]]) -> float:
    rows = list(rows)
    total = sum(w for _, w in rows)
    return sum(v * w for v, w in rows) / total if total else 0.0


def coverage(ctx: PlanContext) -> MetricResult:
    """Weighted share of the unit's expected sections present with a body that speaks of them and says something."""
    expected = {k: w for k, w in ctx.weights.items() if w > 0}
    if not expected:
        return MetricResult(0.0, "no expected sections for this unit", {})
    judged = _judged(ctx)
    vocab = reading.vocabulary()
    loose: dict[str, int] = {}
    for b in ctx.blocks:
        for it in b.items:
            c = vocab.classify(it)
            if c and c not in b.labels and reading.is_concrete(it):
                loose[c] = loose.get(c, 0) + 1
    credit: dict[str, float] = {}
    for sid in expected:
        best = 0.0
        for b, rel, sub in judged:
            if sid in b.labels:
                best = max(best, max(0.0, min(1.0, (rel - 0.2) / 0.35)) * min(1.0, sub / 0.4))
        if best < LOOSE_CREDIT and loose.get(sid, 0) >= 2:
            best = LOOSE_CREDIT  # its items are there, under other headings
        credit[sid] = round(best, 3)
    total = sum(expected.values())
    value = sum(expected[s] * credit[s] for s in expected) / total
    missing = sorted((s for s in expected if credit[s] < 0.5), key=lambda s: -expected[s])
    reason = f"{sum(1 for s in expected if credit[s] >= 0.5)}/{len(expected)} expected sections present and on topic"
    if missing:
        reason += "; missing or empty: " + "、".join(missing[:6])
    return MetricResult(
        value, reason, {"credit": credit, "missing": missing, "weights": {k: round(w, 3) for k, w in expected.items()}}
    )


def relevance(ctx: PlanContext) -> MetricResult:
    """Character-weighted mean of the blocks' relevance: do the sections speak of their headings?"""
    judged = _judged(ctx)
    if not judged:
        return MetricResult(0.0, "no section headings a reader could check", {"blocks": []})
    rows = [
        {
            "heading": b.heading[:30],
            "labels": list(b.labels),
            "relevance": round(rel, 3),
            "substance": round(sub, 3),
            "chars": b.chars,
        }
        for b, rel, sub in judged
    ]
    value = _weighted_mean((rel, max(b.chars, 20)) for b, rel, _ in judged)
    off = [b.heading[:30] for b, rel, _ in judged if rel < 0.4]
    reason = "sections speak of their headings" if not off else "off their heading's subject: " + "；".join(off[:4])
    return MetricResult(value, reason, {"blocks": rows})


def substance(ctx: PlanContext) -> MetricResult:
    """Character-weighted mean of the blocks' substance: concrete actions rather than stock phrases."""
    judged = _judged(ctx)
    if not judged:
        return MetricResult(0.0, "nothing to read", {})
    value = _weighted_mean((sub, max(b.chars, 20)) for b, _, sub in judged)
    thin = [b.heading[:24] for b, _, sub in judged if sub < 0.3]
    reason = "items are concrete actions" if not thin else "few concrete actions in: " + "；".join(thin[:4])
    return MetricResult(value, reason, {"thin": thin})


OFF_TOPIC = 0.35


def off_topic(ctx: PlanContext) -> MetricResult:
    """Sections whose body speaks of another section's subject (a reader marks each one)."""
    off = [b.heading[:30] for b, rel, _ in _judged(ctx) if rel < OFF_TOPIC and b.chars >= 30]
    reason = (
        "no section off its heading's subject"
        if not off
        else f"{len(off)} sections off their subject: " + "；".join(off[:4])
    )
    return MetricResult(len(off), reason, {"sections": off})


def repeats(ctx: PlanContext) -> MetricResult:
    """Items that say again what an earlier item of the plan said (the schedule may echo the sections)."""
    seen: list[set[str]] = []
    repeated: list[str] = []
    for b in ctx.blocks:
        if SCHEDULE in b.labels:
            continue
        for it in b.items:
            if reading.cjk_len(it) < 12:
                continue
            if tx.is_duplicate(it, seen, 0.55):
                repeated.append(it[:40])
                continue
            tx.remember(it, seen)
    reason = (
        "no idea said twice" if not repeated else f"{len(repeated)} items repeat an earlier one, e.g. {repeated[0]}"
    )
    return MetricResult(len(repeated), reason, {"examples": repeated[:8]})


@functools.cache
def _ask_word_spread() -> dict[str, int]:
    """In how many catalogue items each ask word appears (a word in many items shows none of them)."""
    spread: dict[str, int] = {}
    for it in catalogue.catalogue():
        for w in set(it.asks):
            spread[w] = spread.get(w, 0) + 1
    return spread


def detection_words(item: catalogue.WorkItem) -> list[str]:
    """The words that show a plan carries a catalogue item: its distinctive ask words (in at most three
    items of the catalogue, not generic); all its non-generic ask words when none is distinctive."""
    words = [w for w in item.asks if len(w) >= 2 and w not in reading.words().generic]
    spread = _ask_word_spread()
    distinctive = [w for w in words if spread.get(w, 0) <= 3]
    return distinctive or words


def mentions(text: str, word: str) -> bool:
    """Whether a text names a word, also with its two halves in the other order nearby (收支公开 / 公开经费收支)."""
    if word in text:
        return True
    if len(word) != 4:
        return False
    a, b = word[:2], word[2:]
    return bool(re.search(f"{re.escape(b)}.{{0,8}}{re.escape(a)}|{re.escape(a)}.{{0,8}}{re.escape(b)}", text))


def must_have(ctx: PlanContext) -> MetricResult:
    """Share of the unit's must-have items (work_items.yaml and the year's own items) the plan carries."""
    if not ctx.unit or not ctx.year or ctx.unit not in ctx.must_sections:
        return MetricResult(1.0, "no must-have list for this unit", {"missing": []})
    sections = ctx.must_sections[ctx.unit] - {"goals", "safeguards"}  # those two are coverage's to judge
    # the plan's title names the unit (恒通物流股份有限公司): its sector's must-haves, not another sector's
    title = ctx.text.strip().splitlines()[0] if ctx.text.strip() else ""
    sector = sector_of(ctx.unit, title)
    musts = [
        it
        for it in catalogue.must_haves(ctx.unit, ctx.year, sector=sector.id if sector else None)
        if it.section in sections
    ]
    musts = [it for it in musts if detection_words(it)]
    if not musts:
        return MetricResult(1.0, "no must-have items for this unit and year", {"missing": []})
    body = ctx.body_text
    found: list[catalogue.WorkItem] = []
    missing: list[catalogue.WorkItem] = []
    for it in musts:
        (found if any(mentions(body, w) for w in detection_words(it)) else missing).append(it)
    value = len(found) / len(musts)
    rows = [
        {"id": it.id, "section": it.section, "what": re.split(r"[，；。：]", it.text, maxsplit=1)[0][:30]}
        for it in missing
    ]
    reason = f"{len(found)}/{len(musts)} must-have items"
    if rows:
        reason += "; missing: " + "、".join(r["what"] for r in rows[:4])
    return MetricResult(value, reason, {"missing": rows, "found": [it.id for it in found]})


def _ask_words(ask: str, ctx: PlanContext) -> tuple[list[str], list[str]]:
    terms = [t for t in reading.ask_terms(ask) if t not in reading.words().generic]
    terms = terms or reading.ask_terms(ask)
    alternatives: list[str] = []
    if ctx.unit and ctx.year:
        try:
            pool = catalogue.items_for(ctx.unit, ctx.year)
        except Exception:
            pool = []
        best = max((catalogue.answers(it, ask) for it in pool), default=0)
        if best >= 2:
            for it in pool:
                if catalogue.answers(it, ask) == best:
                    alternatives += [w for w in it.asks if len(w) >= 2 and w not in reading.words().generic]
    mine = tx.bigrams(ask)
    alternatives = [a for a in alternatives if tx.bigrams(a) & mine]
    return terms, list(dict.fromkeys(alternatives))


def asks(ctx: PlanContext) -> MetricResult:
    """Share of the brief's asks that some item turns into an activity (names it, and is concrete)."""
    if not ctx.asks:
        return MetricResult(1.0, "the brief has no specific asks", {"asks": []})
    rows = []
    items = [it for b in ctx.blocks for it in b.items]
    for ask in ctx.asks:
        terms, alternatives = _ask_words(ask, ctx)
        acted, mentioned = [], False
        for it in items:
            own = sum(1 for t in terms if t in it)
            # named: most of the ask's own words, or a word of the catalogue items that answer it which
            # shares the ask's own characters (心理咨询 for 教职工心理健康, not 基本功 for 青年教师成长)
            named = own * 5 >= 3 * len(terms) or any(a in it for a in alternatives)
            if not named:
                continue
            mentioned = True
            if reading.is_concrete(it) and reading.is_action(it) and not reading.is_mention(it):
                acted.append(it[:40])
        rows.append(
            {
                "ask": ask,
                "terms": terms,
                "acted": bool(acted),
                "mentioned": mentioned or ask in ctx.text,
                "where": acted[:3],
            }
        )
    done = [str(r["ask"]) for r in rows if r["acted"]]
    only = [str(r["ask"]) for r in rows if not r["acted"] and r["mentioned"]]
    missed = [str(r["ask"]) for r in rows if not r["acted"] and not r["mentioned"]]
    reason = f"{len(done)}/{len(rows)} asks turned into activities"
    if only:
        reason += "; only mentioned: " + "、".join(only)
    if missed:
        reason += "; missing: " + "、".join(missed)
    return MetricResult(len(done) / len(rows), reason, {"asks": rows})


def era(ctx: PlanContext) -> MetricResult:
    """Faults in the guiding-thought sentence for the year: from 2018 on it must name the current guide."""

    data = load_data("era.yaml")
    if not ctx.year or ctx.year < int(data.get("guide_required_from", 2018)):
        return MetricResult(0, "no guiding-thought rule for this year", {})
    guiding = " ".join(b.text for b in ctx.blocks if "guiding_ideology" in b.labels)
    if not guiding:
        guiding = " ".join(s for s in re.split(r"[。\n]", ctx.text) if "为指导" in s)
    if not guiding:
        return MetricResult(1, "no guiding-thought sentence (以……为指导) found", {"guiding": ""})
    guide = "习近平新时代中国特色社会主义思想"
    if guide in guiding:
        return MetricResult(0, "the guiding thought is the current one", {"guiding": guiding[:80]})
    return MetricResult(1, f"the guiding thought does not name {guide}", {"guiding": guiding[:80]})


SECTOR = {
    "kindergarten": "education",
    "primary_school": "education",
    "middle_school": "education",
    "university": "education",
    "school": "education",
    "hospital": "hospital",
    "enterprise": "enterprise",
    "government": "government",
    "community": "community",
}


def unit_match(ctx: PlanContext) -> MetricResult:
    """1 when the plan reads as a plan of its unit, 0.5 when its words are another kind of unit's."""
    if not ctx.unit or ctx.unit not in SECTOR:
        return MetricResult(1.0, "unit not checked", {})

    scores = unit_scores(ctx.text)
    mine = scores.get(SECTOR[ctx.unit], 0.0)
    best_sector, best = max(scores.items(), key=lambda kv: kv[1])
    tag = tag_unit(ctx.text)
    mismatch = best_sector != SECTOR[ctx.unit] and best >= 4 and mine < 0.4 * best
    if not mismatch and SECTOR[ctx.unit] == "education" and tag.value in SECTOR and tag.value != ctx.unit:
        # within schools: a kindergarten plan scored as a university's
        mismatch = tag.value not in ("school",) and SECTOR.get(tag.value) == "education" and len(tag.evidence) >= 3
    if mismatch:
        return MetricResult(
            0.5,
            f"reads as a {tag.value} plan, not {ctx.unit} ({'、'.join(tag.evidence[:4])})",
            {"inferred": tag.value, "evidence": tag.evidence[:6], "scores": scores},
        )
    return MetricResult(1.0, f"reads as a {ctx.unit} plan", {"scores": scores})
