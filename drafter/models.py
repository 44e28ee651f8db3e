"""Plain dataclasses for the data drafter moves along its pipeline.

ingest → :class:`Plan` with :class:`Section` s; index → :class:`Chunk` and, when
retrieved, :class:`Passage`; draft → :class:`Brief`, :class:`Outline`,
:class:`SectionDraft`, :class:`Draft`. Each has ``to_dict``/``from_dict`` so a
stage's result can be saved as JSON and read back.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


def _from_dict(cls: type[T], data: dict[str, Any]) -> T:
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    return cls(**{k: v for k, v in data.items() if k in names})


class _Serial:
    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls, data: dict[str, Any]):
        return _from_dict(cls, data)


# --------------------------------------------------------------------------- ingest


@dataclass
class Tag(_Serial):
    """A value inferred from a plan's content and the evidence for it (phrases found in the text)."""

    value: Any
    evidence: list[str] = field(default_factory=list)


@dataclass
class Section(_Serial):
    """One heading of a plan with the body directly under it (children excluded).

    ``level`` is 0 for the untitled preamble, 1 for top-level headings (一、 / 第一部分 /
    指导思想), 2 for （一）, 3 for 1、, 4 for ①. ``path`` holds the heading texts from the
    top level down to this one. ``section_id`` is the canonical section this heading
    belongs to: its own label, or else the label of its nearest labelled ancestor
    (``own_label`` tells which); ``None`` when neither exists. ``start``/``end`` are
    character offsets of the whole section (heading + body) in ``Plan.text``.
    """

    heading: str
    level: int
    body: str
    path: list[str] = field(default_factory=list)
    number: str = ""
    section_id: str | None = None
    own_label: bool = False
    start: int = 0
    end: int = 0


@dataclass
class Plan(_Serial):
    """A single plan (or summary) split out of a source file, cleaned and tagged.

    ``text`` is cleaned and normalised to simplified Chinese for indexing; ``script``
    records the script of the source (``simplified`` / ``traditional``).
    """

    id: str
    source: str
    index: int
    title: str
    text: str
    unit: Tag
    kind: Tag
    year: Tag
    script: Tag
    sections: list[Section] = field(default_factory=list)
    content_hash: str = ""

    @property
    def opening(self) -> str:
        return self.text[:200]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        d = dict(data)
        for key in ("unit", "kind", "year", "script"):
            if isinstance(d.get(key), dict):
                d[key] = Tag.from_dict(d[key])
        d["sections"] = [Section.from_dict(s) if isinstance(s, dict) else s for s in d.get("sections", [])]
        return _from_dict(cls, d)

    def summary(self) -> dict[str, Any]:
        """The row `drafter corpus --json` prints for this plan."""
        return {
            "id": self.id,
            "source": self.source,
            "index": self.index,
            "title": self.title,
            "opening": self.opening,
            "unit": self.unit.value,
            "kind": self.kind.value,
            "year": self.year.value,
            "script": self.script.value,
            "evidence": {
                "unit": self.unit.evidence,
                "kind": self.kind.evidence,
                "year": self.year.evidence,
                "script": self.script.evidence,
            },
            "sections": sorted({s.section_id for s in self.sections if s.section_id}),
        }


# --------------------------------------------------------------------------- index


@dataclass
class Chunk(_Serial):
    """A token-bounded piece of one section of one plan, as stored in the index."""

    id: str
    text: str
    plan_id: str
    source: str
    unit: str
    kind: str
    section_id: str | None
    heading_path: list[str]
    year: int | None
    script: str
    start: int
    end: int

    def metadata(self) -> dict[str, str | int | float | bool]:
        """Flat, primitive-only metadata for the vector store (None → "" / -1)."""
        return {
            "plan_id": self.plan_id,
            "source": self.source,
            "unit": self.unit,
            "kind": self.kind,
            "section_id": self.section_id or "",
            "heading_path": " > ".join(self.heading_path),
            "year": self.year if self.year is not None else -1,
            "script": self.script,
            "start": self.start,
            "end": self.end,
        }

    @classmethod
    def from_metadata(cls, id: str, text: str, meta: dict[str, Any]) -> Chunk:
        year = meta.get("year", -1)
        path = str(meta.get("heading_path", ""))
        return cls(
            id=id,
            text=text,
            plan_id=str(meta.get("plan_id", "")),
            source=str(meta.get("source", "")),
            unit=str(meta.get("unit", "")),
            kind=str(meta.get("kind", "")),
            section_id=str(meta.get("section_id") or "") or None,
            heading_path=[p for p in path.split(" > ") if p],
            year=int(year) if year is not None and int(year) >= 0 else None,
            script=str(meta.get("script", "")),
            start=int(meta.get("start", 0)),
            end=int(meta.get("end", 0)),
        )


@dataclass
class Passage(_Serial):
    """A retrieved chunk with its fused score and the scores it was fused from."""

    chunk: Chunk
    score: float
    scores: dict[str, float] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.chunk.text

    def to_json(self) -> dict[str, Any]:
        """The row `drafter search --json` prints for this hit."""
        c = self.chunk
        return {
            "text": c.text,
            "score": round(self.score, 6),
            "scores": {k: round(v, 6) for k, v in self.scores.items()},
            "plan_id": c.plan_id,
            "source": c.source,
            "unit": c.unit,
            "kind": c.kind,
            "section": c.section_id,
            "heading_path": c.heading_path,
            "year": c.year,
            "chunk_id": c.id,
            "start": c.start,
            "end": c.end,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Passage:
        d = dict(data)
        if isinstance(d.get("chunk"), dict):
            d["chunk"] = Chunk.from_dict(d["chunk"])
        return _from_dict(cls, d)


class SearchResult(list[Passage]):
    """The passages a search found, best first (a ``list``), with how many were asked for.

    ``returned`` is less than ``requested`` only when the index holds no more distinct
    passages that match the query and its filters (``exhausted``).
    """

    def __init__(self, passages: Iterable[Passage] = (), *, requested: int = 0, exhausted: bool = False) -> None:
        super().__init__(passages)
        self.requested = requested
        self.exhausted = exhausted

    @property
    def returned(self) -> int:
        return len(self)

    def to_json(self, query: str = "") -> dict[str, Any]:
        """What `drafter search --json` prints."""
        return {
            "query": query,
            "requested": self.requested,
            "returned": self.returned,
            "exhausted": self.exhausted,
            "hits": [p.to_json() for p in self],
        }


# --------------------------------------------------------------------------- draft


@dataclass
class Brief(_Serial):
    """What the user asked for: unit, year, optional unit name, free-text brief and its asks.

    ``asks`` are the specific points the brief asks for (今年重点：教职工心理健康、筹建职工之家 →
    ["教职工心理健康", "筹建职工之家"]); the outline assigns each to the sections it touches.
    """

    unit: str
    year: int
    name: str | None = None
    text: str = ""
    asks: list[str] = field(default_factory=list)
    script: str = "simplified"


@dataclass
class OutlineSubsection(_Serial):
    """A sub-heading （一）… of a section and the canonical section whose items it holds (None: its own)."""

    title: str
    id: str | None = None


@dataclass
class OutlineSection(_Serial):
    """One planned section: canonical id, heading (without its number), goal, sub-sections, assigned asks."""

    id: str
    title: str
    goal: str = ""
    subsections: list[OutlineSubsection] = field(default_factory=list)
    asks: list[str] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OutlineSection:
        d = dict(data)
        d["subsections"] = [
            OutlineSubsection(title=s)
            if isinstance(s, str)
            else OutlineSubsection.from_dict(s)
            if isinstance(s, dict)
            else s
            for s in d.get("subsections", [])
        ]
        return _from_dict(cls, d)


@dataclass
class Outline(_Serial):
    """The planned sections of a draft, in order."""

    unit: str
    year: int
    title: str
    sections: list[OutlineSection] = field(default_factory=list)
    brief: Brief | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Outline:
        d = dict(data)
        d["sections"] = [OutlineSection.from_dict(s) if isinstance(s, dict) else s for s in d.get("sections", [])]
        if isinstance(d.get("brief"), dict):
            d["brief"] = Brief.from_dict(d["brief"])
        return _from_dict(cls, d)


@dataclass
class Milestone(_Serial):
    """One step of an item in the month-by-month schedule (3月：制定建设方案)."""

    month: int
    line: str


@dataclass
class Item(_Serial):
    """One item of a drafted section, with where it came from and where it sits in the schedule.

    ``origin`` is ``catalogue:<item id>``, ``year:<item id>``, ``ask``, ``corpus:<plan id>``
    or ``model``; ``months`` and ``event`` place it in the month-by-month schedule (with the
    short ``schedule`` line); ``ask`` is the brief's ask it answers; ``unfilled`` the facts it
    still needs (shown as 【待填：…】 in its text).
    """

    text: str
    origin: str = ""
    section: str = ""
    tier: str = ""
    months: list[int] = field(default_factory=list)
    event: str | None = None
    schedule: str = ""
    owner: str = ""
    ask: str | None = None
    unfilled: list[str] = field(default_factory=list)
    tentative: bool = False  # its month is a default until the facts give its date
    waits_for: str = ""  # the fact that gives its date, while tentative (大会召开时间)
    steps: list[Milestone] = field(default_factory=list)  # its milestones, each in its own month

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Item:
        d = dict(data)
        d["steps"] = [Milestone.from_dict(s) if isinstance(s, dict) else s for s in d.get("steps") or []]
        return _from_dict(cls, d)

    @property
    def plan_id(self) -> str | None:
        """The corpus plan this item was drawn from, if any."""
        return self.origin.removeprefix("corpus:") if self.origin.startswith("corpus:") else None


def _items(raw: list[Any]) -> list[Item]:
    return [Item(text=x) if isinstance(x, str) else Item.from_dict(x) if isinstance(x, dict) else x for x in raw]


@dataclass
class SubSection(_Serial):
    """A sub-block of a section: （一）title, then numbered items."""

    title: str
    items: list[Item] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SubSection:
        d = dict(data)
        d["items"] = _items(d.get("items", []))
        return _from_dict(cls, d)


@dataclass
class SectionDraft(_Serial):
    """A drafted section: an opening paragraph, numbered items and/or sub-sections, and provenance.

    ``layout`` is prose (the intro only), items or months; ``sources`` are the corpus plan ids
    the section drew on; ``error`` is set (and the body empty) when the writer failed for it.
    """

    id: str
    title: str
    intro: str = ""
    items: list[Item] = field(default_factory=list)
    subsections: list[SubSection] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    writer: str = ""
    error: str | None = None
    layout: str = "items"

    def all_items(self) -> list[Item]:
        """The section's items, its own first, then each sub-section's."""
        return [*self.items, *(it for sub in self.subsections for it in sub.items)]

    @property
    def empty(self) -> bool:
        return not (self.intro or self.items or any(s.items for s in self.subsections))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SectionDraft:
        d = dict(data)
        d["items"] = _items(d.get("items", []))
        d["subsections"] = [SubSection.from_dict(s) if isinstance(s, dict) else s for s in d.get("subsections", [])]
        return _from_dict(cls, d)
