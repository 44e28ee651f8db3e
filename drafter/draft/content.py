"""What each section of a draft must carry, before any writer sees it: the planned items.

For every section of the outline, :func:`plan_items` picks the catalogue items that fit the
unit and the year (must and common ones; optional ones only when an ask of the section calls
for them), the year's own items (anniversaries, campaigns), and an item for each ask that no
catalogue item answers (``data/asks.yaml``), each rendered with the unit's words and facts
(a missing fact is a visible 【待填：…】). The offline composer drafts from these items; the model
writer receives them as deliverables; the schedule is built from their months.
"""

from __future__ import annotations

import functools
import re

from drafter.domain import catalogue
from drafter.domain.asks import template_for
from drafter.domain.assembly import assembly_words
from drafter.domain.calendar import event_when, months_in
from drafter.domain.request import DraftRequest
from drafter.domain.sections import layout_of
from drafter.models import Item, Milestone, Outline, OutlineSection
from drafter.resources import load_data

MAX_ITEMS = 6  # items a section (or a sub-section) holds at most beyond its must items
ASK_OWNER = "工会主席"  # the brief's asks are the year's priorities: the chair leads them
_TIER_ORDER = {"must": 0, "common": 1, "optional": 2}


def replaced_things(request: DraftRequest) -> list[str]:
    """What the brief says does not exist yet (筹建职工之家 → 教职工之家, in the unit's words)."""
    out = []
    for ask in request.asks:
        t, m = template_for(ask)
        if t.replaces:
            thing = (m.groupdict().get("object") if m else None) or ask
            out.append(request.unit.adapt(thing))
    return out


def _ask_values(ask: str, request: DraftRequest) -> dict[str, str]:
    t, m = template_for(ask)
    obj = (m.groupdict().get("object") if m else None) or ask
    months = {f"m{i + 1}": str(month) for i, month in enumerate(t.months)}
    return {**request.unit.words, **assembly_words(request.unit.id, request.facts), **months, "ask": ask, "object": obj}


def ask_item(ask: str, section: str, request: DraftRequest) -> Item:
    """The item for an ask no catalogue item answers: a concrete task with its milestones and an owner."""
    t = template_for(ask)[0]
    values = _ask_values(ask, request)
    steps = [Milestone(month, line.format_map(_Missing(values))) for month, line in t.steps]
    return Item(
        text=t.text.format_map(_Missing(values)),
        origin="ask",
        section=section,
        tier="must",
        months=[s.month for s in steps] or [t.months[0]],
        schedule="" if steps else t.schedule.format_map(_Missing(values)),
        owner=ASK_OWNER,
        ask=ask,
        steps=steps,
    )


def goal_items(request: DraftRequest) -> list[Item]:
    """工作目标's line for each of the brief's asks: the goal of the catalogue item that answers it best
    (its ``asked.goal``), else the goal of the ask's own template (``asks.yaml``); none when neither has one."""
    out: list[Item] = []
    fitting = catalogue.items_for(request.unit.id, request.year, sector=request.sector)
    for ask in request.asks:
        if any(it.section == "goals" and catalogue.answers(it, ask) >= 2 for it in fitting):
            continue  # a goal of the catalogue answers it (deepened by its own ``asked``): no second goal
        t = template_for(ask)[0]
        goal = ""
        answered = False
        if not (t.own or t.replaces):
            # the item that answers it best; of equals, one that has a goal to give
            scored = [
                (catalogue.answers(it, ask), bool(it.asked and it.asked.goal), -i, it) for i, it in enumerate(fitting)
            ]
            best = max(scored, default=None, key=lambda x: (x[0], x[1], x[2]))
            if best is not None and best[0] >= 2:
                answered = True  # the catalogue's item answers it: its goal, or none
                rendered = catalogue.render_asked(best[3], request.unit, request.year, request.facts)
                goal = rendered.goal if rendered else ""
        if not answered and t.goal:
            goal = t.goal.format_map(_Missing(_ask_values(request.unit.adapt(ask), request)))
        if goal:
            out.append(Item(text=goal, origin="ask", section="goals", tier="must", ask=ask))
    return out


def _deepen(item: Item, wi: catalogue.WorkItem, request: DraftRequest) -> None:
    """An item that answers an ask: its ``asked`` text follows its own, its milestones join the schedule."""
    rendered = catalogue.render_asked(wi, request.unit, request.year, request.facts)
    if rendered is None:
        return
    if rendered.text:
        item.text = rendered.text if rendered.replace else in_month_order(item.text.rstrip(), rendered.text)
        if rendered.replace:  # the facts the item still needs are those of its new text
            item.unfilled = [u for u in item.unfilled if f"【待填：{u}】" in item.text]
    item.steps = [*item.steps, *(Milestone(s.month, s.schedule) for s in rendered.steps)]
    if not item.months and item.steps:
        item.months = list(dict.fromkeys(s.month for s in item.steps))
    item.unfilled = list(dict.fromkeys([*item.unfilled, *rendered.unfilled]))


def in_month_order(own: str, added: str) -> str:
    """An item's own text followed by what an ask adds, with the added steps that come before the item's
    own first month moved in front of it (an asked text's March training before the October contest of
    the item's own text); everything else keeps its order."""
    first = months_in(own)
    parts = [p for p in re.split(r"(?<=[。；])", added) if p.strip()]
    if not first or not parts:
        return own + added
    early = [p for p in parts if (m := months_in(p)) and m[0] < first[0]]
    if not early:
        return own + added
    rest = [p for p in parts if p not in early]
    lead = "".join(early)
    lead = lead[:-1] + "；" if lead.endswith("。") else lead
    tail = "".join(rest)
    text = lead + own + tail
    return text[:-1] + "。" if text.endswith("；") else text


class _Missing(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _to_item(rendered: catalogue.RenderedItem, request: DraftRequest) -> Item:
    it = rendered.item
    months: list[int] = []
    event = None
    tentative = False
    if it.when is not None:
        if it.when.event:
            event = it.when.event
            months = [event_when(event, request.year)[0]]
        else:
            months = list(it.when.months)
            named = _month_of(request.facts.get(it.when.fact)) if it.when.fact else None
            if named:
                # the month the unit gave (大会召开时间: 4月), or so many months after it: schedule and text agree
                months = [max(1, min(12, named + it.when.after))]
            elif it.when.fact:
                tentative = True  # the text asks for the date: the schedule says its month is tentative
    origin = f"year:{it.id}" if it.year is not None else f"catalogue:{it.id}"
    item = Item(
        text=rendered.text,
        origin=origin,
        section=it.section,
        tier=it.tier_for(request.unit.id),
        months=months,
        event=event,
        schedule=rendered.schedule,
        tentative=tentative,
        waits_for=it.when.fact if tentative and it.when is not None and it.when.fact else "",
        owner=request.unit.adapt(it.owner),
        unfilled=list(rendered.unfilled),
        steps=[Milestone(s.month, s.schedule) for s in rendered.steps],
    )
    if it.when is None and item.schedule:  # its text names its months (6月、12月各1次): scheduled in them
        item.months = months_in(item.text)
    return item


def _month_of(value: str | None) -> int | None:
    """The month a fact names (3月, 2024年4月10日, 4), if any."""
    if not value:
        return None
    m = re.search(r"(?:^|年)\s*(\d{1,2})\s*月", value) or re.fullmatch(r"\s*(\d{1,2})\s*", value)
    month = int(m.group(1)) if m else 0
    return month if 1 <= month <= 12 else None


_CADENCE = (
    (re.compile(r"每季度|每个季度"), [3, 6, 9, 12]),
    (re.compile(r"每学期|每个学期"), [3, 9]),
    (re.compile(r"每半年|上下半年"), [6, 12]),
    (re.compile(r"暑期|暑假|夏季"), [7]),
    (re.compile(r"春季|春节后|上半年"), [4]),
    (re.compile(r"秋季|下半年"), [10]),
)


_SLOT = re.compile(r"[（(]?【待填：[^】]*】[）)]?")
_CADENCE_WORDS = re.compile(r"^(?:每年|每学年|每学期|每季度|每月|全年|年内|年初|年底|坚持|继续)+")


def schedule_ask_item(item: Item) -> None:
    """Give an ask's item one place in the schedule: the month its cadence starts (每季度 → 3月, 春季 → 4月…),
    else March; its own schedule line when the catalogue gives one, else its first clause (without
    slots to fill and cadence words, never cut inside a 【待填：…】)."""
    months = next((m for pattern, m in _CADENCE if pattern.search(item.text)), [3])
    item.months = [months[0]]
    if item.schedule:
        return
    text = _SLOT.sub("", item.text)
    first = _CADENCE_WORDS.sub("", re.split(r"[，；。：]", text, maxsplit=1)[0]).strip("，、 ")
    item.schedule = first if len(first) <= 30 else first[:30].rstrip("，、的和及与")


def _holds(section: OutlineSection) -> list[str]:
    """The canonical sections whose items a section of the outline holds (itself and its sub-sections')."""
    ids = [section.id] + [s.id for s in section.subsections if s.id]
    return list(dict.fromkeys(ids))


def items_budget(request: DraftRequest) -> int:
    """How many items a section holds beyond its must items: by the unit's headcount when the facts give
    it (a small union writes a short plan), else by the unit's profile (``items_per_section``)."""
    staff = request.facts.get("职工人数")
    if staff and staff.replace(".", "", 1).isdigit():
        n = float(staff)
        return 4 if n < 100 else 5 if n < 500 else MAX_ITEMS
    return request.unit.items_per_section or MAX_ITEMS


@functools.cache
def priority_template() -> str:
    return str(load_data("asks.yaml").get("priority") or "")


@functools.cache
def priority_excludes() -> frozenset[str]:
    """保障措施 items the priority item already says (a second progress check), from asks.yaml."""
    return frozenset(str(x) for x in load_data("asks.yaml").get("priority_excludes") or ())


def priority_item(request: DraftRequest) -> Item | None:
    """The 保障措施 item that makes the brief's asks the year's priorities: one for all of them."""
    template = priority_template()
    if not template or not request.asks:
        return None
    asks = "、".join(f"“{request.unit.adapt(a)}”" for a in request.asks)
    words = {**request.unit.words, **assembly_words(request.unit.id, request.facts)}
    text = template.format_map(_Missing({**words, "asks": asks}))
    return Item(text=text, origin="ask", section="safeguards", tier="must", owner=ASK_OWNER)


def plan_section(section: OutlineSection, request: DraftRequest, *, max_items: int | None = None) -> list[Item]:
    """The planned items of one section of the outline (empty for prose and schedule sections).

    Must and common catalogue items that fit; for each ask of the section, the items that answer it
    best (optional ones too), else an item of its own; a thing the brief says does not exist yet
    (筹建…) replaces every item that presupposes it.
    """
    if layout_of(section.id) != "items" and not section.id.startswith("custom_"):
        return []
    budget = max_items if max_items is not None else items_budget(request)
    unit = request.unit.id
    holds = _holds(section)
    missing_things = replaced_things(request)
    pool = []
    excludes: dict[str, tuple[str, ...]] = {}
    for it in catalogue.items_for(unit, request.year, holds, sector=request.sector):
        item = _to_item(catalogue.render(it, request.unit, request.year, request.facts), request)
        if not any(thing in item.text for thing in missing_things):
            pool.append((it, item))
            excludes[item.origin] = it.excludes
    best = {a: max((catalogue.answers(it, a) for it, _ in pool), default=0) for a in section.asks}
    items: list[Item] = []
    for ask in section.asks:
        t = template_for(ask)[0]
        if t.own:
            best[ask] = 0  # no catalogue item answers it: this ask gets its own item
        if t.replaces or t.own or best[ask] < 2:
            items.append(ask_item(ask, section.id, request))
    for it, item in pool:
        answered = next((a for a in section.asks if best[a] >= 2 and catalogue.answers(it, a) == best[a]), None)
        if answered is not None or it.tier_for(unit) in ("must", "common"):
            item.ask = answered
            if answered is not None:
                _deepen(item, it, request)
                if not item.months and not item.steps:
                    schedule_ask_item(item)
            items.append(item)
    if section.id == "safeguards":
        first = priority_item(request)
        if first is not None:
            dropped = priority_excludes()
            items = [first, *(x for x in items if x.origin.split(":", 1)[-1] not in dropped)]
    if section.id == "goals":
        items[:0] = goal_items(request)

    def rank(x: Item) -> tuple[int, int, int]:
        asked = 0 if x.ask else 1
        year_item = 0 if x.origin.startswith("year:") else 1
        return (asked, year_item, _TIER_ORDER.get(x.tier, 3))

    items.sort(key=rank)  # stable: file order within a rank
    # Cap what is not required (asks' items and must items always stay); an item that says what a
    # chosen one says (its ``excludes``) is left out.
    out: list[Item] = []
    per_home: dict[str, int] = {}
    chosen: set[str] = set()
    for x in items:
        home = x.section if x.section in holds else section.id
        required = x.ask is not None or x.tier == "must"
        if not required and per_home.get(home, 0) >= budget:
            continue
        iid = x.origin.split(":", 1)[-1]
        if any(e in chosen for e in excludes.get(x.origin, ())) or any(
            iid in excludes.get(f"catalogue:{c}", ()) or iid in excludes.get(f"year:{c}", ()) for c in chosen
        ):
            continue
        per_home[home] = per_home.get(home, 0) + 1
        chosen.add(iid)
        out.append(x)
    return out


def plan_items(request: DraftRequest, outline: Outline) -> dict[str, list[Item]]:
    """Planned items for every section of the outline, by section id (see the module docstring), with
    each family of activity (评选表彰…) held to its number across the plan (``families`` in
    work_items.yaml): an item beyond it is left out unless it is a must or answers an ask."""
    planned = {s.id: plan_section(s, request) for s in outline.sections}
    caps = catalogue.families()
    count: dict[str, int] = {}
    chosen: set[str] = set()  # catalogue ids kept so far, in plan order
    for sid, items in planned.items():
        kept = []
        for it in items:
            iid = _catalogue_id(it)
            required = it.ask is not None or it.tier == "must"
            if iid and not required and _excluded(iid, chosen):
                continue  # says what an earlier section's item says (``excludes``, across the plan)
            family = _family(it)
            if family and it.ask is None and it.tier != "must" and count.get(family, 0) >= caps[family]:
                continue
            if family:
                count[family] = count.get(family, 0) + 1
            if iid:
                chosen.add(iid)
            kept.append(it)
        planned[sid] = kept
    return planned


def _catalogue_id(item: Item) -> str:
    kind, _, iid = item.origin.partition(":")
    return iid if kind in ("catalogue", "year") else ""


def _excluded(iid: str, chosen: set[str]) -> bool:
    """Whether a catalogue item and one already chosen exclude each other (either side may say so)."""
    try:
        mine = set(catalogue.item_by_id(iid).excludes)
    except KeyError:
        return False
    return bool(mine & chosen) or any(iid in catalogue.item_by_id(c).excludes for c in chosen)


def _family(item: Item) -> str:
    iid = _catalogue_id(item)
    if not iid:
        return ""
    try:
        return catalogue.item_by_id(iid).family
    except KeyError:
        return ""
