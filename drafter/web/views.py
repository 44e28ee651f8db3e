"""The library's dataclasses as the API's JSON (pure functions; the words a chair reads are here)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drafter.domain.facts import fields_for, unfilled_in
from drafter.domain.kinds import KIND_NAMES
from drafter.domain.numerals import to_chinese
from drafter.domain.units import unit_name
from drafter.draft import compose
from drafter.draft.assemble import section_markdown
from drafter.draft.draft import Draft
from drafter.models import Item, Outline, Plan, SectionDraft
from drafter.web import schemas
from drafter.web.store import DraftRecord, DraftSummary

PENDING = "正在起草"
STATUS_LABELS = {"drafting": "起草中", "done": "已完成", "failed": "未写完", "interrupted": "起草中断"}
TIER_LABELS = {"must": "必备", "common": "常规", "optional": "可选"}
METRIC_LABELS = {
    "coverage": "结构完整度",
    "relevance": "切题程度",
    "substance": "内容实在程度",
    "must_have": "必备事项",
    "asks": "本年重点落实",
    "order": "部分顺序",
    "kind": "文种（计划）",
    "unit_match": "单位类型相符",
    "repeats": "重复表述",
    "off_topic": "偏离标题的条目",
    "era": "时代提法不符",
    "duplicates": "重复段落",
    "placeholders": "模板占位符（20xx、某某）",
    "boilerplate": "网页残留文字",
    "foreign_words": "其他类型单位的用语",
    "wrong_years": "年份不符",
    "stale_terms": "过时提法",
    "copying": "照抄语料比例",
}


def safe_unit_name(unit: str) -> str:
    try:
        return unit_name(unit)
    except Exception:
        return unit


def basis(item: Item, plan_titles: Mapping[str, str]) -> tuple[str, str | None, str | None]:
    """依据: where an item came from, in words; and the corpus plan (id, title) it drew on, if any."""
    origin = item.origin or ""
    pid = item.plan_id
    if pid:
        title = plan_titles.get(pid) or pid
        return f"参考往年计划《{title}》", pid, title
    kind = origin.split(":", 1)[0]
    if kind == "catalogue":
        return f"工作事项库（{TIER_LABELS.get(item.tier, '常规')}事项）", None, None
    if kind == "year":
        return "本年度工作要点", None, None
    if kind == "ask":
        return f"本年重点要求：{item.ask}" if item.ask else "本年重点要求", None, None
    if kind == "model":
        return "模型撰写", None, None
    if kind == "edited":
        return "本人修改", None, None
    return "起草程序", None, None


def _item(item: Item, titles: Mapping[str, str]) -> schemas.ItemOut:
    label, pid, ptitle = basis(item, titles)
    return schemas.ItemOut(
        text=item.text,
        origin=item.origin,
        basis=label,
        plan_id=pid,
        plan_title=ptitle,
        unfilled=unfilled_in(item.text),
    )


def section_out(
    s: SectionDraft, number: int, titles: Mapping[str, str], *, rev: int, status: str
) -> schemas.SectionOut:
    pending = s.error == PENDING and status == "drafting"
    return schemas.SectionOut(
        id=s.id,
        number=to_chinese(number),
        title=s.title,
        layout=s.layout,
        intro=s.intro,
        items=[_item(it, titles) for it in s.items],
        subsections=[
            schemas.SubSectionOut(title=sub.title, items=[_item(it, titles) for it in sub.items])
            for sub in s.subsections
        ],
        sources=[schemas.SourceOut(plan_id=p, title=titles.get(p, "")) for p in s.sources],
        writer=s.writer,
        error=None if pending else s.error,
        pending=pending,
        editable=s.layout != "months" and status != "drafting",
        text=section_markdown(s) if not s.empty else "",
        rev=rev,
    )


def writer_label(provider: str, writer: str) -> str:
    return "离线起草（不联网）" if (writer or provider) == "offline" else "大模型起草"


def draft_out(rec: DraftRecord, draft: Draft | None = None) -> schemas.DraftOut:
    d = draft or rec.draft()
    outline_ids = {s.id for s in d.outline.sections if compose.written_by_writer(s)}
    total = len(outline_ids)
    done = sum(1 for s in d.sections if s.id in outline_ids and s.error != PENDING)
    sections = [
        section_out(s, i, d.plan_titles, rev=rec.section_revs.get(s.id, 0), status=rec.status)
        for i, s in enumerate(d.sections, 1)
    ]
    return schemas.DraftOut(
        id=rec.id,
        version=rec.version,
        status=rec.status,  # type: ignore[arg-type]
        status_label=STATUS_LABELS.get(rec.status, rec.status),
        error=rec.error,
        title=d.title,
        unit=d.request.unit.id,
        unit_name=d.request.unit.name,
        year=d.request.year,
        name=d.request.name,
        brief=d.request.brief,
        writer=writer_label(rec.provider, d.writer),
        preamble=d.preamble,
        closing=list(d.closing),
        sections=sections,
        unfilled=d.unfilled,
        failed=[s.title for s in d.sections if s.error and s.error != PENDING],
        progress_done=done,
        progress_total=total,
        created=rec.created,
        updated=rec.updated,
    )


def draft_row(s: DraftSummary) -> schemas.DraftRowOut:
    return schemas.DraftRowOut(
        id=s.id,
        title=s.title,
        status=s.status,
        status_label=STATUS_LABELS.get(s.status, s.status),
        unit=s.unit,
        unit_name=safe_unit_name(s.unit),
        year=s.year,
        writer=writer_label(s.provider, s.provider),
        created=s.created,
        updated=s.updated,
    )


def outline_out(outline: Outline, planned: Mapping[str, list[Item]]) -> schemas.OutlineOut:
    rows = []
    for s in outline.sections:
        items = planned.get(s.id, [])
        rows.append(
            schemas.OutlineSectionOut(
                id=s.id,
                title=s.title,
                goal=s.goal,
                asks=list(s.asks),
                subsections=[sub.title for sub in s.subsections],
                written=compose.written_by_writer(s),
                must=[
                    schemas.PlannedItemOut(text=it.text, tier=it.tier, tier_label=TIER_LABELS.get(it.tier, it.tier))
                    for it in items
                    if it.tier == "must"
                ],
                planned=len(items),
            )
        )
    return schemas.OutlineOut(
        title=outline.title,
        unit=outline.unit,
        unit_name=safe_unit_name(outline.unit),
        year=outline.year,
        asks=list(outline.brief.asks) if outline.brief else [],
        sections=rows,
    )


def facts_fields() -> list[schemas.FactFieldOut]:
    from drafter.domain.facts import fact_fields

    out = []
    for f in fact_fields():
        ex = "；".join(map(str, f.example)) if isinstance(f.example, list) else str(f.example or "")
        out.append(schemas.FactFieldOut(key=f.key, hint=f.hint, example=ex, kind=f.kind, units=list(f.units)))
    return out


def unit_fact_keys(unit: str) -> list[str]:
    return [f.key for f in fields_for(unit)]


# --------------------------------------------------------------------------- score
def _metric(name: str, m: Any, penalty: float = 0.0) -> schemas.MetricOut:
    from drafter.evaluate.metrics import format_value

    return schemas.MetricOut(
        name=name,
        label=METRIC_LABELS.get(name, name),
        value=round(float(m.value), 4),
        shown=format_value(name, m.value),
        reason=m.reason,
        penalty=round(penalty, 4),
    )


def score_out(report: Any, unit: str, year: int, version: int) -> schemas.ScoreOut:
    """The score panel: coverage, must-haves the plan lacks (in words), faults a reader would catch."""
    from drafter.domain.catalogue import item_by_id, render
    from drafter.domain.taxonomy import load_taxonomy
    from drafter.domain.units import load_profile
    from drafter.evaluate.metrics import METRIC_KIND

    metrics = report.metrics
    missing_must = []
    for entry in metrics["must_have"].details.get("missing", []):
        if isinstance(entry, dict) and entry.get("what"):
            what = str(entry["what"])
            try:
                what = load_profile(unit).fill(what)  # {staff} → 教职工
            except (KeyError, ValueError, IndexError):
                what = what.replace("{", "").replace("}", "")
            missing_must.append(what)
            continue
        mid = entry.get("id") if isinstance(entry, dict) else entry
        try:
            missing_must.append(render(item_by_id(str(mid)), load_profile(unit), year).text)
        except Exception:  # an item the catalogue no longer holds: its id is all there is to show
            missing_must.append(str(mid))
    tax = load_taxonomy()
    missing_sections = []
    for sid in metrics["coverage"].details.get("missing", []):
        sec = tax.get(sid)
        missing_sections.append(sec.name if sec else sid)
    faults = [
        _metric(n, m, report.penalties.get(n, 0.0))
        for n, m in metrics.items()
        if METRIC_KIND.get(n) == "fault" and (float(m.value) > 0 and (n != "copying" or report.penalties.get(n)))
    ]
    quality = [_metric(n, metrics[n]) for n in ("relevance", "substance", "asks", "order") if n in metrics]
    asks = (
        [
            {"ask": a.get("ask", ""), "acted": bool(a.get("acted")), "mentioned": bool(a.get("mentioned"))}
            for a in metrics["asks"].details.get("asks", [])
        ]
        if "asks" in metrics
        else []
    )
    return schemas.ScoreOut(
        overall=round(report.overall, 4),
        coverage=_metric("coverage", metrics["coverage"]),
        must_have=_metric("must_have", metrics["must_have"]),
        missing_must=missing_must,
        missing_sections=missing_sections,
        asks=asks,
        faults=faults,
        quality=quality,
        version=version,
    )


# --------------------------------------------------------------------------- library
def plan_row(p: Plan, uploaded: bool) -> schemas.PlanRowOut:
    s = p.summary()
    kind = str(s["kind"])
    return schemas.PlanRowOut(
        id=p.id,
        title=p.title,
        source=p.source,
        unit=str(s["unit"]),
        unit_name=safe_unit_name(str(s["unit"])),
        kind=kind,
        kind_name=KIND_NAMES.get(kind, kind),
        year=s["year"] if isinstance(s["year"], int) else None,
        script="繁体" if s["script"] == "traditional" else "简体",
        chars=len(p.text),
        evidence={k: [str(x) for x in v] for k, v in s["evidence"].items()},
        sections=list(s["sections"]),
        uploaded=uploaded,
    )


def plan_out(p: Plan) -> schemas.PlanOut:
    kind = str(p.kind.value)
    return schemas.PlanOut(
        id=p.id,
        title=p.title,
        unit_name=safe_unit_name(str(p.unit.value)),
        kind_name=KIND_NAMES.get(kind, kind),
        year=p.year.value if isinstance(p.year.value, int) else None,
        source=p.source,
        sections=[
            schemas.PlanSectionOut(heading=s.heading, section_id=s.section_id, body=s.body)
            for s in p.sections
            if s.body or s.heading
        ],
    )


def hit_out(h: Any, titles: Mapping[str, str]) -> schemas.HitOut:
    c = h.chunk
    return schemas.HitOut(
        text=c.text,
        score=round(float(h.score), 4),
        plan_id=c.plan_id,
        plan_title=titles.get(c.plan_id, c.plan_id),
        unit=c.unit,
        unit_name=safe_unit_name(c.unit),
        kind=c.kind,
        section=c.section_id,
        heading_path=list(c.heading_path),
        year=c.year,
    )
