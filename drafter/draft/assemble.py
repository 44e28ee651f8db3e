"""Render a draft as Markdown or plain text (pure functions), and write its opening paragraph.

Markdown: ``#`` title, the preamble, ``## 一、`` sections, ``### （一）`` sub-sections, ``1.`` items,
month lines for the schedule, and the 落款. Plain text is the same plan as people paste it from
Word: ``一、`` / ``（一）`` / ``1．`` lines, no ``#``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from drafter.domain import sections
from drafter.domain.numerals import to_chinese
from drafter.domain.request import DraftRequest

if TYPE_CHECKING:  # pragma: no cover
    from drafter.draft.draft import Draft
    from drafter.models import SectionDraft


def preamble(request: DraftRequest) -> str:
    """The short opening paragraph: the year's standing, last year's results (from the facts), the aim,
    and the brief's priorities."""
    profile = request.unit
    t = sections.preamble_phrasing()
    ys = request.era.year_sentence()
    results = [x.strip("。 ") for x in re.split(r"[；;\n]", request.facts.get("上年主要成绩") or "") if x.strip("。 ")]
    asks = "、".join(profile.adapt(a) for a in request.asks)
    return profile.fill(
        t["text"],
        year=request.year,
        year_sentence=t["year_sentence"].format(sentence=ys) if ys else "",
        results=t["results"].format(last_year=request.year - 1, union=profile.union, results="；".join(results))
        if results
        else "",
        priorities=t["priorities"].format(asks=asks) if asks else "",
    )


def render(draft: Draft, *, markup: str = "md") -> str:
    """The plan as Markdown (``markup="md"``) or plain text (``"txt"``)."""
    md = markup == "md"
    lines = [f"# {draft.title}" if md else draft.title, ""]
    if draft.preamble:
        lines += [draft.preamble, ""]
    n = 0
    for sec in draft.sections:
        if sec.empty:
            continue
        n += 1
        heading = f"{to_chinese(n)}、{sec.title}"
        lines += [f"## {heading}" if md else heading, ""]
        if sec.intro:
            lines += [sec.intro, ""]
        if sec.layout == "months":
            for item in sec.items:
                lines += [item.text, ""]
            continue
        for i, item in enumerate(sec.items, 1):
            lines.append(f"{i}. {item.text}" if md else f"{i}．{item.text}")
        if sec.items:
            lines.append("")
        for j, sub in enumerate(sec.subsections, 1):
            heading = f"（{to_chinese(j)}）{sub.title}"
            lines += [f"### {heading}" if md else heading, ""]
            for i, item in enumerate(sub.items, 1):
                lines.append(f"{i}. {item.text}" if md else f"{i}．{item.text}")
            if sub.items:
                lines.append("")
    if draft.closing:
        lines += ["", *draft.closing]
    return "\n".join(lines).rstrip() + "\n"


def section_markdown(section: SectionDraft) -> str:
    """One section's body as the chair edits it (no heading): the opening paragraph, ``1.`` items and
    ``（一）`` sub-headings with their items; :meth:`Drafter.edit_section` reads this text back."""
    lines: list[str] = []
    if section.intro:
        lines += [section.intro, ""]
    if section.layout == "months":
        return "\n".join(lines + [it.text for it in section.items]).strip() + "\n"
    lines += [f"{i}. {item.text}" for i, item in enumerate(section.items, 1)]
    if section.items:
        lines.append("")
    for j, sub in enumerate(section.subsections, 1):
        lines += [f"（{to_chinese(j)}）{sub.title}", ""]
        lines += [f"{i}. {item.text}" for i, item in enumerate(sub.items, 1)]
        lines.append("")
    return "\n".join(lines).strip() + "\n"


def render_sources(draft: Draft) -> str:
    """The drafter's note of where each item came from (never part of the plan itself), as Markdown."""
    lines = [
        f"# {draft.title}：起草来源",
        "",
        "各条目的来源：catalogue 为工作条目库，year 为本年度要点，ask 为本次要求，"
        "corpus 为语料计划（可用 drafter corpus 查看原文），model 为模型撰写。",
        "",
    ]
    n = 0
    for sec in draft.sections:
        if sec.empty:
            continue
        n += 1
        lines += [f"## {to_chinese(n)}、{sec.title}", ""]
        for it in sec.all_items():
            where = it.origin or "—"
            lines.append(f"- {where}：{it.text[:40]}{'…' if len(it.text) > 40 else ''}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
