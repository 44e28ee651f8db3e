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

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from drafter.models import Section

MIN_BODY_CHARS = 40
NGRAM_N = 13


@dataclass
class MetricResult:
    """The value of one metric, a one-line reason a reader can act on, and the evidence."""

    value: float
    reason: str
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"value": round(float(self.value), 4), "reason": self.reason, "details": self.details}


@dataclass
class PlanContext:
    """Everything the metrics look at. Built by :func:`drafter.evaluate.score.build_context`.

    ``sections`` are in document order with canonical ``section_id`` s (inherited from the
    nearest labelled ancestor) and levels (0 preamble, 1 top level, deeper below).
    ``weights`` maps the unit's canonical sections to how common they are in real plans
    of that unit (0–1); ``usual_order`` lists canonical ids in their usual order.
    ``ngrams`` maps each corpus n-gram (of normalised text) to the ids of the plans holding
    it; grams found only in ``exclude_plans`` do not count as copied.
    """

    text: str
    sections: list[Section] = field(default_factory=list)
    unit: str | None = None
    year: int | None = None
    kind: str = "plan"
    kind_evidence: list[str] = field(default_factory=list)
    asks: list[str] = field(default_factory=list)
    weights: dict[str, float] = field(default_factory=dict)
    usual_order: list[str] = field(default_factory=list)
    forbidden: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    stale_pattern: re.Pattern[str] | None = None
    boilerplate_finder: Callable[[str], Iterable[str]] | None = None
    ngrams: Mapping[str, Any] | None = None
    exclude_plans: frozenset[str] = frozenset()
    min_chars: int = MIN_BODY_CHARS


# --------------------------------------------------------------------------- helpers


def top_level(sections: list[Section]) -> list[Section]:
    """The plan's top-level sections (the smallest heading level ≥ 1 present)."""
    levels = [s.level for s in sections if s.level >= 1]
    if not levels:
        return []
    top = min(levels)
    return [s for s in sections if s.level == top]


def effective_ids(sections: list[Section]) -> list[str | None]:
    """The canonical section each section's text counts for: its outermost labelled ancestor's
    (or its own) label. Items of a schedule count for the schedule even when they mention
    民主管理; sub-sections of an unlabelled 主要工作 keep their own labels."""
    out: list[str | None] = []
    stack: list[tuple[int, str | None]] = []
    for s in sections:
        if s.level <= 0:
            out.append(s.section_id)
            stack = []
            continue
        while stack and stack[-1][0] >= s.level:
            stack.pop()
        outer = next((sid for _, sid in stack if sid), None)
        eff = outer or s.section_id
        out.append(eff)
        stack.append((s.level, s.section_id))
    return out


def section_chars(sections: list[Section]) -> dict[str, int]:
    """Characters of text (body, and sub-headings below the top level) per canonical section."""
    chars: dict[str, int] = defaultdict(int)
    top = min((s.level for s in sections if s.level >= 1), default=1)
    for s, sid in zip(sections, effective_ids(sections)):
        if not sid:
            continue
        n = len(_squash(s.body))
        if s.level > top:
            n += len(_squash(s.heading))
        chars[sid] += n
    return dict(chars)


_SPACE = re.compile(r"\s+")


def _squash(text: str) -> str:
    return _SPACE.sub("", text or "")


_NON_WORD = re.compile(r"[^\w]|_", re.UNICODE)


def normalize_for_ngrams(text: str) -> str:
    """Keep letters, digits and CJK characters only (so ',' vs '，' or line breaks do not matter)."""
    return _NON_WORD.sub("", text or "").lower()


def saturate(count: float, per_hit: float, cap: float) -> float:
    """A penalty that grows with every hit (``per_hit`` for the first) and never exceeds ``cap``."""
    import math

    if count <= 0:
        return 0.0
    return cap * (1.0 - math.exp(-count * per_hit / cap))


def _examples(items: Iterable[str], limit: int = 8) -> list[str]:
    out: list[str] = []
    for item in items:
        if item not in out:
            out.append(item)
        if len(out) >= limit:
            break
    return out


def _context(text: str, start: int, end: int, width: int = 12) -> str:
    return text[max(0, start - width): end + width].replace("\n", " ")


# --------------------------------------------------------------------------- structure


def coverage(ctx: PlanContext) -> MetricResult:
    """Weighted share of the unit's usual sections present with a non-trivial body."""
    chars = section_chars(ctx.sections)
    weights = {k: w for k, w in ctx.weights.items() if w > 0}
    if not weights:
        return MetricResult(0.0, "no section weights for this unit", {})
    present = {k for k, w in weights.items() if chars.get(k, 0) >= ctx.min_chars}
    thin = sorted(k for k in weights if 0 < chars.get(k, 0) < ctx.min_chars)
    missing = sorted((k for k in weights if k not in present), key=lambda k: -weights[k])
    total = sum(weights.values())
    value = sum(weights[k] for k in present) / total
    reason = f"{len(present)}/{len(weights)} usual sections present"
    if missing:
        reason += "; missing " + "、".join(missing[:5])
    return MetricResult(value, reason, {
        "present": sorted(present), "missing": missing, "thin": thin,
        "chars": {k: chars.get(k, 0) for k in sorted(chars)},
        "weights": {k: round(w, 3) for k, w in sorted(weights.items())},
    })


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
    for sid in effective_ids(ctx.sections):
        if sid and sid not in seen and sid in ctx.usual_order:
            seen.append(sid)
    tau = kendall_tau(seen, ctx.usual_order)
    if tau is None:
        return MetricResult(1.0, "too few recognised sections to judge their order", {"order": seen})
    value = (tau + 1) / 2
    rank = {x: i for i, x in enumerate(ctx.usual_order)}
    out_of_place = [b for a, b in zip(seen, seen[1:]) if rank[b] < rank[a]]
    reason = "sections in the usual order" if not out_of_place else "out of the usual order: " + "、".join(out_of_place[:5])
    return MetricResult(value, reason, {"order": seen, "tau": round(tau, 4), "out_of_place": out_of_place})


def duplicates(ctx: PlanContext) -> MetricResult:
    """Canonical sections that appear as more than one top-level heading."""
    counts = Counter(s.section_id for s in top_level(ctx.sections) if s.section_id and s.own_label)
    dup = {k: n for k, n in counts.items() if n > 1}
    n = sum(v - 1 for v in dup.values())
    return MetricResult(n, "no duplicated sections" if not n else "duplicated: " + "、".join(sorted(dup)), {"duplicated": dup})


def unrecognised(ctx: PlanContext) -> MetricResult:
    """Share of top-level headings that map to no canonical section (reported, not penalised)."""
    top = top_level(ctx.sections)
    unknown = [s.heading for s in top if not s.section_id]
    value = len(unknown) / len(top) if top else 0.0
    reason = "every top-level heading recognised" if not unknown else f"{len(unknown)} unrecognised: " + "；".join(unknown[:4])
    return MetricResult(value, reason, {"headings": unknown, "top_level": len(top)})


def section_lengths(ctx: PlanContext) -> MetricResult:
    """Characters per top-level section; the value is the share of them with a non-trivial body."""
    top = top_level(ctx.sections)
    lengths: list[dict[str, Any]] = []
    for i, s in enumerate(top):
        # a top-level section's text runs until the next top-level heading
        start = ctx.sections.index(s)
        end = ctx.sections.index(top[i + 1]) if i + 1 < len(top) else len(ctx.sections)
        n = len(_squash(s.body)) + sum(len(_squash(c.heading)) + len(_squash(c.body)) for c in ctx.sections[start + 1:end])
        lengths.append({"heading": s.heading, "section": s.section_id, "chars": n})
    if not lengths:
        return MetricResult(0.0, "no headings found", {"sections": []})
    ok = [x for x in lengths if x["chars"] >= ctx.min_chars]
    thin = [x["heading"] for x in lengths if x["chars"] < ctx.min_chars]
    reason = f"{len(ok)}/{len(lengths)} sections have at least {ctx.min_chars} characters"
    if thin:
        reason += "; thin: " + "；".join(thin[:3])
    return MetricResult(len(ok) / len(lengths), reason, {"sections": lengths, "total_chars": len(_squash(ctx.text))})


# --------------------------------------------------------------------------- faults

PLACEHOLDER_RE = re.compile(
    r"(?<![A-Za-z])(?:1[89]|20|二[〇零○0])?[xXｘＸ]{2,}(?![A-Za-z])"
    r"|_{3,}|＿{2,}|某某|×{2,}|○{3,}|□{2,}|\?{3,}|？{3,}"
)


def placeholders(ctx: PlanContext) -> MetricResult:
    """Template placeholders left in the text: 20xx, xx年, xxx, ____, 某某, XX."""
    hits = [m for m in PLACEHOLDER_RE.finditer(ctx.text)]
    examples = _examples(_context(ctx.text, m.start(), m.end(), 8) for m in hits)
    reason = "no placeholders" if not hits else f"{len(hits)} placeholders, e.g. {examples[0]}"
    return MetricResult(len(hits), reason, {"matches": _examples(m.group() for m in hits), "examples": examples})


BOILERPLATE_RE = re.compile(
    r"小编|范文|篇[0-9０-９一二三四五六七八九十]+\s*[:：]?|第[一二三四五六七八九十0-9]+篇|供大家(?:学习)?参考|仅供参考"
    r"|喜欢就分享|欢迎(?:您)?阅读|下面是[^。\n]{0,30}(?:整理|收集|精心)|以下是[^。\n]{0,30}(?:整理|收集|精心)"
    r"|精心(?:收集|整理|为大家)|网友整理|相关范文|希望(?:对|能)(?:大家|您)有所帮助|本文(?:档)?(?:由|是)|文档"
    r"|点击下载|下载文档|优质\d+篇|汇总[一二三四五六七八九十0-9]+篇|精选\d*篇"
)


def boilerplate(ctx: PlanContext) -> MetricResult:
    """Lines with web-page boilerplate (小编, 范文, 篇1, 供大家参考 … or the ingest cleaner's patterns)."""
    lines: list[str] = []
    found: list[str] = []
    for line in ctx.text.splitlines():
        hits = [m.group() for m in BOILERPLATE_RE.finditer(line)]
        if ctx.boilerplate_finder is not None and line.strip():
            hits += [str(x) for x in (ctx.boilerplate_finder(line) or [])]
        if hits:
            lines.append(line.strip()[:60])
            found += hits
    reason = "no web boilerplate" if not lines else f"{len(lines)} lines of web boilerplate, e.g. {lines[0][:30]}"
    return MetricResult(len(lines), reason, {"matches": _examples(f[:40] for f in found), "lines": _examples(lines)})


# Phrases in which another unit's word is fine in any plan (金秋助学: 考入大学的职工子女).
_FOREIGN_OK = re.compile(r"(?:考入|考上|升入|就读|录取)$")


def foreign_words(ctx: PlanContext) -> MetricResult:
    """Words of another kind of unit (the unit profile's forbidden words), e.g. 幼儿 in a hospital plan."""
    counts: dict[str, int] = {}
    examples: list[str] = []
    for w in ctx.forbidden:
        if not w or w not in ctx.text:
            continue
        for m in re.finditer(re.escape(w), ctx.text):
            if _FOREIGN_OK.search(ctx.text[max(0, m.start() - 3): m.start()]):
                continue
            counts[w] = counts.get(w, 0) + 1
            examples.append(_context(ctx.text, m.start(), m.end(), 8))
    n = sum(counts.values())
    reason = "no other unit's words" if not n else "another unit's words: " + "、".join(sorted(counts, key=lambda w: -counts[w])[:5])
    return MetricResult(n, reason, {"words": counts, "examples": _examples(examples)})


_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "0": 0, "O": 0, "Ｏ": 0, "一": 1, "二": 2, "三": 3, "四": 4,
              "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
for _d in "0123456789":
    _CN_DIGITS[_d] = int(_d)
_CN_DIGIT_CLASS = "〇零○0OＯ一二三四五六七八九123456789"
_YEAR_RE = re.compile(
    rf"(?<![0-9\d])((?:19|20)\d\d|[一二][{_CN_DIGIT_CLASS}]{{3}})"
    rf"(?:\s*年?\s*[-—–~～至到]\s*((?:19|20)\d\d|[一二][{_CN_DIGIT_CLASS}]{{3}}))?(?=\s*(?:年|学年|届)?)"
)
_FUTURE_OK = re.compile(r"^\s*年?\s*(?:远景|目标|规划|前|以前|之前|左右|愿景|基本实现|全面)")


def _year_value(token: str) -> int | None:
    if token.isdigit():
        return int(token)
    try:
        return int("".join(str(_CN_DIGITS[c]) for c in token))
    except KeyError:
        return None


def wrong_years(ctx: PlanContext) -> MetricResult:
    """Years that do not fit a plan for ``ctx.year`` (anything but the year and the one before).

    Allowed: the plan year, the year before, ranges that contain the plan year
    (2024—2025学年, 2021-2025年), historic years before 1950, and horizon targets
    (到2035年远景目标). Only years followed by 年 (or in a range) count, so numbers like
    2000余人 are left alone.
    """
    if not ctx.year:
        return MetricResult(0, "plan year unknown; years not checked", {})
    bad: list[str] = []
    years: list[int] = []
    for m in _YEAR_RE.finditer(ctx.text):
        a, b = _year_value(m.group(1)), _year_value(m.group(2)) if m.group(2) else None
        after = ctx.text[m.end(): m.end() + 8]
        if a is None:
            continue
        if b is None and not after.lstrip().startswith(("年", "届")):
            continue
        if a < 1950 or a > 2100:
            continue
        if b is not None:
            if b < a or not (a <= ctx.year <= b or a <= ctx.year - 1 <= b):
                bad.append(_context(ctx.text, m.start(), m.end(), 6))
            continue
        years.append(a)
        if a in (ctx.year, ctx.year - 1):
            continue
        if a > ctx.year + 1 and _FUTURE_OK.match(after):
            continue
        bad.append(_context(ctx.text, m.start(), m.end(), 6))
    reason = "years fit the plan year" if not bad else f"{len(bad)} years that do not fit {ctx.year}, e.g. {bad[0]}"
    return MetricResult(len(bad), reason, {"examples": _examples(bad), "years": sorted(set(years))})


def stale_terms(ctx: PlanContext) -> MetricResult:
    """Political terms out of date for the plan year (from the era data), e.g. 十三五 in 2024."""
    if ctx.stale_pattern is not None and ctx.stale_pattern.pattern:
        counts = dict(Counter(m.group() for m in ctx.stale_pattern.finditer(ctx.text) if m.group()))
    else:
        counts = {t: ctx.text.count(t) for t in ctx.stale if t and t in ctx.text}
    n = sum(counts.values())
    reason = "no stale terms" if not n else "stale for the year: " + "、".join(sorted(counts))
    return MetricResult(n, reason, {"terms": counts})


_SENT_SPLIT = re.compile(r"[。！？；!?;\n]+")
_NUMBERING = re.compile(r"^\s*(?:[（(]?[一二三四五六七八九十0-9]+[)）、.．]|[①-⑳]|[-*•])\s*")


def _sentences(text: str) -> list[str]:
    out = []
    for raw in _SENT_SPLIT.split(text or ""):
        norm = normalize_for_ngrams(_NUMBERING.sub("", raw))
        if len(norm) >= 10:
            out.append(norm)
    return out


def repeated_sentences(ctx: PlanContext) -> MetricResult:
    """Sentences (normalised, ≥ 10 characters) that appear in more than one top-level section."""
    top = top_level(ctx.sections)
    owner: dict[int, int] = {}
    current = -1
    for i, s in enumerate(ctx.sections):
        if s in top:
            current = i
        owner[i] = current
    where: dict[str, set[int]] = defaultdict(set)
    for i, s in enumerate(ctx.sections):
        for sent in _sentences(s.body):
            where[sent].add(owner[i])
    repeated = [s for s, homes in where.items() if len(homes) > 1]
    reason = "no sentence repeated across sections" if not repeated else f"{len(repeated)} sentences repeated across sections"
    return MetricResult(len(repeated), reason, {"examples": _examples(s[:40] for s in repeated)})


def copying(ctx: PlanContext) -> MetricResult:
    """Verbatim copying from the corpus: share of the plan's 13-char n-grams found in corpus plans.

    ``details.longest_span`` is the longest run of consecutive copied n-grams, in characters.
    """
    norm = normalize_for_ngrams(ctx.text)
    if ctx.ngrams is None:
        return MetricResult(0.0, "no corpus n-grams to compare with", {"longest_span": 0})
    n = NGRAM_N
    grams = [norm[i:i + n] for i in range(len(norm) - n + 1)]
    if not grams:
        return MetricResult(0.0, "too short to check copying", {"longest_span": 0})
    hit: list[bool] = []
    sources: Counter[str] = Counter()
    for g in grams:
        owners = ctx.ngrams.get(g)
        if owners and ctx.exclude_plans:
            owners = [o for o in owners if o not in ctx.exclude_plans]
        hit.append(bool(owners))
        if owners:
            sources.update(set(owners))
    share = sum(hit) / len(grams)
    longest = run = best_end = 0
    for i, h in enumerate(hit):
        run = run + 1 if h else 0
        if run > longest:
            longest, best_end = run, i
    span = longest + n - 1 if longest else 0
    example = norm[best_end - longest + 1: best_end + n] if longest else ""
    reason = f"{share:.0%} of 13-char n-grams found in the corpus; longest copied span {span} chars"
    return MetricResult(share, reason, {
        "longest_span": span, "longest_example": example[:80],
        "top_sources": [p for p, _ in sources.most_common(3)],
    })


# --------------------------------------------------------------------------- brief and kind

_ASK_STOP = {"今年", "明年", "本年", "本年度", "重点", "工作", "加强", "开展", "做好", "推进", "进一步", "积极",
             "重点工作", "方面", "一些", "相关", "我们", "希望", "要求", "突出", "注重", "以及", "和", "与", "的"}


def ask_terms(ask: str) -> list[str]:
    """Key terms of one ask: jieba words of two or more characters that are not filler."""
    import logging

    import jieba

    jieba.setLogLevel(logging.ERROR)  # jieba logs its dictionary loading at DEBUG otherwise
    terms = []
    for w in jieba.lcut(ask):
        w = w.strip()
        if len(w) >= 2 and w not in _ASK_STOP and w not in terms:
            terms.append(w)
    if not terms and ask.strip():
        terms = [ask.strip()]
    return terms


def brief_asks(ctx: PlanContext) -> MetricResult:
    """Share of the brief's asks the plan addresses (an ask counts when ≥ 2/3 of its key terms appear)."""
    if not ctx.asks:
        return MetricResult(1.0, "the brief has no specific asks", {"asks": []})
    rows = []
    for ask in ctx.asks:
        terms = ask_terms(ask)
        found = [t for t in terms if t in ctx.text]
        ok = bool(terms) and len(found) * 3 >= 2 * len(terms)
        rows.append({"ask": ask, "terms": terms, "found": found, "addressed": ok})
    done = [r["ask"] for r in rows if r["addressed"]]
    missed = [r["ask"] for r in rows if not r["addressed"]]
    reason = f"{len(done)}/{len(rows)} asks addressed" + ("; missed: " + "、".join(missed) if missed else "")
    return MetricResult(len(done) / len(rows), reason, {"asks": rows})


KIND_FACTORS = {"plan": 1.0, "summary_and_plan": 0.8, "summary": 0.45, "not_union": 0.15}


def kind(ctx: PlanContext) -> MetricResult:
    """Is this a union work plan? plan 1.0, summary_and_plan 0.8, summary 0.45, not_union 0.15."""
    factor = KIND_FACTORS.get(ctx.kind, 0.5)
    reason = f"reads as {ctx.kind}" + (f" ({'、'.join(ctx.kind_evidence[:3])})" if ctx.kind_evidence else "")
    return MetricResult(factor, reason, {"kind": ctx.kind, "evidence": ctx.kind_evidence[:6]})


METRICS: dict[str, Callable[[PlanContext], MetricResult]] = {
    "coverage": coverage,
    "order": order,
    "kind": kind,
    "brief_asks": brief_asks,
    "section_lengths": section_lengths,
    "unrecognised": unrecognised,
    "duplicates": duplicates,
    "placeholders": placeholders,
    "boilerplate": boilerplate,
    "foreign_words": foreign_words,
    "wrong_years": wrong_years,
    "stale_terms": stale_terms,
    "repeated_sentences": repeated_sentences,
    "copying": copying,
}

METRIC_KIND: dict[str, str] = {
    "coverage": "quality", "order": "quality", "kind": "quality", "brief_asks": "quality",
    "section_lengths": "quality", "unrecognised": "info",
    "duplicates": "fault", "placeholders": "fault", "boilerplate": "fault", "foreign_words": "fault",
    "wrong_years": "fault", "stale_terms": "fault", "repeated_sentences": "fault", "copying": "fault",
}


def format_value(name: str, value: float) -> str:
    """A metric value as a reader expects it: counts as integers, copying as a percentage."""
    if name == "copying":
        return f"{float(value):.0%}"
    if METRIC_KIND.get(name) == "fault":
        return str(int(round(float(value))))
    return f"{float(value):.2f}"
