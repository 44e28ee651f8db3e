"""How the scorer reads a plan's text: items, what section an item speaks of, and whether it says anything.

* :func:`items_of` cuts a block of text into items (numbered lines; long paragraphs into sentences).
* :class:`Vocabulary` knows each canonical section's words — outline.yaml and sections.yaml keywords
  and aliases, and the ask words of the work-item catalogue's items of that section — weighted by how
  few sections share them; :meth:`Vocabulary.classify` names the section an item speaks of.
* :func:`is_concrete`, :func:`is_action`, :func:`stock_share` read one item (word lists in
  ``data/scoring.yaml``); :func:`prose_share` tells Chinese prose from random characters, filler or
  another language by its share of known character bigrams.
"""

from __future__ import annotations

import functools
import math
import re
from collections import defaultdict
from dataclasses import dataclass

from drafter.domain import catalogue, sections
from drafter.domain.taxonomy import load_taxonomy
from drafter.resources import load_data

_CJK = re.compile(r"[\u4e00-\u9fff]")
_NUMBERING = re.compile(
    r"^\s*(?:[|｜]\s*)?(?:第[一二三四五六七八九十]+(?:部分|条|项)[、，,.．\s]?|第[一二三四五六七八九十]+[、，,．.]|"
    r"[（(]?[一二三四五六七八九十]{1,3}[）)、．.]|"
    r"[（(]\d{1,2}[）)]|\d{1,2}\s*[、．.)）](?!\d)|[①-⑳]|[-*•·]\s)\s*"
)


@dataclass(frozen=True)
class ReadingWords:
    concrete: tuple[re.Pattern[str], ...]
    action: tuple[str, ...]
    stock: tuple[str, ...]
    owners: tuple[str, ...]
    targets: tuple[str, ...]
    mention: re.Pattern[str]
    containers: frozenset[str]
    months: re.Pattern[str]
    generic: frozenset[str]
    ask_filler: frozenset[str]


@functools.cache
def words() -> ReadingWords:
    d = load_data("scoring.yaml")
    return ReadingWords(
        concrete=tuple(re.compile(str(p)) for p in d.get("concrete") or ()),
        action=tuple(map(str, d.get("action") or ())),
        stock=tuple(sorted(map(str, d.get("stock") or ()), key=len, reverse=True)),
        owners=tuple(map(str, d.get("owners") or ())),
        targets=tuple(map(str, d.get("targets") or ())),
        mention=re.compile("|".join(f"(?:{p})" for p in d.get("mention") or ["$^"])),
        containers=frozenset(map(str, d.get("containers") or ())),
        months=re.compile(str(d.get("months") or "$^")),
        generic=frozenset(map(str, d.get("generic") or ())),
        ask_filler=frozenset(map(str, d.get("ask_filler") or ())),
    )


def cjk_len(text: str) -> int:
    return len(_CJK.findall(text or ""))


def strip_numbering(line: str) -> str:
    prev = None
    while prev != line:
        prev = line
        line = _NUMBERING.sub("", line, count=1).strip()
    return line.strip(" |｜")


def items_of(text: str) -> list[str]:
    """The items of a block: each non-empty line without its numbering; a long line cut into sentences."""
    out: list[str] = []
    for raw in (text or "").splitlines():
        line = strip_numbering(raw.replace("|", " ").strip())
        if cjk_len(line) < 4:
            continue
        if cjk_len(line) <= 120:
            out.append(line)
            continue
        buf = ""
        for sent in re.findall(r"[^。；！？]+[。；！？]?", line):
            buf += sent
            if cjk_len(buf) >= 25:
                out.append(buf.strip())
                buf = ""
        tail = buf.strip()
        if tail and (cjk_len(tail) >= 8 or not out):
            out.append(tail)
        elif tail:
            out[-1] += tail
    return out


# --------------------------------------------------------------------------- one item


def is_concrete(item: str) -> bool:
    """Whether an item carries something a reader can check: a number, a month, a cadence, an owner…"""
    return any(p.search(item) for p in words().concrete)


def is_action(item: str) -> bool:
    return any(v in item for v in words().action)


def stock_share(item: str) -> float:
    """Share of an item's CJK characters taken by stock phrases (进一步提高认识、狠抓落实 …)."""
    n = cjk_len(item)
    if not n:
        return 0.0
    rest = item
    for phrase in words().stock:
        rest = rest.replace(phrase, "")
    return 1.0 - cjk_len(rest) / n


def is_mention(item: str) -> bool:
    """A sentence that only names a priority (把…作为重点, 突出抓好…)."""
    return bool(words().mention.search(item))


def month_line(line: str) -> bool:
    return bool(words().months.match(strip_numbering(line.replace("|", " ").strip()) or line.strip(" |")))


def has_target(item: str) -> bool:
    return any(t in item for t in words().targets)


def ask_terms(ask: str) -> list[str]:
    """Key terms of one ask: jieba words of two or more characters that are not filler."""
    import logging

    import jieba  # heavy (its dictionary loads in about a second): only when a brief has asks

    jieba.setLogLevel(logging.ERROR)  # jieba logs its dictionary loading at DEBUG otherwise
    terms = []
    for w in jieba.lcut(ask):
        w = w.strip()
        if len(w) >= 2 and w not in words().ask_filler and w not in terms:
            terms.append(w)
    if not terms and ask.strip():
        terms = [ask.strip()]
    return terms


# --------------------------------------------------------------------------- prose


@functools.cache
def known_bigrams() -> frozenset[str]:
    """CJK character bigrams of the project's own Chinese text (catalogue, outline, sections, calendar, era)."""
    texts: list[str] = []
    for it in catalogue.catalogue():
        texts += [it.text, it.schedule, *it.texts.values(), *it.asks]
    for name in ("outline.yaml", "sections.yaml", "calendar.yaml", "era.yaml", "units.yaml", "facts.yaml"):
        texts.append(str(load_data(name)))
    grams: set[str] = set()
    for t in texts:
        run = "".join(_CJK.findall(t))
        grams.update(run[i : i + 2] for i in range(len(run) - 1))
    return frozenset(grams)


def prose_share(text: str, extra: frozenset[str] | None = None) -> float:
    """Share of the text's CJK bigrams that Chinese plan prose uses (random characters score near 0).

    Text with almost no CJK characters (another language, punctuation runs, repeated marks) is 0.
    """
    chars = "".join(_CJK.findall(text or ""))
    if len(chars) < 2:
        return 0.0
    known = known_bigrams() if extra is None else known_bigrams() | extra
    grams = [chars[i : i + 2] for i in range(len(chars) - 1)]
    share = sum(1 for g in grams if g in known) / len(grams)
    # the same few characters over and over are filler, not prose
    variety = min(1.0, len(set(chars)) / max(8.0, len(chars) ** 0.5 * 2))
    cjk_ratio = len(chars) / max(1, len(re.sub(r"\s", "", text)))
    return share * variety * min(1.0, cjk_ratio / 0.6)


# --------------------------------------------------------------------------- sections


@dataclass(frozen=True)
class Vocabulary:
    """Each canonical section's words, weighted by how few sections share them."""

    weights: dict[str, dict[str, float]]

    def scores(self, text: str) -> dict[str, float]:
        out: dict[str, float] = {}
        for sid, ws in self.weights.items():
            s = sum(w for word, w in ws.items() if word in text)
            if s > 0:
                out[sid] = s
        return out

    def classify(self, text: str, *, margin: float = 1.2) -> str | None:
        """The section an item speaks of, or None when no section's words clearly win."""
        scored = self.scores(text)
        if not scored:
            return None
        ranked = sorted(scored.items(), key=lambda kv: -kv[1])
        best, top = ranked[0]
        second = ranked[1][1] if len(ranked) > 1 else 0.0
        if top < 0.8 or top < margin * second:
            return None
        return best


SCORED_SECTIONS = (
    "political_guidance",
    "democratic_management",
    "rights_protection",
    "professional_ethics",
    "skills_competition",
    "safety_production",
    "worker_care",
    "women_workers",
    "culture_sports",
    "union_building",
    "finance_audit",
    "safeguards",
)


@functools.cache
def vocabulary() -> Vocabulary:
    raw: dict[str, set[str]] = defaultdict(set)
    tax = load_taxonomy()
    for sid in SCORED_SECTIONS:
        raw[sid].update(w for w in sections.section_keywords(sid) if len(w) >= 2)
        t = tax.get(sid)
        if t is not None:
            raw[sid].update(str(a).lstrip("^") for a in t.aliases if len(str(a).lstrip("^")) >= 2)
    for it in catalogue.catalogue():
        if it.section in raw:
            raw[it.section].update(w for w in it.asks if len(w) >= 2)
    generic = words().generic
    raw = {sid: {w for w in ws if w not in generic} for sid, ws in raw.items()}
    df: dict[str, int] = defaultdict(int)
    for ws in raw.values():
        for w in ws:
            df[w] += 1
    n = len(raw)
    weights = {
        sid: {w: math.log(1 + n / df[w]) / math.log(1 + n) * (1.0 + 0.15 * min(len(w) - 2, 3)) for w in ws}
        for sid, ws in raw.items()
    }
    return Vocabulary(weights)
