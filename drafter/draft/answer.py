"""Read a model's Markdown answer for one section into a :class:`~drafter.models.SectionDraft`.

Runs on every model writer's output: an opening paragraph, sub-sections, numbered or
bulleted items; code fences, rules, a repeated heading, chatter ("以下是…：") and trailing
notes ("注：…") are dropped. The answer is data: nothing in it is interpreted beyond layout.
"""

from __future__ import annotations

import re

from drafter.models import Item, OutlineSection, SectionDraft, SubSection

_FENCE = re.compile(r"^\s*(```|~~~)")
_RULE = re.compile(r"^\s*([-*_]\s*){3,}$")
_SUB_NUM = re.compile(r"^[（(]\s*[一二三四五六七八九十]{1,3}\s*[)）]\s*[、.．]?\s*")
_TOP_NUM = re.compile(r"^(?:第[一二三四五六七八九十]{1,3}部分|[一二三四五六七八九十]{1,3}\s*[、.．])\s*")
_ITEM_NUM = re.compile(r"^(?:\d{1,2}\s*[.、．）)](?!\d)|[（(]\d{1,2}[)）]|[①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮]|[-*+•·]\s)\s*")
_BULLET = re.compile(r"^[-*+•·]\s")
_CHATTER = re.compile(
    r"^(?:(?:以下是|下面是|以下为|根据您?的要求|这是).{0,60}[：:]|(?:好的|当然|没问题)[，,！!。].{0,60}"
    r"|(?:以下是|下面是|以下为|这是).{0,40}(?:部分|内容|正文|草稿|初稿).{0,20}[：:。])$"
)
_NOTE = re.compile(r"^[（(]?(注|说明|备注)[：:]|^以上(内容|是|为)|^(希望|如需|如有).{0,40}(帮助|调整|修改)")
THINK = re.compile(r"<think>.*?</think>\s*", re.S)
_THINK_OPEN = re.compile(r"<think>.*", re.S)
_EMPHASIS = re.compile(r"\*\*|__")
_PUNCT = re.compile(r"[\s，。、；：:,.;!?！？“”\"'（）()《》]")


def strip_reasoning(text: str) -> str:
    """The answer without a reasoning model's thinking.

    Drops ``<think>…</think>`` blocks; everything up to a closing ``</think>`` whose opening tag
    the server left out (the chat template opened it: DeepSeek-R1, Qwen3 behind vLLM or Ollama);
    and an unclosed ``<think>`` to the end (the answer was cut while the model was still thinking).
    """
    text = THINK.sub("", text)
    if "</think>" in text:
        text = text.rpartition("</think>")[2].lstrip()
    return _THINK_OPEN.sub("", text)


def _norm(text: str) -> str:
    text = _SUB_NUM.sub("", _TOP_NUM.sub("", text.strip()))
    return _PUNCT.sub("", text)


def _same_title(text: str, title: str) -> bool:
    a, b = _norm(text), _norm(title)
    if not a or not b:
        return False
    return a == b or (len(b) >= 4 and b in a and len(a) <= len(b) + 8) or (len(a) >= 4 and a in b)


def _split_heading(text: str) -> tuple[str, str]:
    """``加强学习。组织教职工…`` → (``加强学习``, ``组织教职工…``) when the lead phrase is short."""
    m = re.search(r"[。：:；;]", text)
    if m and 0 < m.start() <= 30 and text[m.end() :].strip():
        return text[: m.start()].strip(), text[m.end() :].strip()
    return text.rstrip("。；;：:").strip(), ""


def parse_section_markdown(answer: str, section: OutlineSection) -> SectionDraft:
    """Parse a model's Markdown answer for one section into a :class:`SectionDraft`.

    Recognises an opening paragraph (``intro``; several paragraphs are joined with
    ``\\n`` when the section has no items), sub-sections (``（一）…`` lines or Markdown
    headings after the opening, numbering removed), numbered or bulleted items
    (``1.`` ``1、`` ``（1）`` ``①`` ``-``; numbering removed), and plain lines (each
    its own item once items have begun). Code fences, horizontal rules, bold markers,
    a repeated heading of the section itself (or of the plan), a chatty first line
    ("以下是…：") and trailing notes ("注：…") are dropped. The text is data: nothing
    in it is interpreted beyond this layout.
    """
    own: list[str] = []
    subs: list[tuple[str, list[str]]] = []
    intro: list[str] = []
    current: list[str] | None = None
    seen_content = False
    last_bullet_owner: list[str] | None = None

    for raw in answer.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if _FENCE.match(raw) or _RULE.match(raw):
            continue
        indent = len(raw) - len(raw.lstrip())
        line = raw.strip()
        level = len(line) - len(line.lstrip("#"))
        text = _EMPHASIS.sub("", line.lstrip("#").strip()).lstrip(">").strip()
        if not text:
            continue
        if not seen_content and (_CHATTER.match(text) or (level and "工作计划" in text and len(text) <= 40)):
            continue
        if not seen_content and (level or _TOP_NUM.match(text)) and _same_title(text, section.title):
            continue
        if (
            not seen_content
            and not _SUB_NUM.match(text)
            and (level in (1, 2) or (_TOP_NUM.match(text) and len(text) <= 30 and not re.search(r"[。；]", text[:-1])))
        ):
            continue  # the section's own heading, reworded
        if seen_content and _NOTE.match(text):
            continue
        if level and seen_content and _same_title(text, section.title):
            continue

        if _SUB_NUM.match(text) or level or (seen_content and _TOP_NUM.match(text)):
            body = _SUB_NUM.sub("", _TOP_NUM.sub("", text))
            if level:
                body = _ITEM_NUM.sub("", body, count=1)
            title, rest = _split_heading(body)
            current = [rest] if rest else []
            subs.append((title, current))
            seen_content = True
            last_bullet_owner = None
            continue

        target = current if current is not None else own
        numbered = _ITEM_NUM.match(text)
        if numbered and indent >= 2 and _BULLET.match(text) and last_bullet_owner and last_bullet_owner is target:
            sep = "" if target[-1].endswith(("。", "；", "：", "！", "？")) else "；"
            target[-1] += sep + _ITEM_NUM.sub("", text, count=1)
        elif numbered:
            target.append(_ITEM_NUM.sub("", text, count=1).strip())
            last_bullet_owner = target
        elif current is None and not own:
            intro.append(text)
        else:
            target.append(text)
            last_bullet_owner = target
        seen_content = True

    def items(texts: list[str]) -> list[Item]:
        return [Item(text=t, origin="model", section=section.id) for t in texts if t]

    return SectionDraft(
        id=section.id,
        title=section.title,
        intro=("\n" if not own and not subs else "").join(intro),
        items=items(own),
        subsections=[SubSection(title=t, items=items(x)) for t, x in subs],
    )
