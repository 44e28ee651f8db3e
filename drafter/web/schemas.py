"""The JSON the API takes and gives (pydantic models, so the OpenAPI description is exact).

Requests are checked here (lengths, ranges) before they reach the library; responses are built
from the library's dataclasses by :mod:`drafter.web.views`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_BRIEF = 2000
MAX_NAME = 60
MAX_SECTION_TEXT = 20_000


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# --------------------------------------------------------------------------- requests
class OutlineSectionIn(_In):
    """A section of the edited outline, in its new place: an existing id, or none for a new section."""

    id: str | None = Field(default=None, max_length=64)
    title: str = Field(max_length=80)


class PlanIn(_In):
    """What the new-plan form sends: the plan's unit and year and what the chair knows."""

    unit: str = Field(min_length=1, max_length=32, description="unit id or Chinese name (幼儿园, 医院…)")
    year: int = Field(ge=2000, le=2099)
    name: str | None = Field(default=None, max_length=MAX_NAME)
    brief: str = Field(default="", max_length=MAX_BRIEF)
    facts: dict[str, str] = Field(default_factory=dict, description="fields of `drafter facts`; empty ones are dropped")


class DraftIn(PlanIn):
    """Start a draft: the plan, the writer, and optionally the edited outline's sections in order."""

    writer: Literal["offline", "model"] = "offline"
    sections: list[OutlineSectionIn] | None = Field(default=None, max_length=40)


class SectionEditIn(_In):
    """The chair's own text for one section; ``base_version`` is the draft version the text was edited from."""

    text: str = Field(min_length=1, max_length=MAX_SECTION_TEXT)
    base_version: int = Field(ge=1)


class RedraftIn(_In):
    base_version: int | None = Field(default=None, ge=1)


# --------------------------------------------------------------------------- responses
class ErrorOut(BaseModel):
    error: str


class FactFieldOut(BaseModel):
    key: str
    hint: str
    example: str
    kind: str
    units: list[str]


class UnitOut(BaseModel):
    id: str
    name: str
    aliases: list[str]


class WriterOut(BaseModel):
    id: Literal["offline", "model"]
    label: str
    model: str | None = None
    endpoint: str | None = None


class ConfigOut(BaseModel):
    units: list[UnitOut]
    facts: list[FactFieldOut]
    writers: list[WriterOut]
    max_upload_mb: float


class PlannedItemOut(BaseModel):
    text: str
    tier: str
    tier_label: str


class OutlineSectionOut(BaseModel):
    id: str
    title: str
    goal: str
    asks: list[str]
    subsections: list[str]
    written: bool = Field(
        description="drafted by the writer (false: 指导思想 and the schedule, built by the document pass)"
    )
    must: list[PlannedItemOut]
    planned: int


class OutlineOut(BaseModel):
    title: str
    unit: str
    unit_name: str
    year: int
    asks: list[str]
    sections: list[OutlineSectionOut]


class ItemOut(BaseModel):
    text: str
    origin: str
    basis: str = Field(description="where the item came from, in words (依据)")
    plan_id: str | None = None
    plan_title: str | None = None
    unfilled: list[str]


class SubSectionOut(BaseModel):
    title: str
    items: list[ItemOut]


class SourceOut(BaseModel):
    plan_id: str
    title: str


class SectionOut(BaseModel):
    id: str
    number: str
    title: str
    layout: str
    intro: str
    items: list[ItemOut]
    subsections: list[SubSectionOut]
    sources: list[SourceOut]
    writer: str
    error: str | None
    pending: bool
    editable: bool
    text: str = Field(description="the section's body as the chair edits it")
    rev: int


class DraftOut(BaseModel):
    id: str
    version: int
    status: Literal["drafting", "done", "failed", "interrupted"]
    status_label: str
    error: str | None
    title: str
    unit: str
    unit_name: str
    year: int
    name: str | None
    brief: str
    writer: str
    preamble: str
    closing: list[str]
    sections: list[SectionOut]
    unfilled: list[str]
    failed: list[str]
    progress_done: int
    progress_total: int
    created: float
    updated: float


class DraftRowOut(BaseModel):
    id: str
    title: str
    status: str
    status_label: str
    unit: str
    unit_name: str
    year: int
    writer: str
    created: float
    updated: float


class CreatedOut(BaseModel):
    id: str
    url: str
    draft: DraftOut


class MetricOut(BaseModel):
    name: str
    label: str
    value: float
    shown: str
    reason: str
    penalty: float = 0.0


class ScoreOut(BaseModel):
    overall: float
    coverage: MetricOut
    must_have: MetricOut
    missing_must: list[str]
    missing_sections: list[str]
    asks: list[dict[str, object]]
    faults: list[MetricOut]
    quality: list[MetricOut]
    version: int


class PlanRowOut(BaseModel):
    id: str
    title: str
    source: str
    unit: str
    unit_name: str
    kind: str
    kind_name: str
    year: int | None
    script: str
    chars: int
    evidence: dict[str, list[str]]
    sections: list[str]
    uploaded: bool


class PlanSectionOut(BaseModel):
    heading: str
    section_id: str | None
    body: str


class PlanOut(BaseModel):
    id: str
    title: str
    unit_name: str
    kind_name: str
    year: int | None
    source: str
    sections: list[PlanSectionOut]


class UploadOut(BaseModel):
    files: list[str]
    plans_added: int
    plans_total: int
    skipped: list[dict[str, str]]
    message: str


class HitOut(BaseModel):
    text: str
    score: float
    plan_id: str
    plan_title: str
    unit: str
    unit_name: str
    kind: str
    section: str | None
    heading_path: list[str]
    year: int | None
