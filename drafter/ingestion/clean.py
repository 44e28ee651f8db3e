"""Remove what web pages added around the plans, and repair the scraping damage inside them.

Every pattern lives in ``drafter/data/boilerplate.yaml`` (a domain expert edits it);
this module only applies them, in this order: drop site intro/outro lines and the
related-articles tail → drop page markers (rejoining the sentence they split) →
exact repairs → generic artifact rules → rejoin lines broken inside a sentence.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from drafter.resources import load_data

TERMINAL = "。！？；：!?;:…"
_HEADING_NUMBER = re.compile(
    r"^\s*(第[一二三四五六七八九十]+部分|[一二三四五六七八九十]{1,3}\s*[、，,．.]|[（(][一二三四五六七八九十\d]{1,3}[)）]"
    r"|\d{1,2}\s*(?:、|[．.](?!\d))|[①-⑳]|[a-z][)）]|\d{1,2}月|[一二三四五六七八九十]{1,2}月份?[：:]|第[一二三四]季度)"
)


@dataclass(frozen=True)
class _Rules:
    line: list[tuple[str, re.Pattern[str]]]
    tail: list[tuple[str, re.Pattern[str]]]
    page_marker: re.Pattern[str]
    repairs: list[tuple[str, str]]
    artifacts: list[tuple[re.Pattern[str], str]]
    next_starts: re.Pattern[str]
    line_ends: tuple[str, ...]
    line_starts: tuple[str, ...]


@functools.lru_cache(maxsize=1)
def _rules() -> _Rules:
    data = load_data("boilerplate.yaml")
    broken = data.get("broken_lines", {})
    return _Rules(
        line=[(d["name"], re.compile(d["pattern"])) for d in data.get("line_patterns", [])],
        tail=[(d["name"], re.compile(d["pattern"])) for d in data.get("tail_patterns", [])],
        page_marker=re.compile(data["page_marker"]),
        repairs=[(d["from"], d["to"]) for d in data.get("repairs", [])],
        artifacts=[(re.compile(d["pattern"]), d["to"]) for d in data.get("artifacts", [])],
        next_starts=re.compile("^(?:" + "|".join(broken.get("next_starts", [])) + ")"),
        line_ends=tuple(broken.get("line_ends", [])),
        line_starts=tuple(broken.get("line_starts", [])),
    )


def is_heading_start(line: str) -> bool:
    """Whether a line opens with a heading number (一、 （一） 1、 ① a) 3月…)."""
    return bool(_HEADING_NUMBER.match(line))


def find_boilerplate(text: str) -> list[str]:
    """Names of the web-page boilerplate patterns found in ``text`` (for flagging drafts), in file order."""
    rules = _rules()
    found: list[str] = []
    for name, pattern in rules.line + rules.tail:
        for line in text.splitlines():
            if pattern.search(line):
                if name not in found:
                    found.append(name)
                break
    for line in text.splitlines():
        if rules.page_marker.match(line):
            found.append("页码标记")
            break
    if "^v^" in text or "\ufffd" in text:
        found.append("乱码")
    return found


def clean_text(raw: str) -> str:
    """``raw`` without site boilerplate and scraping artifacts, one paragraph a line."""
    rules = _rules()
    lines = [line.strip() for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    lines = _drop_boilerplate(lines, rules)
    lines = _drop_page_markers(lines, rules)
    text = "\n".join(lines)
    for old, new in rules.repairs:
        text = text.replace(old, new)
    for pattern, repl in rules.artifacts:
        text = pattern.sub(repl, text)
    lines = [line.strip() for line in text.split("\n")]
    lines = _join_broken(lines, rules)
    return "\n".join(line for line in lines if line)


def _drop_boilerplate(lines: list[str], rules: _Rules) -> list[str]:
    out: list[str] = []
    for line in lines:
        if any(p.search(line) for _, p in rules.tail):
            break
        if any(p.search(line) for _, p in rules.line):
            continue
        out.append(line)
    return out


def _drop_page_markers(lines: list[str], rules: _Rules) -> list[str]:
    out: list[str] = []
    glue = False  # the last text line was cut mid-sentence by a page marker
    for line in lines:
        if rules.page_marker.match(line):
            while out and not out[-1]:
                out.pop()
            glue = bool(out) and out[-1][-1] not in TERMINAL
            continue
        if not line:
            if not glue:
                out.append(line)
            continue
        if glue and not is_heading_start(line):
            out[-1] += line
        else:
            out.append(line)
        glue = False
    return out


def _join_broken(lines: list[str], rules: _Rules) -> list[str]:
    out: list[str] = []
    for line in lines:
        if not line:
            continue
        if out and _broken_between(out[-1], line, rules):
            out[-1] += line
        else:
            out.append(line)
    return out


def _broken_between(prev: str, line: str, rules: _Rules) -> bool:
    if not prev or prev[-1] in TERMINAL or is_heading_start(line):
        return False
    if is_heading_start(prev) and len(prev) <= 30:  # a short numbered heading is a line of its own
        return False
    if rules.next_starts.match(line):
        return True
    if prev.endswith(rules.line_ends) and len(prev) >= 12:
        return True
    return prev.startswith(rules.line_starts) and len(prev) <= 30
