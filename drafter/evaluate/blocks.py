"""A parsed plan's sections as blocks a reader judges: a heading, what it claims to hold, and its text.

Real plans nest their sections in many ways. A block is a top-level heading with all the text
below it, except that:

* a **container** heading (二、重点工作 / 主要任务 with sub-headings, or any heading whose
  sub-headings name several canonical sections) holds no section itself: each sub-heading is a
  block of its own;
* a sub-heading that names another canonical section than its parent ((二)规范经费管理 under
  工会自身建设) is carved out as its own block;
* a heading may claim more than one section (四、师德师风与岗位练兵: both);
* a block whose lines mostly open with a month (1月 / 一月 / 1—2月 / 第一季度, or table rows) is
  the schedule, whatever its heading says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from drafter.domain.taxonomy import load_taxonomy
from drafter.evaluate import reading
from drafter.models import Section

SCHEDULE = "schedule"


@dataclass
class Block:
    heading: str
    level: int
    labels: tuple[str, ...]
    text: str
    items: list[str] = field(default_factory=list)

    @property
    def chars(self) -> int:
        return reading.cjk_len(self.text)


def heading_labels(heading: str, *, guess: bool = True) -> tuple[str, ...]:
    """The canonical sections a heading claims: its own label, every section whose alias it names, and
    (``guess``) failing both, the section its words speak of (建好户外劳动者服务站点 → worker_care)."""
    tax = load_taxonomy()
    text = reading.strip_numbering(heading)
    own = tax.label(text, kind="plan") or (reading.vocabulary().classify(text) if guess else None)
    found: list[str] = [own] if own else []
    for s in tax.sections:
        if s.id in found or s.id in ("achievements", "shortcomings", "next_steps"):
            continue
        for alias in s.aliases:
            a = str(alias)
            if a.startswith("^"):
                if text.startswith(a[1:]):
                    found.append(s.id)
                    break
            elif len(a) >= 3 and a in text:
                found.append(s.id)
                break
    return tuple(dict.fromkeys(found))


def is_container(heading: str) -> bool:
    text = re.sub(r"[：:，,。\s]", "", reading.strip_numbering(heading))
    return any(text == c or (text.startswith(c) and len(text) <= len(c) + 4) for c in reading.words().containers)


def _schedule_like(text: str) -> bool:
    lines = [ln for ln in text.splitlines() if ln.strip(" |-")]
    if len(lines) < 3:
        return False
    return sum(1 for ln in lines if reading.month_line(ln)) >= 0.6 * len(lines)


def _full_text(i: int, sections: list[Section], skip: set[int]) -> str:
    """A section's text: its body, then each descendant's heading and body (carved-out ones skipped)."""
    s = sections[i]
    parts = [s.body] if s.body else []
    j = i + 1
    while j < len(sections) and sections[j].level > s.level:
        if j in skip:
            k = j + 1
            while k < len(sections) and sections[k].level > sections[j].level:
                k += 1
            j = k
            continue
        d = sections[j]
        if d.level >= 3 and d.body:
            # a numbered item the segmenter cut at its first 。/： into heading and body: one item again
            sep = "" if d.heading.endswith(("。", "：", "；")) else "。"
            parts.append(d.heading + sep + d.body.replace("\n", ""))
        else:
            parts.append(d.heading + ("\n" + d.body if d.body else ""))
        j += 1
    return "\n".join(p for p in parts if p.strip())


def _subheadings(i: int, sections: list[Section]) -> list[int]:
    """The sub-headings directly under a top-level heading: level 2 (（一）, ###), never numbered items
    (1、 ① are items of the section, however long)."""
    s = sections[i]
    out = []
    j = i + 1
    while j < len(sections) and sections[j].level > s.level:
        if sections[j].level == s.level + 1 and sections[j].level <= 2:
            out.append(j)
        j += 1
    return out


def _block(i: int, sections: list[Section], skip: set[int], labels: tuple[str, ...] | None = None) -> Block:
    s = sections[i]
    text = _full_text(i, sections, skip)
    own = heading_labels(s.heading) if labels is None else labels
    if not own and _schedule_like(s.heading + "\n" + text):
        own = (SCHEDULE,)  # an unnamed block of month lines (1月…, 一月…, 1—2月…, table rows)
    return Block(heading=s.heading, level=s.level, labels=own, text=text, items=reading.items_of(text))


def plan_blocks(sections: list[Section]) -> list[Block]:
    """The blocks of a plan's sections (see the module docstring), in document order."""
    levels = [s.level for s in sections if s.level >= 1]
    if not levels:
        return []
    top = min(levels)
    out: list[Block] = []
    for i, s in enumerate(sections):
        if s.level != top:
            continue
        labels = heading_labels(s.heading)
        kids = _subheadings(i, sections)
        kid_labels = {k: heading_labels(sections[k].heading, guess=False) for k in kids}
        named = {lab for labs in kid_labels.values() for lab in labs}
        headed_kids = [k for k in kids if kid_labels[k]]
        container = bool(kids) and (
            is_container(s.heading)
            or (len(named - set(labels)) >= 2 and len(headed_kids) >= 2 and labels != (SCHEDULE,))
        )
        if container and not _schedule_like(_full_text(i, sections, set())):
            if s.body and reading.cjk_len(s.body) >= 20:
                out.append(
                    Block(heading=s.heading, level=s.level, labels=(), text=s.body, items=reading.items_of(s.body))
                )
            for k in kids:
                out.append(_block(k, sections, set()))
            continue
        carved = {k for k in kids if kid_labels[k] and not set(kid_labels[k]) & set(labels) and SCHEDULE not in labels}
        out.append(_block(i, sections, carved, labels))
        for k in sorted(carved):
            out.append(_block(k, sections, set()))
    return out
