"""Outlines: sections per unit, headings in the unit's words, the brief's asks routed, the editable file."""

from __future__ import annotations

import os

import pytest

from drafter.domain.brief import parse_asks
from drafter.domain.request import build_request
from drafter.domain.sections import assign_ask
from drafter.domain.units import list_units
from drafter.draft.outline import outline_for, plan_outline
from drafter.draft.outline_file import load_outline, outline_from_yaml, outline_to_yaml, save_outline
from drafter.errors import InputError, OutputExistsError, UnknownUnitError, YearError


@pytest.mark.parametrize("unit", [u.id for u in list_units()])
def test_every_unit_gets_its_sections_from_guiding_thought_to_schedule(unit):
    o = plan_outline(unit, 2024)
    ids = [s.id for s in o.sections]
    assert 10 <= len(ids) <= 14, ids
    assert ids[0] == "guiding_ideology" and ids[1] == "goals" and ids[-1] == "schedule"
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


def test_a_government_outline_has_no_labour_relations_and_no_staff_congress():
    o = plan_outline("government", 2025)
    text = " ".join(f"{s.title} {s.goal}" for s in o.sections)
    for word in ("劳动关系", "劳动合同", "职代会", "职工代表大会", "厂务公开", "集体合同"):
        assert word not in text, word
    assert "会员代表大会" in text


def test_a_community_outline_speaks_of_its_members_and_new_forms_of_employment():
    o = plan_outline("community", 2024)
    text = " ".join(f"{s.title} {s.goal}" for s in o.sections)
    assert "新就业形态劳动者" in text and "会员代表大会" in text and "职工大会" not in text


def test_title_with_and_without_name():
    assert plan_outline("kindergarten", 2024).title == "【待填：单位名称】2024年工会工作计划"
    assert plan_outline("kindergarten", 2024, name="阳光幼儿园").title == "阳光幼儿园2024年工会工作计划"


def test_parse_asks():
    assert parse_asks("今年重点：教职工心理健康、筹建职工之家") == ["教职工心理健康", "筹建职工之家"]
    assert parse_asks("加强青年教师培养，开展读书分享活动。") == ["加强青年教师培养", "开展读书分享活动"]
    assert parse_asks("") == []


def test_too_many_asks_or_too_long_a_brief_is_a_clear_error():
    with pytest.raises(InputError, match="at most 12"):
        plan_outline("kindergarten", 2024, "今年重点：" + "、".join(f"第{i}项重点工作" for i in range(90)))
    with pytest.raises(InputError, match="characters"):
        plan_outline("kindergarten", 2024, "教职工心理健康。" * 2000)


def test_markup_in_a_brief_is_text():
    o = plan_outline("kindergarten", 2024, "# 今年重点：<b>教职工心理健康</b>\n## 筹建职工之家")
    assert o.brief.text == "今年重点：教职工心理健康\n筹建职工之家"
    assert "<b>" not in str(o.to_dict()) and "#" not in o.brief.text


def test_asks_are_routed_to_the_sections_they_touch():
    o = plan_outline("kindergarten", 2024, "今年重点：教职工心理健康、筹建职工之家")
    by = {s.id: s.asks for s in o.sections}
    assert "教职工心理健康" in by["worker_care"]
    assert "筹建教职工之家" in by["union_building"]  # the unit's own word
    assert o.brief.asks == ["教职工心理健康", "筹建职工之家"]


def test_an_ask_that_fits_no_section_adds_one_before_safeguards_and_schedule():
    o = plan_outline("hospital", 2026, "重点：推进垃圾分类")
    ids = [s.id for s in o.sections]
    assert ids[-3:] == ["custom_1", "safeguards", "schedule"], ids
    assert o.sections[-3].title == "推进垃圾分类" and o.sections[-3].asks == ["推进垃圾分类"]
    assert assign_ask("推进垃圾分类", ids) is None


def test_outline_errors():
    with pytest.raises(UnknownUnitError):
        plan_outline("zoo", 2024)
    with pytest.raises(YearError):
        plan_outline("kindergarten", 2200)
    with pytest.raises(YearError):
        plan_outline("kindergarten", 2100)  # the lunar calendar ends with 2099


def test_outline_for_a_resolved_request_is_the_same():
    req = build_request("幼儿园", 2024, brief="今年重点：教职工心理健康", name="阳光幼儿园")
    assert outline_for(req) == plan_outline("kindergarten", 2024, "今年重点：教职工心理健康", "阳光幼儿园")


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


def test_saved_outline_follows_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        path = save_outline(plan_outline("kindergarten", 2024), tmp_path / "o.yaml")
    finally:
        os.umask(old)
    assert oct(path.stat().st_mode & 0o777) == oct(0o644)


def test_tilde_in_an_outline_path_is_the_home_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    path = save_outline(plan_outline("kindergarten", 2024), "~/o.yaml")
    assert path == tmp_path / "o.yaml" and load_outline("~/o.yaml").unit == "kindergarten"


def test_edited_outline_is_followed():
    o = plan_outline("kindergarten", 2024)
    text = outline_to_yaml(o).replace("title: 指导思想", "title: 总体思路")
    assert outline_from_yaml(text).sections[0].title == "总体思路"


def test_an_unknown_section_id_names_the_closest_known_one():
    text = outline_to_yaml(plan_outline("kindergarten", 2024)).replace("id: worker_care", "id: wroker_care")
    with pytest.raises(InputError) as err:
        outline_from_yaml(text, "o.yaml")
    msg = str(err.value)
    assert "wroker_care" in msg and "did you mean 'worker_care'" in msg and "custom_" in msg and "\n" not in msg
    line = next(i for i, x in enumerate(text.splitlines(), 1) if "wroker_care" in x)
    assert f"o.yaml:{line}" in msg


def test_yaml_aliases_are_refused():
    bomb = "unit: kindergarten\nyear: 2024\na: &a [x, x, x, x]\nb: &b [*a, *a, *a, *a]\nc: [*b, *b, *b, *b]\nsections: [甲]\n"
    with pytest.raises(InputError, match="aliases"):
        outline_from_yaml(bomb, "o.yaml")


@pytest.mark.parametrize(
    "text,line",
    [
        ("unit: kindergarten\nyear: 2024\nsections:\n  - id: custom_a\n    title: [unclosed\n", 5),
        (
            "unit: kindergarten\nyear: 2024\nsections:\n  - id: custom_a\n    title: 甲\n  - id: custom_b\n    goal: 没有标题\n",
            6,
        ),
        ("unit: zoo\nyear: 2024\nsections:\n  - title: 甲\n", 1),
        ("unit: kindergarten\nyear: 1900\nsections:\n  - title: 甲\n", 2),
    ],
)
def test_malformed_outline_names_the_line(text, line):
    with pytest.raises(InputError) as err:
        outline_from_yaml(text, "o.yaml")
    msg = str(err.value)
    assert f"o.yaml:{line}" in msg and "\n" not in msg


def test_missing_outline_file_and_a_folder(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_outline(tmp_path / "nope.yaml")
    with pytest.raises(InputError, match="folder"):
        load_outline(tmp_path)
