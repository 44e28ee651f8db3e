"""Reading plans to score: Markdown, plain text with Chinese numbered headings, .docx, raw text, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from drafter.errors import InputError
from drafter.evaluate.parse import parse_plan, read_source, strip_appendix

MD = """# 阳光幼儿园2024年工会工作计划

2024年，园工会将在园党支部的领导下，团结带领全体教职工开拓进取。

## 一、指导思想

以习近平新时代中国特色社会主义思想为指导，全面贯彻党的二十大精神，坚持全心全意依靠教职工办园的方针。

## 二、主要工作

### （一）加强民主管理

按时召开教职工代表大会，审议园务工作报告，落实园务公开制度。

### （二）关心教职工生活

- 坚持困难教职工帮扶制度，做好生日慰问和住院探望。
- 组织年度健康体检，关注教职工心理健康。

## 三、具体工作安排

3月：召开教代会。9月：庆祝教师节。
"""

TEXT = """阳光幼儿园2024年工会工作计划
2024年，园工会将在园党支部的领导下，团结带领全体教职工开拓进取。
一、指导思想
以习近平新时代中国特色社会主义思想为指导，全面贯彻党的二十大精神。
二、加强民主管理
（一）具体做法
按时召开会议，审议报告。
三、关心教职工生活
坚持困难教职工帮扶制度，做好生日慰问和住院探望。
"""


def _ids(plan):
    return [(s.level, s.section_id) for s in plan.sections if s.level >= 1]


def test_markdown_headings_become_sections(tmp_path):
    path = tmp_path / "plan.md"
    path.write_text(MD, encoding="utf-8")
    plan = parse_plan(path)
    assert plan.fmt == "markdown" and plan.title == "阳光幼儿园2024年工会工作计划"
    assert plan.sections[0].level == 0 and "党支部" in plan.sections[0].body
    assert _ids(plan) == [
        (1, "guiding_ideology"),
        (1, None),
        (2, "democratic_management"),
        (2, "worker_care"),
        (1, "schedule"),
    ]
    care = next(s for s in plan.sections if s.section_id == "worker_care")
    assert "帮扶制度" in care.body and "- " not in care.body  # list markup dropped
    assert care.path == ["二、主要工作", "（二）关心教职工生活"]
    assert "#" not in plan.text and "指导思想" in plan.text


def test_raw_markdown_text_and_draft_like_objects():
    plan = parse_plan(MD)
    assert plan.source == "<text>" and plan.fmt == "markdown"
    assert len([s for s in plan.sections if s.level == 1]) == 3


def test_plain_text_with_chinese_numbered_headings(tmp_path):
    path = tmp_path / "plan.txt"
    path.write_text(TEXT, encoding="gb18030")  # any common Chinese encoding
    plan = parse_plan(path)
    assert plan.fmt == "text" and plan.title.startswith("阳光幼儿园")
    assert (1, "guiding_ideology") in _ids(plan)
    assert (1, "democratic_management") in _ids(plan)
    assert (1, "worker_care") in _ids(plan)
    sub = next(s for s in plan.sections if s.heading.startswith("具体做法"))
    assert sub.level == 2 and sub.section_id == "democratic_management" and not sub.own_label


def test_markdown_without_headings_is_segmented_as_text():
    plan = parse_plan("# 工会工作计划\n\n" + TEXT)
    assert (1, "guiding_ideology") in _ids(plan)


def test_bold_numbered_headings_without_hashes():
    bold = TEXT.replace("一、指导思想", "**一、指导思想**").replace("三、关心教职工生活", "**三、关心教职工生活**")
    plan = parse_plan(bold)
    assert (1, "guiding_ideology") in _ids(plan) and (1, "worker_care") in _ids(plan)
    assert "**" not in plan.text
    assert "联系人：____" in parse_plan(bold + "联系人：____\n").text  # a blank to fill stays a placeholder
    assert "____" in parse_plan(MD + "\n联系人：____\n").text


def test_traditional_script_is_scored_in_simplified():
    import opencc

    trad = opencc.OpenCC("s2t").convert(MD)
    assert trad != MD
    plan = parse_plan(trad)
    assert plan.script == "traditional"
    assert "关心教职工生活" in plan.text
    assert _ids(plan) == _ids(parse_plan(MD))


def test_sources_appendix_is_left_out():
    md = MD + "\n## 附：参考来源\n\n- 一、指导思想：004_6288eb8b2ae7295e#1《2023年医院工会工作计划1》\n"
    plan = parse_plan(md)
    assert plan.appendix_chars > 0 and "参考来源" not in plan.text and "2023年医院" not in plan.text
    # an early 来源 heading is not an appendix
    text, cut = strip_appendix("## 附：参考来源\n" + MD)
    assert cut == 0 and text.startswith("## 附")


def _docx(path: Path, styled: bool) -> Path:
    import docx

    document = docx.Document()
    if styled:
        document.add_heading("阳光幼儿园2024年工会工作计划", level=0)
        document.add_heading("一、指导思想", level=1)
    else:
        document.add_paragraph("阳光幼儿园2024年工会工作计划")
        document.add_paragraph("一、指导思想")
    document.add_paragraph("以习近平新时代中国特色社会主义思想为指导，全面贯彻党的二十大精神，坚持依靠教职工办园。")
    if styled:
        document.add_heading("二、关心教职工生活", level=1)
    else:
        document.add_paragraph("二、关心教职工生活")
    document.add_paragraph("坚持困难教职工帮扶制度，做好生日慰问和住院探望，组织年度健康体检。")
    document.save(str(path))
    return path


@pytest.mark.parametrize("styled", [True, False])
def test_docx_with_and_without_heading_styles(tmp_path, styled):
    plan = parse_plan(_docx(tmp_path / "plan.docx", styled))
    assert plan.title == "阳光幼儿园2024年工会工作计划"
    assert _ids(plan) == [(1, "guiding_ideology"), (1, "worker_care")]
    assert plan.fmt == ("docx" if styled else "text")  # headings from styles, else from the numbered text


def test_string_that_names_a_file_is_read_as_a_file(tmp_path):
    path = tmp_path / "plan.md"
    path.write_text(MD, encoding="utf-8")
    text, fmt, name = read_source(str(path))
    assert name == str(path) and fmt == "markdown" and text == MD


@pytest.mark.parametrize(
    "make,words",
    [
        (lambda d: d / "missing.md", ["file not found", "missing.md"]),
        (lambda d: d, ["is a folder"]),
        (lambda d: (d / "empty.txt").write_text("  \n", encoding="utf-8") and d / "empty.txt", ["empty"]),
        (lambda d: (d / "bin.txt").write_bytes(b"\x00\x01\x02PK\x00" * 50) and d / "bin.txt", ["binary"]),
        (lambda d: (d / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0") and d / "old.doc", [".doc", ".docx"]),
        (lambda d: (d / "bad.docx").write_bytes(b"not a zip") and d / "bad.docx", ["Word document"]),
    ],
)
def test_bad_input_raises_one_line_input_errors(tmp_path, make, words):
    with pytest.raises(InputError) as err:
        parse_plan(make(tmp_path))
    msg = str(err.value)
    assert "\n" not in msg
    for w in words:
        assert w in msg
