"""What this year's plan needs that last year's lacks, and where it goes.

* **The brief's asks** become concrete items in the section each ask touches (the drafter's routing,
  :func:`drafter.draft.outline.ask_sections`, over the canonical sections the old plan's headings
  claim; the items are :func:`drafter.draft.content.plan_section`'s: catalogue answers, else
  :func:`~drafter.draft.content.ask_item`).
* **The unit's must-have items** the old plan does not carry (the scorer's detection,
  :func:`drafter.evaluate.content.detection_words`), and the new year's own items of ``years.yaml``,
  rendered for the unit, the year and the facts.

Each goes under the heading that claims its section (the deepest one; a section held as a
sub-section, 经费 under 工会自身建设, goes to its holder), numbered after the items there; a section
the old plan lacks is added as a new heading among its siblings, in the unit's outline order.
Dated items also get an entry in the schedule (:func:`add_to_schedule`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from drafter.domain import catalogue, sections
from drafter.domain.calendar import lunar_to_solar
from drafter.domain.numerals import to_chinese
from drafter.domain.request import DraftRequest
from drafter.draft import text as tx
from drafter.draft.content import plan_section
from drafter.draft.document import punctuate
from drafter.draft.outline import ask_sections, outline_for
from drafter.evaluate.content import detection_words, mentions
from drafter.models import Item, OutlineSection
from drafter.revision import marks
from drafter.revision.changes import Change
from drafter.revision.context import Context
from drafter.revision.detect import festival_dates
from drafter.revision.document import (
    SCHEDULE,
    Line,
    PlanDoc,
    format_number,
    heading_prefix,
    index,
    item_prefix,
    month_content,
    renumber,
    split_month,
)

LATE = ("safeguards", SCHEDULE)  # new sections go before these


@dataclass
class Addition:
    """A planned item to add: the item, its canonical section, why, and where it goes."""

    item: Item
    section: str
    why: str
    title: str = ""  # the heading of a new section (custom sections: from the outline)
    target: int | None = None  # the heading it goes under; None: a new section, -1: the plan has no headings
    anchor: Line | None = None  # that heading's line (indices move as lines are added)
    covered: bool = False  # the model wrote it into its section already


def _held(request: DraftRequest) -> dict[str, str]:
    return {
        sub.id: spec.id
        for spec in sections.sections_for(request.unit)
        for sub in spec.subsections
        if sub.id and sub.id != spec.id
    }


def plan_additions(doc: PlanDoc, request: DraftRequest) -> tuple[list[Addition], list[Change]]:
    """The asks' items and the missing must-haves, each with its place (see the module docstring)."""
    profile = request.unit
    present = [s for s in doc.present_sections() if s != SCHEDULE]
    body = "\n".join(ln.clean for ln in doc.lines if ln.kind not in ("title", "closing"))
    seen = [tx.bigrams(ln.clean) for ln in doc.lines if ln.kind in ("item", "para", "month")]
    notes: list[Change] = []
    out: list[Addition] = []
    item_ids = [s for s in present if sections.layout_of(s) == "items" or s.startswith("custom_")]
    outline = None
    for ask in request.asks:
        phrased = profile.adapt(ask)
        targets = ask_sections(ask, request, item_ids) if item_ids else []
        title = ""
        if targets:
            sid = targets[0]
        else:
            outline = outline or outline_for(request)
            sec = next((s for s in outline.sections if phrased in s.asks), None)
            if sec is None:
                continue
            sid, title = sec.id, sec.title
        osec = OutlineSection(id=sid, title=title or sid, asks=[phrased])
        items = [x for x in plan_section(osec, request, max_items=0) if x.ask == phrased][:2]
        fresh = [x for x in items if not tx.is_duplicate(x.text, seen, 0.5)]
        if items and not fresh:
            notes.append(Change("note", "", what=f"本年重点“{ask}”：上年计划已有相应安排，未重复添加"))
        out += [Addition(x, sid, f"本年重点“{ask}”", title) for x in fresh]
    chosen = {a.item.origin for a in out}
    missing: dict[str, list[str]] = {}
    for it in catalogue.must_haves(profile.id, request.year):
        words = detection_words(it)
        if words and not any(mentions(body, w) for w in words):
            origin = f"year:{it.id}" if it.year is not None else f"catalogue:{it.id}"
            missing.setdefault(it.section, []).append(origin)
    for sid, origins in missing.items():
        planned = {x.origin: x for x in plan_section(OutlineSection(id=sid, title=sid), request, max_items=0)}
        for origin in origins:
            x = planned.get(origin)
            if x is None or origin in chosen:
                continue
            if tx.is_duplicate(x.text, seen, 0.5):
                # the plan says it already in words the detection does not know
                short = re.split(r"[，；。]", x.text)[0]
                notes.append(Change("note", "", what=f"必备事项“{short}”：上年计划已有相应安排，未重复添加"))
                continue
            chosen.add(origin)
            why = f"{request.year}年度要点" if origin.startswith("year:") else f"{profile.name}工会计划的必备事项"
            out.append(Addition(x, sid, why))
    held = _held(request)
    flat = not doc.headings()
    for a in out:
        a.target = -1 if flat else _place(doc, a.section, held)
        a.anchor = doc.lines[a.target] if a.target is not None and a.target >= 0 else None
    return out, notes


def _place(doc: PlanDoc, sid: str, held: dict[str, str]) -> int | None:
    for want in (sid, held.get(sid)):
        if want is None:
            continue
        cands = [i for i in doc.headings() if want in doc.lines[i].labels]
        if cands:
            deepest = max(doc.lines[i].level for i in cands)
            return next(i for i in cands if doc.lines[i].level == deepest)
    return None


# --------------------------------------------------------------------------- inserting


def _item_style(doc: PlanDoc, start: int, end: int) -> tuple[str, int, bool] | None:
    """(numbering format, last number, Markdown list) of the items between start and end; else the plan's."""
    for j in range(end - 1, start - 1, -1):
        ln = doc.lines[j]
        if ln.kind == "item":
            p = item_prefix(ln.clean)
            if p is not None:
                return p[0], p[1], ln.md_list
    for ln in doc.lines:
        if ln.kind == "item":
            p = item_prefix(ln.clean)
            if p is not None:
                return p[0], 0, ln.md_list
    return None


def _item_lines(items: list[Addition], style: tuple[str, int, bool] | None, doc: PlanDoc) -> list[Line]:
    out = []
    for k, a in enumerate(items, 1):
        text = punctuate(a.item.text)
        if style is None:
            line = Line("item" if doc.markdown else "para", marks.ADDED + text)
        else:
            fmt, last, md = style
            line = Line("item", format_number(fmt, last + k) + marks.ADDED + text, md_list=md)
        line.section = a.section
        out.append(line)
    return out


def _heading_text(doc: PlanDoc, i: int | None) -> str:
    if i is None or i < 0:
        return "正文"
    return marks.strip_flags(doc.lines[i].text)


def insert_additions(doc: PlanDoc, additions: list[Addition], request: DraftRequest) -> list[Change]:
    """Put the additions into the plan (marked 【新增】); the change list of what was added where."""
    changes: list[Change] = []
    by_target: dict[int, list[Addition]] = {}
    new_sections: dict[str, list[Addition]] = {}
    at = {id(ln): i for i, ln in enumerate(doc.lines)}
    for a in additions:
        if a.covered:
            continue
        if a.anchor is not None:
            a.target = at.get(id(a.anchor), a.target)
        if a.target is None:
            new_sections.setdefault(a.section, []).append(a)
        else:
            by_target.setdefault(a.target, []).append(a)
    # existing sections, last first so indices stay valid
    for target in sorted(by_target, key=lambda t: -(t if t >= 0 else len(doc.lines))):
        items = by_target[target]
        if target < 0:
            start, pos = 0, doc.content_end()
        else:
            start, pos = target + 1, doc.direct_end(target)
        lines = _item_lines(items, _item_style(doc, start, pos), doc)
        doc.lines[pos:pos] = lines
        anchor = doc.lines[target] if target >= 0 else None
        for a in items:
            changes.append(
                Change(
                    "added",
                    _heading_text(doc, target),
                    what=a.item.text,
                    reason=a.why,
                    section_id=a.section,
                    anchor=anchor,
                )
            )
    if new_sections:
        changes += _insert_sections(doc, new_sections, request)
    index(doc)
    return changes


def _content_parent(doc: PlanDoc) -> int | None:
    """The heading whose sub-headings hold most of the plan's sections (None: the top level)."""
    counts: dict[int | None, int] = {}
    for i in doc.headings():
        labels = [x for x in doc.lines[i].labels if x not in ("guiding_ideology", SCHEDULE)]
        if labels:
            counts[doc.lines[i].parent] = counts.get(doc.lines[i].parent, 0) + 1
    if not counts:
        return None
    return max(counts, key=lambda k: (counts[k], k is None))


def _rank(sid: str, order: list[str]) -> int:
    if sid in order:
        return order.index(sid)
    if sid.startswith("custom_"):
        return order.index("safeguards") - 1 if "safeguards" in order else len(order) - 2
    return len(order)


def _sibling_rank(doc: PlanDoc, i: int, order: list[str]) -> int:
    labels = doc.lines[i].labels
    return min((_rank(lab, order) for lab in labels), default=len(order)) if labels else len(order) + 1


def _insert_sections(doc: PlanDoc, new_sections: dict[str, list[Addition]], request: DraftRequest) -> list[Change]:
    order = [s.id for s in sections.sections_for(request.unit)]
    parent = _content_parent(doc)
    changes: list[Change] = []
    for sid in sorted(new_sections, key=lambda s: _rank(s, order)):
        items = new_sections[sid]
        title = items[0].title
        if not title:
            try:
                title = sections.section_spec(sid, request.unit).title
            except KeyError:
                continue
        siblings = doc.children(parent)
        level = doc.lines[siblings[0]].level if siblings else (doc.lines[parent].level + 1 if parent is not None else 1)
        rank = _rank(sid, order)
        pos = None
        # after the last sibling that comes before it in the unit's usual order (never after the schedule)
        earlier = [
            i for i in siblings if _sibling_rank(doc, i, order) <= rank and not set(doc.lines[i].labels) & set(LATE)
        ]
        late = [i for i in siblings if set(doc.lines[i].labels) & set(LATE)]
        if earlier:
            pos = doc.region_end(earlier[-1])
            if sid not in LATE and late and late[0] < pos:
                pos = late[0]
        elif siblings:
            pos = siblings[0]
        if pos is None:
            pos = (
                doc.region_end(siblings[-1])
                if siblings
                else (doc.region_end(parent) if parent is not None else doc.content_end())
            )
        style = heading_prefix(doc.lines[siblings[-1]].text) if siblings else None
        before = sum(1 for i in siblings if i < pos)
        number = style[0].replace("{cn}", to_chinese(before + 1)) if style else ""
        head = Line("heading", number + marks.ADDED + title, level=level, labels=(sid,))
        body_style = _item_style(doc, 0, len(doc.lines))
        fmt = (body_style[0], 0, body_style[2]) if body_style else None
        lines = [head, *_item_lines(items, fmt, doc)]
        doc.lines[pos:pos] = lines
        index(doc)
        renumber(doc, doc.children(parent))
        heading = marks.strip_flags(head.text)
        changes.append(
            Change("added", heading, what=f"新增一节“{title}”", reason=items[0].why, section_id=sid, anchor=head)
        )
        for a in items:
            changes.append(Change("added", heading, what=a.item.text, reason=a.why, section_id=sid, anchor=head))
    return changes


# --------------------------------------------------------------------------- the schedule


def _month_label(like: str, month: int) -> str:
    """A month label in the style of an existing month line (3月： / 三月份： / 3月份)."""
    m = re.match(r"^[（(]?(\d{1,2}|[一二三四五六七八九十]{1,2})\s*月(份?)\s*([:：]?)", like)
    if m is None:
        return f"{month}月："
    num = (
        str(month)
        if m.group(1).isdigit()
        else ("十" + "一二"[month - 11] if month > 10 else "十" if month == 10 else "一二三四五六七八九"[month - 1])
    )
    return f"{num}月{m.group(2)}{m.group(3) or '：'}"


def _schedule_region(doc: PlanDoc) -> tuple[int, int, int | None] | None:
    """(start, end, heading) of the plan's schedule; None when it has none (no schedule heading and
    fewer than three month lines)."""
    heads = [i for i in doc.headings() if SCHEDULE in doc.lines[i].labels]
    months = [i for i, ln in enumerate(doc.lines) if ln.kind == "month"]
    if heads:
        return heads[0] + 1, doc.region_end(heads[0]), heads[0]
    if len(months) < 3:
        return None
    return months[0], months[-1] + 1, None


def _put_in_month(doc: PlanDoc, month: int, entry: str, mark: str = marks.ADDED) -> None:
    """An entry in the schedule's line for ``month``: joined to that month's line, or an item under it when
    its entries are items, or a month line of its own (in the schedule's style) where it has none."""
    region = _schedule_region(doc)
    assert region is not None
    start, end, _ = region
    month_lines = [j for j in range(start, end) if doc.lines[j].kind == "month"]
    hit = next((j for j in month_lines if month in doc.lines[j].months), None)
    if hit is not None:
        ln = doc.lines[hit]
        if month_content(ln.clean):
            body = ln.text.rstrip()
            end_mark = "。" if body.endswith("。") else ""
            ln.text = body.removesuffix("。") + "；" + mark + entry + end_mark
        else:
            nxt = next((j for j in month_lines if j > hit), None)
            pos = nxt if nxt is not None else end
            style = _item_style(doc, hit + 1, pos)
            fmt = (style[0], style[1], style[2]) if style else None
            new = Line(
                "item",
                (format_number(fmt[0], fmt[1] + 1) if fmt else "") + mark + entry + "。",
                md_list=bool(fmt and fmt[2]),
            )
            doc.lines[pos:pos] = [new]
    else:
        like = doc.lines[month_lines[0]] if month_lines else None
        label = _month_label(like.clean, month) if like is not None else f"{month}月："
        later = next((j for j in month_lines if min(doc.lines[j].months or (13,)) > month), None)
        pos = later if later is not None else end
        if like is not None and like.level:  # months written as headings (### 3月), items under them
            style = _item_style(doc, start, end)
            number = format_number(style[0], 1) if style else ""
            doc.lines[pos:pos] = [
                Line("month", mark + label.rstrip("：:"), level=like.level, months=(month,)),
                Line("item", number + mark + entry + "。", md_list=bool(style and style[2])),
            ]
        else:
            doc.lines[pos:pos] = [Line("month", label + mark + entry + "。", months=(month,))]
    index(doc)


def _in_month(doc: PlanDoc, month: int, entry: str) -> bool:
    """Whether the schedule's lines for ``month`` say ``entry`` already."""
    region = _schedule_region(doc)
    if region is None:
        return False
    start, end, _ = region
    grams = tx.bigrams(entry)
    block: list[str] = []
    inside = False
    for ln in doc.lines[start:end]:
        if ln.kind == "month":
            inside = month in ln.months
        if inside:
            block += [c for c in re.split(r"[；。]", ln.clean) if c.strip()]
    return bool(grams) and any(len(grams & tx.bigrams(c)) >= 0.8 * len(grams) for c in block)


def _lead(entry: str, owner: str, union: str) -> str:
    """A schedule entry with who leads it (…（宣传委员牵头）), as drafted plans write it; the union itself
    leads what names no one."""
    if not owner or owner == union or "牵头" in entry:
        return entry
    return f"{entry}（{owner}牵头）"


def add_to_schedule(doc: PlanDoc, additions: list[Addition], request: DraftRequest | None = None) -> list[Change]:
    """Each dated addition's schedule line in the schedule's month (a month line of its own when the
    schedule has none for that month), with the item's owner; nothing when the plan has no schedule."""
    region = _schedule_region(doc)
    if region is None:
        return []
    union = request.unit.union if request is not None else ""
    changes: list[Change] = []
    entries = [
        (a.item.months[0], _lead(a.item.schedule.rstrip("。；"), a.item.owner, union), a)
        for a in additions
        if a.item.months and a.item.schedule
    ]
    for month, entry, a in sorted(entries, key=lambda e: e[0]):
        _, _, head = _schedule_region(doc) or region
        if _in_month(doc, month, a.item.schedule.rstrip("。；")):
            continue  # the schedule has it already (an item the plan carried under other words)
        _put_in_month(doc, month, entry)
        changes.append(
            Change(
                "added",
                _heading_text(doc, head) if head is not None else "具体安排",
                what=f"{month}月：{entry}",
                reason=a.why,
                section_id=SCHEDULE,
                anchor=doc.lines[head] if head is not None else None,
            )
        )
    return changes


# other days a clause may be about besides its festival (中秋国庆双节慰问): such a clause is not moved
_OTHER_DAYS = re.compile(r"节|国庆|元旦|三八|五一|五四|七一|八一|\d{1,2}月")


def _festival_month(clause: str, months: tuple[int, ...], ctx: Context) -> tuple[dt.date, str] | None:
    """An undated entry about a lunar festival only (开展春节“送温暖”走访慰问), in the line of the festival's
    month last year: the festival's date this year when it falls in another month (the plan's custom,
    as drafted plans do it, is the festival's month)."""
    if festival_dates(clause, ctx):
        return None
    for f in ctx.rules.festivals:
        if not f.pattern.search(clause):
            continue
        old_f = lunar_to_solar(ctx.old, *f.lunar) + dt.timedelta(days=f.days)
        new_f = lunar_to_solar(ctx.new, *f.lunar) + dt.timedelta(days=f.days)
        rest = f.pattern.sub("", clause).replace("节日", "")
        if old_f.month in months and new_f.month not in months and not _OTHER_DAYS.search(rest):
            return new_f, f.name
    return None


def move_festival_entries(doc: PlanDoc, ctx: Context) -> list[Change]:
    """A schedule entry dated by a lunar festival whose new date falls in another month (中秋 on 10月6日
    in 2025, on 9月25日 in 2026) moves to that month's line before the lines are revised; there its date is
    recomputed like any other. A month line left with nothing is dropped (the move names it)."""
    region = _schedule_region(doc)
    if region is None:
        return []
    changes: list[Change] = []
    for ln in [x for x in doc.lines if x.kind == "month" and x.source is not None]:
        label, body = split_month(ln.text)
        if not body or not ln.months:
            continue
        end_mark = "。" if body.endswith("。") else ""
        clauses = body.removesuffix("。").split("；")
        kept: list[str] = []
        moves: list[tuple[int, str, str]] = []
        for clause in clauses:
            target = next(
                (
                    (new, name)
                    for _, name, written, new in festival_dates(clause, ctx)
                    if written.month in ln.months and new.month not in ln.months
                ),
                None,
            ) or _festival_month(clause, ln.months, ctx)
            if target is None:
                kept.append(clause)
                continue
            new, name = target
            moves.append((new.month, clause, f"按{ctx.new}年{name}的日期（{new.month}月{new.day}日）调到{new.month}月"))
        if not moves:
            continue
        _, _, head = _schedule_region(doc) or region
        anchor = doc.lines[head] if head is not None else None
        where = _heading_text(doc, head) if head is not None else "具体安排"
        if kept:
            ln.text = label + "；".join(kept) + end_mark
        else:
            doc.lines.remove(ln)
            index(doc)
        for month, clause, why in moves:
            _put_in_month(doc, month, clause, mark="")
            old = f"{label.rstrip()}{clause}"
            changes.append(
                Change(
                    "updated",
                    where,
                    old=old,
                    new=f"{month}月",
                    reason=why,
                    section_id=SCHEDULE,
                    anchor=anchor,
                    origin=ln,
                )
            )
    return changes
