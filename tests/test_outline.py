"""Outlines: sections per unit, headings in the unit's words, the brief's asks, the editable file."""

from __future__ import annotations

import pytest

from drafter.draft.outline import (assign_ask, load_outline, outline_from_yaml, outline_to_yaml, parse_asks,
                                   plan_outline, save_outline)
from drafter.draft.units import list_units
from drafter.errors import InputError, OutputExistsError, UnknownUnitError, YearError


@pytest.mark.parametrize("unit", [u.id for u in list_units()])
def test_every_unit_gets_8_to_11_sections_ending_with_schedule(unit):
    o = plan_outline(unit, 2024)
    ids = [s.id for s in o.sections]
    assert 8 <= len(ids) <= 11, ids
    assert ids[0] == "guiding_ideology" and ids[-1] == "schedule"
    assert not {"achievements", "shortcomings", "next_steps"} & set(ids)
    assert all(s.title and s.goal for s in o.sections)


def test_headings_use_the_units_words():
    k = {s.id: s.title for s in plan_outline("kindergarten", 2024).sections}
    assert k["democratic_management"] == "加强民主管理，推进园务公开"
    assert "师德师风" in k["professional_ethics"] and "教职工之家" in k["union_building"]
    h = {s.id: s.title for s in plan_outline("hospital", 2026).sections}
    assert "院务公开" in h["democratic_management"] and "医德医风" in h["professional_ethics"]
    e = {s.id for s in plan_outline("enterprise", 2019).sections}
    assert "safety_production" in e and "professional_ethics" not in e
    assert "safety_production" not in {s.id for s in plan_outline("kindergarten", 2024).sections}


def test_title_with_and_without_name():
    assert plan_outline("kindergarten", 2024).title == "幼儿园2024年工会工作计划"
    assert plan_outline("kindergarten", 2024, name="阳光幼儿园").title == "阳光幼儿园2024年工会工作计划"


def test_parse_asks():
    assert parse_asks("今年重点：教职工心理健康、筹建职工之家") == ["教职工心理健康", "筹建职工之家"]
    assert parse_asks("加强青年教师培养，开展读书分享活动。") == ["加强青年教师培养", "开展读书分享活动"]
    assert parse_asks("") == []


def test_asks_are_assigned_to_fitting_sections():
    o = plan_outline("kindergarten", 2024, "今年重点：教职工心理健康、筹建职工之家")
    by = {s.id: s.asks for s in o.sections}
    assert by["worker_care"] == ["教职工心理健康"]
    assert by["union_building"] == ["筹建教职工之家"]  # the unit's word
    assert o.brief.asks == ["教职工心理健康", "筹建职工之家"]


def test_an_ask_that_fits_no_section_adds_one_before_the_schedule():
    o = plan_outline("hospital", 2026, "重点：推进智慧工会")
    ids = [s.id for s in o.sections]
    assert ids[-2] == "custom_1" and ids[-1] == "schedule"
    assert o.sections[-2].title == "推进智慧工会" and o.sections[-2].asks == ["推进智慧工会"]
    assert assign_ask("推进智慧工会", ids) is None


def test_outline_errors():
    with pytest.raises(UnknownUnitError):
        plan_outline("zoo", 2024)
    with pytest.raises(YearError):
        plan_outline("kindergarten", 2200)


def test_yaml_roundtrip_and_header(tmp_path):
    o = plan_outline("kindergarten", 2024, "今年重点：教职工心理健康", name="阳光幼儿园")
    text = outline_to_yaml(o)
    assert text.startswith("# drafter 提纲文件") and "园务公开" in text  # readable Chinese, not \u escapes
    back = outline_from_yaml(text)
    assert back.sections == o.sections and back.title == o.title and back.brief.name == "阳光幼儿园"
    path = save_outline(o, tmp_path / "o.yaml")
    assert load_outline(path).sections == o.sections
    with pytest.raises(OutputExistsError):
        save_outline(o, path)


def test_edited_outline_is_followed():
    o = plan_outline("kindergarten", 2024)
    text = outline_to_yaml(o).replace("title: 指导思想", "title: 总体思路")
    assert outline_from_yaml(text).sections[0].title == "总体思路"


@pytest.mark.parametrize("text,line", [
    ("unit: kindergarten\nyear: 2024\nsections:\n  - id: a\n    title: [unclosed\n", 5),
    ("unit: kindergarten\nyear: 2024\nsections:\n  - id: a\n    title: 甲\n  - id: b\n    goal: 没有标题\n", 6),
    ("unit: zoo\nyear: 2024\nsections:\n  - title: 甲\n", 1),
    ("unit: kindergarten\nyear: 1900\nsections:\n  - title: 甲\n", 2),
])
def test_malformed_outline_names_the_line(text, line):
    with pytest.raises(InputError) as err:
        outline_from_yaml(text, "o.yaml")
    msg = str(err.value)
    assert f"o.yaml:{line}" in msg and "\n" not in msg


def test_missing_outline_file(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_outline(tmp_path / "nope.yaml")
