"""The :class:`Draft`: a drafted plan with its brief, outline, sections and provenance."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drafter.errors import InputError
from drafter.models import Brief, Outline, SectionDraft

FORMATS = {".md": "md", ".markdown": "md", ".txt": "txt", ".docx": "docx"}


@dataclass
class Draft:
    """A drafted plan. ``markdown`` renders it; ``save`` writes .md/.txt/.docx atomically.

    ``failed`` names the sections whose writer failed (their bodies are left out);
    ``plan_titles`` maps the corpus plan ids the sections drew on to their titles.
    """

    brief: Brief
    outline: Outline
    title: str
    sections: list[SectionDraft] = field(default_factory=list)
    schedule: list[dict[str, Any]] = field(default_factory=list)
    writer: str = ""
    failed: list[str] = field(default_factory=list)
    preamble: str = ""
    plan_titles: dict[str, str] = field(default_factory=dict)
    script: str = "simplified"

    @property
    def sources(self) -> dict[str, list[tuple[str, str]]]:
        """Per section id, the (plan id, title) pairs it drew on."""
        return {s.id: [(pid, self.plan_titles.get(pid, "")) for pid in s.sources] for s in self.sections if s.sources}

    @property
    def markdown(self) -> str:
        from drafter.draft.assemble import render_markdown

        text = render_markdown(self)
        if self.script == "traditional":
            from drafter.draft.export import to_traditional

            text = to_traditional(text)
        return text

    def _repr_markdown_(self) -> str:
        return self.markdown

    def __str__(self) -> str:
        return self.markdown

    def save(self, path: str | Path, *, force: bool = False) -> Path:
        """Write the plan by suffix (.md/.markdown/.txt Markdown text, .docx Word); OutputExistsError unless force."""
        from drafter.draft.assemble import atomic_write

        p = Path(path)
        fmt = FORMATS.get(p.suffix.lower())
        if fmt is None:
            raise InputError(f"cannot save as {p.suffix or 'a file without suffix'!r}: use .md, .txt or .docx")
        if fmt == "docx":
            from drafter.draft.export import docx_bytes

            return atomic_write(p, docx_bytes(self.markdown, self.script), force=force)
        return atomic_write(p, self.markdown, force=force)

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "brief": self.brief.to_dict(),
            "outline": self.outline.to_dict(),
            "preamble": self.preamble,
            "sections": [s.to_dict() for s in self.sections],
            "schedule": self.schedule,
            "writer": self.writer,
            "failed": list(self.failed),
            "sources": {k: [list(x) for x in v] for k, v in self.sources.items()},
            "script": self.script,
            "markdown": self.markdown,
        }
