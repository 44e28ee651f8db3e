"""Revise last year's plan into this year's: read → resolve → update and flag → add → (model) → finish.

    from drafter.revision import revise
    plan = revise("2024年工会工作计划.docx", year=2025, brief="今年重点：职工心理健康")
    print(plan.markdown); print(plan.changes_markdown); plan.save("2025年工会工作计划.docx")

The unit and last year's year are inferred from the text when not given (with their evidence in
``RevisedPlan.inferred``). Every line of the old plan is kept in its place: the detectors of
:mod:`drafter.revision.detect` update what is sure and flag what the chair must judge; the asks of the
brief and the unit's missing must-haves are added (:mod:`drafter.revision.additions`). With a model
writer, each section is then rewritten by the model from last year's section
(:mod:`drafter.revision.model`) and goes through the same checks again.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drafter.domain.era import check_year
from drafter.domain.facts import Facts
from drafter.domain.request import NAME_SLOT, DraftRequest, build_request
from drafter.domain.script import detect_script, to_simplified
from drafter.domain.units import load_profile
from drafter.errors import InputError
from drafter.evaluate.parse import read_source
from drafter.evaluate.reading import strip_numbering
from drafter.ingestion.tag import tag_unit, tag_year
from drafter.resources import load_data
from drafter.revision import marks
from drafter.revision.additions import (
    Addition,
    add_to_schedule,
    insert_additions,
    move_festival_entries,
    plan_additions,
)
from drafter.revision.changes import Change
from drafter.revision.context import Context, make_context
from drafter.revision.detect import LineInfo, revise_line
from drafter.revision.document import Line, PlanDoc, index, parse_doc
from drafter.revision.result import RevisedPlan
from drafter.sync import run_sync

Warn = Callable[[str], None]
FactsArg = Facts | Mapping[str, Any] | str | Path | None
_SENT = re.compile(r"[^。！？；]+[。！？；]?")
_PLAN_WORD = re.compile(r"工会工作计划|工作计划|工会计划|计划|要点")


@dataclass
class Revision:
    """A revision in progress: the plan's lines, the resolved request and context, what was done."""

    doc: PlanDoc
    request: DraftRequest
    ctx: Context
    changes: list[Change]
    additions: list[Addition]
    source: str
    fmt: str
    script: str
    inferred: dict[str, dict[str, Any]]


def section_of(doc: PlanDoc, i: int) -> tuple[str, Line | None]:
    """The name of the part line ``i`` is in (标题, 开头, 落款, or its heading) and that heading's line."""
    ln = doc.lines[i]
    if ln.kind == "title":
        return "标题", None
    if ln.kind == "closing":
        return "落款", None
    p = i if ln.kind == "heading" else ln.parent
    if p is None:
        return "开头", None
    return marks.strip_flags(doc.lines[p].text), doc.lines[p]


_FIXED = {"": -3, "标题": -2, "开头": -1}


def settle(doc: PlanDoc, changes: list[Change]) -> list[Change]:
    """Name each change after its heading as the revised plan shows it, and order them as the plan is."""
    at = {id(ln): i for i, ln in enumerate(doc.lines)}
    end = len(doc.lines)

    def key(c: Change) -> int:
        if c.anchor is not None and id(c.anchor) in at:
            c.section = marks.strip_flags(c.anchor.text)
            return at[id(c.anchor)]
        return _FIXED.get(c.section, end)

    return sorted(changes, key=key)


def _drafting_unit(tag: str) -> tuple[str, str | None]:
    """A tagged unit with a drafting profile; a corpus-only tag (school, other) → its first draft_as unit."""
    for u in load_data("units.yaml")["units"]:
        if u["id"] == tag and not u.get("drafting"):
            instead = (u.get("draft_as") or ["enterprise"])[0]
            return instead, f"单位类型{tag}没有起草配置，按{instead}修订（可用 --unit 指定）"
    return tag, None


def _resolve_unit(unit: str | None, text: str, inferred: dict[str, dict[str, Any]], notes: list[str]) -> str:
    if unit:
        uid = load_profile(unit).id
        inferred["unit"] = {"value": uid, "inferred": False, "evidence": []}
        return uid
    tag = tag_unit(text)
    value = str(tag.value or "other")
    uid, note = _drafting_unit(value)
    if note:
        notes.append(note)
    inferred["unit"] = {"value": uid, "tagged": value, "inferred": True, "evidence": list(tag.evidence)[:6]}
    return uid


def _resolve_year(
    from_year: int | None, new: int, text: str, title: str, inferred: dict[str, dict[str, Any]], notes: list[str]
) -> int:
    if from_year is not None:
        old = check_year(from_year)
        inferred["year"] = {"value": old, "inferred": False, "evidence": []}
    else:
        tag = tag_year(text, title)
        if isinstance(tag.value, int):
            old = int(tag.value)
            inferred["year"] = {"value": old, "inferred": True, "evidence": list(tag.evidence)[:3]}
        else:
            old = new - 1
            notes.append(f"原计划没有写明年份，按{old}年的计划处理（可用 --from-year 指定）")
            inferred["year"] = {"value": old, "inferred": True, "evidence": [], "assumed": True}
    if old >= new:
        ev = "、".join(inferred["year"].get("evidence") or []) or str(old)
        raise InputError(
            f"the plan reads as a plan for {old} ({ev}): give a --year after {old}, "
            f"or --from-year when it is an older plan"
        )
    return old


def prepare(
    source: str | Path,
    year: int,
    *,
    brief: str = "",
    facts: FactsArg = None,
    unit: str | None = None,
    from_year: int | None = None,
) -> Revision:
    """Read last year's plan and revise every line of it offline: updates, flags, additions."""
    new = check_year(year)
    raw, fmt, name = read_source(source)
    if not raw.strip():
        raise InputError(f"{name} is empty; give a file that holds last year's plan")
    script = detect_script(raw).value
    text = to_simplified(raw) if script == "traditional" else raw
    doc = parse_doc(text, fmt)
    if not any(ln.kind in ("item", "para", "heading", "month") for ln in doc.lines):
        raise InputError(f"{name} holds no plan text; give last year's plan")
    notes: list[str] = []
    inferred: dict[str, dict[str, Any]] = {}
    uid = _resolve_unit(unit, text, inferred, notes)
    ti = doc.title_index()
    title = doc.lines[ti].text if ti is not None else ""
    old = _resolve_year(from_year, new, text, title, inferred, notes)
    request = build_request(uid, new, brief=brief, facts=facts, script=script, name=_name_in(title))
    ctx = make_context(old, new, request)
    changes = [Change("note", "", what=n) for n in notes]
    changes += move_festival_entries(doc, ctx)
    changes += _revise_lines(doc, ctx)
    changes += _title(doc, ctx)
    additions, skipped = plan_additions(doc, request)
    changes += skipped
    return Revision(doc, request, ctx, changes, additions, name, fmt, script, inferred)


_NAME = re.compile(
    r"^(?P<name>[^\s#]{2,30}?)(?:(?:19|20)\d{2}|[一二][〇○零0一二三四五六七八九]{3}|(?:20)?[xX]{2,4})\s*年"
)


def _name_in(title: str) -> str | None:
    """The unit's name as last year's title gives it (市第一人民医院2023年工会工作计划 → 市第一人民医院)."""
    m = _NAME.match(marks.strip_marks(title).strip())
    name = m.group("name") if m else None
    if not name or not re.fullmatch(r"[\u4e00-\u9fff（）()·\w]{2,30}", name):
        return None
    return name


def _revise_lines(doc: PlanDoc, ctx: Context, which: list[int] | None = None, *, model: bool = False) -> list[Change]:
    changes: list[Change] = []
    for i in which if which is not None else range(len(doc.lines)):
        ln = doc.lines[i]
        info = LineInfo(title=ln.kind == "title", months=ln.months, model=model, closing=ln.kind == "closing")
        before = ln.text
        ln.text, applied = revise_line(before, ctx, info)
        where, anchor = section_of(doc, i)
        for ed in applied:
            if ed.kind == "updated":
                changes.append(
                    Change(
                        "updated",
                        where,
                        old=ed.old,
                        new=ed.new,
                        reason=ed.note,
                        section_id=ln.section,
                        anchor=anchor,
                        origin=ln,
                    )
                )
            else:
                what = ed.old or strip_numbering((_SENT.findall(marks.strip_marks(before[: ed.start])) or [""])[-1])
                changes.append(
                    Change("flagged", where, what=what, reason=ed.note, section_id=ln.section, anchor=anchor, origin=ln)
                )
    return changes


def _title(doc: PlanDoc, ctx: Context) -> list[Change]:
    """The title names the new year: a title without a year gets one; a plan without a title gets one."""
    ti = doc.title_index()
    new = ctx.new
    if ti is None:
        name = ctx.request.facts.get("单位名称") or NAME_SLOT
        title = f"{name}{new}年工会工作计划"
        doc.lines.insert(0, Line("title", marks.ADDED + title))
        index(doc)
        return [Change("added", "标题", what=title, reason="上年计划没有标题")]
    ln = doc.lines[ti]
    if str(new) in ln.clean:
        return []
    m = _PLAN_WORD.search(ln.text)
    at = m.start() if m else len(ln.text)
    ln.text = ln.text[:at] + marks.updated("", f"{new}年") + ln.text[at:]
    return [Change("updated", "标题", old="（无年份）", new=f"{new}年", reason="标题写明计划年份")]


def _preamble(doc: PlanDoc, request: DraftRequest) -> list[Change]:
    """The year's priorities named in the opening, after last year's opening paragraphs."""
    if not request.asks:
        return []
    first = next(
        (i for i, ln in enumerate(doc.lines) if ln.kind in ("heading", "item", "month", "closing")), len(doc.lines)
    )
    paras = [i for i in range(first) if doc.lines[i].kind == "para"]
    ti = doc.title_index()
    pos = (paras[-1] + 1) if paras else ((ti + 1) if ti is not None else 0)
    asks = "、".join(request.unit.adapt(a) for a in request.asks)
    sentence = f"{request.year}年工会工作的重点是：{asks}。"
    doc.lines.insert(pos, Line("para", marks.ADDED + sentence))
    index(doc)
    return [Change("added", "开头", what=sentence, reason="本年重点")]


def finish(rev: Revision, *, writer: str = "offline", usage: dict[str, int] | None = None) -> RevisedPlan:
    """Put the additions in, the schedule entries and the opening's priorities; the result."""
    doc = rev.doc
    rev.changes += insert_additions(doc, rev.additions, rev.request)
    rev.changes += add_to_schedule(doc, rev.additions, rev.request)
    rev.changes += _preamble(doc, rev.request)
    return RevisedPlan(
        doc=doc,
        changes=settle(doc, rev.changes),
        request=rev.request,
        old_year=rev.ctx.old,
        source=rev.source,
        fmt=rev.fmt,
        script=rev.script,
        inferred=rev.inferred,
        writer=writer,
        usage=dict(usage or {}),
    )


async def arevise(
    source: str | Path,
    year: int,
    *,
    brief: str = "",
    facts: FactsArg = None,
    unit: str | None = None,
    from_year: int | None = None,
    writer: Any = None,
    max_concurrency: int = 16,
    progress: Callable[[int, int, str], None] | None = None,
) -> RevisedPlan:
    """Revise last year's plan (see :func:`revise`); with a model ``writer`` (an ``OpenAIWriter``), each
    section is rewritten by the model from last year's section."""
    rev = prepare(source, year, brief=brief, facts=facts, unit=unit, from_year=from_year)
    if writer is None or getattr(writer, "name", "offline") == "offline":
        return finish(rev)
    from drafter.revision.model import rewrite_sections  # model builds on this module (Revision, the line pass)

    used = writer.usage()
    await rewrite_sections(rev, writer, max_concurrency=max_concurrency, progress=progress)
    usage = {k: v - used.get(k, 0) for k, v in writer.usage().items()}
    return finish(rev, writer=writer.name, usage=usage)


def revise(
    source: str | Path,
    year: int,
    *,
    brief: str = "",
    facts: FactsArg = None,
    unit: str | None = None,
    from_year: int | None = None,
    writer: Any = None,
    max_concurrency: int = 16,
    progress: Callable[[int, int, str], None] | None = None,
) -> RevisedPlan:
    """This year's plan from last year's (a path to .docx/.txt/.md, or the plan's text).

    ``year`` is the new plan's year; ``brief`` this year's asks; ``facts`` the unit's facts (a mapping or a
    facts file: a headcount or budget they give replaces last year's figure); ``unit`` and ``from_year``
    override what is inferred from the text. Safe inside a running event loop (Jupyter).
    """
    return run_sync(
        lambda: arevise(
            source,
            year,
            brief=brief,
            facts=facts,
            unit=unit,
            from_year=from_year,
            writer=writer,
            max_concurrency=max_concurrency,
            progress=progress,
        )
    )
