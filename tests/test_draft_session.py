"""The library hooks an interactive page builds on: streaming sections, redrafting one, the chair's own text,
and a draft saved as JSON and read back."""

from __future__ import annotations

import asyncio
import json

import pytest

from drafter.draft.draft import Draft
from drafter.draft.drafter import Drafter, DraftEvent
from drafter.errors import InputError


@pytest.fixture(scope="module")
def offline(corpus_index):
    d = Drafter(index=corpus_index, provider="offline")
    yield d
    d.close()


@pytest.fixture(scope="module")
def kindergarten(offline):
    return offline.write("kindergarten", 2025, name="阳光幼儿园", brief="今年重点：教职工心理健康")


def _collect(offline, unit, year, brief=""):
    async def run() -> list[DraftEvent]:
        req, outline = offline.request(unit, year, brief=brief)
        return [ev async for ev in offline.stream(req, outline)]

    return asyncio.run(run())


def test_stream_yields_each_written_section_then_the_draft(offline):
    events = _collect(offline, "hospital", 2026)
    kinds = [e.kind for e in events]
    assert kinds[-1] == "done" and kinds.count("done") == 1 and set(kinds[:-1]) == {"section"}
    done = events[-1].draft
    assert done is not None
    streamed = {e.section.id for e in events[:-1] if e.section}
    written = {s.id for s in done.sections if s.layout == "items"}
    assert streamed == written  # the guiding prose and the schedule are the document pass's, not streamed
    assert done.markdown == offline.write("hospital", 2026).markdown  # streaming changes nothing


def test_stream_reports_a_failed_section_and_raises_when_nothing_was_written(corpus_index):
    from drafter.draft.base import Writer
    from drafter.draft.offline_writer import OfflineWriter
    from drafter.errors import ModelError

    class Flaky(OfflineWriter):
        name = "flaky"

        def write(self, request):
            if request.section.id == "worker_care":
                raise RuntimeError("boom")
            return super().write(request)

    d = Drafter(index=corpus_index, provider="offline")
    d._writer = Flaky()
    events = _collect(d, "kindergarten", 2024)
    failed = [e.section for e in events if e.kind == "section" and e.section and e.section.error]
    assert [s.id for s in failed] == ["worker_care"] and failed[0].error == "boom"
    final = events[-1].draft
    assert final is not None and final.failed == [failed[0].title]

    class Broken(Writer):
        name = "broken"

    d._writer = Broken()
    with pytest.raises(ModelError, match="every section failed: NotImplementedError"):
        _collect(d, "kindergarten", 2024)


def test_edit_section_keeps_the_chairs_text_and_rebuilds_the_schedule(offline, kindergarten):
    care = next(s for s in kindergarten.sections if s.id == "worker_care")
    text = "关心教职工身心健康。\n\n1. 9月组织全体教职工秋季登山活动，工会委员分组负责。\n2. 全年走访困难教职工不少于4户次。"
    edited = offline.edit_section(kindergarten, "worker_care", text)
    new = next(s for s in edited.sections if s.id == "worker_care")
    assert [it.text for it in new.items][0].startswith("9月组织全体教职工秋季登山活动")
    assert new.writer == "edited" and all(it.origin == "edited" for it in new.items)
    assert "秋季登山活动" in edited.markdown
    # the other sections are untouched, the original draft too
    others = [s.to_dict() for s in edited.sections if s.id not in ("worker_care", "schedule")]
    assert others == [s.to_dict() for s in kindergarten.sections if s.id not in ("worker_care", "schedule")]
    assert "秋季登山活动" not in kindergarten.markdown and care.items
    sched = next(s for s in edited.sections if s.layout == "months")
    sched_text = json.dumps(sched.to_dict(), ensure_ascii=False)
    assert "登山" in sched_text  # the chair's dated item reaches the schedule


def test_edit_section_refuses_the_schedule_and_unknown_sections(offline, kindergarten):
    with pytest.raises(InputError, match="schedule"):
        offline.edit_section(kindergarten, "schedule", "1月：开会。")
    with pytest.raises(InputError, match="no section"):
        offline.edit_section(kindergarten, "nope", "x")


def test_redraft_section_rewrites_one_and_keeps_the_chairs_edits(offline, kindergarten):
    edited = offline.edit_section(kindergarten, "worker_care", "1. 9月组织教职工秋季登山活动。")
    culture_id = next(s.id for s in kindergarten.sections if s.layout == "items" and s.id != "worker_care")
    again = asyncio.run(offline.redraft_section(edited, culture_id))
    assert "秋季登山活动" in again.markdown  # the edit survives a redraft of another section
    redone = next(s for s in again.sections if s.id == culture_id)
    original = next(s for s in kindergarten.sections if s.id == culture_id)
    assert redone.all_items() and [i.text for i in redone.all_items()] == [i.text for i in original.all_items()]
    restored = asyncio.run(offline.redraft_section(edited, "worker_care"))
    assert "秋季登山活动" not in restored.markdown  # redrafting the edited section writes it afresh
    with pytest.raises(InputError):
        asyncio.run(offline.redraft_section(kindergarten, "nope"))


def test_a_saved_draft_reads_back(kindergarten):
    data = json.loads(json.dumps(kindergarten.to_dict(), ensure_ascii=False))
    back = Draft.from_dict(data)
    assert back.markdown == kindergarten.markdown
    assert back.request.asks == kindergarten.request.asks and back.request.name == "阳光幼儿园"
    assert back.sources == kindergarten.sources
    with pytest.raises(InputError, match="not a saved draft"):
        Draft.from_dict({"title": "x"})
