"""The change list of a revision: what was updated, added, flagged (and removed, with why), by section."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

KINDS = ("updated", "added", "flagged", "removed", "note")
KIND_NAMES = {"updated": "已更新", "added": "新增", "flagged": "待核", "removed": "删除", "note": "说明"}


@dataclass
class Change:
    """One change: ``kind`` (updated, added, flagged, removed, note), the ``section`` heading it is in
    (标题, 开头, 落款 for the parts outside the sections), ``old`` → ``new`` (an update), ``what`` (an
    added or removed item, a flagged passage) and ``reason`` (why, for the chair)."""

    kind: str
    section: str
    what: str = ""
    old: str = ""
    new: str = ""
    reason: str = ""
    section_id: str | None = None
    anchor: Any = field(default=None, compare=False, repr=False)  # the heading line it is under (naming, order)
    origin: Any = field(default=None, compare=False, repr=False)  # the line the change was made in

    def line(self) -> str:
        tag = f"【{KIND_NAMES.get(self.kind, self.kind)}】"
        if self.kind == "updated":
            body = f"{self.old} → {self.new}"
        else:
            body = _short(self.what, 60)
        return f"- {tag}{body}" + (f"（{self.reason}）" if self.reason else "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "section": self.section,
            "section_id": self.section_id,
            "what": self.what,
            "old": self.old,
            "new": self.new,
            "reason": self.reason,
        }


def _short(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n] + "…"


def counts(changes: list[Change]) -> dict[str, int]:
    out = {k: 0 for k in KINDS}
    for c in changes:
        out[c.kind] = out.get(c.kind, 0) + 1
    return out


def render_changes(changes: list[Change], *, title: str, heading: str) -> str:
    """The change list as Markdown: a summary line, then each section's changes (in the order given)."""
    n = counts(changes)
    lines = [
        f"# 修订说明：{title}",
        "",
        heading,
        "",
        f"共更新{n['updated']}处，新增{n['added']}项，待核{n['flagged']}处"
        + (f"，删除{n['removed']}项" if n["removed"] else "")
        + "。【待核：…】是请工会主席核实或改写之处，核实后删去括注即可。",
        "",
    ]
    notes = [c for c in changes if c.kind == "note"]
    if notes:
        lines += ["## 说明", "", *(f"- {c.what}" for c in notes), ""]
    order: list[str] = []
    by_section: dict[str, list[Change]] = {}
    for c in changes:
        if c.kind == "note":
            continue
        if c.section not in by_section:
            order.append(c.section)
        by_section.setdefault(c.section, []).append(c)
    for section in order:
        lines += [f"## {section}", ""]
        for kind in ("updated", "added", "flagged", "removed"):
            shown: dict[str, int] = {}
            for c in by_section[section]:
                if c.kind == kind:
                    shown[c.line()] = shown.get(c.line(), 0) + 1
            lines += [line + (f"（共{n}处）" if n > 1 else "") for line, n in shown.items()]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
