"""Split one cleaned file into its plans.

Collections mark each plan with a numbered line (``篇1`` … ``篇5``, ``篇一``,
``…工作計劃1`` … ``9``, ``模板篇3``, ``幼儿园工会工作计划篇 篇5:``); the collection's own
title line is not a plan. A plan may also have a different plan appended with no title
(corpus/002): numbering restarts at ``一、`` after a later number and the unit evidence
changes; such a restart becomes its own plan.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from drafter.domain.numerals import from_chinese

# "幼儿园工会工作计划 篇1:" / "工会工作计划模板篇1" / "…工作计划篇一" / "篇3"
_MARK_PIAN = re.compile(r"^(?P<title>.{0,40}?)\s*篇\s*(?P<n>\d{1,2}|[一二三四五六七八九十]{1,3})\s*[:：]?\s*$")
# "2023年醫院工會工作計劃1" (a title that ends with the plan's number)
_MARK_NUM = re.compile(
    r"^(?P<title>.{2,40}?(计划|計劃|总结|總結|方案|要点|要點|打算|安排|范文|範文))\s*(?P<n>\d{1,2})\s*[:：]?\s*$"
)
_N = r"(?P<n>\d{1,2}|[一二三四五六七八九十]{1,3})"
# "【篇一】幼儿园工会工作计划" / "篇一：幼儿园工会工作计划" / "第2篇 …"
_NUM = r"(\d{1,2}|[一二三四五六七八九十]{1,3})"
_MARK_LEAD = re.compile(
    rf"^(?:【\s*篇\s*{_NUM}\s*】|篇\s*{_NUM}\s*[:：]|第\s*{_NUM}\s*篇\s*[:：]?)\s*(?P<title>.{{0,40}})$"
)
# "幼儿园工会工作计划（一）" / "工会工作计划范文(2)"
_MARK_PAREN = re.compile(
    rf"^(?P<title>.{{2,40}}?(计划|計劃|总结|總結|方案|要点|要點|范文|範文))\s*[（(]{_N}[)）]\s*[:：]?\s*$"
)
_LEVEL1 = re.compile(r"^\s*(?P<n>[一二三四五六七八九十]{1,3})\s*[、，,．.]")
_SENTENCE_PUNCT = re.compile(r"[。！？；!?;]")
_TITLE_WORDS = re.compile(r"(计划|計劃|总结|總結|方案|要点|要點|打算|范文|範文|精选|精選|汇总|匯總|模板|篇)")


@dataclass
class RawPlan:
    """A plan's text as split out of its file, before normalisation and tagging.

    ``heading`` is the plan's own heading line (its marker, e.g. ``2023年醫院工會工作計劃3``)
    or ``""``; ``label`` is the marker's number as written (``篇1``), or ``""``.
    """

    text: str
    heading: str = ""
    label: str = ""
    number: int = 0


def _number(s: str) -> int:
    return from_chinese(s) or 0


@dataclass
class SplitResult:
    collection_title: str
    plans: list[RawPlan]


def marker(line: str) -> tuple[str, str, int] | None:
    """``(heading, label, number)`` when ``line`` marks the start of a plan in a collection."""
    line = line.strip()
    if len(line) > 48 or _SENTENCE_PUNCT.search(line):
        return None
    m = _MARK_PIAN.match(line)
    if m:
        title = re.sub(r"[\s篇]+$", "", m.group("title"))
        label = "篇" + m.group("n")
        return (f"{title} {label}" if title else label), label, _number(m.group("n"))
    m = _MARK_NUM.match(line)
    if m:
        return line.rstrip(":：").strip(), m.group("n"), int(m.group("n"))
    m = _MARK_LEAD.match(line)
    if m:
        n = next(g for g in m.groups()[:3] if g)
        label = "篇" + n
        title = m.group("title").strip()
        return (f"{title} {label}" if title else label), label, _number(n)
    m = _MARK_PAREN.match(line)
    if m:
        return line.rstrip(":：").strip(), m.group("n"), _number(m.group("n"))
    return None


def looks_like_title(line: str) -> bool:
    """A short line without sentence punctuation that names a document (…计划, …精选)."""
    line = line.strip()
    return (
        0 < len(line) <= 48
        and not _SENTENCE_PUNCT.search(line)
        and bool(_TITLE_WORDS.search(line))
        and not _LEVEL1.match(line)
    )


def split_text(text: str, *, differs: Callable[[str, str], bool] | None = None) -> SplitResult:
    """Split a cleaned file into plans.

    ``differs(before, after)`` decides whether a numbering restart starts a different
    plan (the pipeline passes a unit-evidence comparison); without it restarts never split.
    """
    lines = [line for line in text.split("\n") if line.strip()]
    if not lines:
        return SplitResult("", [])
    marks = _marker_lines(lines)
    title = ""
    plans: list[RawPlan] = []
    if marks:
        head = lines[: marks[0][0]]
        if head and looks_like_title(head[0]):
            title = head[0].strip()
            head = head[1:]
        if sum(len(x) for x in head) >= 200:  # substantial text before the first marker is a plan
            plans.append(RawPlan("\n".join(head)))
        for k, (i, heading, label, number) in enumerate(marks):
            end = marks[k + 1][0] if k + 1 < len(marks) else len(lines)
            body = lines[i + 1 : end]
            if body:
                plans.append(RawPlan("\n".join(body), heading, label, number))
    else:
        body = lines
        if len(lines) > 1 and looks_like_title(lines[0]):
            title = lines[0].strip()
            body = lines[1:]
        plans.append(RawPlan("\n".join(body), title))
    if differs is not None:
        plans = [part for plan in plans for part in _split_restarts(plan, differs)]
    return SplitResult(title, plans)


def _marker_lines(lines: list[str]) -> list[tuple[int, str, str, int]]:
    found = [(i, *m) for i, line in enumerate(lines) if (m := marker(line))]
    if len(found) < 2 and not (found and found[0][3] == 1):
        return []
    # keep the longest run of increasing numbers starting anywhere (drops stray matches)
    out: list[tuple[int, str, str, int]] = []
    for item in found:
        if not out or item[3] > out[-1][3]:
            out.append(item)
    return out


def _split_restarts(plan: RawPlan, differs: Callable[[str, str], bool]) -> list[RawPlan]:
    lines = plan.text.split("\n")
    last = 0
    cuts: list[int] = []
    for i, line in enumerate(lines):
        m = _LEVEL1.match(line)
        if not m:
            continue
        n = _number(m.group("n"))
        if n == 1 and last >= 2 and i > 0:
            start = cuts[-1] if cuts else 0
            if differs("\n".join(lines[start:i]), "\n".join(lines[i:])):
                cuts.append(i)
        last = n
    if not cuts:
        return [plan]
    bounds = [0, *cuts, len(lines)]
    parts = []
    for k in range(len(bounds) - 1):
        text = "\n".join(lines[bounds[k] : bounds[k + 1]])
        if k == 0:
            parts.append(RawPlan(text, plan.heading, plan.label, plan.number))
        else:
            parts.append(RawPlan(text))
    return parts
