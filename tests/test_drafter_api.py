"""The Drafter API: repeated calls, running event loops, awrite, failures, providers."""

from __future__ import annotations

import asyncio

import pytest

import drafter as pkg
from drafter.draft.base import Writer
from drafter.draft.drafter import Drafter
from drafter.draft.writers import choose_provider, describe
from drafter.errors import ConfigError, InputError, UnknownUnitError, YearError
from drafter.models import Item, SectionDraft


@pytest.fixture(scope="module")
def offline(corpus_index):
    d = Drafter(index=corpus_index, provider="offline")
    yield d
    d.close()


def test_public_names():
    assert pkg.Drafter is Drafter
    assert [u.id for u in pkg.list_units()][0] == "kindergarten"
    assert pkg.plan_outline("kindergarten", 2024).title == "【待填：单位名称】2024年工会工作计划"


def test_write_twice_in_one_process(offline):
    a = offline.write("kindergarten", 2024, name="阳光幼儿园")
    b = offline.write("hospital", 2026)
    assert a.title == "阳光幼儿园2024年工会工作计划" and b.title == "【待填：单位名称】2026年工会工作计划"
    assert a.writer == "offline" and "院务公开" in b.markdown and "园务公开" in a.markdown
    assert all(pid for pids in a.sources.values() for pid, _ in pids)
    assert a._repr_markdown_() == a.markdown


def test_write_inside_a_running_event_loop(offline):
    async def main():
        return offline.write("enterprise", 2019)

    draft = asyncio.run(main())
    assert draft.title == "【待填：单位名称】2019年工会工作计划"


def test_awrite(offline):
    draft = asyncio.run(offline.awrite("community", 2024, brief="今年重点：新就业形态劳动者入会"))
    assert "新就业形态劳动者入会" in draft.markdown


def test_outline_object_and_file(offline, tmp_path):
    o = offline.outline("kindergarten", 2024)
    o.sections = [s for s in o.sections if s.id in ("guiding_ideology", "worker_care", "schedule")]
    o.sections[1].title = "关心教职工身心健康"
    d = offline.write(outline=o)
    assert [s.title for s in d.sections] == ["指导思想", "关心教职工身心健康", "具体活动安排"]
    from drafter.draft.outline_file import save_outline

    path = save_outline(o, tmp_path / "o.yaml")
    assert [s.id for s in offline.write(outline=path).sections] == ["guiding_ideology", "worker_care", "schedule"]


def test_traditional(offline):
    d = offline.write("hospital", 2024, script="traditional")
    assert d.markdown.startswith("# 【待填：單位名稱】2024年工會工作計劃")


def test_user_errors(offline):
    with pytest.raises(UnknownUnitError):
        offline.write("zoo", 2024)
    with pytest.raises(YearError):
        offline.write("kindergarten", 1990)
    with pytest.raises(InputError):
        offline.write()
    with pytest.raises(InputError):
        offline.write("kindergarten", 2024, script="latin")


class FlakyWriter(Writer):
    name = "flaky"

    def write(self, request):
        if request.section.id == "worker_care":
            raise RuntimeError("model timed out\nsecond line")
        return SectionDraft(
            id=request.section.id,
            title=request.section.title,
            intro="按计划推进各项工作。",
            items=[Item(f"{request.section.title}的具体措施。")],
        )


def test_failed_sections_are_named_and_the_rest_kept(corpus_index):
    d = Drafter(index=corpus_index, provider="offline", max_concurrency=2)
    d._writer = FlakyWriter()
    seen = []
    d.progress = lambda done, total, label: seen.append((done, total))
    draft = d.write("kindergarten", 2024)
    assert draft.failed == ["关心教职工生活，竭诚为教职工办实事"]
    assert "竭诚为教职工办实事" not in draft.markdown
    assert "加强民主管理" in draft.markdown
    written = [s for s in draft.sections if s.writer == "flaky" or s.error]  # not 指导思想 or the schedule
    assert seen[-1] == (len(written), len(written)) and len(seen) == len(written)
    assert next(s for s in draft.sections if s.id == "worker_care").error == "model timed out"


def test_provider_choice(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    assert choose_provider("auto") == "offline"
    assert choose_provider("auto", base_url="http://127.0.0.1:9") == "openai"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    assert choose_provider("auto") == "openai"
    assert choose_provider("offline") == "offline"
    with pytest.raises(ConfigError):
        choose_provider("gpt")
    from drafter.draft.offline_writer import OfflineWriter

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    assert describe(OfflineWriter()) == "drafter: writing with the offline composer (no model configured)"
    assert (
        describe(OfflineWriter(), api_key="sk-x") == "drafter: writing with the offline composer (--provider offline)"
    )


# --------------------------------------------------------------------------- the OpenAI-compatible writer, over HTTP


def test_openai_provider_through_a_local_server(corpus_index, fake_openai, tmp_path):
    d = Drafter(
        index=corpus_index,
        provider="openai",
        base_url=fake_openai.base_url,
        api_key="sk-test",
        cache_dir=tmp_path / "cache",
        max_concurrency=3,
    )
    draft = d.write("kindergarten", 2024)
    d.close()
    assert draft.writer == "openai" and not draft.failed
    assert draft.markdown.startswith("# 【待填：单位名称】2024年工会工作计划")
    assert len(fake_openai.requests) == len(draft.sections) - 2  # 指导思想 and the schedule are local
    assert all(r["messages"] for r in fake_openai.requests)
    assert draft.usage["requests"] == len(fake_openai.requests)
    assert any(s.layout == "months" and s.items for s in draft.sections)  # built from the planned items


def test_name_overrides_an_outline(offline):
    o = offline.outline("kindergarten", 2024)
    o.sections = [s for s in o.sections if s.id in ("guiding_ideology", "schedule")]
    d = offline.write(outline=o, name="阳光幼儿园")
    assert d.title == "阳光幼儿园2024年工会工作计划" and d.markdown.startswith("# 阳光幼儿园2024年")


def test_the_callers_outline_is_not_edited(offline):
    o = offline.outline("kindergarten", 2024)
    before = o.to_dict()
    offline.write(outline=o, name="阳光幼儿园")
    assert o.to_dict() == before


def test_conflicting_options_with_an_outline(offline):
    o = offline.outline("kindergarten", 2024)
    with pytest.raises(InputError, match="conflicts with the outline's unit"):
        offline.write(unit="hospital", outline=o)
    with pytest.raises(InputError, match="conflicts with the outline's year"):
        offline.write(year=2025, outline=o)
    with pytest.raises(InputError, match="already holds the brief"):
        offline.write(brief="今年重点：教职工心理健康", outline=o)
    assert offline.write(unit="幼儿园", year=2024, outline=o).title == o.title  # agreeing options are fine
    o.title = "阳光幼儿园工会二〇二四年工作要点"
    with pytest.raises(InputError, match="edited title"):
        offline.write(outline=o, name="月亮幼儿园")


def test_name_replacing_an_outlines_name_is_said(corpus_index):
    said = []
    d = Drafter(index=corpus_index, provider="offline", warn=said.append)
    o = d.outline("kindergarten", 2024, name="阳光幼儿园")
    draft = d.write(outline=o, name="月亮幼儿园")
    assert draft.title == "月亮幼儿园2024年工会工作计划" and any("replaces" in x for x in said)


def test_facts_fill_the_plan_and_the_rest_is_listed(offline):
    d = offline.write("kindergarten", 2024, name="阳光幼儿园", facts={"落款日期": "2024年1月8日"})
    assert d.markdown.rstrip().endswith("2024年1月8日") and "落款日期" not in d.unfilled
    with pytest.raises(InputError, match="unknown fact"):
        offline.write("kindergarten", 2024, facts={"女工人数": 3})
    with pytest.raises(InputError, match="must be a number"):
        offline.write("kindergarten", 2024, facts={"女职工人数": "很多"})
