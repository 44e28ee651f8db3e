"""A brief (今年重点：教职工心理健康、筹建职工之家) read into its asks, with the vocabulary of ``data/brief.yaml``.

Both the drafter (to route each ask into the plan) and the scorer (to check that each ask
was acted on) read briefs with :func:`parse_asks`, so they always agree on what was asked.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from drafter.errors import InputError
from drafter.resources import load_data


@dataclass(frozen=True)
class BriefVocabulary:
    leads: tuple[str, ...]
    verbs: tuple[str, ...]
    fillers: re.Pattern[str]
    max_asks: int
    max_chars: int


@functools.cache
def vocabulary() -> BriefVocabulary:
    data = load_data("brief.yaml")
    fillers = sorted((str(w) for w in data.get("fillers") or []), key=len, reverse=True)
    limits = data.get("limits") or {}
    return BriefVocabulary(
        leads=tuple(str(w) for w in data.get("leads") or []),
        verbs=tuple(str(w) for w in data.get("verbs") or []),
        fillers=re.compile("^(?:" + "|".join(re.escape(w) for w in fillers) + ")+") if fillers else re.compile("^$"),
        max_asks=int(limits.get("max_asks", 12)),
        max_chars=int(limits.get("max_chars", 2000)),
    )


def clean_brief(text: str) -> str:
    """The brief as plain text: control characters and markup removed, whitespace folded, length checked.

    A brief is text, never markup: ``#`` headings, HTML tags and Markdown emphasis are dropped so
    nothing of it can become a heading of the plan. Raises :class:`InputError` when it is longer
    than the limit in ``brief.yaml``.
    """
    t = text or ""
    t = re.sub(r"<[^>\n]{0,200}>", "", t)  # HTML tags
    t = re.sub(r"(?m)^\s{0,3}(?:#{1,6}|>|[-*+]\s|\d+[.)]\s)\s*", "", t)  # Markdown line markers
    t = re.sub(r"[*_`~]{1,3}", "", t)
    t = "".join(ch for ch in t if ch in "\n\t" or (ord(ch) >= 32 and ord(ch) != 127))
    t = re.sub(r"[ \t\u3000]+", " ", t)
    t = re.sub(r"\n\s*\n+", "\n", t).strip()
    limit = vocabulary().max_chars
    if len(t) > limit:
        raise InputError(
            f"the brief has {len(t)} characters; keep it to {limit} (the year's priorities, not a whole plan)"
        )
    return t


# a clause that opens with a lead (重点做好…, 今年是…) before what it asks for
_LEAD_CLAUSE = re.compile(
    r"^(?:今年|本年度?|明年)?(?:是|为)|^(?:今年|本年度?)?(?:的)?(?:工作)?(?:重点|着力|突出)(?:是|要|在于)?(?:做好|抓好|推进|加强)?"
)
_AND = re.compile(r"[、]|以及|和(?=[^和谐]{3,})")


def parse_asks(brief: str) -> list[str]:
    """The specific asks of a brief: ``今年重点：教职工心理健康、筹建职工之家`` → two asks.

    Raises :class:`InputError` when a brief holds more asks than ``brief.yaml`` allows.
    """
    text = (brief or "").strip()
    if not text:
        return []
    v = vocabulary()
    asks: list[str] = []
    for sent in re.split(r"[。！？!?；;\n]+", text):
        sent = sent.strip(" ，,、")
        if not sent:
            continue
        m = re.match(r"^(.{0,12}?)[：:](.+)$", sent)
        if m and (any(w in m.group(1) for w in v.leads) or len(m.group(1)) <= 6):
            parts = re.split(r"[、，,]|以及|和(?=[^和]{4,})", m.group(2))
        elif any(w in sent for w in (*v.leads, *v.verbs)) or len(sent) <= 30:
            clauses = [c for c in re.split(r"[，,]", sent) if c.strip()]
            several = len(clauses) > 1 and all(any(w in c for w in v.verbs) for c in clauses)
            if several:
                parts = clauses
            elif len(clauses) > 1 and any(_LEAD_CLAUSE.match(c.strip()) for c in clauses):
                # 今年是建院60周年，重点做好护士节和职工心理疏导: each clause says its own priorities
                parts = [p for c in clauses for p in _AND.split(_LEAD_CLAUSE.sub("", c.strip()))]
            else:
                parts = [sent]
        else:
            continue
        for p in parts:
            p = v.fillers.sub("", p.strip(" 　，,、：:")).strip()
            p = re.sub(r"^(?:是|为|把)", "", p)
            if len(p) >= 2 and p not in asks:
                asks.append(p)
    if len(asks) > v.max_asks:
        raise InputError(
            f"the brief holds {len(asks)} asks; name at most {v.max_asks} priorities for the year "
            f"(the rest of the plan covers the usual work)"
        )
    return asks
