"""The offline composer: drafts a section from retrieved passages, with no model and no network.

For each section it cuts the passages into items (numbered items and sentences),
adapts them to the unit (word map) and the year, drops what a plan must not carry
(forbidden words, another unit's names, stale era terms, numbers, past-tense reporting,
a speaker's 我们, one source's own titles, bureaus and campaigns, web boilerplate,
fragments; a kindred unit's item loses just the one inner clause that does not fit),
drops near-duplicates and items that belong to another section of the outline or to a
section this unit's plan does not have, ranks the rest (same unit, nearest units, plans before
summaries, the brief's asks first) and keeps 3–7. Its own words are only the opening
sentence (from the brief's asks or the section's goal), the 指导思想 paragraph built
from the era framing, and the month lines of the schedule built from the calendar.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from drafter.draft import text as tx
from drafter.draft.base import SectionRequest, Writer
from drafter.models import OutlineSection, SectionDraft, SubSection

log = logging.getLogger(__name__)

MIN_ITEMS, MAX_ITEMS = 3, 6
# Items for the brief's asks that no passage speaks to ({asks} and the unit's words).
ASK_TEMPLATES = (
    "围绕{asks}，{union}将结合{we}实际制定具体工作方案，明确责任分工和时间安排，确保各项措施落到实处。",
    "把{asks}列入{union}年度重点工作，广泛听取{staff}的意见和建议，细化工作措施，定期督促检查，确保取得实效。",
    "认真谋划{asks}，主动争取{leader}和行政的支持，加强与有关部门的沟通协调，推动各项工作落地见效。",
)


def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{[a-z_]+\}", template)
    return re.compile("^" + ".+?".join(re.escape(p) for p in parts) + "$")


_ASK_ITEM = [_template_regex(t) for t in ASK_TEMPLATES]


def is_ask_item(text: str) -> bool:
    """True for the composer's own item about the brief's asks (kept by the cross-section dedupe)."""
    return any(r.match(text) for r in _ASK_ITEM)
_CN_NUM = "一二三四五六七八九十"


@dataclass
class Candidate:
    """One usable item with where it came from and how well it fits."""

    text: str
    plan_id: str
    score: float
    grams: set[str] = field(default_factory=set)
    ask: str | None = None


def _unit_bonus(unit: str, profile) -> float:  # noqa: ANN001
    if unit == profile.id:
        return 1.0
    if unit in profile.nearest:
        return 0.8 - 0.08 * profile.nearest.index(unit)
    return 0.0


def _kindred(unit: str, profile) -> bool:  # noqa: ANN001
    """True when a passage of ``unit`` may be borrowed with one unfitting clause cut: the same
    unit, its two nearest, or a unit of the same trade (both speak of 师德师风, or of 医德医风)."""
    if unit == profile.id or unit in profile.nearest[:2]:
        return True
    from drafter.draft.units import list_units

    ethics = {p.id: p.ethics for p in list_units()}
    return ethics.get(unit) == profile.ethics and profile.ethics != "职业道德"


_KIND_BONUS = {"plan": 0.3, "summary_and_plan": 0.1, "summary": -0.4, "not_union": -1.0}


def _keywords(section_id: str) -> list[str]:
    from drafter.draft.outline import section_keywords

    return section_keywords(section_id)


# Words too common in union plans to tell one section from another.
GENERIC = frozenset("学习 教育 宣传 工作 活动 建设 组织 管理 服务 职工 教职工 文化 健康 制度 能力 素质 业务 发展 "
                    "关心 维护 开展 加强 提高 会员 工会 单位 群众 先进 表彰 评比 竞赛".split())


def _kw_score(text: str, words: list[str]) -> int:
    return sum(min(text.count(w), 2) for w in words if w and w not in GENERIC)


_ASK_NOISE = re.compile(r"加强|开展|筹建|推进|做好|组织|建设|创建|提升|举办|落实|完善|关注|关心|关爱|"
                        r"教职工|干部职工|医务职工|医务人员|职工|社区工作者|一线|全体|广大|工会|活动|工作|我园|我校|我院|公司")


def _ask_words(ask: str) -> set[str]:
    """The bigrams that carry an ask's subject (心理健康 of 教职工心理健康)."""
    return tx.bigrams(_ASK_NOISE.sub(" ", ask))


class OfflineWriter(Writer):
    """Compose sections from retrieved passages (see the module docstring)."""

    name = "offline"

    def __init__(self, max_items: int = MAX_ITEMS, **_: object) -> None:
        self.max_items = max_items

    # ------------------------------------------------------------------ public
    def write(self, request: SectionRequest) -> SectionDraft:
        section = request.section
        if section.id == "schedule":
            return self._schedule(request)
        if section.id == "guiding_ideology":
            return self._guiding(request)
        cands = self.candidates(request)
        chosen = self._choose(cands, section)
        covered = {c.ask for c in chosen if c.ask}
        missing = [a for a in section.asks if a not in covered]
        if missing:
            chosen = [Candidate(self.ask_item(request, missing), "", 9.0, set(), missing[0]), *chosen][: self.max_items]
        draft = SectionDraft(
            id=section.id, title=section.title, intro=self.opening(request),
            sources=list(dict.fromkeys(c.plan_id for c in chosen if c.plan_id)), writer=self.name,
        )
        if section.subsections:
            draft.subsections = self._distribute(chosen, section)
        else:
            draft.items = [c.text for c in chosen]
        return draft

    # ------------------------------------------------------------------ opening sentences
    def opening(self, request: SectionRequest) -> str:
        """One sentence from the asks the brief assigned to this section, else from its goal."""
        profile, section = request.profile, request.section
        goal = (section.goal or "").strip().rstrip("。")
        asks = [a.strip().rstrip("。") for a in section.asks if a.strip()]
        if asks and goal and any(a in goal for a in asks):
            return f"{request.brief.year}年，{profile.union}{goal}。"
        if asks:
            joined = "、".join(f"“{a}”" for a in asks) if len(asks) > 1 else f"“{asks[0]}”"
            lead = f"{request.brief.year}年，{profile.union}把{joined}作为本项工作的重点"
            return f"{lead}，{goal}。" if goal else f"{lead}，细化措施，抓好落实。"
        return f"{goal}。" if goal else ""

    @staticmethod
    def ask_item(request: SectionRequest, asks: list[str]) -> str:
        """The item for asks no retrieved passage speaks to: the asks themselves, framed as a task.

        The wording rotates with the section's place in the outline so that sections with
        such items do not repeat one another.
        """
        p = request.profile
        ids = [s.id for s in request.outline.sections]
        i = ids.index(request.section.id) if request.section.id in ids else 0
        template = ASK_TEMPLATES[i % len(ASK_TEMPLATES)]
        return p.fill(template, asks="、".join(f"“{a}”" for a in asks))

    def _guiding(self, request: SectionRequest) -> SectionDraft:
        era = request.era
        if era is None:
            from drafter.draft.era import era_for

            era = era_for(request.brief.year)
        intro = era.guiding_sentence(request.profile)
        extra = self.opening(request) if request.section.asks else ""
        return SectionDraft(id=request.section.id, title=request.section.title, intro=intro + extra,
                            writer=self.name)

    def _schedule(self, request: SectionRequest) -> SectionDraft:
        from drafter.draft.calendar import schedule_for

        lines = []
        for month, events in schedule_for(request.profile.id, request.brief.year, request.profile):
            body = "；".join(e.line() for e in events)
            lines.append(f"{month}月：{body}。")
        return SectionDraft(id="schedule", title=request.section.title, items=lines, writer=self.name,
                            sources=[])

    # ------------------------------------------------------------------ candidates
    def candidates(self, request: SectionRequest) -> list[Candidate]:
        """Every usable item of the passages, adapted and scored (best first, no duplicates)."""
        from drafter.draft.era import stale_regex

        profile, section, year = request.profile, request.section, request.brief.year
        stale = stale_regex(year)
        forbidden = [*profile.forbidden]
        from drafter.draft.units import foreign_names

        forbidden += foreign_names()
        from drafter.draft.outline import subsection_section

        sub_ids = [x for x in (subsection_section(t) for t in section.subsections) if x and x != section.id]
        own_words = list(dict.fromkeys([*_keywords(section.id), *(w for x in sub_ids for w in _keywords(x))]))
        others = [s for s in request.outline.sections
                  if s.id != section.id and s.id not in ("schedule", "guiding_ideology", *sub_ids)]
        other_words = {s.id: _keywords(s.id) for s in others}
        # Sections this unit's plan does not have (安康杯 in a kindergarten, 技能竞赛 in a community):
        # an item about one of them belongs to no section here.
        from drafter.draft.outline import phrased_section_ids

        skip = {section.id, "schedule", "guiding_ideology", *sub_ids, *(s.id for s in request.outline.sections)}
        other_words.update({sid: _keywords(sid) for sid in phrased_section_ids() if sid not in skip})
        asks = [(a, _ask_words(a)) for a in section.asks]
        ask_passages: set[str] = set(request.extra.get("ask_chunks", []))
        out: list[Candidate] = []
        rejected: dict[str, int] = {}
        for rank, p in enumerate(request.passages):
            c = p.chunk
            if c.kind == "not_union":
                continue
            base = 1.0 / (1.0 + 0.08 * rank) + _unit_bonus(c.unit, profile) + _KIND_BONUS.get(c.kind, 0.0)
            if c.section_id == section.id:
                base += 0.5
            near = _kindred(c.unit, profile)
            for raw in tx.split_items(p.text):
                item = tx.finish(tx.adapt_year(profile.adapt(raw), year)).replace("工会" + profile.union, profile.union)
                why = tx.reject_reason(item, forbidden=forbidden, stale=stale)
                if why and why.startswith("forbidden:") and near:
                    # a near unit's task with one inner clause that does not fit here: cut the clause
                    trimmed = tx.drop_clause(item, [w for w in forbidden if w and w in item])
                    if trimmed and not tx.reject_reason(trimmed, forbidden=forbidden, stale=stale):
                        item, why = trimmed, None
                if why:
                    rejected[why.split(":")[0]] = rejected.get(why.split(":")[0], 0) + 1
                    continue
                own = _kw_score(item, own_words)
                best_other = max((_kw_score(item, w) for w in other_words.values()), default=0)
                if best_other >= 2 and best_other > own:
                    rejected["elsewhere"] = rejected.get("elsewhere", 0) + 1
                    continue
                grams = tx.bigrams(item)
                score = base + 0.15 * min(own, 4) - 0.004 * max(0, len(item) - 100)  # prefer crisp items
                hit = None
                for ask, ask_grams in asks:
                    if ask_grams and len(ask_grams & grams) / len(ask_grams) >= 0.5:
                        score += 1.5
                        hit = ask
                        break
                if c.id in ask_passages and hit is None:
                    score -= 0.3 if own == 0 else 0.0
                if own == 0 and hit is None and (c.section_id != section.id or len(item) < 40):
                    continue  # off the section's subject, or too vague to stand on its own
                out.append(Candidate(item, c.plan_id, score, grams, hit))
        log.debug("section %s: %d candidates, rejected %s", section.id, len(out), rejected)
        out.sort(key=lambda x: -x.score)
        avoid = [tx.bigrams(t) for t in request.extra.get("avoid", [])]
        unique: list[Candidate] = []
        seen: list[set[str]] = list(avoid)
        for cand in out:
            if tx.is_duplicate(cand.text, seen):
                continue
            tx.remember(cand.text, seen)
            unique.append(cand)
        return unique

    def _choose(self, cands: list[Candidate], section: OutlineSection) -> list[Candidate]:
        if section.subsections:
            return self._choose_for_subsections(cands, section)
        chosen = cands[: self.max_items]
        # The asks first, in the brief's order; then the rest by score.
        ask_order = {a: i for i, a in enumerate(section.asks)}
        return sorted(chosen, key=lambda c: (ask_order.get(c.ask, len(ask_order)) if c.ask else len(ask_order), -c.score))

    def _choose_for_subsections(self, cands: list[Candidate], section: OutlineSection) -> list[Candidate]:
        """Up to ``per`` items for each sub-section, best first (tagged with their sub-section)."""
        per = max(2, min(4, (self.max_items + 2) // max(1, len(section.subsections))))
        fits = self._sub_fits(cands, section)
        taken: list[Candidate] = []
        counts = [0] * len(section.subsections)
        for cand, fit in zip(cands, fits):
            best = max(range(len(fit)), key=lambda i: fit[i])
            if fit[best] <= 0 and len(section.subsections) > 1 and cand.ask is None:
                best = 0 if fit[0] >= 0 else best
            if counts[best] < per:
                cand.sub = best  # type: ignore[attr-defined]
                counts[best] += 1
                taken.append(cand)
        return taken

    def _sub_fits(self, cands: list[Candidate], section: OutlineSection) -> list[list[float]]:
        from drafter.draft.outline import subsection_section

        words = [_keywords(subsection_section(t) or "") for t in section.subsections]
        grams = [tx.bigrams(t) for t in section.subsections]
        return [[2 * _kw_score(c.text, words[i]) + len(c.grams & grams[i]) / 4 for i in range(len(grams))]
                for c in cands]

    def _distribute(self, chosen: list[Candidate], section: OutlineSection) -> list[SubSection]:
        subs = [SubSection(title=t) for t in section.subsections]
        for cand in chosen:
            i = getattr(cand, "sub", None)
            if i is None:  # an ask item: the sub-section whose title it shares most with
                fit = self._sub_fits([cand], section)[0]
                i = max(range(len(fit)), key=lambda j: fit[j])
            subs[i].items.append(cand.text)
        return [s for s in subs if s.items]

def dedupe_sections(drafts: list[SectionDraft], threshold: float = 0.45) -> list[SectionDraft]:
    """Drop items that repeat an item of an earlier section (sections must not repeat each other)."""
    seen: list[set[str]] = []
    for d in drafts:
        if d.id == "schedule":
            continue
        d.items = [t for t in d.items if is_ask_item(t) or not tx.is_duplicate(t, seen, threshold)]
        for sub in d.subsections:
            sub.items = [t for t in sub.items if is_ask_item(t) or not tx.is_duplicate(t, seen, threshold)]
        for t in [*d.items, *(x for s in d.subsections for x in s.items)]:
            if not is_ask_item(t):
                tx.remember(t, seen)
    return drafts

