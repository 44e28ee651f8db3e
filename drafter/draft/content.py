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
from dataclasses import dataclass

from drafter.domain import catalogue
from drafter.domain.calendar import event_when
from drafter.domain.request import DraftRequest
from drafter.domain.sections import layout_of
from drafter.models import Item, Outline, OutlineSection
from drafter.resources import load_data

MAX_ITEMS = 7  # a section (or a sub-section) beyond its must items
_TIER_ORDER = {"must": 0, "common": 1, "optional": 2}


@dataclass(frozen=True)
class AskTemplate:
    pattern: re.Pattern[str] | None
    text: str
    months: tuple[int, ...]
    schedule: str
    replaces: bool = False


@functools.cache
def ask_templates() -> tuple[AskTemplate, ...]:
    data = load_data("asks.yaml")
    out = [
        AskTemplate(
            re.compile(str(p["match"])),
            str(p["text"]),
            tuple(int(m) for m in p["months"]),
            str(p["schedule"]),
            bool(p.get("replaces")),
        )
        for p in data.get("patterns") or []
    ]
    d = data["default"]
    out.append(AskTemplate(None, str(d["text"]), tuple(int(m) for m in d["months"]), str(d["schedule"])))
    return tuple(out)


def template_for(ask: str) -> tuple[AskTemplate, re.Match[str] | None]:
    """The first asks.yaml pattern that fits an ask (the default when none does)."""
    for t in ask_templates():
        m = t.pattern.search(ask) if t.pattern is not None else None
        if t.pattern is None or m:
            return t, m
    raise AssertionError("asks.yaml has a default")  # pragma: no cover


def replaced_things(request: DraftRequest) -> list[str]:
    """What the brief says does not exist yet (筹建职工之家 → 教职工之家, in the unit's words)."""
    out = []
    for ask in request.asks:
        t, m = template_for(ask)
        if t.replaces:
            thing = (m.groupdict().get("object") if m else None) or ask
            out.append(request.unit.adapt(thing))
    return out


def ask_item(ask: str, section: str, request: DraftRequest) -> Item:
    """The item for an ask no catalogue item answers: a concrete task with months and an owner."""
    for t in ask_templates():
        m = t.pattern.search(ask) if t.pattern is not None else None
        if t.pattern is None or m:
            obj = (m.groupdict().get("object") if m else None) or ask
            months = {f"m{i + 1}": str(month) for i, month in enumerate(t.months)}
            values = {**request.unit.words, **months, "ask": ask, "object": obj}
            text = t.text.format_map(_Missing(values))
            schedule = t.schedule.format_map(_Missing(values))
            return Item(
                text=text,
                origin="ask",
                section=section,
                tier="must",
                months=[t.months[0]],
                schedule=schedule,
                owner=request.unit.union,
                ask=ask,
            )
    raise AssertionError("asks.yaml has a default")  # pragma: no cover


class _Missing(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _to_item(rendered: catalogue.RenderedItem, request: DraftRequest) -> Item:
    it = rendered.item
    months: list[int] = []
    event = None
    if it.when is not None:
        if it.when.event:
            event = it.when.event
            months = [event_when(event, request.year)[0]]
        else:
            months = list(it.when.months)
    origin = f"year:{it.id}" if it.year is not None else f"catalogue:{it.id}"
    return Item(
        text=rendered.text,
        origin=origin,
        section=it.section,
        tier=it.tier_for(request.unit.id),
        months=months,
        event=event,
        schedule=rendered.schedule,
        owner=it.owner,
        unfilled=list(rendered.unfilled),
    )


_CADENCE = (
    (re.compile(r"每季度|每个季度"), [3, 6, 9, 12]),
    (re.compile(r"每学期|每个学期"), [3, 9]),
    (re.compile(r"每半年|上下半年"), [6, 12]),
    (re.compile(r"暑期|暑假|夏季"), [7]),
    (re.compile(r"春季|春节后|上半年"), [4]),
    (re.compile(r"秋季|下半年"), [10]),
)


def schedule_ask_item(item: Item) -> None:
    """Give an ask's item a place in the schedule: its months from its own cadence (每季度, 每学期, 春季…),
    else March; its schedule line from its first clause."""
    months = next((m for pattern, m in _CADENCE if pattern.search(item.text)), [3])
    first = re.split(r"[，；。：]", item.text, maxsplit=1)[0]
    item.months = list(months)
    item.schedule = first if len(first) <= 30 else first[:30].rstrip("，、的和及与") + "…"


def _holds(section: OutlineSection) -> list[str]:
    """The canonical sections whose items a section of the outline holds (itself and its sub-sections')."""
    ids = [section.id] + [s.id for s in section.subsections if s.id]
    return list(dict.fromkeys(ids))


def plan_section(section: OutlineSection, request: DraftRequest, *, max_items: int = MAX_ITEMS) -> list[Item]:
    """The planned items of one section of the outline (empty for prose and schedule sections).

    Must and common catalogue items that fit; for each ask of the section, the items that answer it
    best (optional ones too), else an item of its own; a thing the brief says does not exist yet
    (筹建…) replaces every item that presupposes it.
    """
    if layout_of(section.id) != "items" and not section.id.startswith("custom_"):
        return []
    unit = request.unit.id
    holds = _holds(section)
    missing_things = replaced_things(request)
    pool = []
    for it in catalogue.items_for(unit, request.year, holds):
        item = _to_item(catalogue.render(it, request.unit, request.year, request.facts), request)
        if not any(thing in item.text for thing in missing_things):
            pool.append((it, item))
    best = {a: max((catalogue.answers(it, a) for it, _ in pool), default=0) for a in section.asks}
    items: list[Item] = []
    for ask in section.asks:
        if template_for(ask)[0].replaces or best[ask] < 2:
            items.append(ask_item(ask, section.id, request))
    for it, item in pool:
        answered = next((a for a in section.asks if best[a] >= 2 and catalogue.answers(it, a) == best[a]), None)
        if answered is not None or it.tier_for(unit) in ("must", "common"):
            item.ask = answered
            if answered is not None and not item.months:
                schedule_ask_item(item)
            items.append(item)

    def rank(x: Item) -> tuple[int, int, int]:
        asked = 0 if x.ask else 1
        year_item = 0 if x.origin.startswith("year:") else 1
        return (asked, year_item, _TIER_ORDER.get(x.tier, 3))

    items.sort(key=rank)  # stable: file order within a rank
    # Cap what is not required: asks' items and must items always stay.
    out: list[Item] = []
    per_home: dict[str, int] = {}
    for x in items:
        home = x.section if x.section in holds else section.id
        required = x.ask is not None or x.tier == "must"
        if not required and per_home.get(home, 0) >= max_items:
            continue
        per_home[home] = per_home.get(home, 0) + 1
        out.append(x)
    return out


def plan_items(request: DraftRequest, outline: Outline) -> dict[str, list[Item]]:
    """Planned items for every section of the outline, by section id (see the module docstring)."""
    return {s.id: plan_section(s, request) for s in outline.sections}
