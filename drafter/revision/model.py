"""The model writer's pass of a revision: each section rewritten from last year's, then checked again.

For each section of the old plan (a top-level heading, or each sub-heading of a container such as
二、主要工作; not 指导思想 nor the schedule, which the offline pass updates), the model gets
``prompts/revise_section.md``: last year's section as the primary reference, what the offline pass
found in it (updates, flags), the items this year adds to it, the asks, the facts and the era's
framing, with the same rules (keep the union's own facts; add; flag). Its answer is checked like a
drafted section's (:class:`~drafter.draft.model_checks.AnswerCheck`, one corrective retry) and then
goes through the same document pass: the detectors flag stale phrasing, one-off events and figures
the model left bare, and recompute lunar dates. Nothing of the old section is lost: an old item the
answer does not carry is put back, flagged; an addition the answer left out is added as planned.
A section whose request fails keeps the offline revision (noted in the change list).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from drafter.domain.numerals import to_chinese
from drafter.draft import text as tx
from drafter.draft.answer import parse_section_markdown
from drafter.draft.model_checks import AnswerCheck, Budget, _phrases, instruction_phrases
from drafter.draft.prompting import load_template, neutralise, request_variables
from drafter.errors import ConfigError, ModelError, ModelUnavailableError
from drafter.evaluate.blocks import is_container
from drafter.evaluate.reading import strip_numbering
from drafter.models import OutlineSection
from drafter.revision import marks
from drafter.revision.changes import Change
from drafter.revision.document import SCHEDULE, Line, PlanDoc, format_number, index, item_prefix
from drafter.revision.revision import Revision, _revise_lines, section_of

log = logging.getLogger(__name__)

TEMPLATE = "revise_section"
KEPT = 0.6  # an old line whose bigrams are this much in the answer is kept
COVERED = 0.5  # an addition whose bigrams are this much in one answer line is written
_SKIP = ("guiding_ideology", SCHEDULE)


def units(doc: PlanDoc) -> list[int]:
    """The headings whose sections the model rewrites, in plan order."""
    out = []
    for i in doc.children(None):
        kids = doc.children(i)
        labelled = [k for k in kids if doc.lines[k].labels]
        if len(labelled) >= 2 and (is_container(doc.lines[i].clean) or not doc.lines[i].labels):
            out += [k for k in kids if _wanted(doc, k)]
        elif _wanted(doc, i):
            out.append(i)
    return out


def _wanted(doc: PlanDoc, i: int) -> bool:
    ln = doc.lines[i]
    if any(lab in _SKIP for lab in ln.labels) or ln.source is None:
        return False
    return any(x.kind in ("item", "para") for x in doc.lines[i + 1 : doc.region_end(i)])


def _outline(doc: PlanDoc, current: int) -> str:
    lines = []
    for i in doc.children(None):
        mark = "  ←【本次修订这一部分】" if i == current or current in doc.children(i) else ""
        lines.append(doc.lines[i].clean + mark)
    return "\n".join(lines) or "（无）"


def variables(rev: Revision, i: int, additions: list[Any], checks: list[Change]) -> dict[str, str]:
    doc, req = rev.doc, rev.request
    end = doc.region_end(i)
    old = "\n".join(ln.original for ln in doc.lines[i + 1 : end] if ln.source is not None)
    asks = list(dict.fromkeys(a.item.ask for a in additions if a.item.ask))
    adds = (
        "\n".join(f"{k}. {a.item.text}（{a.why}）" for k, a in enumerate(additions, 1))
        or "（本部分今年没有必须补充的工作）"
    )
    found = []
    for c in checks:
        if c.kind == "updated":
            found.append(f"- 已更新：{c.old}→{c.new}（{c.reason}）")
        elif c.kind == "flagged":
            found.append(f"- 待核：{c.what}——{c.reason}")
    title = next((ln.clean for ln in doc.lines if ln.kind == "title"), "")
    own = "\n".join([old, adds, title])
    return {
        **request_variables(req, own, no_brief="（未提供，按上年计划和这类单位工会的常规重点修订）"),
        "old_year": str(rev.ctx.old),
        "plan_title": title,
        "outline": _outline(doc, i),
        "section_title": strip_numbering(doc.lines[i].clean) or doc.lines[i].clean,
        "section_asks": "、".join(asks) or "无",
        "old_section": neutralise(old) or "（上年这一部分只有标题）",
        "checks": "\n".join(found) or "（未发现需要处理的问题）",
        "additions": adds,
    }


def _budget(old_chars: int, additions: int) -> Budget:
    chars = max(400, int(old_chars * 1.3) + 130 * additions + 200)
    return Budget(chars=chars, max_chars=3 * chars, max_tokens=-(-2 * chars // 256) * 256)


def _phrases_of(template_text: str) -> tuple[str, ...]:
    sentences, labels = _phrases((template_text,))
    return (*instruction_phrases(), *sentences, *labels, "<上年原文>", "</上年原文>", "＜上年原文＞")


async def rewrite_sections(
    rev: Revision,
    writer: Any,
    *,
    max_concurrency: int = 16,
    progress: Callable[[int, int, str], None] | None = None,
) -> None:
    """Rewrite each section of the revision with the model (see the module docstring), in place."""
    doc = rev.doc
    todo = units(doc)
    if not todo:
        return
    system = load_template("system").render({})
    template = load_template(TEMPLATE)
    phrases = _phrases_of(template.text)
    heads = {i: doc.lines[i] for i in todo}
    region = {i: {id(x) for x in doc.lines[i : doc.region_end(i)] if x.kind == "heading"} for i in todo}
    adds = {i: [a for a in rev.additions if a.anchor is not None and id(a.anchor) in region[i]] for i in todo}
    checks = {i: [c for c in rev.changes if c.anchor is not None and id(c.anchor) in region[i]] for i in todo}
    sem = asyncio.Semaphore(max(1, max_concurrency))
    done = 0

    async def one(i: int) -> str | BaseException:
        nonlocal done
        values = variables(rev, i, adds[i], checks[i])
        messages = [{"role": "system", "content": system}, {"role": "user", "content": template.render(values)}]
        budget = _budget(len(values["old_section"]), len(adds[i]))
        check = AnswerCheck(
            OutlineSection(id=doc.lines[i].section or "section", title=values["section_title"]), budget, phrases
        )
        async with sem:
            try:
                answer: str | BaseException = await writer.acomplete(
                    messages, check=check, max_tokens=budget.max_tokens
                )
            except (ModelUnavailableError, ConfigError):
                raise
            except ModelError as exc:
                answer = exc
        done += 1
        if progress is not None:
            progress(done, len(todo), values["section_title"])
        return answer

    answers = await asyncio.gather(*(one(i) for i in todo))
    for i, answer in sorted(zip(todo, answers), key=lambda x: -x[0]):
        head = heads[i]
        if isinstance(answer, BaseException):
            msg = str(answer).strip().splitlines()[0] if str(answer).strip() else type(answer).__name__
            rev.changes.append(Change("note", "", what=f"“{head.clean}”模型改写失败（{msg}），保留自动修订的结果"))
            continue
        _apply(rev, next(k for k, x in enumerate(doc.lines) if x is head), answer, adds[i])


def _numbered(fmt: str, n: int, text: str) -> str:
    """``text`` with its own numbering replaced by ``fmt``'s n-th number."""
    prefix = item_prefix(text)
    rest = text[len(format_number(prefix[0], prefix[1])) :] if prefix else text
    return format_number(fmt, n) + rest.lstrip()


def _apply(rev: Revision, i: int, answer: str, additions: list[Any]) -> None:
    """Put the model's section in place of the old body; keep back what it dropped; run the document pass."""
    doc = rev.doc
    head = doc.lines[i]
    end = doc.region_end(i)
    replaced = doc.lines[i + 1 : end]
    old_lines = [x for x in replaced if x.kind in ("item", "para", "month") and x.source is not None]
    draft = parse_section_markdown(answer, OutlineSection(id=head.section or "section", title=head.clean))
    style = next((p for p in (item_prefix(x.clean) for x in old_lines if x.kind == "item") if p), None)
    fmt = style[0] if style else ("{n}. " if doc.markdown else "{n}、")
    md = any(x.md_list for x in old_lines)
    direct: list[Line] = [Line("para", draft.intro)] if draft.intro else []
    direct += [Line("item", format_number(fmt, k) + it.text, md_list=md) for k, it in enumerate(draft.items, 1)]
    subs: list[Line] = []
    for j, sub in enumerate(draft.subsections, 1):
        subs.append(Line("heading", f"（{to_chinese(j)}）{sub.title}", level=head.level + 1, labels=head.labels))
        subs += [Line("item", format_number(fmt, k) + it.text, md_list=md) for k, it in enumerate(sub.items, 1)]
    name, _ = section_of(doc, i)
    changes = [
        Change(
            "updated",
            name,
            old="上年本部分",
            new="模型按今年要求改写",
            reason="依据上年原文改写，保留原有工作",
            anchor=head,
        )
    ]
    covered: set[int] = set()
    old_grams = [tx.bigrams(x.original) for x in old_lines]
    for ln in direct + subs:
        if ln.kind != "item":
            continue
        grams = tx.bigrams(ln.text)
        if any(tx.containment(grams, g) >= KEPT for g in old_grams):
            continue  # last year's item, reworded
        hit = next(
            (k for k, a in enumerate(additions) if tx.containment(tx.bigrams(a.item.text), grams) >= COVERED), None
        )
        if hit is not None:
            covered.add(hit)
        prefix = item_prefix(ln.text)
        cut = len(format_number(prefix[0], prefix[1])) if prefix else 0
        ln.text = ln.text[:cut] + marks.ADDED + ln.text[cut:]
        why = additions[hit].why if hit is not None else "模型补充"
        changes.append(Change("added", name, what=marks.strip_marks(ln.text[cut:]), reason=why, anchor=head))
    answer_grams = tx.bigrams(answer)
    kept_back = []
    n = sum(1 for x in direct if x.kind == "item")
    for x, g in zip(old_lines, old_grams):
        if g and tx.containment(g, answer_grams) < KEPT:
            note = "模型改写时没有保留这一条，请确认是否删去"
            if x.kind == "item":
                n += 1
                x.text = _numbered(fmt, n, x.text)
            x.text += marks.check(note)
            kept_back.append(x)
            changes.append(Change("flagged", name, what=x.original, reason=note, anchor=head, origin=x))
    for k, a in enumerate(additions):
        a.covered = k in covered
        if not a.covered:
            a.anchor = head  # its sub-heading may be gone: under the section's heading
    gone = {id(x) for x in replaced} - {id(x) for x in kept_back}
    rev.changes = [c for c in rev.changes if c.origin is None or id(c.origin) not in gone]
    doc.lines[i + 1 : end] = direct + kept_back + subs
    index(doc)
    written = {id(x) for x in direct + subs}
    rows = [k for k, x in enumerate(doc.lines) if id(x) in written]
    rev.changes += changes + _revise_lines(doc, rev.ctx, rows, model=True)
