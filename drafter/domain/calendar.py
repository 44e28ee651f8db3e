"""Dated events for the month-by-month schedule, from ``drafter/data/calendar.yaml``.

Lunar festivals (春节, 中秋, 重阳) are converted to the plan year's solar dates with
``lunardate``; each event's one-line activity is phrased with the unit's words.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from dataclasses import dataclass

from drafter.domain.era import check_year
from drafter.domain.numerals import from_chinese
from drafter.domain.units import UnitProfile, load_profile
from drafter.resources import load_data

log = logging.getLogger(__name__)

_M = r"(?:1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])"
# 9月 / 九月 / 7—8月 / 3月、9月; not 3个月 (a duration) and not 2024年 alone
_MONTH_SPAN = re.compile(
    rf"(?<![\d个])({_M})\s*(?:月份?\s*)?(?:[-—–~～至到]\s*({_M})\s*)?月(?!份?\s*[-—–~～至到]\s*\d)"
)


@dataclass
class CalendarEvent:
    """One event of the schedule: its month, its date when it has one, and the unit's activity."""

    name: str
    month: int
    activity: str
    date: dt.date | None = None
    show_date: bool = True
    standing: bool = False  # always in the schedule (the plan meeting, the year-end summary)
    owner: str = ""  # who leads a standing event (工会主席)

    @property
    def date_text(self) -> str:
        """``3月8日`` for dated events, "" otherwise."""
        if self.date is None or not self.show_date:
            return ""
        return f"{self.date.month}月{self.date.day}日"

    def line(self) -> str:
        """The activity as a sentence fragment, with its date in brackets when it has one."""
        d = self.date_text
        return f"{self.activity}（{d}）" if d else self.activity

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "month": self.month,
            "date": self.date.isoformat() if self.date else None,
            "activity": self.activity,
            "line": self.line(),
        }


def lunar_to_solar(year: int, month: int, day: int) -> dt.date:
    """Solar date of a lunar month/day in the lunar year that starts in ``year``."""
    import lunardate

    ld = lunardate.LunarDate(year, month, day)
    conv = getattr(ld, "to_solar_date", None) or ld.toSolarDate
    return conv()


def _resolve_when(when: dict, year: int) -> tuple[int, dt.date | None]:
    if "lunar" in when:
        d = lunar_to_solar(year, int(when["lunar"][0]), int(when["lunar"][1]))
        return d.month, d
    if "before_lunar" in when:
        target = lunar_to_solar(year, int(when["before_lunar"][0]), int(when["before_lunar"][1]))
        d = target - dt.timedelta(days=int(when.get("days", 0)))
        if d.year < year:  # keep the event inside the plan year
            d = dt.date(year, 1, 1)
        return d.month, target
    month = int(when["month"])
    if "day" in when:
        return month, dt.date(year, month, int(when["day"]))
    return month, None


def _events() -> list[dict]:
    return list(load_data("calendar.yaml")["events"])


@dataclass(frozen=True)
class ScheduleRows:
    """The schedule's rows after December (``schedule_rows`` in calendar.yaml)."""

    cadences: tuple[str, ...]  # the row labels, in order
    upon_notice: str
    words: tuple[tuple[str, str], ...] = ()  # (word, the row it says)

    def cadence_of(self, text: str, action: str = "") -> str | None:
        """The cadence word of ``text`` (每季度…) that governs ``action`` (the schedule line): the last one
        before the action's verb (its first two characters) in the text; None when the verb comes before
        any (组建兴趣小组，每月活动1次: the founding is done once); the first the text says when the verb
        is not in the text."""
        found = sorted((m.start(), row) for word, row in self.words for m in re.finditer(re.escape(word), text))
        if not found:
            return None
        at = text.find(action[:2]) if len(action) >= 2 else -1
        if at < 0:
            return found[0][1]
        before = [c for pos, c in found if pos < at]
        return before[-1] if before else None


@functools.cache
def schedule_rows() -> ScheduleRows:
    raw = load_data("calendar.yaml").get("schedule_rows") or {}
    cadences = raw.get("cadences") or {}
    words = tuple((str(w), str(row)) for row, ws in cadences.items() for w in ws or [row])
    return ScheduleRows(tuple(map(str, cadences)), str(raw.get("upon_notice") or "按上级部署"), words)


def event_names() -> list[str]:
    """The names of every calendar.yaml event (what a work item's ``when: {event: …}`` may name)."""
    return [str(e["name"]) for e in _events()]


def event_when(name: str, year: int) -> tuple[int, dt.date | None]:
    """The month of a named event in a year and its date when it has one (KeyError for an unknown name)."""
    for raw in _events():
        if raw["name"] == name:
            return _resolve_when(raw["when"], year)
    raise KeyError(name)


def year_events(year: int, profile: UnitProfile) -> list[CalendarEvent]:
    """The year's calendar events for a unit, in date order, each phrased with the unit's words."""
    year = check_year(year)
    unit_id = profile.id
    out: list[CalendarEvent] = []
    for raw in _events():
        units = raw.get("units")
        if units and unit_id not in units:
            continue
        if unit_id in (raw.get("not_units") or []):
            continue
        month, date = _resolve_when(raw["when"], year)
        template = raw.get(f"activity_{unit_id}") or raw["activity"]
        date_str = f"{date.month}月{date.day}日" if date else ""
        activity = profile.fill(template, party_years=year - 1921, date=date_str)
        show = raw.get("date_text", True) is not False and "{date}" not in template
        owner = profile.adapt(str(raw.get("owner") or ""))
        out.append(CalendarEvent(raw["name"], month, activity, date, show, bool(raw.get("standing")), owner))
    return sorted(
        out, key=lambda e: (e.month, e.date or dt.date(year, e.month, 28) if e.show_date else dt.date(year, e.month, 1))
    )


def schedule_for(unit: str, year: int, profile: UnitProfile | None = None) -> list[tuple[int, list[CalendarEvent]]]:
    """The year's events for a unit, grouped by month: ``[(1, [events]), (2, [...]), ...]`` (empty months left out)."""
    profile = profile or load_profile(unit)
    by_month: dict[int, list[CalendarEvent]] = {}
    for e in year_events(year, profile):
        by_month.setdefault(e.month, []).append(e)
    return sorted(by_month.items())


def months_in(text: str) -> list[int]:
    """The months a sentence names, in order, each once: ``9月组织…`` → [9], ``7—8月`` → [7, 8],
    ``3月、9月`` → [3, 9]. A duration (``3个月``) is not a month."""
    out: list[int] = []
    for m in _MONTH_SPAN.finditer(text):
        a = from_chinese(m.group(1)) if not m.group(1).isdigit() else int(m.group(1))
        b_raw = m.group(2)
        b = (int(b_raw) if b_raw.isdigit() else from_chinese(b_raw)) if b_raw else a
        if not a or not b or not (1 <= a <= 12 and 1 <= b <= 12):
            continue
        for month in range(a, b + 1) if a <= b else (a, b):
            if month not in out:
                out.append(month)
    return out
