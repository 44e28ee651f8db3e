"""Assembling a draft: Markdown and plain text, the 落款, saving by suffix, Word export in 公文 layout, scripts."""

from __future__ import annotations

import os
import re

import pytest

from drafter.domain.request import build_request
from drafter.domain.script import to_traditional
from drafter.draft.assemble import preamble, render
from drafter.draft.document import closing
from drafter.draft.draft import Draft
from drafter.draft.outline import outline_for
from drafter.errors import InputError, OutputExistsError
from drafter.models import Item, SectionDraft, SubSection


def items(*texts: str) -> list[Item]:
    return [Item(text=t) for t in texts]


def make_draft(script: str = "simplified", facts: dict | None = None) -> Draft:
    req = build_request(
        "kindergarten", 2024, brief="今年重点：教职工心理健康", name="阳光幼儿园", script=script, facts=facts
    )
    o = outline_for(req)
    sections = [
        SectionDraft(
            id="guiding_ideology",
            title="指导思想",
            intro="坚持以习近平新时代中国特色社会主义思想为指导。",
            layout="prose",
        ),
        SectionDraft(
            id="worker_care",
            title="关心教职工生活",
            intro="把温暖送到教职工心坎上。",
            items=[Item("做好送温暖工作。", origin="corpus:004_x#1"), Item("组织健康体检。")],
            sources=["004_x#1"],
        ),
        SectionDraft(
            id="union_building",
            title="加强工会自身建设",
            intro="建设教职工之家。",
            subsections=[
                SubSection("组织建设", items("健全工会小组。")),
                SubSection("经费管理", items("规范经费使用。")),
            ],
        ),
        SectionDraft(id="women_workers", title="女教职工工作", error="model timed out"),
        SectionDraft(
            id="schedule",
            title="具体工作安排",
            items=items("1月：开展元旦迎新活动。", "3月：召开教职工代表大会。"),
            layout="months",
        ),
    ]
    return Draft(
        request=req,
        outline=o,
        title=o.title,
        sections=sections,
        writer="offline",
        failed=["女教职工工作"],
        preamble=preamble(req),
        closing=closing(req),
        plan_titles={"004_x#1": "医院工会工作计划"},
    )


def test_markdown_structure():
    md = make_draft().markdown
    lines = md.splitlines()
    assert lines[0] == "# 阳光幼儿园2024年工会工作计划"
    assert sum(1 for x in lines if x.startswith("# ")) == 1
    h2 = [x for x in lines if x.startswith("## ")]
    assert [h.split("、")[0] for h in h2] == ["## 一", "## 二", "## 三", "## 四"]  # the failed section is left out
    assert "### （一）组织建设" in lines and "### （二）经费管理" in lines
    assert "1. 做好送温暖工作。" in lines and "2. 组织健康体检。" in lines
    assert "1月：开展元旦迎新活动。" in lines  # schedule as month lines
    assert "2024年是实施“十四五”规划的关键之年" in md and "教职工心理健康" in md
    assert "女教职工工作" not in md
    # provenance is not part of the plan; the 落款 ends it
    assert "附" not in "".join(h2) and "004_x" not in md and "医院" not in md
    assert lines[-2:] == ["阳光幼儿园工会委员会", "【待填：落款日期】"]


def test_the_closing_takes_the_facts():
    d = make_draft(facts={"工会名称": "阳光幼儿园工会委员会", "落款日期": "2024年1月8日"})
    assert d.markdown.splitlines()[-2:] == ["阳光幼儿园工会委员会", "2024年1月8日"]
    assert "落款日期" not in d.unfilled


def test_unfilled_facts_are_listed():
    assert make_draft().unfilled == ["落款日期"]


def test_plain_text_has_no_markup():
    txt = make_draft().text("txt")
    assert "#" not in txt and txt.startswith("阳光幼儿园2024年工会工作计划\n")
    assert "一、" in txt and "（一）组织建设" in txt and "1．做好送温暖工作。" in txt


def test_sources_are_a_separate_note():
    note = make_draft().sources_markdown
    assert "corpus:004_x#1" in note and "做好送温暖工作" in note


def test_title_without_name_is_never_a_placeholder():
    req = build_request("hospital", 2026)
    o = outline_for(req)
    d = Draft(request=req, outline=o, title=o.title, sections=[], closing=closing(req))
    assert d.markdown.startswith("# 【待填：单位名称】2026年工会工作计划\n")
    assert not re.search(r"xx|XX|某某", d.markdown)
    assert d.markdown.splitlines()[-2] == "【待填：工会名称】"


def test_save_atomic_by_suffix_and_refuses_overwrite(tmp_path):
    d = make_draft()
    p = d.save(tmp_path / "plan.md")
    assert p.read_text(encoding="utf-8") == d.markdown
    with pytest.raises(OutputExistsError):
        d.save(p)
    p.write_text("old", encoding="utf-8")
    d.save(p, force=True)
    assert p.read_text(encoding="utf-8") == d.markdown
    assert [x.name for x in tmp_path.iterdir()] == ["plan.md"]  # no temporary files left behind
    assert d.save(tmp_path / "plan.txt").read_text(encoding="utf-8") == d.text("txt")
    with pytest.raises(InputError):
        d.save(tmp_path / "plan.pdf")
    with pytest.raises(InputError, match="does not match"):
        d.save(tmp_path / "plan2.md", fmt="docx")


def test_saved_files_follow_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        md = make_draft().save(tmp_path / "plan.md")
        docx = make_draft().save(tmp_path / "plan.docx")
    finally:
        os.umask(old)
    assert md.stat().st_mode & 0o777 == 0o644 and docx.stat().st_mode & 0o777 == 0o644


def test_save_expands_the_home_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert make_draft().save("~/plan.md") == tmp_path / "plan.md"


def test_docx_opens_with_title_and_official_styling(tmp_path):
    import docx
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    path = make_draft().save(tmp_path / "plan.docx")
    doc = docx.Document(str(path))
    paras = [p for p in doc.paragraphs if p.text.strip()]
    assert paras[0].text == "阳光幼儿园2024年工会工作计划"
    title_run = paras[0].runs[0]
    assert title_run.font.size == Pt(22) and not title_run.font.bold  # 小标宋 is heavy already (GB/T 9704)
    assert title_run._element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "方正小标宋简体"
    h1 = next(p for p in paras if p.text.startswith("一、"))
    assert h1.runs[0]._element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "黑体"
    h2 = next(p for p in paras if p.text.startswith("（一）"))
    assert h2.runs[0]._element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "楷体_GB2312"
    body = next(p for p in paras if p.text.startswith("1．"))
    assert body.runs[0]._element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert body.paragraph_format.line_spacing == Pt(28) and body.paragraph_format.first_line_indent == Pt(32)
    s = doc.sections[0]
    assert abs(s.top_margin - Cm(3.7)) < Cm(0.01) and abs(s.left_margin - Cm(2.8)) < Cm(0.01)
    assert abs(s.page_width - Cm(21)) < Cm(0.01)
    assert "PAGE" in s.footer._element.xml


def test_traditional_script():
    d = make_draft(script="traditional")
    md = d.markdown
    assert md.startswith("# 陽光幼兒園2024年工會工作計劃")
    assert "関" not in md and "關心教職工生活" in md
    assert to_traditional("工会") == "工會"


def test_to_dict_is_json_ready():
    import json

    data = make_draft().to_dict()
    json.dumps(data, ensure_ascii=False)
    assert data["failed"] == ["女教职工工作"] and data["sources"]["worker_care"][0][0] == "004_x#1"
    assert data["unfilled"] == ["落款日期"] and data["unit"] == "kindergarten" and data["closing"]


def test_render_is_pure():
    d = make_draft()
    assert render(d) == render(d)


def test_traditional_output_uses_customary_forms():

    out = to_traditional("为教职工办实事，着力提升，里面")
    assert out == "為教職工辦實事，著力提升，裡面"


def _east_asia(el):
    from docx.oxml.ns import qn

    return el.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia"))


def test_docx_official_document_structure(tmp_path):
    """What a reader sees in Word: styles, faces, sizes, alignment, language, footer, appendix."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = docx.Document(str(make_draft().save(tmp_path / "plan.docx")))
    paras = [p for p in doc.paragraphs if p.text.strip()]
    title = paras[0]
    assert title.style.name == "Title" and title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    # restyled built-ins: no theme colour or border of the python-docx template
    assert "w:color" not in title.style.element.xml and "w:pBdr" not in title.style.element.xml
    h1 = [p for p in paras if p.style.name == "Heading 1"]
    assert [p.text.split("、")[0] for p in h1[:4]] == ["一", "二", "三", "四"]
    for p in h1:
        assert p.runs[0].font.size == Pt(16) and not p.runs[0].font.bold
        assert p.paragraph_format.keep_with_next
    assert _east_asia(h1[0].runs[0]._element) == "黑体"
    assert h1[0].paragraph_format.first_line_indent == Pt(32)
    h2 = [p for p in paras if p.style.name == "Heading 2"]
    assert [p.text for p in h2] == ["（一）组织建设", "（二）经费管理"]
    assert _east_asia(h2[0].runs[0]._element) == "楷体_GB2312"
    items = [p.text for p in paras if re.match(r"^\d+．", p.text)]
    assert items[:2] == ["1．做好送温暖工作。", "2．组织健康体检。"]
    # the Chinese faces also sit on the style defaults, in a Chinese-language document
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    assert defaults.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert defaults.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"
    # schedule month lines: the month label bold, the rest plain body text
    month = next(p for p in paras if p.text.startswith("1月："))
    assert month.runs[0].text == "1月：" and month.runs[0].font.bold and not month.runs[1].font.bold
    assert _east_asia(month.runs[1]._element) == "仿宋_GB2312" and month.runs[1].font.size == Pt(16)
    # no sources appendix; the 落款 closes the document, right-aligned
    assert not any(p.text.startswith("附") for p in paras)
    assert [p.text for p in paras[-2:]] == ["阳光幼儿园工会委员会", "【待填：落款日期】"]
    assert all(p.alignment == WD_ALIGN_PARAGRAPH.RIGHT for p in paras[-2:])
    # no empty paragraphs (blank lines, blank pages)
    assert all(p.text.strip() for p in doc.paragraphs)
    # footer: centred — PAGE — field
    footer = doc.sections[0].footer.paragraphs[0]
    assert footer.alignment == WD_ALIGN_PARAGRAPH.CENTER
    xml = footer._element.xml
    assert "PAGE" in xml and xml.count("w:fldChar ") == 3 and footer.text.startswith("— ")
    # file properties are the plan's, not python-docx's template
    assert doc.core_properties.title == "阳光幼儿园2024年工会工作计划"
    assert doc.core_properties.author == "" and "python-docx" not in (doc.core_properties.comments or "")


def test_docx_traditional_script(tmp_path):
    import docx
    from docx.oxml.ns import qn

    doc = docx.Document(str(make_draft(script="traditional").save(tmp_path / "plan.docx")))
    paras = [p for p in doc.paragraphs if p.text.strip()]
    assert paras[0].text == "陽光幼兒園2024年工會工作計劃"
    assert any(p.text == "七、關心教職工生活" or "關心教職工生活" in p.text for p in paras)
    # the *_GB2312 and 简体 faces have no traditional characters: GBK faces instead
    assert _east_asia(paras[0].runs[0]._element) == "宋体"
    body = next(p for p in paras if re.match(r"^1\.\S", p.text))  # "．" sits centred in Taiwan faces
    assert _east_asia(body.runs[0]._element) == "仿宋"
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    assert defaults.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-TW"


def test_docx_detects_traditional_markdown():
    from drafter.draft.export import build_docx

    doc = build_docx(make_draft(script="traditional").markdown)
    assert _east_asia(doc.paragraphs[0].runs[0]._element) == "宋体"
