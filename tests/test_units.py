"""Unit drafting profiles: loading, aliases, unknown units, the word map and forbidden words."""

from __future__ import annotations

import pytest

from drafter.domain.units import foreign_names, list_units, load_profile
from drafter.errors import UnknownUnitError

DRAFTING = [
    "kindergarten",
    "primary_school",
    "middle_school",
    "university",
    "hospital",
    "enterprise",
    "government",
    "community",
]


def test_list_units_has_every_drafting_unit_with_its_words():
    units = list_units()
    assert [u.id for u in units] == DRAFTING
    for u in units:
        assert u.staff and u.congress and u.openness and u.ethics and u.union and u.leader
        assert u.nearest, u.id
        assert u.forbidden, u.id


@pytest.mark.parametrize(
    "name,unit",
    [
        ("幼儿园", "kindergarten"),
        ("医院", "hospital"),
        ("公司", "enterprise"),
        ("Hospital", "hospital"),
        ("街道", "community"),
    ],
)
def test_aliases_resolve(name, unit):
    assert load_profile(name).id == unit


def test_unknown_unit_lists_known_ones():
    with pytest.raises(UnknownUnitError) as err:
        load_profile("zoo")
    msg = str(err.value)
    assert "zoo" in msg and "kindergarten" in msg and "hospital" in msg and "\n" not in msg


def test_school_is_not_a_drafting_unit():
    with pytest.raises(UnknownUnitError):
        load_profile("school")


def test_kindergarten_words():
    p = load_profile("kindergarten")
    assert (p.staff, p.congress, p.openness, p.ethics, p.we) == ("教职工", "教代会", "园务公开", "师德师风", "我园")
    assert "primary_school" in p.nearest[:2]


def test_word_map_is_one_pass_longest_first():
    p = load_profile("kindergarten")
    out = p.adapt("我校召开职工代表大会，推进校务公开，关心教职工和职工，加强学生教学和教育教学")
    assert out == "我园召开教职工代表大会，推进园务公开，关心教职工和教职工，加强幼儿保教和保育教育"
    h = load_profile("hospital")
    assert h.adapt("坚持教代会制度，推进校务公开，加强师德师风建设") == "坚持职代会制度，推进院务公开，加强医德医风建设"


def test_forbidden_words_and_foreign_names():
    k = load_profile("kindergarten")
    assert "患者" in k.forbidden_in("关心患者")
    assert "首钢" in k.forbidden_in("首钢工会")
    assert k.forbidden_in("关心教职工生活") == []
    assert "骆驼街道" in foreign_names()
    # the hospital may speak of 患者 and 医院; the enterprise of 安康杯
    assert load_profile("hospital").forbidden_in("服务患者") == []
    assert load_profile("enterprise").forbidden_in("深化安康杯竞赛") == []


def test_fill_uses_unit_words():
    assert load_profile("hospital").fill("推进{openness}，关心{staff}") == "推进院务公开，关心职工"
