"""The detectors of a revision: each reads one line of last year's plan and proposes span edits.

Updates (what is sure): the plan's year and the years around it (2023年 → 2024年 when a 2024 plan
becomes a 2025 one; a year of another time — 1921年, 到2035年 — stays), the era's wording
(``era_for(old)`` against ``era_for(new)``: the congress spirit, the union congress, the five-year-plan
phrase, the guiding thought), the yearly anniversaries (建党103周年 → 建党104周年) and the dates of the
lunar festivals (recomputed with :mod:`drafter.domain.calendar`).

Flags (what the chair must judge, ``【待核：…】``): stale phrasing of the new year
(``stale_regex``), one-off events of last year (``revise.yaml``, the old year's anniversaries and
campaigns of ``years.yaml``, round anniversaries, times tied to last year's calendar: 《…》施行前),
headcounts and sums of money however written (kept in the flag: ``【待核：原为86人】``; replaced when
the facts give this year's value, never for a part of a group: 编外教职工（14人）), last year's report
of the year before (2023年，…获评…: the year moves, the results are the chair's), the 落款's day
(``--facts 落款日期`` replaces it), placeholder years, target years that have passed. The day a law
took effect (2025年6月1日起施行) keeps its year.

:func:`line_edits` runs them in priority order; :func:`drafter.revision.marks.apply_edits` resolves
overlaps (the earlier detector wins) and never edits inside a mark already there.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from drafter.domain.calendar import lunar_to_solar
from drafter.domain.numerals import DIGITS, from_chinese, to_chinese
from drafter.revision import marks
from drafter.revision.context import Context, over_in
from drafter.revision.marks import Edit

_Y = r"(?:19|20)\d{2}"
_RANGE = re.compile(rf"(?<![\d.])({_Y})(\s*年?\s*[-—–~～至到]\s*)({_Y})(?!\d)")
_YEAR = re.compile(rf"(?<![\d.])({_Y})(?!\d)(?=\s*(?:年|学年|届))")
_BARE_YEAR = re.compile(rf"(?<![\d.])({_Y})(?!\d)")
_ZEROS = "〇○零0OＯ"
_CN_YEAR = re.compile(rf"(?<![{_ZEROS}一二三四五六七八九])([一二][{_ZEROS}一二三四五六七八九]{{3}})(?=\s*年)")
_PLACEHOLDER_YEAR = re.compile(r"(?<![\dA-Za-z])(?:20|19|二[〇○零0])?[xXｘＸ]{2,4}\s*年")
_TARGET_BEFORE = re.compile(r"(?:到|至|力争到?|力争在|截至)\s*$")
_SPIRIT = re.compile(
    r"(?<!工会)(?<![一二三四五六七八九十])(?:党的)?(?P<c>[一二三四五六七八九十]{2,3}大)"
    r"(?:(?:和|以及)(?:党的)?[一二三四五六七八九十]{2,3}届[^，。；“”]{0,30}?全会)?精神"
)
_UNION = re.compile(r"(?P<p>中国工会|工会)(?P<c>[一二三四五六七八九十]{2,3}大)")
_DATE = re.compile(r"(?<!\d)(\d{1,2})月(\d{1,2})日")
# after a year: the day a law or rule took effect (2025年6月1日起施行), which never moves with the plan
_FIXED_DATE = re.compile(
    r"年\d{1,2}月(?:\d{1,2}日)?(?:起|开始)?(?:正式)?(?:施行|生效)|年\d{1,2}月\d{1,2}日起(?:正式)?实施"
)
_CN_DATE = r"[一二三四五六七八九十]{1,2}月[一二三四五六七八九十]{1,3}日"
_CLOSING_DAY = re.compile(rf"(?<=年)(?:\d{{1,2}}月(?:\d{{1,2}}日)?|{_CN_DATE}|[一二三四五六七八九十]{{1,2}}月)$")
_FULL = re.compile(r"[^。！？]+[。！？]?")
_SENTENCE = re.compile(r"[^。！？；]+[。！？；]?")
_NUM = r"(?P<n>\d{1,3}|[一二三四五六七八九十百零〇]{1,5})"

Detector = Callable[[str, Context, "LineInfo"], list[Edit]]


class LineInfo:
    """What a detector may need to know about the line besides its text."""

    def __init__(
        self, *, title: bool = False, months: tuple[int, ...] = (), model: bool = False, closing: bool = False
    ) -> None:
        self.title = title
        self.months = months  # the months of the schedule line (or month block) the line is in
        self.model = model  # written by the model: its years are this year's already
        self.closing = closing  # a line of the 落款 (the union's name, the date)


# --------------------------------------------------------------------------- era wording


def era_edits(text: str, ctx: Context, info: LineInfo) -> list[Edit]:
    out = []
    for pattern, new, label in ctx.exact:
        for m in pattern.finditer(text):
            out.append(Edit(m.start(), m.end(), "updated", m.group(0), new, f"{ctx.new}年的{label}", label))
    old_c = (ctx.old_era.party_congress or "").removeprefix("党的")
    new_c = (ctx.new_era.party_congress or "").removeprefix("党的")
    spirit = ctx.new_era.party_spirit
    for m in _SPIRIT.finditer(text):
        phrase = m.group(0)
        if phrase == spirit or phrase.removeprefix("党的") == spirit.removeprefix("党的"):
            continue
        sure = phrase.removeprefix("党的") == ctx.old_era.party_spirit.removeprefix("党的") and bool(
            ctx.old_era.party_spirit
        )
        sure = sure or (bool(old_c) and m.group("c") == old_c and old_c != new_c)
        if not sure:
            continue
        new = spirit if phrase.startswith("党的") or not spirit.startswith("党的") else spirit.removeprefix("党的")
        if new:
            out.append(Edit(m.start(), m.end(), "updated", phrase, new, f"{ctx.new}年的党的会议精神提法", "会议精神"))
        else:
            note = f"“{phrase}”需按{ctx.new}年党中央的最新部署改写"
            out.append(Edit(m.start(), m.end(), "flagged", phrase, marks.check(note), note, "会议精神"))
    old_u = (ctx.old_era.union_congress or "").removeprefix("中国工会")
    new_u = (ctx.new_era.union_congress or "").removeprefix("中国工会")
    if old_u and new_u and old_u != new_u:
        for m in _UNION.finditer(text):
            if m.group("c") == old_u:
                s, e = m.span("c")
                out.append(Edit(s, e, "updated", old_u, new_u, f"{ctx.new}年的工会代表大会届次", "工会代表大会"))
    return out


# --------------------------------------------------------------------------- years and dates


def _shift_note(y: int, ctx: Context) -> str:
    return {ctx.old: "计划年份", ctx.old - 1: "上年", ctx.old + 1: "下一年"}.get(y, "年份")


def _cn_year(value: int, like: str) -> str:
    zero = next((ch for ch in like if ch in _ZEROS), "〇")
    return "".join(zero if d == "0" else DIGITS[int(d)] for d in str(value))


def year_edits(text: str, ctx: Context, info: LineInfo) -> list[Edit]:
    if info.model:
        return []
    window = (ctx.old - 1, ctx.old, ctx.old + 1)
    out: list[Edit] = []
    ranges = []
    for m in _RANGE.finditer(text):
        a, b = int(m.group(1)), int(m.group(3))
        ranges.append(m.span())
        if a in window and b in window and a <= b:
            new = f"{a + ctx.delta}{m.group(2)}{b + ctx.delta}"
            out.append(Edit(m.start(), m.end(), "updated", m.group(0), new, "学年或年度跨度", "年份"))
    pattern = _BARE_YEAR if info.title else _YEAR
    for m in pattern.finditer(text):
        if any(a <= m.start() < b for a, b in ranges):
            continue  # a span of years (2021—2025年) is read as a whole
        y = int(m.group(1))
        if y == ctx.old + 1 and ctx.delta > 1:
            # last year's "next year" is neither this year nor the next one: the chair says which
            end = m.end() + (1 if text[m.end() : m.end() + 1] == "年" else 0)
            note = f"原为{y}年的安排，请按{ctx.new}年的实际核实"
            out.append(Edit(end, end, "flagged", "", marks.check(note), note, "年份"))
        elif y in window and _FIXED_DATE.match(text, m.end()):
            continue  # the date a law took (takes) effect is a fact, not the plan's calendar
        elif y in window:
            out.append(Edit(m.start(), m.end(), "updated", m.group(1), str(y + ctx.delta), _shift_note(y, ctx), "年份"))
        elif ctx.old + 1 < y < ctx.new and _TARGET_BEFORE.search(text[max(0, m.start() - 5) : m.start()]):
            end = m.end() + (1 if text[m.end() : m.end() + 1] == "年" else 0)
            note = f"目标年份{y}年已过，请按{ctx.new}年的实际改写"
            out.append(Edit(end, end, "flagged", "", marks.check(note), note, "目标年份"))
    for m in _CN_YEAR.finditer(text):
        token = m.group(1)
        cy = from_chinese(token)
        if cy is not None and cy in window:
            new = _cn_year(cy + ctx.delta, token)
            out.append(Edit(m.start(), m.end(), "updated", token, new, _shift_note(cy, ctx), "年份"))
    for m in _PLACEHOLDER_YEAR.finditer(text):
        if info.title:  # the title's year is the plan's year
            out.append(Edit(m.start(), m.end(), "updated", m.group(0), f"{ctx.new}年", "计划年份", "占位年份"))
            continue
        note = f"原为“{m.group(0)}”，请填写具体年份"
        out.append(Edit(m.start(), m.end(), "flagged", m.group(0), marks.check(note), note, "占位年份"))
    return out


def _sentence_at(text: str, pos: int) -> re.Match[str] | None:
    return next((m for m in _SENTENCE.finditer(text) if m.start() <= pos < m.end()), None)


def _stop(m: re.Match[str]) -> int:
    """Where a note goes in a sentence: before its stop (。；！？), else at its end."""
    return m.end() - (1 if m.group(0)[-1] in "。！？；" else 0)


def _time_refs(ctx: Context) -> re.Pattern[str]:
    """What names the year before last year in last year's plan: its number (2023, 二〇二三) or 去年/上年."""
    y = ctx.old - 1
    years = "|".join(dict.fromkeys((str(y), _cn_year(y, "〇"), _cn_year(y, "○"), _cn_year(y, "0"), _cn_year(y, "零"))))
    return re.compile(
        rf"(?<![\d{_ZEROS}一二三四五六七八九])(?:{years})(?!\d)\s*年|去年|(?<!以)上年度?|上一年度?|过去的?一年"
    )


_TOPIC = re.compile(r"^\s*(?:在|回顾|过去的?一年|[一二三四五六七八九十\d]+[、.．]\s*)?$")


def results_edits(text: str, ctx: Context, info: LineInfo) -> list[Edit]:
    """Last year's report of the year before (2023年，工会获评…；组织体检58人次) is not this year's: the years
    move, the results are the chair's to restate. A sentence whose topic is that year (it opens with it) is a
    report as a whole, up to its full stop, when it tells of anything done (``results_broad``); elsewhere the
    clause with the year must say what was won (``results``)."""
    if info.title or info.closing or info.model:
        return []
    refs = _time_refs(ctx)
    out: list[Edit] = []
    done: set[int] = set()
    for full in _FULL.finditer(text):
        sent = full.group(0)
        if marks.has_check(sent):
            continue
        for ref in refs.finditer(sent):
            topic = bool(_TOPIC.match(sent[: ref.start()])) and bool(
                re.match(r"\s*(?:度|以来|里|中|内)?[，,\s]", sent[ref.end() :])
            )
            if topic and ctx.rules.results_broad.search(sent[ref.end() :]):
                at = _stop(full)
            else:
                clause = _sentence_at(text, full.start() + ref.start())
                if clause is None or not ctx.rules.results.search(clause.group(0)):
                    continue
                at = _stop(clause)
            if at in done:
                continue
            done.add(at)
            note = f"这是{ctx.old - 1}年的成绩，请换成{ctx.new - 1}年的实际成绩"
            out.append(Edit(at, at, "flagged", "", marks.check(note), note, "上年成绩"))
            if topic:
                break
    return out


def closing_edits(text: str, ctx: Context, info: LineInfo) -> list[Edit]:
    """The 落款's date is the day last year's plan was issued: the facts' 落款日期, else the day is the chair's."""
    if not info.closing or not re.search(r"年[\d一二三四五六七八九十]{1,2}月", text):
        return []
    value = ctx.request.facts.get("落款日期")
    if value:
        return [Edit(0, len(text), "updated", text, str(value), "按本年的印发日期（--facts 落款日期）", "落款日期")]
    m = _CLOSING_DAY.search(text.rstrip())
    if m is None:
        return []
    note = f"落款日期，原为{m.group(0)}"
    return [
        Edit(m.start(), m.end(), "flagged", m.group(0), marks.check(note), "落款日期需按今年的印发日期填写", "落款日期")
    ]


def standing_edits(text: str, ctx: Context, info: LineInfo) -> list[Edit]:
    """Last year's standing (2023年是…的开局之年) is the chair's to restate, unless the era maps it surely."""
    if info.model or info.title:
        return []
    years = (str(ctx.old), _cn_year(ctx.old, "〇"), _cn_year(ctx.old, "0"), _cn_year(ctx.old, "零"))
    out = []
    for m in _SENTENCE.finditer(text):
        sent = m.group(0)
        found = len(ctx.rules.standing.findall(sent))
        if not found or not any(f"{y}年是" in sent or f"{y}年也是" in sent for y in years) or marks.has_check(sent):
            continue
        sure = sum(len(p.findall(sent)) for p, _, label in ctx.exact if label == "五年规划提法")
        if found > sure:
            note = f"这是{ctx.old}年的年度定位，请按{ctx.new}年的实际改写"
            out.append(Edit(_stop(m), _stop(m), "flagged", "", marks.check(note), note, "年度定位"))
    return out


def recheck_edits(text: str, ctx: Context, info: LineInfo) -> list[Edit]:
    """Wording that moves every year but cannot be computed (会议届次): kept inside a flag."""
    out = []
    for rc in ctx.rules.rechecks:
        for m in rc.pattern.finditer(text):
            note = rc.note.format(text=m.group(0))
            out.append(Edit(m.start(), m.end(), "flagged", m.group(0), marks.check(note), note, rc.label))
    return out


def anniversary_edits(text: str, ctx: Context, info: LineInfo) -> list[Edit]:
    """Yearly anniversaries move with the year (a round one of last year is a one-off, flagged elsewhere)."""
    out = []
    for ann in ctx.rules.anniversaries:
        for m in re.finditer(rf"(?:{ann.pattern.pattern})\s*{_NUM}\s*周年", text):
            token = m.group("n")
            n = from_chinese(token)
            if n is None or n != ctx.old - ann.base or n % 5 == 0:
                continue
            value = ctx.new - ann.base
            new = str(value) if token.isdigit() else to_chinese(value)
            s, e = m.span("n")
            out.append(Edit(s, e, "updated", token, new, f"{ctx.new}年的周年数", "周年"))
    return out


def _festival_date(year: int, lunar: tuple[int, int], days: int) -> dt.date:
    return lunar_to_solar(year, *lunar) + dt.timedelta(days=days)


def festival_dates(
    text: str, ctx: Context, *, model: bool = False
) -> list[tuple[re.Match[str], str, dt.date, dt.date]]:
    """The dates of lunar festivals in a line: (the date as written, the festival, its date last year as
    written, its date this year at the same distance from the festival)."""
    out = []
    source_year = ctx.new if model else ctx.old
    for f in ctx.rules.festivals:
        old_f = _festival_date(source_year, f.lunar, f.days)
        new_f = _festival_date(ctx.new, f.lunar, f.days)
        for m in f.pattern.finditer(text):
            stop = re.search(r"[；。！？]", text[m.end() :])
            clause_end = m.end() + stop.start() if stop else len(text)
            date_m = _DATE.search(text, m.end(), min(clause_end, m.end() + 24))
            if date_m is None:
                before = re.search(r"(\d{1,2})月(\d{1,2})日[（(\s]{0,2}$", text[max(0, m.start() - 10) : m.start()])
                if before:
                    date_m = _DATE.search(text, max(0, m.start() - 10) + before.start())
            if date_m is None:
                continue
            try:
                written = dt.date(source_year, int(date_m.group(1)), int(date_m.group(2)))
            except ValueError:
                continue
            offset = (written - old_f).days
            if abs(offset) <= 40:
                out.append((date_m, f.name, written, new_f + dt.timedelta(days=offset)))
    return out


def lunar_edits(text: str, ctx: Context, info: LineInfo) -> list[Edit]:
    """Dates of lunar festivals recomputed for the new year, keeping their distance to the festival
    (春节前一周 stays a week before); a schedule line whose month no longer holds the festival is flagged,
    and a date that would leave the line's month is not written into it (the entry belongs to another
    month's line: :func:`drafter.revision.additions.move_festival_entries` moves it there first)."""
    out: list[Edit] = []
    flagged: set[int] = set()
    dated = festival_dates(text, ctx, model=info.model)
    for date_m, name, written, new in dated:
        stop = re.search(r"[；。！？]", text[date_m.end() :])
        clause_end = date_m.end() + stop.start() if stop else len(text)
        if info.months and not info.model and written.month in info.months and new.month not in info.months:
            note = f"按{ctx.new}年{name}的日期，这项安排在{new.month}月{new.day}日，请调到{new.month}月"
            out.append(Edit(clause_end, clause_end, "flagged", "", marks.check(note), note, "农历节日"))
            flagged.add(clause_end)
            continue
        text_new = f"{new.month}月{new.day}日"
        if text_new != date_m.group(0):
            note = f"{ctx.new}年{name}的日期"
            out.append(Edit(date_m.start(), date_m.end(), "updated", date_m.group(0), text_new, note, "农历节日"))
    if not info.months or info.model:
        return out
    for f in ctx.rules.festivals:
        old_f = _festival_date(ctx.old, f.lunar, f.days)
        new_f = _festival_date(ctx.new, f.lunar, f.days)
        if old_f.month not in info.months or new_f.month in info.months:
            continue
        for m in f.pattern.finditer(text):
            stop = re.search(r"[；。！？]", text[m.end() :])
            clause_end = m.end() + stop.start() if stop else len(text)
            if clause_end in flagged:
                continue
            flagged.add(clause_end)
            note = f"{ctx.new}年{f.name}在{new_f.month}月{new_f.day}日，请把这项安排调到{new_f.month}月"
            out.append(Edit(clause_end, clause_end, "flagged", "", marks.check(note), note, "农历节日"))
    return out


# --------------------------------------------------------------------------- flags


def _extend(text: str, s: int, e: int) -> tuple[int, int]:
    if text[max(0, s - 2) : s] == "党的":
        s -= 2
    if text[e : e + 2] == "精神":
        e += 2
    if s > 0 and e < len(text) and text[s - 1] in '“"' and text[e] in '”"':
        s, e = s - 1, e + 1
    elif s > 0 and text[s - 1] in '“"' and "”" in text[s:e]:
        s -= 1  # 不忘初心、牢记使命”主题教育: its opening quote goes with it
    return s, e


def stale_edits(text: str, ctx: Context, info: LineInfo) -> list[Edit]:
    if not ctx.stale.pattern:
        return []
    formula = [m.span() for m in ctx.formula.finditer(text)]
    out = []
    for m in ctx.stale.finditer(text):
        if not m.group(0) or any(a <= m.start() < b for a, b in formula):
            continue
        s, e = _extend(text, m.start(), m.end())
        term = text[s:e]
        note = f"过时提法“{term.strip('“”')}”，请按{ctx.new}年的提法改写"
        out.append(Edit(s, e, "flagged", term, marks.check(note), note, "过时提法"))
    return out


def figure_edits(text: str, ctx: Context, info: LineInfo) -> list[Edit]:
    """Headcounts of a group and sums of money, in every way a plan writes them (会员52人, 现有会员共52名,
    女教职工（55人）, 55名女教职工, 14名编外教职工, 全园共有55人, 8.6万元): this year's value from the facts,
    else last year's kept in a flag. A part of a group (编外, 退休 …: ``subgroups``) is never given the
    whole group's value."""
    r = ctx.rules
    groups = "|".join(map(re.escape, r.group_words))
    units = "|".join(map(re.escape, r.people))
    between = "|".join(map(re.escape, r.between)) or "$^"
    subs = "|".join(map(re.escape, sorted(r.subgroups, key=len, reverse=True))) or "$^"
    verbs = r"(?:现有|共有|共计|总计|合计|共|有|约|达到|达|为|计)"
    after = re.compile(
        rf"(?P<g>{groups})(?:总数|总人数|人数)?\s*[（(]?\s*{verbs}?\s*{verbs}?\s*"
        rf"(?<![\d.])(?P<n>\d+)\s*(?:余|多)?(?P<u>{units})(?!次|以上|左右|\d)"
    )
    before = re.compile(
        rf"(?<![\d.])(?P<n>\d+)\s*(?:余|多)?(?P<u>{units})(?:{between})?(?P<q>{subs})?(?:{between})?(?P<g>{groups})"
    )
    facts = ctx.request.facts
    out = []
    for pattern in (after, before):
        for m in pattern.finditer(text):
            s, e = m.start("n"), m.end("u")
            old = text[s:e]
            group = r.group_of(m.group("g"))
            part = bool(m.groupdict().get("q")) or (
                pattern is after and any(text[: m.start("g")].endswith(q) for q in r.subgroups)
            )
            value = facts.get(group.fact) if group is not None and group.fact and not part else None
            if value:
                new = f"{value}{m.group('u')}"
                out.append(Edit(s, e, "updated", old, new, "按本年的单位情况（--facts）", "人数"))
            else:
                note = f"原为{old}"
                out.append(
                    Edit(s, e, "flagged", old, marks.check(note), f"{m.group('g')}人数需按今年的实际核实", "人数")
                )
    for m in r.money.finditer(text):
        old = m.group(0)
        value = facts.get(r.budget_fact) if r.budget_fact else None
        near = text[max(0, m.start() - 12) : m.start()]
        if value and old.endswith(r.budget_unit) and any(w in near for w in r.budget_words):
            out.append(
                Edit(
                    m.start(), m.end(), "updated", old, f"{value}{r.budget_unit}", "按本年的经费预算（--facts）", "金额"
                )
            )
        else:
            note = f"原为{old}"
            out.append(
                Edit(m.start(), m.end(), "flagged", old, marks.check(note), "金额需按今年的预算或标准核实", "金额")
            )
    return out


def one_off_edits(text: str, ctx: Context, info: LineInfo) -> list[Edit]:
    """A flag after each sentence that speaks of last year's one-off event (the sentence is kept)."""
    if info.title:
        return []
    out = []
    for m in _SENTENCE.finditer(text):
        sent = m.group(0)
        if not sent.strip() or marks.has_check(sent):
            continue
        found: list[tuple[str, str]] = []  # (label, note)
        for oo in ctx.rules.one_offs:
            if oo.pattern.search(sent):
                found.append((oo.label, oo.note))
        year_items = [ov for ov in ctx.over if over_in(sent, ov)]
        found += [("纪念活动" if ov.item.kind == "anniversary" else "专项学习教育", ov.note) for ov in year_items]
        for ann in ctx.rules.anniversaries:
            for a in re.finditer(rf"(?:{ann.pattern.pattern})\s*{_NUM}\s*周年", sent):
                n = from_chinese(a.group("n"))
                if n is not None and n == ctx.old - ann.base and n % 5 == 0 and not year_items:
                    note = f"上年逢五逢十的纪念（{a.group(0)}），今年为{ctx.new - ann.base}周年，请确认是否保留"
                    found.append(("周年纪念", note))
        if not found:
            continue
        if len(found) == 1:
            note = found[0][1]
        else:
            labels = "、".join(dict.fromkeys(label for label, _ in found))
            note = f"上年的一次性事项（{labels}），请确认今年是否保留"
        out.append(Edit(_stop(m), _stop(m), "flagged", "", marks.check(note), note, "一次性事项"))
    return out


DETECTORS: tuple[Detector, ...] = (
    closing_edits,
    era_edits,
    anniversary_edits,
    recheck_edits,
    year_edits,
    lunar_edits,
    stale_edits,
    figure_edits,
    standing_edits,
    results_edits,
    one_off_edits,
)


def line_edits(text: str, ctx: Context, info: LineInfo) -> list[Edit]:
    """Every edit the detectors propose for one line, in priority order."""
    out: list[Edit] = []
    for detect in DETECTORS:
        out += detect(text, ctx, info)
    return out


def revise_line(text: str, ctx: Context, info: LineInfo) -> tuple[str, list[Edit]]:
    """The line with its edits applied (marked), and the edits applied."""
    return marks.apply_edits(text, line_edits(text, ctx, info))
