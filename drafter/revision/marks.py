"""The marks a revised plan carries, and the span edits that put them into a line.

Three marks, always in full-width brackets so they never clash with the plan's own text:

* ``【新增】`` before what the revision added (an item, a section heading, a schedule entry);
* ``【已更新：2024→2025】`` in place of a word the revision changed, old value first;
* ``【待核：…】`` for what the chair must check (a stale phrase, a one-off event, a figure that
  needs this year's value: ``【待核：原为86人】``).

A revision is built with every mark in its text (the *marked* form). :func:`strip_marks` gives the
plan as it is printed by default: added text without its mark, each update as its new value, the
``【待核：…】`` flags kept (they are part of the plan until the chair resolves them).
:func:`strip_flags` also drops the flags (what the plan says outside them, for checks).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ADDED = "【新增】"
UPDATED_RE = re.compile(r"【已更新：([^】→]*)→([^】]*)】")
CHECK_RE = re.compile(r"【待核：[^】]*】")
# text a detector never touches: marks already in the line, and 【待填：…】 slots
PROTECTED_RE = re.compile(r"【(?:待核|待填|已更新)：[^】]*】|【新增】")


def updated(old: str, new: str) -> str:
    """``【已更新：old→new】``."""
    return f"【已更新：{old}→{new}】"


def check(note: str) -> str:
    """``【待核：note】``."""
    return f"【待核：{note}】"


def strip_marks(text: str) -> str:
    """The plan as printed without ``--mark-changes``: updates as their new value, 【新增】 dropped, flags kept."""
    return UPDATED_RE.sub(r"\2", text).replace(ADDED, "")


def strip_flags(text: str) -> str:
    """The plan's own words outside every mark (for checks: stale terms, years)."""
    return CHECK_RE.sub("", strip_marks(text))


def has_check(text: str) -> bool:
    return "【待核：" in text


@dataclass
class Edit:
    """One change to a line: the span ``[start, end)`` of its text (empty for an insertion).

    ``kind`` is ``updated`` (``new`` is the new value) or ``flagged`` (``new`` is the whole flag
    text, which replaces the span, or is inserted at ``start`` when the span is empty).
    ``note`` says why, for the change list; ``label`` names the rule.
    """

    start: int
    end: int
    kind: str
    old: str
    new: str
    note: str = ""
    label: str = ""

    @property
    def marked(self) -> str:
        return updated(self.old, self.new) if self.kind == "updated" else self.new

    def overlaps(self, other: Edit) -> bool:
        if self.start == self.end or other.start == other.end:
            return other.start < self.start < other.end or self.start < other.start < self.end
        return self.start < other.end and other.start < self.end


def protected_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in PROTECTED_RE.finditer(text)]


def apply_edits(text: str, edits: list[Edit]) -> tuple[str, list[Edit]]:
    """Apply edits in priority order (earlier wins an overlap; none inside a mark): the marked text and
    the edits applied, in text order."""
    guards = [Edit(s, e, "guard", "", "") for s, e in protected_spans(text)]
    accepted: list[Edit] = []
    for ed in edits:
        if ed.kind == "updated" and ed.old == ed.new:
            continue
        if any(ed.overlaps(g) or (ed.start == ed.end and g.start < ed.start < g.end) for g in guards):
            continue
        if any(ed.overlaps(a) for a in accepted):
            continue
        accepted.append(ed)
    accepted.sort(key=lambda e: (e.start, e.end))
    out, pos = [], 0
    for ed in accepted:
        out.append(text[pos : ed.start])
        out.append(ed.marked)
        pos = ed.end
    out.append(text[pos:])
    return "".join(out), accepted
