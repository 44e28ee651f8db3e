"""Checks on a model's answer for one section, before it is parsed, cached or printed.

A model's answer is data from outside: it may be two million characters long, in English,
full of ``20xx``/``某某`` placeholders, wrapped in HTML, a copy of the instructions, or the
text of an injection that reached the model ("忽略以上要求…"). :func:`check_answer` names
every such problem (:class:`Problem`: a code, an English reason for the user and a Chinese
fix for the model); :func:`corrective_messages` turns them into one more chat turn that says
what was wrong. The writer asks once more with it, and keeps the section as failed, with the
reason, when the second answer fails too; an answer that fails is never cached.

``【待填：…】`` markers are allowed: the prompt asks for them where a fact is unknown.
:func:`section_budget` sizes a section's answer from its planned items (the layout asks for
4–8 items); its ``max_tokens`` is sent with the request.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from drafter.draft.answer import parse_section_markdown
from drafter.draft.prompting import load_template
from drafter.models import OutlineSection, SectionDraft

Message = dict[str, str]

_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")
_LATIN_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
_OPEN_FACT = re.compile(r"【待填[:：]?[^】\n]{0,40}】")
# The scorer's placeholder pattern (drafter/evaluate/faults.py), so what is refused here is what it counts.
PLACEHOLDER = re.compile(
    r"(?<![A-Za-z])(?:1[89]|20|二[〇零○0])?[xXｘＸ]{2,}(?![A-Za-z])"
    r"|_{3,}|＿{2,}|某某|×{2,}|○{3,}|□{2,}|\?{3,}|？{3,}"
)
_MARKUP = re.compile(
    r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>\n]*)?/?>"  # HTML tags
    r"|!?\[[^\]\n]+\]\([^)\n]*\)"  # Markdown links and images
    r"|https?://\S+|www\.\S+"  # addresses
    r"|^\s*\|[^\n]*\|\s*$",  # table rows
    re.M,
)
_INJECTION = re.compile(
    r"忽略(?:以上|上述|之前|前面|先前|所有)[^。\n]{0,12}(?:要求|指令|提示|规则|设定)"
    r"|(?:ignore|disregard|forget)\s+(?:all\s+|the\s+|any\s+)?(?:previous|above|prior|earlier)"
    r"|system\s+prompt|系统提示词|提示词"
    r"|我是(?:一[个名])?(?:AI|人工智能|大?语言模型|大模型)"
    r"|作为(?:一[个名])?(?:AI|人工智能)?(?:助手|大?语言模型|大模型|AI)[，,]?\s*(?:我|无法|不能)"
    r"|\bas an AI\b|language model",
    re.I,
)
_MARKERS = ("【本次撰写这一部分】", "<参考资料", "</参考资料>", "＜参考资料", "＜/参考资料＞", "参考资料 id=")
_SPLIT = re.compile(r"[。；！？，\n]|：(?!\{)")
_PLACEHOLDER_VAR = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
_NUMBERING = re.compile(r"^[\s#>*\-]*(?:\d{1,2}[.、．]\s*)?")

MIN_ITEMS, MAX_ITEMS = 4, 8
ECHO_MIN_CHARS = 10


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an answer: ``code``, ``reason`` (English, for people), ``fix`` (Chinese, for the model)."""

    code: str
    reason: str
    fix: str


@dataclass(frozen=True)
class Budget:
    """The size of one section's answer: ``chars`` expected at most, ``max_chars`` refused beyond, ``max_tokens`` sent."""

    chars: int
    max_chars: int
    max_tokens: int


def section_budget(items: int, subsections: int = 0) -> Budget:
    """The budget of a section with ``items`` planned items and ``subsections`` sub-headings.

    An opening sentence, 4–8 items of up to about 110 characters (task, time, owner, amount)
    and the sub-headings make ``chars``; three times that is refused outright. ``max_tokens``
    is three times ``chars`` too (cl100k counts a Chinese character as one or two tokens,
    newer tokenizers fewer, and a reasoning model spends some thinking), rounded up to 256:
    a sound answer is never cut, a runaway one is cut within seconds.
    """
    n = min(max(int(items), MIN_ITEMS), MAX_ITEMS)
    chars = 150 + 110 * n + 20 * max(int(subsections), 0)
    tokens = -(-3 * chars // 256) * 256
    return Budget(chars=chars, max_chars=3 * chars, max_tokens=tokens)


@functools.lru_cache(maxsize=8)
def _phrases(texts: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    sentences: dict[str, None] = {}
    labels: dict[str, None] = {}
    for text in texts:
        for line in text.splitlines():
            for label in re.findall(r"([^\s\-{}：]{4,}：)\{", line):
                labels[label] = None
        for chunk in _PLACEHOLDER_VAR.split(text):
            for piece in _SPLIT.split(chunk):
                piece = _NUMBERING.sub("", piece).strip(' ，,、“”"（）()')
                if len(piece) >= ECHO_MIN_CHARS:
                    sentences[piece] = None
    return tuple(sentences), tuple(labels)


def instruction_phrases(directory: Path | None = None) -> tuple[str, ...]:
    """Sentences and field labels of the prompt templates (their literal text, never a filled-in value)."""

    texts = tuple(load_template(n, directory).text for n in ("system", "section", "layout_items"))
    sentences, labels = _phrases(texts)
    return (*sentences, *labels, *_MARKERS)


def _quote(text: str, n: int = 24) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n] + "…"


def check_answer(
    answer: str,
    budget: Budget,
    *,
    finish_reason: str | None = None,
    phrases: Sequence[str] = (),
) -> list[Problem]:
    """Everything wrong with a section answer (reasoning already removed); empty when it may be used."""
    n = len(answer)
    if n > budget.max_chars:
        return [
            Problem(
                "too_long",
                f"{n:,} characters, over the section's bound of {budget.max_chars:,}",
                f"回答太长（{n}字），本部分正文应在{budget.chars}字以内",
            )
        ]
    problems: list[Problem] = []
    if finish_reason == "length":
        problems.append(
            Problem(
                "cut",
                f"cut at the length limit ({budget.max_tokens} tokens) before it ended",
                f"回答超出长度上限被截断了，请写得更精炼，控制在{budget.chars}字以内",
            )
        )
    if not answer.strip():
        return [*problems, Problem("empty", "an empty answer", "回答是空的")]
    body = _OPEN_FACT.sub("", answer)
    cjk, latin = len(_CJK.findall(body)), len(_LATIN.findall(body))
    english = next(
        (
            line
            for line in body.splitlines()
            if len(_LATIN_WORD.findall(line)) >= 4 and len(_LATIN.findall(line)) > len(_CJK.findall(line))
        ),
        None,
    )
    if cjk == 0 or latin > 0.25 * (cjk + latin):
        share = round(100 * cjk / max(cjk + latin, 1))
        problems.append(
            Problem(
                "not_chinese",
                f"not Chinese prose ({share}% Chinese characters)",
                "回答不是中文公文正文，请全部用简体中文书写",
            )
        )
    elif english is not None:
        problems.append(
            Problem(
                "english",
                f"English text in the answer ({_quote(english)!r})",
                f"回答中有英文说明文字（如“{_quote(english)}”），请全部用简体中文书写，不加任何说明",
            )
        )
    flat = "".join(answer.split())
    echoed = next((p for p in phrases if "".join(p.split()) in flat), None)
    if echoed is not None:
        problems.append(
            Problem(
                "echo",
                f"it repeats the instructions ({_quote(echoed)!r})",
                f"回答复述了写作要求或提示中的文字（如“{_quote(echoed)}”），请不要复述任何要求、说明或资料标签",
            )
        )
    m = _INJECTION.search(answer)
    if m:
        problems.append(
            Problem(
                "injection",
                f"instruction-like text ({m.group(0)!r})",
                f"回答中出现了与计划无关的指令性或说明性文字（如“{m.group(0)}”），计划正文不能有这类内容",
            )
        )
    m = PLACEHOLDER.search(body)
    if m:
        problems.append(
            Problem(
                "placeholder",
                f"placeholders ({m.group(0)!r})",
                f"回答中有占位符（如“{m.group(0)}”）：本单位不知道的信息照原样写“【待填：项目名称】”，其余内容写具体",
            )
        )
    m = _MARKUP.search(answer)
    if m:
        problems.append(
            Problem(
                "markup",
                f"markup ({_quote(m.group(0).strip())!r})",
                f"回答中有网页或代码标记（如“{_quote(m.group(0).strip())}”），请只用纯文本和“（一）”“1.”编号",
            )
        )
    return problems


def check_section(
    answer: str,
    section: OutlineSection,
    budget: Budget,
    *,
    finish_reason: str | None = None,
    phrases: Sequence[str] = (),
) -> tuple[SectionDraft | None, list[Problem]]:
    """:func:`check_answer`, then the parse: the section's draft when the answer may be used, else the problems."""
    problems = check_answer(answer, budget, finish_reason=finish_reason, phrases=phrases)
    if problems:
        return None, problems
    draft = parse_section_markdown(answer, section)
    if draft.empty:
        return None, [Problem("no_text", "no usable text", "回答中没有可用的正文，请先写一句开头语，再分条写具体措施")]
    return draft, []


def reasons(problems: Sequence[Problem]) -> str:
    """The problems for a one-line message: ``not Chinese prose (3% …); placeholders ('20xx')``."""
    return "; ".join(p.reason for p in problems)


def corrective_messages(
    messages: Sequence[Message], answer: str, problems: Sequence[Problem], *, title: str, budget: Budget
) -> list[Message]:
    """The request once more, with the refused answer (shortened) and a turn that says what was wrong."""
    shown = answer.strip()
    if len(shown) > 600:
        shown = shown[:600] + "……（以下略）"
    fixes = "；".join(dict.fromkeys(p.fix for p in problems))
    correction = (
        f"上面的回答不能采用：{fixes}。\n"
        f"请重新撰写“{title}”这一部分的正文：只用简体中文，先写一句开头语，再分条写具体措施；"
        f"直接输出正文，不复述任何要求或说明，不写占位符（不知道的信息写【待填：项目名称】），"
        f"全文不超过{budget.chars}字。"
    )
    return [
        *({"role": m["role"], "content": m["content"]} for m in messages),
        {"role": "assistant", "content": shown or "（空）"},
        {"role": "user", "content": correction},
    ]


@dataclass(frozen=True)
class AnswerCheck:
    """The checks of one section's answer, and the corrective turn when they fail (what a writer is given)."""

    section: OutlineSection
    budget: Budget
    phrases: tuple[str, ...] = ()

    def __call__(self, answer: str, finish_reason: str | None = None) -> list[Problem]:
        return check_section(answer, self.section, self.budget, finish_reason=finish_reason, phrases=self.phrases)[1]

    def correct(self, messages: Sequence[Message], answer: str, problems: Sequence[Problem]) -> list[Message]:
        return corrective_messages(messages, answer, problems, title=self.section.title, budget=self.budget)
