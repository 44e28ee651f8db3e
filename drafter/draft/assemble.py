"""Assemble a draft into Markdown, and write files atomically.

Pure functions: :func:`render_markdown` turns the title, preamble and section drafts
into the plan's Markdown (``#`` title, ``## 一、`` sections, ``### （一）`` sub-sections,
``1.`` items, month lines for the schedule, and an appendix of sources).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from drafter.errors import OutputExistsError
from drafter.fileio import write_atomic

if TYPE_CHECKING:  # pragma: no cover
    from drafter.draft.draft import Draft

_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十 (1–99)."""
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    return (_DIGITS[tens] if tens > 1 else "") + "十" + (_DIGITS[ones] if ones else "")


def preamble(profile, era, brief) -> str:  # noqa: ANN001
    """The short opening paragraph: the year's standing, the aim, and the brief's priorities."""
    parts = []
    ys = era.year_sentence() if era is not None else None
    if ys:
        parts.append(f"{ys}。")
    spirit = era.party_spirit if era is not None and era.party_spirit else "党中央决策部署"
    union = f"，认真落实{era.union_congress}精神" if era is not None and era.union_congress else ""
    parts.append(
        f"为深入贯彻{spirit}{union}，充分发挥工会组织的桥梁纽带作用，团结动员全体{profile.staff}"
        f"在{profile.self}高质量发展中建功立业，结合{profile.we}实际，特制定{brief.year}年工会工作计划。"
    )
    if brief.asks:
        asks = "、".join(profile.adapt(a) for a in brief.asks)
        parts.append(f"本年度工会工作的重点是：{asks}。")
    return "".join(parts)


_TITLE_NOISE = re.compile(
    r"[（(]?(?:汇总|精选)?[一二三四五六七八九十\d]+篇[）)]?|篇\s*[一二三四五六七八九十\d]+|模板|精选|范文|优质|实用|"
    r"[（(][^）)]*[）)]|(?<=计划)\d+$|(?<=总结)\d+$"
)


APPENDIX_NOTE = "以下为各部分起草时参考的语料计划编号（可用 drafter corpus 查看原文），供起草人核对，印发前请删除本附录。"


def clean_title(title: str) -> str:
    """A corpus plan's title without web-page decoration (篇1, 模板, 精选, 优质5篇…)."""
    t = _TITLE_NOISE.sub("", title or "").strip(" ：:-—")
    return re.sub(r"\s+", "", t)


def render_markdown(draft: "Draft") -> str:
    lines = [f"# {draft.title}", ""]
    if draft.preamble:
        lines += [draft.preamble, ""]
    n = 0
    for sec in draft.sections:
        if sec.error and not (sec.intro or sec.items or sec.subsections):
            continue
        n += 1
        lines += [f"## {cn_number(n)}、{sec.title}", ""]
        if sec.intro:
            lines += [sec.intro, ""]
        if sec.id == "schedule":
            for item in sec.items:
                lines += [item, ""]
            continue
        for i, item in enumerate(sec.items, 1):
            lines.append(f"{i}. {item}")
        if sec.items:
            lines.append("")
        for j, sub in enumerate(sec.subsections, 1):
            lines += [f"### （{cn_number(j)}）{sub.title}", ""]
            for i, item in enumerate(sub.items, 1):
                lines.append(f"{i}. {item}")
            if sub.items:
                lines.append("")
    src = draft.sources
    if src:
        # Sources are named by corpus plan id only: a source's own title or unit (《…医院…》,
        # 2023年…) would put another unit's words and a stale year into the draft.
        lines += ["## 附：起草参考来源", "", APPENDIX_NOTE, ""]
        n = 0
        for sec in draft.sections:
            if sec.error and not (sec.intro or sec.items or sec.subsections):
                continue
            n += 1
            plans = src.get(sec.id) or []
            if plans:
                refs = "、".join(pid for pid, _title in plans)
                lines.append(f"- {cn_number(n)}、{sec.title}：{refs}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def atomic_write(path: Path, data: str | bytes, *, force: bool = False) -> Path:
    """Write a file through a temporary file and ``os.replace``; refuse to overwrite without force."""
    path = Path(path)
    if path.exists() and not force:
        raise OutputExistsError(f"{path} already exists: pass --force (force=True) to overwrite it, or choose another --out")
    return write_atomic(path, data)
