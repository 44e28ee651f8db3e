"""How a brief's ask that no catalogue item answers becomes an item (``data/asks.yaml``).

The first pattern whose ``match`` fits the ask gives the item's text, months and schedule line;
``section`` routes such an ask, ``own`` keeps catalogue items from answering it (a unit's own
anniversary), ``replaces`` means the thing asked for does not exist yet (筹建…).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from drafter.resources import load_data


@dataclass(frozen=True)
class AskTemplate:
    pattern: re.Pattern[str] | None
    text: str
    months: tuple[int, ...]
    schedule: str
    replaces: bool = False
    section: str | None = None
    own: bool = False
    steps: tuple[tuple[int, str], ...] = ()  # (month, schedule line) milestones; else the first month's line
    goal: str = ""  # its line in 工作目标


def _template(p: dict, pattern: re.Pattern[str] | None) -> AskTemplate:
    steps = tuple((int(s["month"]), str(s["schedule"])) for s in p.get("steps") or ())
    return AskTemplate(
        pattern,
        str(p["text"]),
        tuple(int(m) for m in p["months"]),
        str(p["schedule"]),
        bool(p.get("replaces")),
        str(p["section"]) if p.get("section") else None,
        bool(p.get("own")),
        steps,
        str(p.get("goal") or ""),
    )


@functools.cache
def ask_templates() -> tuple[AskTemplate, ...]:
    data = load_data("asks.yaml")
    out = [_template(p, re.compile(str(p["match"]))) for p in data.get("patterns") or []]
    out.append(_template(data["default"], None))
    return tuple(out)


def template_for(ask: str) -> tuple[AskTemplate, re.Match[str] | None]:
    """The first asks.yaml pattern that fits an ask (the default when none does)."""
    for t in ask_templates():
        m = t.pattern.search(ask) if t.pattern is not None else None
        if t.pattern is None or m:
            return t, m
    raise AssertionError("asks.yaml has a default")  # pragma: no cover
