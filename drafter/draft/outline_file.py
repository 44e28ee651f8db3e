"""The editable outline file (YAML with comments): write it, read it back after a chair edited it.

Errors name the file, the line and the fix: a section id that is neither a canonical section nor
``custom_…`` names the closest known id; aliases (``*name``) are refused, so a hostile file
cannot expand to gigabytes.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

from drafter.domain import sections
from drafter.domain.era import check_year
from drafter.domain.request import NAME_SLOT, plan_title
from drafter.domain.taxonomy import load_taxonomy
from drafter.domain.units import load_profile
from drafter.errors import InputError
from drafter.fileio import load_user_yaml, read_user_text, save_text
from drafter.models import Brief, Outline, OutlineSection, OutlineSubsection

HEADER = """\
# drafter 提纲文件 —— 编辑后用 `drafter write --outline 本文件` 按提纲生成计划。
# 格式（YAML，# 开头的行是注释）：
#   unit:   单位类型（kindergarten 幼儿园、hospital 医院……，见 `drafter units`）
#   year:   计划年度（2000–2099）
#   name:   单位名称，用于标题（可留空，例如：阳光幼儿园）
#   title:  计划标题（可改；留空则按 名称+年度+工会工作计划 生成）
#   brief:  今年的工作要求原文（可留空）
#   sections: 计划的各个部分，按顺序排列，生成时自动编号为 一、二、三……
#     - id:    部分的标准 id（guiding_ideology、worker_care……，见 `drafter sections`；自己新增的部分写 custom_1 等）
#       title: 标题（不带序号）
#       goal:  本部分要达到的目标（用于开头一句，可改写）
#       asks:  本部分要落实的重点任务（来自 brief，可增删）
#       subsections: 小标题（可留空；每项写 id 和 title，填写后正文按（一）（二）……分组）
# 增删部分、调整顺序、改写标题都可以；schedule（具体活动安排）由各部分的活动和日历按月生成。
"""
_CUSTOM = re.compile(r"^custom_[A-Za-z0-9_]+$")


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
            {
                "id": s.id,
                "title": s.title,
                "goal": s.goal,
                "asks": list(s.asks),
                "subsections": [{"id": sub.id, "title": sub.title} if sub.id else sub.title for sub in s.subsections],
            }
            for s in outline.sections
        ],
    }
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000, default_flow_style=False)
    return HEADER + body


def save_outline(outline: Outline, path: str | Path, *, force: bool = False) -> Path:
    """Write the outline file (OutputExistsError unless ``force``)."""
    return save_text(Path(path).expanduser(), outline_to_yaml(outline), force=force)


def known_section_ids() -> list[str]:
    return list(dict.fromkeys([*sections.phrased_section_ids(), *load_taxonomy().ids()]))


def _err(path: str, line: int | None, msg: str) -> InputError:
    where = f"{path}:{line}" if line else path
    return InputError(
        f"malformed outline {where}: {msg}; fix the file (see the comments at its top) or regenerate it with `drafter outline`"
    )


def _check_id(sid: str, path: str, line: int | None) -> None:
    if sid in known_section_ids() or _CUSTOM.match(sid):
        return
    close = difflib.get_close_matches(sid, known_section_ids(), n=1, cutoff=0.5)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise _err(path, line, f"unknown section id {sid!r}: {hint}a new section's id starts with custom_ (custom_1)")


def _line_index(text: str) -> dict[str, Any]:
    """Line numbers of the top-level keys and of each section, for error messages."""
    import yaml

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    lines: dict[str, Any] = {}
    if node is None or not isinstance(getattr(node, "value", None), list):
        return lines
    for k, v in node.value:
        key = getattr(k, "value", None)
        if not isinstance(key, str):
            continue
        lines[key] = k.start_mark.line + 1
        if key == "sections" and isinstance(getattr(v, "value", None), list):
            lines["sections_items"] = [item.start_mark.line + 1 for item in v.value]
    return lines


def outline_from_yaml(text: str, path: str = "<outline>") -> Outline:
    """Parse an outline file (errors name the line)."""
    data = load_user_yaml(
        text,
        f"malformed outline {path}",
        "fix the file (see the comments at its top) or regenerate it with `drafter outline`",
    )
    if not isinstance(data, dict):
        raise _err(path, 1, "expected keys unit, year, sections")
    lines = _line_index(text)
    for key in ("unit", "year", "sections"):
        if key not in data or data[key] in (None, ""):
            raise _err(path, None, f"missing '{key}'")
    try:
        profile = load_profile(str(data["unit"]))
    except InputError as exc:
        raise _err(path, lines.get("unit"), str(exc)) from None
    try:
        year = check_year(data["year"])
    except InputError as exc:
        raise _err(path, lines.get("year"), str(exc)) from None
    raw_sections = data["sections"]
    if not isinstance(raw_sections, list) or not raw_sections:
        raise _err(path, lines.get("sections"), "'sections' must be a non-empty list")
    item_lines = lines.get("sections_items") or []
    out: list[OutlineSection] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_sections):
        line = item_lines[i] if i < len(item_lines) else None
        if isinstance(raw, str):
            raw = {"title": raw}
        if not isinstance(raw, dict):
            raise _err(path, line, f"section {i + 1} must be a mapping with id and title")
        title = str(raw.get("title") or "").strip()
        if not title:
            raise _err(path, line, f"section {i + 1} has no title")
        sid = str(raw.get("id") or f"custom_{i + 1}").strip()
        _check_id(sid, path, line)
        if sid in seen:
            raise _err(path, line, f"section id {sid!r} appears twice")
        seen.add(sid)
        for key in ("asks", "subsections"):
            if raw.get(key) is not None and not isinstance(raw.get(key), list):
                raise _err(path, line, f"'{key}' of section {i + 1} must be a list")
        subs: list[OutlineSubsection] = []
        for sub in raw.get("subsections") or []:
            if isinstance(sub, dict):
                sub_id = str(sub.get("id") or "").strip() or None
                if sub_id:
                    _check_id(sub_id, path, line)
                subs.append(OutlineSubsection(title=str(sub.get("title") or "").strip(), id=sub_id))
            elif str(sub).strip():
                title_s = str(sub).strip()
                subs.append(OutlineSubsection(title=title_s, id=sections.subsection_section(title_s)))
        out.append(
            OutlineSection(
                id=sid,
                title=title,
                goal=str(raw.get("goal") or ""),
                asks=[str(a) for a in raw.get("asks") or [] if str(a).strip()],
                subsections=[s for s in subs if s.title],
            )
        )
    name = str(data.get("name") or "").strip() or None
    brief_text = str(data.get("brief") or "")
    asks = list(dict.fromkeys(a for s in out for a in s.asks))
    title = str(data.get("title") or "").strip() or plan_title(name or NAME_SLOT, year)
    brief = Brief(unit=profile.id, year=year, name=name, text=brief_text, asks=asks)
    return Outline(unit=profile.id, year=year, title=title, sections=out, brief=brief)


def load_outline(path: str | Path) -> Outline:
    """Read an outline file written by ``drafter outline`` (and maybe edited)."""
    p = Path(path).expanduser()
    text = read_user_text(p, "outline file", hint=f"create one with `drafter outline --out {p}`")
    return outline_from_yaml(text, str(p))
