"""The whole-document pass every writer's sections go through before they become a plan.

* **Repeated ideas** are removed within and across sections (near-duplicate items by character
  bigrams; the earlier, higher-ranked item stays).
* **The schedule** is built from the sections' dated items (each item's months and schedule
  line, with the calendar's date for an item tied to an event, and who leads it) plus the
  calendar's standing events (the plan meeting, the year-end summary): nothing stands in the
  schedule that no section holds.
* **Punctuation** as official documents expect it (no 顿号 between 书名号 or quoted names,
  no doubled marks).
* **The 落款** (the union's name and the date) ends the plan; facts not given are 【待填：…】.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from drafter.domain.calendar import CalendarEvent, event_when, months_in, schedule_rows
from drafter.domain.request import DraftRequest
from drafter.draft import text as tx
from drafter.models import Item, SectionDraft

DUPLICATE = 0.5
SAME_STEP = 0.5  # a milestone whose bigrams are this much inside the item's own schedule line says it again
UNDATED = 0  # the schedule's "month" of items whose date the chair is still to fill in
UNDATED_LABEL = "【待填：时间】"
FIRST_ROW = 13  # the "months" of the rows after December (每月, 每季度 … 按上级部署), in order


def punctuate(text: str) -> str:
    """Official-document punctuation: 《A》《B》 and “A”“B” without 顿号, no doubled or clashing marks."""
    t = re.sub(r"》\s*、\s*《", "》《", text)
    t = re.sub(r"”\s*、\s*“", "”“", t)
    t = re.sub(r"([，。；：、！？])\1+", r"\1", t)
    t = re.sub(r"[，；、：]+([。！？])", r"\1", t)
    t = re.sub(r"。([，；])", "。", t)
    return t


def dedupe(drafts: list[SectionDraft], threshold: float = DUPLICATE) -> list[SectionDraft]:
    """Drop items that repeat an earlier item of the plan (within a section or across sections).

    工作目标 states the results the activities aim at, in their words: its lines are compared only with
    each other, never with the activities. An item that answers one of the brief's asks is never dropped.
    """
    seen: list[set[str]] = []
    goals_seen: list[set[str]] = []
    for d in drafts:
        if d.layout != "items":
            continue
        pool = goals_seen if d.id == "goals" else seen
        d.items = _keep_new(d.items, pool, threshold)
        if d.id == "goals":
            d.items = _new_clauses(d.items)
        for sub in d.subsections:
            sub.items = _keep_new(sub.items, pool, threshold)
        d.subsections = [s for s in d.subsections if s.items]
    return drafts


def _keep_new(items: list[Item], seen: list[set[str]], threshold: float) -> list[Item]:
    kept = []
    for it in items:
        if it.ask is None and tx.is_duplicate(it.text, seen, threshold):
            continue
        tx.remember(it.text, seen)
        kept.append(it)
    return kept


SAME_CLAUSE = 0.7


def _new_clauses(goals: list[Item]) -> list[Item]:
    """Goal lines without the clauses an earlier line already states (two items may aim at one
    result: 夜班集中科室每季度走访慰问全覆盖 is said once); a line left with nothing new goes."""
    said: list[set[str]] = []
    kept = []
    for it in goals:
        clauses = [c for c in re.split(r"[，；](?![^（]*）)", it.text.rstrip("。")) if c.strip()]
        fresh = [c for c in clauses if not any(tx.similar(tx.bigrams(c), s) >= SAME_CLAUSE for s in said)]
        said.extend(tx.bigrams(c) for c in clauses)
        if not fresh:
            continue
        if len(fresh) < len(clauses):
            it.text = "，".join(fresh) + "。"
        kept.append(it)
    return kept


def tidy(drafts: list[SectionDraft]) -> None:
    """Apply :func:`punctuate` to every intro and item."""
    for d in drafts:
        d.intro = punctuate(d.intro)
        for it in d.all_items():
            it.text = punctuate(it.text)


@dataclass
class ScheduleEntry:
    month: int  # 1–12; FIRST_ROW + i for the rows after December; UNDATED for a date still to fill in
    text: str
    order: int  # day of the month when known, else after the dated entries
    label: str = ""  # the row's label when not a month (【待填：大会召开时间】)


def _row_labels() -> list[str]:
    rows = schedule_rows()
    return [*rows.cadences, rows.upon_notice]


def _row_of(item: Item) -> int | None:
    """The row after December of an item with a schedule line and no month: the cadence its text says
    (每季度 …), or 按上级部署 for a year's campaign whose dates are set during the year."""
    rows = schedule_rows()
    cadence = rows.cadence_of(item.text, item.schedule)
    if cadence is not None:
        return FIRST_ROW + rows.cadences.index(cadence)
    if item.origin.startswith("year:"):
        return FIRST_ROW + len(rows.cadences)
    return None


def _event_day(date: dt.date) -> str:
    """A festival's day for the schedule: 3月8日, or 3月8日前后 when it falls on a weekend (the
    activity is held on a working day near it)."""
    return f"{date.month}月{date.day}日" + ("前后" if date.weekday() >= 5 else "")


def _event_entry(e: CalendarEvent) -> ScheduleEntry:
    line = f"{e.line()}（{e.owner}牵头）" if e.owner else e.line()
    return ScheduleEntry(e.month, line, e.date.day if e.date and e.show_date else 40)


# the date an item opens with (于9月上旬，/ 3月8日前后 / 7—8月间), dropped from its schedule line
_LEADING_DATE = re.compile(
    r"^(?:于|在|从|自)?(?:\d{4}年)?[\d一二三四五六七八九十]{1,2}\s*(?:[-—–~～至到、和]\s*[\d一二三四五六七八九十]{1,2}\s*)?月份?"
    r"(?:\d{1,2}日)?(?:上旬|中旬|下旬|初|底|中|间|期间)?(?:前后|以前|前|起|开始)?[，,、\s]*"
)


def date_from_text(item: Item) -> Item:
    """An item written by hand (the chair's edit) placed in the schedule by the months its text names:
    ``9月组织全体教职工秋季登山活动，工会委员分组负责`` → months [9], line ``组织全体教职工秋季登山活动``.
    Items that already carry months, and items that name none, are left as they are."""
    if item.months:
        return item
    months = months_in(item.text)
    if not months:
        return item
    body = _LEADING_DATE.sub("", item.text.strip(), count=1)
    clauses = [c for c in re.split(r"[，；。！]", body) if c.strip()]
    line = clauses[0] if clauses else body
    if len(line) < 6 and len(clauses) > 1:
        line = "，".join(clauses[:2])
    item.months = months
    item.schedule = line.strip()
    return item


def schedule_entries(request: DraftRequest, items: list[Item]) -> list[ScheduleEntry]:
    """Entries of the month-by-month schedule: the dated items first, then the calendar's uncovered events."""
    entries: list[ScheduleEntry] = []
    claimed: set[str] = set()
    by_name = {e.name: e for e in request.events}
    for it in items:
        lead = f"{it.owner}牵头" if it.owner and it.owner != request.unit.union else ""
        own_months = ([event_when(it.event, request.year)[0]] if it.event else it.months) if it.schedule else []
        # milestones (an asked item's steps): each in its month; one in a month the item's own line holds
        # joins that line (护士节表彰大会，开展家属开放日（5月12日）)
        joined: dict[int, list[str]] = {}
        stated: dict[int, list[str]] = {}  # each own month's steps as written
        for step in it.steps:
            if step.month in own_months and not it.tentative:
                stated.setdefault(step.month, []).append(step.line.rstrip("。；"))
                # only what the item's own line does not say already, clause by clause
                new = [
                    _without_shared_opening(c, it.schedule)
                    for c in re.split(r"[，；。]", step.line)
                    if c and tx.containment(c, it.schedule) < SAME_STEP
                ]
                if new:
                    joined.setdefault(step.month, []).append("，".join(new))
            else:
                line = step.line.rstrip("。；")
                entries.append(ScheduleEntry(step.month, f"{line}（{lead}）" if lead else line, 40))
        if not it.schedule:
            continue
        line = it.schedule.rstrip("。；")
        if not it.months:
            # a goal is a result, not an activity: only activities get a row of their own
            row = None if it.event or it.tentative or it.section == "goals" else _row_of(it)
            if row is not None:
                entries.append(ScheduleEntry(row, f"{line}（{lead}）" if lead else line, 40))
            continue

        def with_steps(month: int, line: str = line, joined: dict[int, list[str]] = joined) -> str:
            return "，".join([line, *joined.get(month, [])])

        if it.event:
            claimed.add(it.event)
            e = by_name.get(it.event)
            month, date = event_when(it.event, request.year)
            when = _event_day(date) if e is not None and date is not None and e.show_date else ""
            note = "，".join(x for x in (when, lead) if x)
            text = with_steps(month)
            entries.append(ScheduleEntry(month, f"{text}（{note}）" if note else text, date.day if date else 40))
            continue
        if it.tentative:  # its month waits for a fact (the congress's date): a row of its own, to fill in
            label = f"【待填：{it.waits_for}】" if it.waits_for else UNDATED_LABEL
            # in the order of their default months: what comes before the assembly, the assembly, what follows
            order = it.months[0] if it.months else 40
            entries.append(ScheduleEntry(UNDATED, f"{line}（{lead}）" if lead else line, order, label))
            continue
        for k, m in enumerate(it.months):
            # the item's own line opens it (its first month); a later month with a step of its own is that step
            text = "，".join(stated[m]) if k and stated.get(m) else with_steps(m)
            entries.append(ScheduleEntry(m, f"{text}（{lead}）" if lead else text, 40))
    dated = [tx.bigrams(en.text) for en in entries if 1 <= en.month <= 12]
    # a row after December that says again what a month already holds is left out
    entries = [
        en
        for en in entries
        if en.month < FIRST_ROW or not any(tx.similar(tx.bigrams(en.text), d) >= 0.6 for d in dated)
    ]
    seen_by_month: dict[int, list[set[str]]] = {}
    for en in entries:
        seen_by_month.setdefault(en.month, []).append(tx.bigrams(en.text))
    for e in request.events:
        if e.name in claimed or not e.standing:
            continue
        grams = tx.bigrams(e.activity)
        if any(tx.similar(grams, s) >= 0.3 or tx.containment(grams, s) >= 0.5 for s in seen_by_month.get(e.month, [])):
            continue
        entries.append(_event_entry(e))
        seen_by_month.setdefault(e.month, []).append(grams)
    return entries


def _without_shared_opening(clause: str, line: str) -> str:
    """A clause joined to a line, without the opening they share (结合“世界读书日”开展读书分享活动 +
    结合“世界读书日”启动全员阅读季 → …，启动全员阅读季)."""
    n = next((i for i, (a, b) in enumerate(zip(clause, line, strict=False)) if a != b), min(len(clause), len(line)))
    return clause[n:] if n >= 4 and len(clause) - n >= 4 else clause


def build_schedule(request: DraftRequest, title: str, items: list[Item]) -> SectionDraft:
    """The schedule section: one line per month, ``3月：…；…。``, entries in date order."""
    by_row: dict[tuple[int, str], list[ScheduleEntry]] = {}
    for en in schedule_entries(request, items):
        lines = by_row.setdefault((en.month, en.label), [])
        if not any(tx.similar(en.text, x.text) >= 0.6 for x in lines):
            lines.append(en)
    labels = _row_labels()
    out = []
    for month, label in sorted(by_row, key=lambda k: (k[0] if k[0] != UNDATED else 99, k[1])):
        entries = sorted(by_row[(month, label)], key=lambda x: x.order)
        if month == UNDATED:
            head = label or UNDATED_LABEL
        else:
            head = f"{month}月" if month < FIRST_ROW else labels[month - FIRST_ROW]
        out.append(
            Item(
                text=f"{head}：" + "；".join(x.text for x in entries) + "。",
                origin="schedule",
                section="schedule",
                months=[month] if 1 <= month <= 12 else [],
            )
        )
    return SectionDraft(id="schedule", title=title, items=out, writer="document", layout="months")


def closing(request: DraftRequest) -> list[str]:
    """The 落款: the union's name, then the date (【待填：…】 for what the facts do not give)."""
    name = request.facts.get("工会名称")
    if not name:
        unit_name = request.name or request.facts.get("单位名称")
        name = f"{unit_name}{request.unit.union_suffix}" if unit_name else "【待填：工会名称】"
    date = request.facts.get("落款日期") or "【待填：落款日期】"
    return [name, date]
