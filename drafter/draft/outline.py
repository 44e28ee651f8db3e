"""Plan the sections of a draft: the unit's canonical sections, phrased for it, adjusted by the brief.

``plan_outline`` picks the sections (``drafter/data/outline.yaml`` filtered by the
taxonomy when it is available), phrases their headings with the unit's words, parses
the brief's asks and assigns each to the section it fits (or adds a section).
``save_outline``/``load_outline`` write and read the editable YAML outline file.
"""

from __future__ import annotations

import functools
import logging
import re
from pathlib import Path
from typing import Any

from drafter.draft.era import check_year
from drafter.draft.units import UnitProfile, load_profile
from drafter.errors import InputError
from drafter.models import Brief, Outline, OutlineSection
from drafter.resources import load_data

log = logging.getLogger(__name__)

SCHEDULE = "schedule"
_LEADS = ("重点", "要点", "任务", "着力", "重心", "突出", "希望", "要求", "关注")
_VERBS = ("加强", "开展", "筹建", "推进", "做好", "关注", "组织", "建设", "创建", "提升", "举办", "落实",
          "完善", "深化", "健全", "建立", "打造", "丰富", "关心", "关爱", "维护", "探索", "实施", "争创")
_FILLERS = re.compile(r"^(?:今年|本年度|明年|全年|我们|我园|我校|我院|工会|希望|要求|需要|要|将|继续|进一步|重点|着力|的)+")


def _phrasing() -> dict[str, Any]:
    return load_data("outline.yaml")


def _pick(entry: dict[str, Any], key: str, unit: str) -> str:
    return str(entry.get(f"{key}_{unit}") or entry.get(key) or "")


@functools.lru_cache(maxsize=1)
def _taxonomy() -> dict[str, Any] | None:
    """{section id: taxonomy entry} from the ingest taxonomy, or None when it is not available."""
    try:
        from drafter.ingest.taxonomy import load_taxonomy

        tax = load_taxonomy()
    except Exception as exc:  # noqa: BLE001 - the taxonomy is optional for outlining
        log.debug("taxonomy not available (%s); using outline.yaml alone", exc)
        return None
    return {s.id: s for s in getattr(tax, "sections", [])}


def section_keywords(section_id: str) -> list[str]:
    """Words that tie an ask or a passage to a section (outline.yaml + taxonomy keywords)."""
    entry = _phrasing()["sections"].get(section_id) or {}
    words = [str(w) for w in entry.get("keywords") or []]
    tax = _taxonomy() or {}
    t = tax.get(section_id)
    if t is not None:
        words += [str(w) for w in (getattr(t, "aliases", None) or []) if 2 <= len(str(w)) <= 6]
        words += [str(w) for w in (getattr(t, "keywords", None) or []) if len(str(w)) >= 2]
    return list(dict.fromkeys(words))


def phrased_section_ids() -> list[str]:
    """The canonical sections outline.yaml phrases, in plan order (a unit's outline has a subset)."""
    return [str(k) for k in (_phrasing().get("sections") or {})]


def subsection_section(title: str) -> str | None:
    """The canonical section a sub-section title speaks of (规范经费管理 → finance_audit), or None."""
    ids = list((_phrasing().get("sections") or {}).keys())
    ids += [i for i in (_taxonomy() or {}) if i not in ids]
    return assign_ask(title, ids)


def section_query(section_id: str, title: str = "") -> str:
    """The retrieval query for a section."""
    entry = _phrasing()["sections"].get(section_id) or {}
    return " ".join(x for x in (title, str(entry.get("query") or "")) if x).strip()


def _applies(section_id: str, entry: dict[str, Any], profile: UnitProfile) -> bool:
    if section_id in profile.exclude_sections:
        return False
    units = entry.get("units")
    if units and profile.id not in units:
        return False
    tax = _taxonomy()
    if tax and section_id in tax:
        t = tax[section_id]
        if getattr(t, "summary_only", False):
            return False
    return True


def parse_asks(brief: str) -> list[str]:
    """The specific asks of a brief: ``今年重点：教职工心理健康、筹建职工之家`` → two asks."""
    text = (brief or "").strip()
    if not text:
        return []
    asks: list[str] = []
    for sent in re.split(r"[。！？!?；;\n]+", text):
        sent = sent.strip(" ，,、")
        if not sent:
            continue
        m = re.match(r"^(.{0,12}?)[：:](.+)$", sent)
        if m and (any(w in m.group(1) for w in _LEADS) or len(m.group(1)) <= 6):
            parts = re.split(r"[、，,]|以及|和(?=[^和]{4,})", m.group(2))
        elif any(w in sent for w in (*_LEADS, *_VERBS)) or len(sent) <= 30:
            parts = re.split(r"[，,]", sent) if sent.count("，") + sent.count(",") >= 1 and all(
                any(v in p for v in _VERBS) for p in re.split(r"[，,]", sent)) else [sent]
        else:
            continue
        for p in parts:
            p = _FILLERS.sub("", p.strip(" 　，,、：:")).strip()
            p = re.sub(r"^(?:是|为|把)", "", p)
            if len(p) >= 2 and p not in asks:
                asks.append(p)
    return asks


def assign_ask(ask: str, section_ids: list[str]) -> str | None:
    """The section an ask fits best by keywords, or None when none fits."""
    best, best_score = None, 0
    for sid in section_ids:
        if sid in (SCHEDULE, "guiding_ideology"):
            continue
        score = sum(len(w) for w in section_keywords(sid) if w in ask)
        if score > best_score:
            best, best_score = sid, score
    return best


def _new_section(ask: str, index: int, profile: UnitProfile) -> OutlineSection:
    spec = _phrasing().get("new_section") or {}
    ask = profile.adapt(ask)
    starts_with_verb = any(ask.startswith(v) for v in _VERBS)
    title = (spec.get("title_verb") if starts_with_verb else spec.get("title")) or "{ask}"
    return OutlineSection(
        id=f"custom_{index}",
        title=profile.fill(str(title), ask=ask),
        goal=profile.fill(str(spec.get("goal") or ""), ask=ask),
        asks=[ask],
    )


def plan_outline(unit: str, year: int, brief: str = "", name: str | None = None) -> Outline:
    """The outline of a plan for a unit and year, adjusted by the brief's asks."""
    profile = load_profile(unit)
    year = check_year(year)
    sections: list[OutlineSection] = []
    for sid, entry in (_phrasing().get("sections") or {}).items():
        if not _applies(sid, entry, profile):
            continue
        subs = entry.get(f"subsections_{profile.id}", entry.get("subsections")) or []
        sections.append(OutlineSection(
            id=sid,
            title=profile.fill(_pick(entry, "title", profile.id)),
            goal=profile.fill(_pick(entry, "goal", profile.id)),
            subsections=[profile.fill(str(x)) for x in subs],
        ))
    asks = parse_asks(brief)
    ids = [s.id for s in sections]
    custom = 0
    for ask in asks:
        sid = assign_ask(ask, ids)
        if sid is None:
            custom += 1
            new = _new_section(ask, custom, profile)
            at = ids.index(SCHEDULE) if SCHEDULE in ids else len(sections)
            sections.insert(at, new)
            ids.insert(at, new.id)
        else:
            sections[ids.index(sid)].asks.append(profile.adapt(ask))
    clean_name = (name or "").strip() or None
    b = Brief(unit=profile.id, year=year, name=clean_name, text=brief or "", asks=asks)
    return Outline(unit=profile.id, year=year, title=plan_title(profile, year, clean_name), sections=sections, brief=b)


def plan_title(profile: UnitProfile, year: int, name: str | None = None) -> str:
    """``阳光幼儿园2024年工会工作计划`` / ``幼儿园2024年工会工作计划``."""
    return f"{(name or '').strip() or profile.name}{year}年工会工作计划"


# --------------------------------------------------------------------------- outline files

HEADER = """\
# drafter 提纲文件 —— 编辑后用 `drafter write --outline 本文件` 按提纲生成计划。
# 格式（YAML，# 开头的行是注释）：
#   unit:   单位类型（kindergarten 幼儿园、hospital 医院……，见 `drafter units`）
#   year:   计划年度（2000–2100）
#   name:   单位名称，用于标题（可留空，例如：阳光幼儿园）
#   title:  计划标题（可改；留空则按 名称+年度+工会工作计划 生成）
#   brief:  今年的工作要求原文（可留空）
#   sections: 计划的各个部分，按顺序排列，生成时自动编号为 一、二、三……
#     - id:    部分的标准 id（guiding_ideology、worker_care……；自己新增的部分写 custom_1 等）
#       title: 标题（不带序号）
#       goal:  本部分要达到的目标（用于开头一句，可改写）
#       asks:  本部分要落实的重点任务（来自 brief，可增删）
#       subsections: 小标题（可留空；填写后正文按（一）（二）……分组）
# 增删部分、调整顺序、改写标题都可以；schedule（具体活动安排）按月份由日历生成。
"""


def outline_to_yaml(outline: Outline) -> str:
    """The outline as the commented, editable YAML file."""
    import yaml

    brief = outline.brief
    data: dict[str, Any] = {
        "unit": outline.unit,
        "year": outline.year,
        "name": brief.name if brief and brief.name else "",
        "title": outline.title,
        "brief": brief.text if brief else "",
        "sections": [
            {"id": s.id, "title": s.title, "goal": s.goal, "asks": list(s.asks), "subsections": list(s.subsections)}
            for s in outline.sections
        ],
    }
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000, default_flow_style=False)
    return HEADER + body


def save_outline(outline: Outline, path: str | Path, *, force: bool = False) -> Path:
    from drafter.draft.assemble import atomic_write

    return atomic_write(Path(path), outline_to_yaml(outline), force=force)


def _err(path: str, line: int | None, msg: str) -> InputError:
    where = f"{path}:{line}" if line else path
    return InputError(f"malformed outline {where}: {msg}; fix the file (see the comments at its top) or regenerate it with `drafter outline`")


def outline_from_yaml(text: str, path: str = "<outline>") -> Outline:
    """Parse an outline file (errors name the line)."""
    import yaml

    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        context = getattr(exc, "context_mark", None)
        if mark is not None and context is not None and mark.line >= len(text.rstrip("\n").splitlines()):
            mark = context  # the problem is "end of file": point at where the broken construct starts
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise _err(path, mark.line + 1 if mark else None, str(problem)) from None
    if not isinstance(data, dict):
        raise _err(path, 1, "expected keys unit, year, sections")

    def line_of(key: str, index: int | None = None) -> int | None:
        if node is None or not hasattr(node, "value") or not isinstance(node.value, list):
            return None
        for k, v in node.value:
            if getattr(k, "value", None) == key:
                if index is not None and isinstance(v.value, list) and index < len(v.value):
                    return v.value[index].start_mark.line + 1
                return k.start_mark.line + 1
        return None

    for key in ("unit", "year", "sections"):
        if key not in data or data[key] in (None, ""):
            raise _err(path, None, f"missing '{key}'")
    try:
        profile = load_profile(str(data["unit"]))
    except InputError as exc:
        raise _err(path, line_of("unit"), str(exc)) from None
    try:
        year = check_year(data["year"])
    except InputError as exc:
        raise _err(path, line_of("year"), str(exc)) from None
    raw_sections = data["sections"]
    if not isinstance(raw_sections, list) or not raw_sections:
        raise _err(path, line_of("sections"), "'sections' must be a non-empty list")
    sections: list[OutlineSection] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_sections):
        line = line_of("sections", i)
        if isinstance(raw, str):
            raw = {"title": raw}
        if not isinstance(raw, dict):
            raise _err(path, line, f"section {i + 1} must be a mapping with id and title")
        title = str(raw.get("title") or "").strip()
        if not title:
            raise _err(path, line, f"section {i + 1} has no title")
        sid = str(raw.get("id") or f"custom_{i + 1}").strip()
        if sid in seen:
            raise _err(path, line, f"section id {sid!r} appears twice")
        seen.add(sid)
        for key in ("asks", "subsections"):
            if raw.get(key) is not None and not isinstance(raw.get(key), list):
                raise _err(path, line, f"'{key}' of section {i + 1} must be a list")
        sections.append(OutlineSection(
            id=sid, title=title, goal=str(raw.get("goal") or ""),
            asks=[str(a) for a in raw.get("asks") or [] if str(a).strip()],
            subsections=[str(a) for a in raw.get("subsections") or [] if str(a).strip()],
        ))
    name = str(data.get("name") or "").strip() or None
    brief_text = str(data.get("brief") or "")
    asks = [a for s in sections for a in s.asks]
    title = str(data.get("title") or "").strip() or plan_title(profile, year, name)
    brief = Brief(unit=profile.id, year=year, name=name, text=brief_text, asks=asks)
    return Outline(unit=profile.id, year=year, title=title, sections=sections, brief=brief)


def load_outline(path: str | Path) -> Outline:
    """Read an outline file written by ``drafter outline`` (and maybe edited)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"outline file {str(p)!r} not found; create one with `drafter outline --out {p}`") from None
    except UnicodeDecodeError:
        raise InputError(f"outline file {str(p)!r} is not UTF-8 text; save it as UTF-8") from None
    return outline_from_yaml(text, str(p))
