"""Chinese numerals have one home (drafter.domain.numerals), used by every stage."""

import pytest

from drafter.domain.numerals import from_chinese, to_chinese


def test_to_chinese_numbers_headings() -> None:
    assert [to_chinese(n) for n in (1, 9, 10, 11, 20, 23, 99, 100, 105, 110, 120)] == [
        "一",
        "九",
        "十",
        "十一",
        "二十",
        "二十三",
        "九十九",
        "一百",
        "一百零五",
        "一百一十",
        "一百二十",
    ]


def test_from_chinese_reads_what_plans_write() -> None:
    cases = {
        "一": 1,
        "九": 9,
        "十": 10,
        "十二": 12,
        "二十": 20,
        "二十三": 23,
        "7": 7,
        "两": 2,
        "二〇二四": 2024,
        "二00五": 2005,
        "二○○五": 2005,
        "一百零五": 105,
    }
    assert {k: from_chinese(k) for k in cases} == cases
    assert from_chinese("") is None
    assert from_chinese("甲") is None


@pytest.mark.parametrize("n", range(0, 1000, 7))
def test_round_trip(n: int) -> None:
    assert from_chinese(to_chinese(n)) == n
