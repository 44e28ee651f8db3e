"""Library hooks the web app needs: an outline edited as a list of sections, one section's editable text,
and the draft of a run that did not finish."""

from __future__ import annotations

import asyncio

import pytest

from drafter.draft.assemble import section_markdown
from drafter.draft.drafter import Drafter
from drafter.draft.outline import SectionEdit, edit_outline, plan_outline
from drafter.errors import InputError


@pytest.fixture(scope="module")
def offline(corpus_index):
    d = Drafter(index=corpus_index, provider="offline")
    yield d
    d.close()


def test_edit_outline_renames_reorders_deletes_and_adds():
    o = plan_outline("kindergarten", 2025, brief="今年重点：教职工心理健康")
    ids = [s.id for s in o.sections]
    care = next(s for s in o.sections if s.id == "worker_care")
    edits = [SectionEdit("关爱教职工", "worker_care")] + [
        SectionEdit(s.title, s.id) for s in o.sections if s.id not in ("worker_care", "goals")
    ]
    edits.insert(2, SectionEdit("  开展 读书月活动 "))
    edited = edit_outline(o, edits)
    got = [s.id for s in edited.sections]
    assert got[0] == "worker_care" and "goals" not in got and got[2] == "custom_1"
    assert edited.sections[0].title == "关爱教职工" and edited.sections[0].asks == care.asks
    assert edited.sections[2].title == "开展 读书月活动"
    assert [s.id for s in o.sections] == ids  # the given outline is not changed


@pytest.mark.parametrize(
    "edits, message",
    [
        ([], "at least one section"),
        ([SectionEdit("", "goals")], "no title"),
        ([SectionEdit("x" * 41, "goals")], "40 at most"),
        ([SectionEdit("甲", "nope")], "no section 'nope'"),
        ([SectionEdit("甲", "goals"), SectionEdit("乙", "goals")], "listed twice"),
    ],
)
def test_edit_outline_refuses_bad_edits(edits, message):
    o = plan_outline("hospital", 2025)
    with pytest.raises(InputError, match=message):
        edit_outline(o, edits)


def test_section_markdown_is_read_back_by_edit_section(offline):
    draft = offline.write("kindergarten", 2025, name="阳光幼儿园")
    for s in draft.sections:
        if s.layout != "items" or s.empty:
            continue
        text = section_markdown(s)
        again = offline.edit_section(draft, s.id, text)
        back = next(x for x in again.sections if x.id == s.id)
        assert [it.text for it in back.all_items()] == [it.text for it in s.all_items()], s.id
        assert [sub.title for sub in back.subsections] == [sub.title for sub in s.subsections]


def test_unfinished_keeps_written_sections_and_redraft_fills_the_rest(offline):
    request, outline = offline.request("hospital", 2026, name="市一医院")
    full = offline.write(outline=outline)
    written = [s for s in full.sections if s.id in ("worker_care", "goals")]
    partial = offline.unfinished(request, outline, written, "起草中断")
    by_id = {s.id: s for s in partial.sections}
    assert [s.id for s in partial.sections] == [s.id for s in outline.sections]
    assert by_id["worker_care"].items and by_id["worker_care"].error is None
    missing = [s for s in partial.sections if s.error]
    assert missing and all(s.error == "起草中断" and s.empty for s in missing)
    assert set(partial.failed) == {s.title for s in missing}
    assert "关心" in partial.markdown or "职工" in partial.markdown
    for s in missing:
        partial = asyncio.run(offline.redraft_section(partial, s.id))
    assert not partial.failed
    assert partial.markdown == full.markdown  # filled in, it is the draft an uninterrupted run writes
