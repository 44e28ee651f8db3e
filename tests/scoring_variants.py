"""Degraded variants of a good Markdown plan, each something a reader would reject (for the scorer's validity tests).

A plan is cut into its title, preamble and ``##`` blocks (a block keeps its ``###`` sub-headings and
items); each variant changes the blocks in one way a reader would catch.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

STOCK = (
    "进一步提高认识，统一思想，加强领导，狠抓落实，确保取得实效。",
    "高度重视，认真贯彻，切实加强，常抓不懈，务求实效。",
    "与时俱进，开拓创新，扎扎实实，不断开创工作新局面。",
    "齐心协力，真抓实干，形成合力，推动各项工作再上新台阶。",
)
LOREM = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore. "
STALE_GUIDE = (
    "以邓小平理论和“三个代表”重要思想为指导，全面落实科学发展观，紧紧围绕单位中心工作，"
    "团结动员广大职工为构建社会主义和谐社会建功立业。"
)


_NUM = re.compile(r"^[0-9]+[.、]\s*")


@dataclass
class Plan:
    head: list[str]  # title and preamble lines
    blocks: list[list[str]]  # each: the ## heading line, then its lines

    def text(self) -> str:
        lines = list(self.head)
        for b in self.blocks:
            lines += b
        return "\n".join(lines).rstrip() + "\n"

    def heading_index(self, word: str) -> int:
        return next(i for i, b in enumerate(self.blocks) if word in b[0])


def split(markdown: str) -> Plan:
    head: list[str] = []
    blocks: list[list[str]] = []
    for line in markdown.splitlines():
        if line.startswith("## "):
            blocks.append([line])
        elif blocks:
            blocks[-1].append(line)
        else:
            head.append(line)
    return Plan(head, blocks)


def _body_lines(block: list[str]) -> list[str]:
    return [ln for ln in block[1:] if ln.strip() and not ln.startswith("#")]


def _is_guiding(block: list[str]) -> bool:
    return "指导思想" in block[0]


def _is_schedule(block: list[str]) -> bool:
    return bool(re.search(r"安排|月份|日程|行事历", block[0]))


def filler(plan: Plan, body: str) -> str:
    """Every heading kept; every body replaced by ``body``."""
    return Plan(plan.head[:1], [[b[0], "", body, ""] for b in plan.blocks]).text()


def random_chars(plan: Plan, seed: int = 1) -> str:
    rnd = random.Random(seed)
    return filler(plan, "".join(chr(rnd.randint(0x4E00, 0x9FA5)) for _ in range(160)) + "。")


def unique_filler(plan: Plan, seed: int = 2) -> str:
    """Every body a different run of common words that says nothing (工作、加强、开展…)."""
    rnd = random.Random(seed)
    words = [
        "工作",
        "加强",
        "开展",
        "推进",
        "落实",
        "提高",
        "认真",
        "积极",
        "切实",
        "全面",
        "深入",
        "不断",
        "进一步",
        "组织",
        "做好",
        "建设",
        "发展",
        "管理",
        "服务",
        "有关",
    ]
    out = Plan(plan.head[:1], [])
    for b in plan.blocks:
        out.blocks.append([b[0], "", "，".join("".join(rnd.choices(words, k=3)) for _ in range(12)) + "。", ""])
    return out.text()


def _leaves(plan: Plan) -> list[tuple[int, int, int]]:
    """Every section with a body of its own: (block, start line, end line) of a ## block without ### under
    it, or of each ### sub-section."""
    out = []
    for i, b in enumerate(plan.blocks):
        subs = [k for k, ln in enumerate(b) if ln.startswith("### ")]
        if not subs:
            out.append((i, 1, len(b)))
            continue
        for n, k in enumerate(subs):
            out.append((i, k + 1, subs[n + 1] if n + 1 < len(subs) else len(b)))
    return out


def rotated(plan: Plan) -> str:
    """Each section's body moved one heading down (指导思想 and the schedule stay): every section off its subject."""
    leaves = [x for x in _leaves(plan) if not _is_guiding(plan.blocks[x[0]]) and not _is_schedule(plan.blocks[x[0]])]
    bodies = [plan.blocks[i][a:b] for i, a, b in leaves]
    bodies = bodies[-1:] + bodies[:-1]
    out = Plan(plan.head, [list(b) for b in plan.blocks])
    for (i, a, b), body in sorted(zip(leaves, bodies), key=lambda x: (x[0][0], -x[0][1])):
        out.blocks[i][a:b] = body
    return out.text()


def stock_sections(plan: Plan, n: int = 2) -> str:
    """``n`` sections emptied into stock phrases."""
    out = Plan(plan.head, [list(b) for b in plan.blocks])
    done = 0
    for i, b in enumerate(out.blocks):
        if done >= n or _is_guiding(b) or _is_schedule(b):
            continue
        out.blocks[i] = [b[0], "", *(f"{k + 1}. {s}" for k, s in enumerate(STOCK)), ""]
        done += 1
    return out.text()


def internal_repeat(plan: Plan) -> str:
    """A section's items said again, reworded only by a leading 继续, inside the same section."""
    out = Plan(plan.head, [list(b) for b in plan.blocks])
    i = next(
        k for k, b in enumerate(out.blocks) if not _is_guiding(b) and not _is_schedule(b) and len(_body_lines(b)) >= 3
    )
    items = _body_lines(out.blocks[i])
    again = [_NUM.sub("", x) for x in items[-3:]]
    out.blocks[i] = out.blocks[i] + [f"{len(items) + k + 1}. 继续{x}" for k, x in enumerate(again)] + [""]
    return out.text()


_COMMON = frozenset(
    [
        "职工",
        "教职",
        "工会",
        "开展",
        "加强",
        "一线",
        "提升",
        "活动",
        "工作",
        "组织",
        "建设",
        "推进",
        "重点",
        "关爱",
        "关心",
        "人员",
    ]
)


def asks_only_mentioned(plan: Plan, asks: list[str]) -> str:
    """Every line sharing a word of an ask removed; the asks named once in the preamble instead."""
    keys = {a[i : i + 2] for a in asks for i in range(len(a) - 1)} - _COMMON
    out = Plan(list(plan.head), [])
    for b in plan.blocks:
        keep = [b[0]] + [ln for ln in b[1:] if ln.startswith("#") or not any(k in ln for k in keys)]
        out.blocks.append(keep)
    out.head.append(f"今年工会工作要突出{'、'.join(asks)}，把它们作为本年度工作的重点。")
    return out.text()


def stale_formula(plan: Plan) -> str:
    """The guiding thought replaced by a 2000s formula."""
    out = Plan(plan.head, [list(b) for b in plan.blocks])
    i = next(k for k, b in enumerate(out.blocks) if _is_guiding(b))
    out.blocks[i] = [out.blocks[i][0], "", STALE_GUIDE, ""]
    return out.text()


def drop_sections(plan: Plan, words: tuple[str, ...] = ("民主", "女", "文")) -> str:
    """The sections whose headings name these subjects left out (民主管理, 女职工, 文体 by default)."""
    keep = [b for b in plan.blocks if not any(w in b[0] for w in words)]
    out = []
    for b in keep:  # and sub-sections of a container
        kept, skip = [], False
        for ln in b:
            if ln.startswith("### "):
                skip = any(w in ln for w in words)
            if not skip:
                kept.append(ln)
        out.append(kept)
    return Plan(plan.head, out).text()
