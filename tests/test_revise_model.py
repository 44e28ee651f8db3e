"""The model writer's pass of `drafter revise`, over real HTTP to the local fake OpenAI server."""

from __future__ import annotations

from pathlib import Path

import pytest

from drafter.draft.drafter import Drafter
from drafter.draft.prompting import load_template
from drafter.errors import ModelError
from drafter.revision import marks

pytestmark = pytest.mark.server

DATA = Path(__file__).parent / "data" / "revise"
SMALL = """阳光幼儿园2024年工会工作计划
一、指导思想
坚持以习近平新时代中国特色社会主义思想为指导，全面贯彻党的二十大和二十届二中全会精神。
二、关心教职工生活
1、春节前走访慰问困难教职工。
2、组织全园86名教职工健康体检。
"""


def drafter_for(server, tmp_path, **kw) -> Drafter:
    return Drafter(provider="openai", base_url=server.base_url, api_key="sk-test-key", cache_dir=tmp_path, **kw)


def user_prompts(server) -> list[str]:
    return [next(m["content"] for m in r["messages"] if m["role"] == "user") for r in server.requests]


def test_last_years_section_the_asks_and_the_facts_reach_the_prompt(fake_openai, tmp_path):
    d = drafter_for(fake_openai, tmp_path)
    r = d.revise(DATA / "hospital_2023_gb18030.txt", 2025, brief="今年重点：职工心理健康", facts={"工会主席": "张敏"})
    assert r.writer == "openai" and r.usage["requests"] == len(fake_openai.requests) >= 5
    prompts = user_prompts(fake_openai)
    assert all(r["messages"][0]["content"] == load_template("system").render({}) for r in fake_openai.requests)
    care = next(p for p in prompts if "本部分标题：关心关爱职工" in p)
    assert "<上年原文>\n1、春节（1月22日）前开展“送温暖”活动" in care  # last year's section, as written
    assert "新建职工之家健身房6月底前投入使用" in care
    assert "本单位的已知情况：工会主席：张敏" in care  # the facts
    assert "今年需要落实的重点：职工心理健康" in care and "本部分须落实的今年重点：职工心理健康" in care  # the asks
    assert "## 今年必须补充的工作" in care and "心理" in care.split("## 今年必须补充的工作")[1]
    assert "待核：新建职工之家健身房" in care  # what the offline pass found
    assert "上年计划年份：2023年；本次修订为：2025年" in care and "单位：市第一人民医院" in care
    assert "2025年是“十四五”规划收官之年" in care
    # 指导思想 and the schedule are the offline pass's, never a prompt's
    assert not any("本部分标题：指导思想" in p or "本部分标题：具体活动安排" in p for p in prompts)
    # the fake model drops last year's items: each is put back, flagged, never lost
    assert "春节（1月29日）前开展“送温暖”活动" in r.markdown
    assert "模型改写时没有保留这一条" in r.markdown


def test_a_faithful_answer_is_used_and_goes_through_the_document_pass(fake_openai, tmp_path):
    fake_openai.enqueue(
        "工会将用心用情服务教职工。\n"
        "1. 春节前走访慰问困难教职工，送去节日祝福。\n"
        "2. 组织全园86名教职工健康体检。\n"
        "3. 上半年举办1次教职工心理健康讲座，联系专业机构提供咨询服务。\n"
    )
    r = drafter_for(fake_openai, tmp_path).revise(SMALL, 2025, brief="今年重点：教职工心理健康")
    assert len(fake_openai.requests) == 1
    plan = r.markdown
    assert "工会将用心用情服务教职工。" in plan and "送去节日祝福" in plan
    assert "组织全园【待核：原为86名】教职工健康体检" in plan  # a bare figure the model kept is flagged
    assert "模型改写时没有保留" not in plan  # the answer kept last year's items
    marked = r.marked_markdown
    assert "3、【新增】上半年举办1次教职工心理健康讲座" in marked  # numbered as last year's items were
    assert "1、春节前走访慰问困难教职工，送去节日祝福。" in marked  # last year's item, reworded, not new
    kinds = {(c.kind, c.reason) for c in r.changes if c.section.endswith("关心教职工生活")}
    assert ("updated", "依据上年原文改写，保留原有工作") in kinds
    assert any(k == "added" for k, _ in kinds)


def test_a_failing_section_keeps_the_offline_revision(fake_openai, tmp_path):
    fake_openai.status = 500
    r = drafter_for(fake_openai, tmp_path, max_retries=0).revise(SMALL, 2025)
    assert "2、组织全园【待核：原为86名】教职工健康体检。" in r.markdown
    assert any("模型改写失败" in c.what for c in r.changes if c.kind == "note")


def test_a_server_that_rejects_the_key_stops_the_run(fake_openai, tmp_path):
    fake_openai.status = 401
    with pytest.raises(ModelError):
        drafter_for(fake_openai, tmp_path).revise(SMALL, 2025)


def test_the_offline_provider_sends_nothing(fake_openai, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    r = Drafter(provider="offline").revise(SMALL, 2025)
    assert r.writer == "offline" and fake_openai.requests == []
    assert marks.strip_flags(r.markdown).count("2025年") >= 1


def test_the_template_takes_exactly_the_variables_the_revision_fills_in():
    from drafter.resources import prompts_dir
    from drafter.revision.model import TEMPLATE, units, variables
    from drafter.revision.revision import prepare

    rev = prepare(DATA / "kindergarten_2024.md", 2025, brief="今年重点：教职工心理健康")
    i = units(rev.doc)[0]
    values = variables(rev, i, rev.additions[:1], rev.changes)
    tpl = load_template(TEMPLATE)
    assert tpl.variables == set(values)
    readme = (prompts_dir() / "README.md").read_text(encoding="utf-8")
    assert f"`{TEMPLATE}.md`" in readme
    for var in tpl.variables:
        assert "{" + var + "}" in readme, f"prompts/README.md does not document {{{var}}} of {TEMPLATE}.md"
    assert "本部分标题：" in tpl.render(values)
