"""Segment a plan's text into a flat list of headed sections, in document order.

Levels: 0 the untitled preamble; 1 ``一、`` / ``一，`` / ``一.`` / ``第一部分`` and unnumbered
heading lines (指导思想, 工作任务, 具体活动安排…); 2 ``（一）`` and month blocks (3月份,
7月8月份) under a schedule; 3 ``1、`` / ``1.`` / ``1．``; 4 ``①`` / ``a)`` / ``(1)``.
``一是…二是…`` are items, not headings. A numbered line that is a long sentence is still
a node, with the clause before its first 。/： as heading and the rest as body. A lead
sentence just before a restarted ``1、2、3、`` list heads that list as an untitled
level-2 group (pages that lost their section headings).
"""

from __future__ import annotations

import functools
import re

from drafter.models import Section
from drafter.resources import load_data

_CN = "一二三四五六七八九十"
_NUMBERED: list[tuple[int, re.Pattern[str]]] = [
    (1, re.compile(rf"^(?P<num>第[{_CN}]{{1,3}}部分)\s*[、，,．.:：]?\s*(?P<rest>.*)$")),
    (1, re.compile(rf"^(?P<num>[{_CN}]{{1,3}})\s*[、，,．.](?!\d)\s*(?P<rest>.*)$")),
    (2, re.compile(rf"^(?P<num>[（(][{_CN}]{{1,3}}[)）])\s*[、，,．.]?\s*(?P<rest>.*)$")),
    (3, re.compile(r"^(?P<num>\d{1,2})\s*(?:、|[．.](?!\d))\s*(?P<rest>.*)$")),
    (4, re.compile(r"^(?P<num>[①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳])\s*(?P<rest>.*)$")),
    (4, re.compile(r"^(?P<num>[a-zA-Z][)）])\s*(?P<rest>.*)$")),
    (4, re.compile(r"^(?P<num>[（(]\d{1,2}[)）])\s*(?P<rest>.*)$")),
]
_ITEM = re.compile(rf"^[{_CN}]是")
_M = r"(?:\d{1,2}|十[一二]?|[一二三四五六七八九])"
# 3月份 / 7月8月份 / 9-10月 / 三月份：… / 第一季度 / 上半年
_MONTH = re.compile(
    rf"^(?P<num>{_M}(?:\s*[-—~～至到]\s*{_M})?月(?:\s*[、,，]?\s*{_M}月)*份?|第[一二三四]季度|[上下]半年)"
    r"\s*(?:[:：]\s*(?P<rest>.*))?$"
)
_SPLIT_AT = re.compile(r"[。：:]")
_INNER_PUNCT = re.compile(r"[，。；！？,;!?、]")
LONG_CLAUSE = 40


@functools.lru_cache(maxsize=1)
def heading_words() -> tuple[str, ...]:
    """Unnumbered heading words (sections.yaml ``heading_words``), longest first."""
    words = load_data("sections.yaml").get("heading_words", [])
    return tuple(sorted(set(words), key=len, reverse=True))


def parse_heading(line: str) -> tuple[int, str, str, str] | None:
    """``(level, number, heading, inline_body)`` when ``line`` is a heading, else None."""
    line = line.strip()
    if not line or _ITEM.match(line):
        return None
    for level, pattern in _NUMBERED:
        m = pattern.match(line)
        if m:
            rest = m.group("rest").strip()
            if not rest:
                return None
            heading, body = _split_heading(rest)
            number = (
                m.group("num").rstrip(")）").lstrip("（(")
                if level == 4 and m.group("num")[0] in "（("
                else m.group("num")
            )
            return level, number.strip(), heading, body
    m = _MONTH.match(line)
    if m:
        return 2, m.group("num"), m.group("num"), (m.group("rest") or "").strip()
    bare = re.sub(r"(如下)?\s*[:：]\s*$", "", line).strip()
    if 2 <= len(bare) <= 16 and not _INNER_PUNCT.search(bare) and bare.endswith(heading_words()):
        return 1, "", bare, ""
    return None


def _split_heading(rest: str) -> tuple[str, str]:
    """Heading = the clause before the first 。/： (or ； when that clause runs long); body = the rest."""
    m = _SPLIT_AT.search(rest)
    semi = rest.find("；")
    if (
        semi > 0
        and (m is None or m.start() > LONG_CLAUSE)
        and semi < (m.start() if m else len(rest))
        and rest[semi + 1 :].strip()
    ):
        return rest[:semi].strip(), rest[semi + 1 :].strip()
    if m and rest[m.end() :].strip():
        return rest[: m.start()].strip(), rest[m.end() :].strip()
    return rest.rstrip("。：:；;，, ").strip(), ""


def segment(text: str) -> list[Section]:
    """The sections of ``text`` (flat, document order; ``path`` gives the tree).

    The preamble before the first heading is a level-0 section with an empty heading
    (omitted when empty). ``start``/``end`` are offsets of heading + body in ``text``.
    """
    found: list[tuple[int, int, tuple[int, str, str, str]]] = []  # (start, body_start, parsed)
    lines = text.split("\n")
    parsed_lines = [parse_heading(line) for line in lines]
    pos = 0
    last_item = 0  # number of the last 1、-level item since the last higher heading
    for i, (line, parsed) in enumerate(zip(lines, parsed_lines)):
        if parsed is None and last_item >= 2 and i + 1 < len(lines):
            nxt = parsed_lines[i + 1]
            if nxt and nxt[0] == 3 and nxt[1] == "1":
                parsed = _lead_heading(line)
        if parsed:
            found.append((pos, pos + len(line), parsed))
            if parsed[0] <= 2:
                last_item = 0
            elif parsed[0] == 3 and parsed[1].isdigit():
                last_item = int(parsed[1])
        pos += len(line) + 1
    sections: list[Section] = []
    first = found[0][0] if found else len(text)
    if text[:first].strip():
        sections.append(
            Section(heading="", level=0, body=text[:first].strip(), path=[], start=0, end=_rstrip_end(text, first))
        )
    stack: list[tuple[int, str]] = []
    for k, (start, line_end, (level, number, heading, inline)) in enumerate(found):
        end = found[k + 1][0] if k + 1 < len(found) else len(text)
        body = "\n".join(x for x in (inline, text[line_end:end].strip()) if x)
        while stack and stack[-1][0] >= level:
            stack.pop()
        path = [h for _, h in stack] + [heading]
        stack.append((level, heading))
        sections.append(
            Section(
                heading=heading,
                level=level,
                body=body,
                path=path,
                number=number,
                start=start,
                end=_rstrip_end(text, end),
            )
        )
    return sections


def _lead_heading(line: str) -> tuple[int, str, str, str] | None:
    """A lead-in paragraph before a restarted 1、2、3、 list is an untitled level-2 group.

    Pages that lost their section headings (corpus/003 #2) keep one sentence that
    introduces each group of items; its first clauses (up to 40 characters) head the group.
    """
    line = line.strip()
    if not line or len(line) > 160 or _ITEM.match(line):
        return None
    m = re.search(r"[。！？；]", line)
    sentence = line[: m.start()] if m else line
    if len(sentence) > LONG_CLAUSE:
        cut = sentence.rfind("，", 0, LONG_CLAUSE)
        sentence = sentence[:cut] if cut > 0 else sentence[:LONG_CLAUSE]
    heading = sentence.strip("，, ")
    body = line[len(sentence) :].lstrip("。！？；，, ")
    return (2, "", heading, body) if heading else None


def _rstrip_end(text: str, end: int) -> int:
    while end > 0 and text[end - 1] in "\n ":
        end -= 1
    return end
