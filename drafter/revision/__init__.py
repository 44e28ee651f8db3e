"""Revise last year's plan into this year's (``drafter revise``, ``Drafter().revise``, ``drafter.revise()``).

Most union chairs open last year's plan and rework it. The revision keeps what is the union's own —
its sections in their order, its activities, names, numbers and customs — and:

* **updates** what is sure: the plan's year everywhere it is the plan's year, the era's wording
  (congress spirit, union congress, five-year-plan phrase, guiding thought), the Party's yearly
  anniversary, the dates of the lunar festivals (a schedule entry whose festival moves into another
  month moves to that month's line);
* **flags** with ``【待核：…】`` what the chair must judge: last year's one-off events and times tied to
  its calendar, headcounts and sums that need this year's value, last year's report of the year before,
  the 落款's day, stale phrasing;
* **adds** the brief's asks and the unit's missing must-haves, each where it belongs, marked as new.

``marks``      the marks (【新增】, 【已更新：旧→新】, 【待核：…】) and the span edits that place them
``rules``      the domain words of ``data/revise.yaml``, typed
``context``    the two years' framing and the sure mappings between them
``detect``     the detectors: one line in, span edits out
``document``   last year's plan as lines with their sections; rendering
``additions``  asks, must-haves and the year's own items, placed; the schedule's new entries
``model``      the model writer's pass: each section rewritten from last year's
``revision``   the orchestration (:func:`revise`, :func:`arevise`)
``result``     :class:`RevisedPlan`
``changes``    :class:`Change` and the change list

``drafter.revise("plan.docx", year=2025)`` is :func:`revise` (the function; this package is
``drafter.revision``, so importing it never shadows the function).
"""

from __future__ import annotations

from drafter.revision.changes import Change
from drafter.revision.result import RevisedPlan
from drafter.revision.revision import arevise, revise

__all__ = ["Change", "RevisedPlan", "arevise", "revise"]
