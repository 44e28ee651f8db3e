"""Era framing by year and the dated calendar of the schedule."""

from __future__ import annotations

import datetime as dt

import pytest

from drafter.domain.calendar import lunar_to_solar, schedule_for
from drafter.domain.era import era_for, stale_regex, stale_terms
from drafter.domain.units import load_profile
from drafter.errors import YearError


@pytest.mark.parametrize(
    "year,party,union,plan",
    [
        (2005, "党的十六大", "中国工会十四大", "十五"),
        (2016, "党的十八大", "中国工会十六大", "十三五"),
        (2019, "党的十九大", "中国工会十七大", "十三五"),
        (2024, "党的二十大", "中国工会十八大", "十四五"),
        (2026, "党的二十大", "中国工会十八大", "十五五"),
    ],
)
def test_era_for_known_years(year, party, union, plan):
    e = era_for(year)
    assert (e.party_congress, e.union_congress, e.five_year_plan) == (party, union, plan)


def test_guide_by_period():
    assert era_for(2024).guide == "习近平新时代中国特色社会主义思想"
    assert "三个代表" in era_for(2005).guide
    assert "二十大" in era_for(2024).party_spirit


def test_years_beyond_the_table_name_no_congress():
    e = era_for(2040)
    assert e.beyond_table and e.party_congress is None and e.union_congress is None and e.five_year_plan is None
    sentence = e.guiding_sentence(load_profile("hospital"))
    assert "大精神" not in sentence and "习近平新时代中国特色社会主义思想" in sentence


@pytest.mark.parametrize("year", [1999, 2101, "abc"])
def test_year_out_of_range(year):
    with pytest.raises(YearError):
        era_for(year)


def test_stale_terms_2024():
    terms = stale_terms(2024)
    for t in ("三个代表", "科学发展观", "十三五", "十九大", "党的十八大", "十六大", "十四大"):
        assert t in terms, t
    assert "十四五" not in terms and "二十大" not in terms
    rx = stale_regex(2024)
    assert rx.search("认真落实党的十八大精神") and rx.search("“十三五”规划")
    assert not rx.search("认真落实中国工会十八大精神") and not rx.search("党的二十大精神")


def test_stale_terms_2019_keep_the_current_union_congress():
    rx = stale_regex(2019)
    assert not rx.search("中国工会十七大精神")
    assert rx.search("党的十七大精神")
    assert rx.search("党的二十大")  # not yet held in 2019


def test_guiding_sentence_2024():
    s = era_for(2024).guiding_sentence(load_profile("kindergarten"))
    assert "党的二十大" in s and "中国工会十八大" in s and "园党支部" in s and "教职工" in s


def test_lunar_dates():
    assert lunar_to_solar(2024, 1, 1) == dt.date(2024, 2, 10)
    assert lunar_to_solar(2024, 9, 9) == dt.date(2024, 10, 11)


def _lines(unit, year):
    return {m: "；".join(e.line() for e in evs) for m, evs in schedule_for(unit, year)}


def test_schedule_kindergarten_2024():
    s = _lines("kindergarten", 2024)
    assert "春节（2月10日）" in s[1]
    assert "教职工代表大会" in s[3] and "3月8日" in s[3]
    assert "六一" in s[6] and "教师节" in s[9] and "10月11日" in s[10]  # 重阳 2024
    assert "103周年" in s[7]
    text = "".join(s.values())
    assert "护士节" not in text and "安康杯" not in text and "医师节" not in text


def test_schedule_hospital_and_enterprise():
    h = _lines("hospital", 2026)
    assert "护士节" in h[5] and "医师节" in h[8] and "职工代表大会" in h[3]
    assert "教师节" not in "".join(h.values())
    e = _lines("enterprise", 2019)
    assert "安全生产月" in e[6]
    assert [m for m, _ in schedule_for("enterprise", 2019)] == sorted(m for m, _ in schedule_for("enterprise", 2019))


@pytest.mark.parametrize(
    "text, months",
    [
        ("9月组织全体教职工秋季登山活动", [9]),
        ("于3月、9月各开展一次健康讲座", [3, 9]),
        ("7—8月开展夏季送清凉", [7, 8]),
        ("十月举办教职工运动会", [10]),
        ("6至7月组织疗休养", [6, 7]),
        ("每3个月检查一次台账", []),
        ("全年走访困难教职工不少于4户次", []),
    ],
)
def test_months_a_sentence_names(text, months):
    from drafter.domain.calendar import months_in

    assert months_in(text) == months


def test_a_hand_written_item_is_dated_by_its_text():
    from drafter.draft.document import date_from_text
    from drafter.models import Item

    it = date_from_text(Item(text="9月上旬组织全体教职工秋季登山活动，工会委员分组负责。"))
    assert it.months == [9] and it.schedule == "组织全体教职工秋季登山活动"
    kept = date_from_text(Item(text="3月开展活动", months=[4], schedule="原有"))
    assert kept.months == [4] and kept.schedule == "原有"
    assert date_from_text(Item(text="全年开展读书活动")).months == []
