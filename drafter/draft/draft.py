"""The :class:`Draft`: a drafted plan with its request, outline, sections, 落款 and provenance."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drafter.domain.facts import unfilled_in
from drafter.domain.request import DraftRequest, build_request
from drafter.domain.script import to_traditional
from drafter.draft.assemble import render, render_sources
from drafter.draft.export import docx_bytes
from drafter.errors import InputError
from drafter.fileio import save_text
from drafter.models import Outline, SectionDraft

FORMATS = {".md": "md", ".markdown": "md", ".txt": "txt", ".docx": "docx"}


def format_for(path: Path, fmt: str | None = None) -> str:
    """The format a path is written in: its suffix decides; a different ``fmt`` is an error."""
    by_suffix = FORMATS.get(path.suffix.lower())
    if by_suffix is None:
        raise InputError(f"cannot save as {path.suffix or 'a file without suffix'!r}: use .md, .txt or .docx")
    if fmt is not None and fmt != by_suffix:
        raise InputError(
            f"--format {fmt} does not match {path.name} (a .{by_suffix} file): name the file .{fmt} or drop --format"
        )
    return by_suffix


@dataclass
class Draft:
    """A drafted plan. ``markdown`` renders it; ``save`` writes .md/.txt/.docx atomically.

    ``failed`` names the sections whose writer failed (their bodies are left out); ``unfilled``
    lists the facts the plan still needs (each shown as 【待填：…】 in the text); ``closing`` is the
    落款 (union name, date). ``plan_titles`` maps the corpus plan ids the sections drew on to
    their titles.
    """

    request: DraftRequest
    outline: Outline
    title: str
    sections: list[SectionDraft] = field(default_factory=list)
    writer: str = ""
    failed: list[str] = field(default_factory=list)
    preamble: str = ""
    closing: list[str] = field(default_factory=list)
    plan_titles: dict[str, str] = field(default_factory=dict)
    usage: dict[str, int] = field(default_factory=dict)

    @property
    def script(self) -> str:
        return self.request.script

    @property
    def unfilled(self) -> list[str]:
        """The facts the plan still needs: every 【待填：…】 in it, in order, each once."""
        return unfilled_in(render(self))

    @property
    def sources(self) -> dict[str, list[tuple[str, str]]]:
        """Per section id, the (corpus plan id, title) pairs it drew on."""
        return {s.id: [(pid, self.plan_titles.get(pid, "")) for pid in s.sources] for s in self.sections if s.sources}

    def text(self, markup: str = "md") -> str:
        """The plan as Markdown (``md``) or plain text (``txt``), in the draft's script."""
        out = render(self, markup=markup)
        return to_traditional(out) if self.script == "traditional" else out

    @property
    def markdown(self) -> str:
        return self.text("md")

    @property
    def sources_markdown(self) -> str:
        """Where each item came from, for the drafter (not part of the plan)."""
        return render_sources(self)

    def _repr_markdown_(self) -> str:
        return self.markdown

    def __str__(self) -> str:
        return self.markdown

    def render_as(self, fmt: str) -> str | bytes:
        """The plan in a format: ``md`` or ``txt`` text, or ``docx`` bytes."""
        if fmt == "docx":
            closing = [to_traditional(x) for x in self.closing] if self.script == "traditional" else self.closing
            return docx_bytes(self.markdown, self.script, closing)
        return self.text(fmt)

    def save(self, path: str | Path, *, force: bool = False, fmt: str | None = None) -> Path:
        """Write the plan by suffix (.md/.markdown Markdown, .txt plain text, .docx Word); OutputExistsError unless force."""
        p = Path(path).expanduser()
        return save_text(p, self.render_as(format_for(p, fmt)), force=force)

    def to_dict(self) -> dict[str, Any]:
        r = self.request
        return {
            "title": self.title,
            "unit": r.unit.id,
            "year": r.year,
            "name": r.name,
            "brief": r.brief,
            "asks": list(r.asks),
            "facts": r.facts.to_dict(),
            "outline": self.outline.to_dict(),
            "preamble": self.preamble,
            "sections": [s.to_dict() for s in self.sections],
            "closing": list(self.closing),
            "writer": self.writer,
            "failed": list(self.failed),
            "unfilled": self.unfilled,
            "sources": {k: [list(x) for x in v] for k, v in self.sources.items()},
            "script": self.script,
            "usage": dict(self.usage),
            "markdown": self.markdown,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Draft:
        """A draft back from :meth:`to_dict` (a saved draft of the web app, a notebook's JSON file).

        The request is resolved again from its unit, year, name, brief, asks and facts, so a draft saved
        under an older data set comes back with today's unit profile and calendar.
        """
        try:
            request = build_request(
                data["unit"],
                data["year"],
                brief=data.get("brief", ""),
                name=data.get("name"),
                facts=data.get("facts") or None,
                script=data.get("script", "simplified"),
                asks=list(data.get("asks", [])),
            )
            return cls(
                request=request,
                outline=Outline.from_dict(data["outline"]),
                title=data["title"],
                sections=[SectionDraft.from_dict(s) for s in data.get("sections", [])],
                writer=data.get("writer", ""),
                failed=list(data.get("failed", [])),
                preamble=data.get("preamble", ""),
                closing=list(data.get("closing", [])),
                plan_titles={pid: t for v in data.get("sources", {}).values() for pid, t in v},
                usage=dict(data.get("usage", {})),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"not a saved draft: {exc}") from exc
