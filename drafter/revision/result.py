"""The :class:`RevisedPlan`: this year's plan made from last year's, with its change list."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drafter.domain.request import DraftRequest
from drafter.domain.script import to_traditional
from drafter.draft.draft import format_for
from drafter.draft.export import docx_bytes
from drafter.fileio import save_text
from drafter.revision.changes import Change, counts, render_changes
from drafter.revision.document import PlanDoc, closing_lines, render


@dataclass
class RevisedPlan:
    """A revised plan. ``markdown`` is the plan (``【待核：…】`` flags in it, no other marks);
    ``marked_markdown`` shows every change (``【新增】``, ``【已更新：旧→新】``); ``changes`` lists them
    section by section (``changes_markdown`` as text); ``save`` writes .md/.txt/.docx.

    ``old_year`` is the year last year's plan was for; ``inferred`` says how the unit and that year were
    found (``{"unit": {"value", "inferred", "evidence"}, "year": {…}}``).
    """

    doc: PlanDoc
    changes: list[Change]
    request: DraftRequest
    old_year: int
    source: str = "<text>"
    fmt: str = "text"
    script: str = "simplified"
    inferred: dict[str, dict[str, Any]] = field(default_factory=dict)
    writer: str = "offline"
    usage: dict[str, int] = field(default_factory=dict)

    @property
    def year(self) -> int:
        return self.request.year

    @property
    def unit(self) -> str:
        return self.request.unit.id

    @property
    def title(self) -> str:
        t = next((ln.clean for ln in self.doc.lines if ln.kind == "title"), "")
        return self._script(t)

    def _script(self, text: str) -> str:
        return to_traditional(text) if self.script == "traditional" else text

    def text(self, markup: str = "md", *, marked: bool = False) -> str:
        """The plan as Markdown (``md``) or plain text (``txt``), in the input's script; ``marked`` shows
        every change."""
        return self._script(render(self.doc, markup, marked=marked))

    @property
    def markdown(self) -> str:
        return self.text("md")

    @property
    def marked_markdown(self) -> str:
        return self.text("md", marked=True)

    @property
    def changes_markdown(self) -> str:
        """The change list as Markdown, section by section."""
        heading = (
            f"由{self.old_year}年的计划修订为{self.year}年的计划（单位类型：{self.request.unit.name}；"
            f"来源：{self.source}；撰写：{'模型改写' if self.writer != 'offline' else '自动修订'}）。"
        )
        return self._script(
            render_changes(self.changes, title=self.title or f"{self.year}年工会工作计划", heading=heading)
        )

    @property
    def counts(self) -> dict[str, int]:
        return counts(self.changes)

    def _repr_markdown_(self) -> str:
        return self.markdown

    def __str__(self) -> str:
        return self.markdown

    def render_as(self, fmt: str, *, marked: bool = False) -> str | bytes:
        """The plan in a format: ``md`` or ``txt`` text, or ``docx`` bytes (changes highlighted when ``marked``)."""
        if fmt == "docx":
            closing = [self._script(x) for x in closing_lines(self.doc, marked=marked)]
            return docx_bytes(self.text("md", marked=marked), self.script, closing, highlight=marked)
        return self.text(fmt, marked=marked)

    def save(self, path: str | Path, *, force: bool = False, marked: bool = False, fmt: str | None = None) -> Path:
        """Write the plan by suffix (.md, .txt, .docx) atomically; OutputExistsError unless ``force``."""
        p = Path(path).expanduser()
        return save_text(p, self.render_as(format_for(p, fmt), marked=marked), force=force)

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "unit": self.unit,
            "year": self.year,
            "old_year": self.old_year,
            "source": self.source,
            "format": self.fmt,
            "script": self.script,
            "inferred": self.inferred,
            "brief": self.request.brief,
            "asks": list(self.request.asks),
            "facts": self.request.facts.to_dict(),
            "writer": self.writer,
            "usage": dict(self.usage),
            "counts": self.counts,
            "changes": [c.to_dict() for c in self.changes],
            "markdown": self.markdown,
            "marked_markdown": self.marked_markdown,
        }
