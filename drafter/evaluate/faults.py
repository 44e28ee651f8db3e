"""Fault metrics: what a reader would catch (placeholders, boilerplate, another unit's words,
years that do not fit, stale terms, repeated sentences, verbatim copying from the corpus).

Each is ``metric(ctx: PlanContext) -> MetricResult`` with a count as its value (copying: a share).
"""

from __future__ import annotations

import functools
import re
from collections import Counter

from drafter.domain.numerals import from_chinese
from drafter.evaluate.base import (
    NGRAM_N,
    MetricResult,
    PlanContext,
    _context,
    _examples,
    normalize_for_ngrams,
)
from drafter.resources import load_data

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
    r"小编|范文|篇[0-9０-９一二三四五六七八九十]+(?![\u4e00-\u9fff])\s*[:：]?|第[一二三四五六七八九十0-9]+篇|供大家(?:学习)?参考|仅供参考"
    r"|喜欢就分享|欢迎(?:您)?阅读|下面是[^。\n]{0,30}(?:整理|收集|精心)|以下是[^。\n]{0,30}(?:整理|收集|精心)"
    r"|精心(?:收集|整理|为大家)|网友整理|相关范文|希望(?:对|能)(?:大家|您)有所帮助|本文(?:档)?(?:由|是)|(?:本|这篇|该|此)文档|阅读文档"
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
        if not w or w not in ctx.text or w in ctx.asked_words or any(w in a for a in ctx.asked_words):
            continue  # a topic the brief asks about is never another unit's word in its own plan
        for m in re.finditer(re.escape(w), ctx.text):
            if _FOREIGN_OK.search(ctx.text[max(0, m.start() - 3) : m.start()]):
                continue
            counts[w] = counts.get(w, 0) + 1
            examples.append(_context(ctx.text, m.start(), m.end(), 8))
    n = sum(counts.values())
    reason = (
        "no other unit's words"
        if not n
        else "another unit's words: " + "、".join(sorted(counts, key=lambda w: -counts[w])[:5])
    )
    return MetricResult(n, reason, {"words": counts, "examples": _examples(examples)})


_CN_DIGIT_CLASS = "〇零○0OＯ一二三四五六七八九123456789"
_YEAR_RE = re.compile(
    rf"(?<![0-9\d])((?:19|20)\d\d|[一二][{_CN_DIGIT_CLASS}]{{3}})"
    rf"(?:\s*年?\s*[-—–~～至到]\s*((?:19|20)\d\d|[一二][{_CN_DIGIT_CLASS}]{{3}}))?(?=\s*(?:年|学年|届)?)"
)
_FUTURE_OK = re.compile(r"^\s*年?\s*(?:远景|目标|规划|前|以前|之前|左右|愿景|基本实现|全面)")


def _year_value(token: str) -> int | None:
    return from_chinese(token)


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
        after = ctx.text[m.end() : m.end() + 8]
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


@functools.cache
def _formula() -> re.Pattern[str]:

    return re.compile(str(load_data("era.yaml").get("formula") or "$^"))


def stale_terms(ctx: PlanContext) -> MetricResult:
    """Political terms out of date for the plan year (from the era data), e.g. 十三五 in 2024.

    The full list of guiding theories (马克思列宁主义、毛泽东思想……习近平新时代中国特色社会主义思想) names
    the earlier ones too: a term inside it is not stale.
    """
    text = _formula().sub("", ctx.text)
    if ctx.stale_pattern is not None and ctx.stale_pattern.pattern:
        counts = dict(Counter(m.group() for m in ctx.stale_pattern.finditer(text) if m.group()))
    else:
        counts = {t: text.count(t) for t in ctx.stale if t and t in text}
    n = sum(counts.values())
    reason = "no stale terms" if not n else "stale for the year: " + "、".join(sorted(counts))
    return MetricResult(n, reason, {"terms": counts})


def copying(ctx: PlanContext) -> MetricResult:
    """Verbatim copying from the corpus: share of the plan's 13-char n-grams found in corpus plans.

    ``details.longest_span`` is the longest run of consecutive copied n-grams, in characters.
    """
    norm = normalize_for_ngrams(ctx.text)
    if ctx.ngrams is None:
        return MetricResult(0.0, "no corpus n-grams to compare with", {"longest_span": 0})
    n = NGRAM_N
    grams = [norm[i : i + n] for i in range(len(norm) - n + 1)]
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
    example = norm[best_end - longest + 1 : best_end + n] if longest else ""
    reason = f"{share:.0%} of 13-char n-grams found in the corpus; longest copied span {span} chars"
    return MetricResult(
        share,
        reason,
        {
            "longest_span": span,
            "longest_example": example[:80],
            "top_sources": [p for p, _ in sources.most_common(3)],
        },
    )
