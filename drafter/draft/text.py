"""Text tools for drafting: split passages into items, adapt years, measure near-duplicates.

Pure functions over strings (no model, no index): ``split_items`` cuts a passage into
candidate items, ``adapt_year`` moves stated years to the plan year, ``finish`` ends an
item as a sentence, ``similar``/``is_duplicate`` measure near-duplicates by character
bigrams. Whether a sentence may be used at all is :mod:`drafter.draft.gate`'s job.
"""

from __future__ import annotations

import functools
import re

from drafter.resources import load_data


@functools.cache
def _gate() -> dict:
    return load_data("gate.yaml")


@functools.cache
def task_start() -> re.Pattern[str]:
    """A clause that starts like a task (加强, 开展, 组织 … from gate.yaml), so it can stand alone as an item."""
    words = sorted((str(w) for w in _gate().get("task_start") or []), key=len, reverse=True)
    return re.compile("^(?:" + "|".join(re.escape(w) for w in words) + ")")


_LEADING_CONNECTORS = re.compile(r"^(?:同时|此外|另外|并且|而且|因此|为此|所以|最后|首先|其次|再次|总之|并)[，,、]?")
_NUMBERING = re.compile(
    r"^\s*(?:[（(]?[一二三四五六七八九十]{1,3}[）)、．.]|[（(]\d{1,2}[）)]|\d{1,2}\s*[、．.]\s*|\d{1,2}\s*[)）]|"
    r"[①②③④⑤⑥⑦⑧⑨⑩]|[a-zA-Z][)）.、]|第[一二三四五六七八九十]+[，,、是]?|[一二三四五六七八九十]是[，,]?)\s*"
)
_PAGE_MARK = re.compile(r"-\s*\d+\s*-")
_CJK = r"\u4e00-\u9fff"
_END = "。！？"


def normalize(text: str) -> str:
    """Full-width punctuation next to Chinese, page markers and stray artifacts removed."""
    t = _PAGE_MARK.sub("", text)
    t = t.replace("`", "").replace("'", "").replace("\u3000", " ")
    for wrong, right in (_gate().get("typos") or {}).items():
        t = t.replace(str(wrong), str(right))
    pairs = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
    for half, full in pairs.items():
        t = re.sub(
            rf"(?<=[{_CJK}“”）])[ \t]*{re.escape(half)}[ \t]*|[ \t]*{re.escape(half)}[ \t]*(?=[{_CJK}“”（])", full, t
        )
    t = re.sub(rf"(?<=[{_CJK}])\.(?=\s|$)", "。", t)
    t = re.sub(rf"(?<=[{_CJK}])-(?=[{_CJK}])", "", t)
    t = re.sub(r"[ \t]+", " ", t)
    t = re.sub(rf"(?<=[{_CJK}，。；：、）”])[ \t]+(?=[{_CJK}“（])", "", t)
    t = re.sub(r"([，。；：、！？])\1+", r"\1", t)
    return t.strip()


def strip_numbering(line: str) -> str:
    """``1、加强学习`` → ``加强学习`` (also （一）, ①, a), 一是…)."""
    prev = None
    while prev != line:
        prev = line
        line = _NUMBERING.sub("", line, count=1).strip()
    return line


def sentences(text: str) -> list[str]:
    """Split Chinese text on 。！？ (keeping the mark), and on ； only inside very long runs."""
    parts = re.findall(rf"[^{_END}]+[{_END}]?", text)
    return [p.strip() for p in parts if p.strip()]


def _is_heading(line: str) -> bool:
    return len(line) <= 24 and not re.search(rf"[{_END}]$", line)


def _heading_then_task(line: str, nxt: str) -> bool:
    """A short clause line followed by a line that starts a task: a heading whose number was
    stripped, then its body (以维护职工权益为工作重点，切实提高维权能力 / 为积极调动…), not one
    sentence broken across lines."""
    return len(line) <= 32 and "，" in line and bool(task_start().match(nxt))


def split_items(text: str, max_len: int = 130) -> list[str]:
    """Candidate items of a passage: numbered items and sentences, heading-like lines dropped.

    A short lead sentence (``加强学习，提高认识。``) is kept together with the sentence that
    follows it; runs longer than ``max_len`` are cut at sentence ends.
    """
    items: list[str] = []
    lines: list[str] = []
    for raw in re.split(r"\n+", normalize(text)):
        raw = raw.strip()
        if (
            lines
            and len(lines[-1]) > 24
            and not re.search(rf"[{_END}：:]$", lines[-1])
            and raw
            and not _NUMBERING.match(raw)
            and not _NUMBERING.match(lines[-1])
            and not _heading_then_task(lines[-1], raw)
        ):
            # (a numbered line without an end mark is a heading: its body is not its continuation)
            lines[-1] += raw  # a sentence broken across lines (page breaks in the source)
        elif raw:
            lines.append(raw)
    for raw in lines:
        line = strip_numbering(raw)
        if not line or _is_heading(line):
            continue
        sents = sentences(line)
        buf = ""
        for s in sents:
            s = strip_numbering(s)
            if not buf:
                buf = s
            elif len(buf) <= 18 or len(buf) + len(s) <= max_len * 0.6:
                buf += s
            else:
                items.append(buf)
                buf = s
        if buf:
            items.append(buf)
    out: list[str] = []
    for it in items:
        if len(it) > max_len and "；" in it:
            parts = [p.strip() for p in it.split("；") if p.strip()]
            out.extend(p if p.endswith(tuple(_END)) else p + "。" for p in parts if task_start().match(p))
            continue
        if len(it) > max_len:
            cut = ""
            for s in sentences(it):
                if len(cut) + len(s) > max_len and cut:
                    break
                cut += s
            it = cut
        out.append(it)
    return out


_CN_YEAR = re.compile(r"二[0０〇零○][0０〇零○一二三四五六七八九]{2}年")


def adapt_year(text: str, year: int) -> str:
    """Any stated year (2019年, 20xx年, 二00五年, 今年, 明年) becomes the plan year."""
    t = re.sub(r"(?:19|20)\d{2}\s*(?=年)", str(year), text)
    t = re.sub(r"(?:20|19)?[xXｘ]{2,4}\s*(?=年)", str(year), t)
    t = _CN_YEAR.sub(f"{year}年", t)
    t = re.sub(r"(?:今年|明年|本年|新的一年)(?!度)", f"{year}年", t)
    t = t.replace("去年", f"{year - 1}年")
    t = re.sub(rf"{year}年{year}年", f"{year}年", t)
    return t


def finish(item: str) -> str:
    """Trim connectors and trailing commas; end the sentence with 。."""
    t = _LEADING_CONNECTORS.sub("", item.strip())
    t = re.sub(r"^强(?![化调健身大])", "增强", t)  # a dropped first character in web copies (强责任意识 …)
    t = t.strip(" ，,、；;：:")
    t = re.sub(r"(?<=[\u4e00-\u9fff”）])[；;，,、]+$", "", t)
    if t and t[-1] not in _END:
        t += "。"
    t = t.replace("。。", "。")
    return t


def bigrams(text: str) -> set[str]:
    t = re.sub(rf"[^{_CJK}A-Za-z0-9]", "", text)
    return {t[i : i + 2] for i in range(len(t) - 1)}


def similar(a: str | set[str], b: str | set[str]) -> float:
    """Jaccard similarity of character bigrams (0…1)."""
    sa = a if isinstance(a, set) else bigrams(a)
    sb = b if isinstance(b, set) else bigrams(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


def containment(a: str | set[str], b: str | set[str]) -> float:
    """Share of the smaller bigram set found in the other (catches an item repeated inside a longer one)."""
    sa = a if isinstance(a, set) else bigrams(a)
    sb = b if isinstance(b, set) else bigrams(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / min(len(sa), len(sb))


def is_duplicate(item: str, seen: list[set[str]], threshold: float = 0.45) -> bool:
    """True when the item, or one of its sentences, repeats something already in ``seen``."""
    grams = bigrams(item)
    if any(similar(grams, s) >= threshold or containment(grams, s) >= 0.75 for s in seen):
        return True
    parts = [bigrams(x) for x in sentences(item) if len(x) >= 15]
    return len(parts) > 1 and any(similar(p, s) >= 0.7 or containment(p, s) >= 0.9 for p in parts for s in seen)


def remember(item: str, seen: list[set[str]]) -> None:
    """Add an item (and its longer sentences) to the bigram sets ``is_duplicate`` checks."""
    seen.append(bigrams(item))
    parts = [x for x in sentences(item) if len(x) >= 15]
    if len(parts) > 1:
        seen.extend(bigrams(x) for x in parts)
