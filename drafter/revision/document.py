"""Last year's plan as a list of lines a revision edits in place, and its rendering.

A :class:`Line` is the title, a heading (its depth), a month line of the schedule, a numbered item
or a paragraph, with its own text as written (numbering included). Headings are labelled with the
canonical sections they claim (:func:`drafter.evaluate.blocks.heading_labels`; a heading whose
lines are mostly month lines is the schedule), and every line knows the section it sits in, so a
revision can add to the sections an ask touches and keep the plan's own structure and order.

Markdown (``#`` headings, as ``drafter write`` prints them and ``.docx`` headings read), and plain
text with Chinese numbered headings (一、 （一） 1、, read with the ingest stage's heading parser).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from drafter.domain.numerals import from_chinese, to_chinese
from drafter.evaluate.blocks import heading_labels
from drafter.evaluate.reading import strip_numbering
from drafter.ingestion.segment import parse_heading
from drafter.revision import marks

SCHEDULE = "schedule"
_TITLE = re.compile(r"计划|规划|要点|打算|安排")
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_MD_LIST = re.compile(r"^(?:\d{1,2}\.\s|[-*+]\s)")
_M = r"(?:\d{1,2}|十[一二]?|[一二三四五六七八九])"
_MONTHS = re.compile(rf"^[（(]?(?P<a>{_M})\s*(?:月份?)?\s*(?:[-—–~～至到、]+\s*(?P<b>{_M})\s*月份?)?")
_QUARTER = re.compile(r"^第([一二三四])季度")
_HALF = re.compile(r"^([上下])半年")
_SCHEDULE_WORDS = re.compile(r"安排|行事历|月历|日程|进度|时间表")
_CLOSING_NAME = re.compile(r"(?:工会|委员会|联合会|工会小组)$")
_CLOSING_DATE = re.compile(
    r"^(?:\d{4}|[一二][〇○零0一二三四五六七八九]{3})年(?:\d{1,2}|[一二三四五六七八九十]{1,2})月"
    r"(?:\d{1,2}日|[一二三四五六七八九十]{1,3}日)?$|^【待填：落款日期】$"
)
_ITEM_NUM = re.compile(r"^(?:(?P<d>\d{1,2})(?P<sep>\s*[、．.)）]\s*)|[（(](?P<p>\d{1,2})[)）]\s*|(?P<c>[①-⑳])\s*)")
_HEAD_NUM = re.compile(
    r"^(?:(?P<cn>[一二三四五六七八九十]{1,3})(?P<sep>[、，,．.]\s*)|[（(](?P<pcn>[一二三四五六七八九十]{1,3})[)）]\s*"
    r"|第(?P<part>[一二三四五六七八九十]{1,3})部分\s*[、，,:：]?\s*)"
)


@dataclass
class Line:
    """One line of the plan. ``text`` is the marked text (see :mod:`drafter.revision.marks`)."""

    kind: str  # title, heading, month, item, para, closing
    text: str
    level: int = 0  # headings: depth, 1 at the top (a month line written as a Markdown heading: its depth)
    source: int | None = None  # index of the line in last year's plan (None: added by the revision)
    labels: tuple[str, ...] = ()  # headings: the canonical sections the heading claims
    section: str | None = None  # the canonical section the line sits in
    parent: int | None = None  # index of the innermost heading above the line (set by :func:`index`)
    months: tuple[int, ...] = ()  # month lines: the months the line opens; other lines: their block's
    md_list: bool = False  # a Markdown list item (``1. …``, ``- …``)
    original: str = ""  # last year's text of the line

    @property
    def clean(self) -> str:
        return marks.strip_marks(self.text)


@dataclass
class PlanDoc:
    lines: list[Line] = field(default_factory=list)
    markdown: bool = False  # read from Markdown (or a .docx with heading styles)

    def headings(self) -> list[int]:
        return [i for i, ln in enumerate(self.lines) if ln.kind == "heading"]

    def title_index(self) -> int | None:
        return next((i for i, ln in enumerate(self.lines) if ln.kind == "title"), None)

    def region_end(self, i: int) -> int:
        """The index after the last line under heading ``i`` (its sub-headings included)."""
        level = self.lines[i].level
        for j in range(i + 1, len(self.lines)):
            ln = self.lines[j]
            if ln.kind == "closing" or (ln.kind == "heading" and ln.level <= level):
                return j
        return len(self.lines)

    def direct_end(self, i: int) -> int:
        """The index after heading ``i``'s own lines (before its first sub-heading)."""
        end = self.region_end(i)
        return next((j for j in range(i + 1, end) if self.lines[j].kind == "heading"), end)

    def children(self, parent: int | None) -> list[int]:
        """The headings directly under ``parent`` (None: the top-level headings)."""
        return [i for i in self.headings() if self.lines[i].parent == parent]

    def content_end(self) -> int:
        """Where the plan's body ends (before the 落款)."""
        return next((i for i, ln in enumerate(self.lines) if ln.kind == "closing"), len(self.lines))

    def present_sections(self) -> list[str]:
        out: list[str] = []
        for i in self.headings():
            for lab in self.lines[i].labels:
                if lab not in out:
                    out.append(lab)
        return out


# --------------------------------------------------------------------------- reading


def months_of(text: str) -> tuple[int, ...]:
    """The months a schedule line opens: 3月 → (3,), 7—8月 → (7, 8), 第二季度 → (4, 5, 6), 上半年 → 1–6."""
    t = text.strip()
    m = _MONTHS.match(t)
    if m and "月" in m.group(0):
        a = from_chinese(m.group("a"))
        b = from_chinese(m.group("b")) if m.group("b") else a
        if a and b and 1 <= a <= 12 and 1 <= b <= 12:
            return tuple(range(a, b + 1)) if a <= b else (a, b)
    q = _QUARTER.match(t)
    if q:
        n = "一二三四".index(q.group(1))
        return (3 * n + 1, 3 * n + 2, 3 * n + 3)
    h = _HALF.match(t)
    if h:
        return tuple(range(1, 7)) if h.group(1) == "上" else tuple(range(7, 13))
    return ()


_LABEL = re.compile(
    rf"^[（(]?{_M}\s*(?:月份?)?\s*(?:[-—–~～至到、]+\s*{_M}\s*)?月份?[)）]?\s*(?:[:：]|$)"
    r"|^第[一二三四]季度\s*(?:[:：]|$)|^[上下]半年\s*(?:[:：]|$)"
)


def _is_month_line(text: str) -> bool:
    """A line of the schedule that opens a month (3月：…, 三月份, 第二季度：…), not an item that starts with a date."""
    return bool(months_of(text)) and bool(_LABEL.match(text.strip()))


_NUMBERED = re.compile(
    r"^(?:[一二三四五六七八九十]{1,3}[、.．，]|[（(][一二三四五六七八九十\d]{1,3}[)）]|\d{1,2}[、.．)）]|第[一二三四五六七八九十]+部分)"
)


def split_month(text: str) -> tuple[str, str]:
    """A month line as (its label, what it says): ``3月：召开教代会。`` → ("3月：", "召开教代会。")."""
    t = text.strip()
    m = _LABEL.match(t)
    if m is None:
        return "", t
    return t[: m.end()], t[m.end() :]


def month_content(text: str) -> str:
    """What a month line says after its label (3月：召开教代会 → 召开教代会; 第一季度 → "")."""
    m = _LABEL.match(text.strip())
    return text.strip()[m.end() :].strip() if m else text.strip()


def _title_like(text: str) -> bool:
    return len(text) <= 40 and bool(_TITLE.search(text)) and not _NUMBERED.match(text)


def parse_doc(text: str, fmt: str) -> PlanDoc:
    """Read a plan's (simplified) text into lines: Markdown when it has ``#`` headings, else plain text."""
    raw = [ln.strip() for ln in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    raw = [ln for ln in raw if ln]
    heads = [ln for ln in raw if _MD_HEADING.match(ln)]
    if fmt in ("markdown", "docx") and len(heads) >= 2:
        doc = _parse_markdown(raw)
    else:
        doc = _parse_plain([re.sub(r"^#{1,6}\s+", "", ln) for ln in raw])
    for i, ln in enumerate(doc.lines):
        ln.source = i
        ln.original = ln.text
    _mark_closing(doc)
    index(doc)
    return doc


def _body_line(text: str, *, md: bool) -> Line:
    text = re.sub(r"\*\*|__", "", text) if md else text
    text = re.sub(r"^>\s?", "", text).strip() if md else text
    if _is_month_line(text):
        return Line("month", text, months=months_of(text))
    if md and _MD_LIST.match(text):
        return Line("item", text, md_list=True)
    if _ITEM_NUM.match(text):
        return Line("item", text)
    return Line("para", text)


def _parse_markdown(raw: list[str]) -> PlanDoc:
    levels = [len(m.group(1)) for m in (_MD_HEADING.match(ln) for ln in raw) if m]
    title_shift = 1 if levels and levels[0] == 1 and levels.count(1) == 1 else 0
    top = min((lv for lv in levels if lv > title_shift), default=2)
    doc = PlanDoc(markdown=True)
    for ln in raw:
        m = _MD_HEADING.match(ln)
        if m is None:
            doc.lines.append(_body_line(ln, md=True))
            continue
        level, text = len(m.group(1)), re.sub(r"\*\*|__", "", m.group(2)).strip()
        if level == 1 and title_shift and not any(x.kind == "title" for x in doc.lines):
            doc.lines.append(Line("title", text))
        elif _is_month_line(text):  # a month of the schedule written as a heading (### 3月): it stays one
            doc.lines.append(Line("month", text, level=max(1, level - top + 1), months=months_of(text)))
        else:
            doc.lines.append(Line("heading", text, level=level - top + 1))
    return doc


def _parse_plain(raw: list[str]) -> PlanDoc:
    doc = PlanDoc(markdown=False)
    for k, ln in enumerate(raw):
        if k == 0 and _title_like(ln):
            doc.lines.append(Line("title", ln))
            continue
        if _is_month_line(ln):
            doc.lines.append(Line("month", ln, months=months_of(ln)))
            continue
        parsed = parse_heading(ln)
        if parsed is not None and parsed[0] <= 2:
            doc.lines.append(Line("heading", ln, level=parsed[0]))
        else:
            doc.lines.append(_body_line(ln, md=False))
    top = min((x.level for x in doc.lines if x.kind == "heading"), default=1)
    for x in doc.lines:
        if x.kind == "heading":
            x.level -= top - 1
    return doc


def _mark_closing(doc: PlanDoc) -> None:
    """The 落款 (the union's name, the date) at the end of the plan."""
    k = len(doc.lines)
    while k > 0:
        ln = doc.lines[k - 1]
        t = marks.strip_marks(ln.text).strip()
        if ln.kind in ("para", "month") and len(t) <= 30 and (_CLOSING_NAME.search(t) or _CLOSING_DATE.match(t)):
            k -= 1
            continue
        break
    if k < len(doc.lines) and k > 0:
        for ln in doc.lines[k:]:
            ln.kind = "closing"


def heading_claims(text: str) -> tuple[str, ...]:
    return heading_labels(strip_numbering(marks.strip_flags(text)))


def index(doc: PlanDoc) -> None:
    """Label the headings (the schedule by its month lines) and give every line its parent and section."""
    lines = doc.lines
    for ln in lines:
        if ln.kind == "heading" and ln.source is not None and not ln.labels:
            ln.labels = heading_claims(ln.text)
    stack: list[int] = []
    for i, ln in enumerate(lines):
        if ln.kind == "closing":
            ln.parent, ln.section = None, None
            continue
        if ln.kind == "heading":
            while stack and lines[stack[-1]].level >= ln.level:
                stack.pop()
            ln.parent = stack[-1] if stack else None
            stack.append(i)
        else:
            ln.parent = stack[-1] if stack else None
    for i in doc.headings():
        end = doc.region_end(i)
        body = [x for x in lines[i + 1 : end] if x.kind != "heading"]
        n = sum(1 for x in body if x.kind == "month")
        named = bool(_SCHEDULE_WORDS.search(lines[i].text))
        if SCHEDULE not in lines[i].labels and (n >= 3 or (n >= 2 and (named or n * 2 >= len(body)))):
            lines[i].labels = (SCHEDULE,)
    current_months: tuple[int, ...] = ()
    for i, ln in enumerate(lines):
        section = None
        p: int | None = i if ln.kind == "heading" else ln.parent
        while p is not None:
            if lines[p].labels:
                section = lines[p].labels[0]
                break
            p = lines[p].parent
        ln.section = section
        if ln.kind == "month":
            current_months = ln.months
        elif ln.kind == "heading":
            current_months = ()
        elif ln.kind in ("item", "para") and section == SCHEDULE and current_months and not ln.months:
            ln.months = current_months


# --------------------------------------------------------------------------- numbering


def item_prefix(text: str) -> tuple[str, int] | None:
    """(format with ``{n}``, number) of an item's numbering: ``6、`` → ("{n}、", 6); None when unnumbered."""
    m = _ITEM_NUM.match(text)
    if m is None:
        return None
    if m.group("d"):
        return "{n}" + m.group("sep"), int(m.group("d"))
    if m.group("p"):
        return "（{n}）", int(m.group("p"))
    return "{c}", "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳".index(m.group("c")) + 1


def format_number(fmt: str, n: int) -> str:
    if "{c}" in fmt:
        return "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"[min(n, 20) - 1]
    return fmt.replace("{n}", str(n))


def heading_prefix(text: str) -> tuple[str, int] | None:
    """(format with ``{cn}``, number) of a heading's numbering: ``三、`` → ("{cn}、", 3); None when unnumbered."""
    m = _HEAD_NUM.match(marks.strip_marks(text))
    if m is None:
        return None
    if m.group("cn"):
        return "{cn}" + m.group("sep"), from_chinese(m.group("cn")) or 0
    if m.group("pcn"):
        return "（{cn}）", from_chinese(m.group("pcn")) or 0
    return "第{cn}部分 ", from_chinese(m.group("part")) or 0


def renumber(doc: PlanDoc, heads: list[int]) -> None:
    """Number sibling headings 1…n in their own style (after a section was added among them)."""
    styles = [heading_prefix(doc.lines[i].text) for i in heads]
    if not heads or any(s is None for s in styles):
        return
    for n, (i, style) in enumerate(zip(heads, styles), 1):
        assert style is not None
        ln = doc.lines[i]
        m = _HEAD_NUM.match(ln.text)
        if m is None or style[1] == n:
            continue
        ln.text = style[0].replace("{cn}", to_chinese(n)) + ln.text[m.end() :]


# --------------------------------------------------------------------------- rendering


def render(doc: PlanDoc, markup: str = "md", *, marked: bool = False) -> str:
    """The plan as Markdown (``md``) or plain text (``txt``), marked or clean."""
    out: list[str] = []
    prev_list = False
    for ln in doc.lines:
        text = ln.text if marked else marks.strip_marks(ln.text)
        if markup != "md":
            out.append(text)
            continue
        if ln.kind == "title":
            out += [f"# {text}", ""]
        elif ln.kind == "heading" or (ln.kind == "month" and ln.level):
            if prev_list:
                out.append("")
            out += ["#" * min(6, ln.level + 1) + f" {text}", ""]
        elif ln.md_list:
            out.append(text)
        else:
            if prev_list:
                out.append("")
            out += [text, ""]
        prev_list = ln.md_list
    if markup != "md":
        return "\n".join(out).rstrip() + "\n"
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).rstrip() + "\n"


def closing_lines(doc: PlanDoc, *, marked: bool = False) -> list[str]:
    return [ln.text if marked else marks.strip_marks(ln.text) for ln in doc.lines if ln.kind == "closing"]
