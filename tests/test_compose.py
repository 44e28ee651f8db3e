"""The offline path below the catalogue: the corpus quality gate, text tools, the writer and the document pass."""

from __future__ import annotations

import asyncio

from drafter.domain.request import build_request
from drafter.domain.units import load_profile
from drafter.draft import text as tx
from drafter.draft.base import SectionRequest
from drafter.draft.document import build_schedule, closing, dedupe, punctuate, schedule_entries
from drafter.draft.gate import judge, usable_items
from drafter.draft.offline_writer import OfflineWriter, opening, place
from drafter.draft.outline import outline_for
from drafter.models import Chunk, Item, Passage, SectionDraft, SubSection


def passage(
    text: str, *, unit: str = "school", kind: str = "plan", section: str | None = "worker_care", plan: str = "p#1"
) -> Passage:
    chunk = Chunk(
        id=f"c{abs(hash(text))}",
        text=text,
        plan_id=plan,
        source="p.txt",
        unit=unit,
        kind=kind,
        section_id=section,
        heading_path=[],
        year=None,
        script="simplified",
        start=0,
        end=len(text),
    )
    return Passage(chunk=chunk, score=1.0)


def section_request(
    unit: str,
    section_id: str,
    passages: list[Passage] = (),
    brief: str = "",
    year: int = 2024,
    items: list[Item] | None = None,
) -> SectionRequest:
    req = build_request(unit, year, brief=brief)
    o = outline_for(req)
    sec = next(s for s in o.sections if s.id == section_id)
    return SectionRequest(request=req, outline=o, section=sec, items=items or [], passages=list(passages))


K = load_profile("kindergarten")


# --------------------------------------------------------------------------- the gate


def test_a_plain_modern_task_passes():
    assert judge("组织教职工开展“三八”国际妇女节系列活动，关心女教职工身心健康。", K, 2024) is None


def test_era_bound_wording_is_refused_by_the_era_table():
    assert judge("认真学习“三个代表”重要思想，做好教职工思想政治工作。", K, 2024).startswith("era")
    assert judge("围绕创建学习型组织、争做知识型职工活动，组织教职工参加读书活动。", K, 2024).startswith("era")
    assert judge("开展构建和谐社会主题教育活动，引导教职工爱岗敬业。", K, 2024).startswith("era")
    assert judge("组织教职工参加2019年度岗位练兵活动，提高保教能力。", K, 2024) == "era:2019年"


def test_reporting_a_past_year_or_a_speakers_voice_is_refused():
    assert judge("开展送温暖活动，共发放慰问金十万元，惠及困难教职工家庭。", K, 2024).startswith("voice")
    assert judge("组织教职工学习，我们将一以贯之做好这项工作。", K, 2024).startswith("voice")


def test_fused_garbled_and_definitional_sentences_are_refused():
    assert judge("加强教职工的思想政治工作。注重提高广大教职工主人翁精神意识教育。", K, 2024).startswith("form")
    assert judge("关心教职工生活、维护教职工的合法权益，是园工会的基本职能和重要工作。", K, 2024).startswith("form")
    assert judge("加强学习，提高认识", K, 2024) == "form:fragment"
    long = "组织教职工参加活动，" * 12
    assert judge(long, K, 2024).startswith("form")
    assert judge("通过多种形式，积极开展工作，不断提高水平，努力争创佳绩，确保完成任务。", K, 2024) == "form:run_on"


def test_another_unit_another_union_level_and_a_sources_own_names_are_refused():
    assert judge("组织医务人员开展优质服务竞赛，提升诊疗水平。", K, 2024).startswith("unit")
    assert judge("督促各基层工会提高组建率，扩大工会组织覆盖面。", K, 2024).startswith("level")
    assert judge("积极参加“十万职工岗位隐患排查大行动”，完善隐患报送制度。", K, 2024).startswith("source")
    assert judge("开展“春风送暖”幼儿园专项行动，慰问困难教职工。", K, 2024) == "source:“春风送暖”"


def test_slogans_without_anything_concrete_are_refused():
    assert judge("加强师德建设，进一步提高认识，狠抓落实，确保取得实效。", K, 2024) == "substance:slogan"
    assert judge("加强师德建设，每学期开展一次师德承诺活动，狠抓落实。", K, 2024) is None


def test_usable_items_keep_the_section_and_never_repeat_a_planned_item():
    ps = [
        passage(
            "1、继续做好送温暖工作，慰问病休、住院教职工及离退休老同志。\n"
            "2、一年来，工会共走访慰问困难教职工，取得了良好效果。\n"
            "3、组织教职工开展趣味运动会和健步走活动，丰富业余生活。\n"
            "4、坚持每年组织一次教职工健康体检，建立教职工健康档案。"
        )
    ]
    planned = [Item("每年组织一次教职工健康体检，建立健康档案，体检覆盖率达到100%。")]
    found, refused = usable_items(ps, K, 2024, "worker_care", ["worker_care", "culture_sports"], planned)
    texts = [c.text for c in found]
    assert texts == ["继续做好送温暖工作，慰问病休、住院教职工及离退休老同志。"]
    assert refused["voice"] == 1 and refused["place"] == 1 and refused["novelty"] == 1


# --------------------------------------------------------------------------- text tools


def test_split_items_keeps_a_lead_with_its_sentence_and_drops_headings():
    items = tx.split_items("二、加强民主管理\n1、加强学习,提高认识。认真学习贯彻上级工会文件精神,结合实际贯彻落实。")
    assert items == ["加强学习，提高认识。认真学习贯彻上级工会文件精神，结合实际贯彻落实。"]


def test_a_numbered_heading_is_not_fused_with_the_body_below_it():
    items = tx.split_items(
        "（二）以维护职工权益为工作重点，切实提高医院工会的维权能力\n"
        "为积极调动职工为医院的全面发展，充分发挥好职工工会参谋助手作用。"
    )
    assert items[0] == "以维护职工权益为工作重点，切实提高医院工会的维权能力"
    assert items[1].startswith("为积极调动")
    assert tx.split_items("继续做好送温暖工作，慰问病休、住院职工及离退休老同志，吊唁去世的职工及\n职工家属。") == [
        "继续做好送温暖工作，慰问病休、住院职工及离退休老同志，吊唁去世的职工及职工家属。"
    ]


def test_years_move_to_the_plan_year():
    assert (
        tx.adapt_year("20xx年继续做好困难职工慰问，2019年完成建家。", 2024)
        == "2024年继续做好困难职工慰问，2024年完成建家。"
    )


def test_typos_of_web_copies_are_fixed_from_data():
    assert "传、帮、带" in tx.normalize("开展高年资医疗技术人员的付、帮、带活动")


# --------------------------------------------------------------------------- the offline writer


def test_guiding_thought_is_the_years_framing():
    r = section_request("kindergarten", "guiding_ideology")
    d = OfflineWriter().write(r)
    assert d.layout == "prose" and "习近平新时代中国特色社会主义思想" in d.intro and "园党支部" in d.intro


def test_opening_is_the_goal_and_does_not_echo_the_asks():
    r = section_request("kindergarten", "worker_care", brief="今年重点：教职工心理健康")
    text = opening(r)
    assert text.startswith("坚持以教职工为中心") and text.endswith("。")
    assert "心理健康" not in text and "重点做好" not in text  # the ask's items carry it, not an echo line


def test_items_go_under_the_sub_heading_of_their_section():
    r = section_request("kindergarten", "union_building")
    a, b = Item("完善会员台账。", section="union_building"), Item("编制经费预算。", section="finance_audit")
    own, subs = place([b, a], r.section)
    assert own == [] and [s.items for s in subs] == [[a], [b]]


def test_the_writer_borrows_only_where_a_section_holds_few_items():
    ps = [passage("继续做好送温暖工作，慰问病休、住院教职工及离退休老同志。")]
    few = OfflineWriter().write(section_request("kindergarten", "worker_care", ps, items=[Item("甲。")]))
    assert any(it.origin == "corpus:p#1" for it in few.items) and few.sources == ["p#1"]
    many = [Item(f"第{i}项工作。") for i in range(5)]
    full = OfflineWriter().write(section_request("kindergarten", "worker_care", ps, items=many))
    assert [it.text for it in full.items] == [it.text for it in many] and not full.sources
    assert OfflineWriter().needs_passages(1) and not OfflineWriter().needs_passages(5)


def test_awrite_default_runs_in_a_thread():
    d = asyncio.run(OfflineWriter().awrite(section_request("kindergarten", "guiding_ideology")))
    assert d.intro


# --------------------------------------------------------------------------- the document pass


def test_repeated_ideas_are_removed_within_and_across_sections():
    a = SectionDraft(
        id="a",
        title="甲",
        items=[
            Item("继续做好送温暖工作，慰问困难教职工和离退休老同志。"),
            Item("继续做好送温暖工作，慰问困难教职工和离退休的老同志们。"),
        ],
    )
    b = SectionDraft(
        id="b",
        title="乙",
        subsections=[
            SubSection(
                "丙", [Item("继续做好送温暖工作，慰问困难教职工和离退休老同志。"), Item("组织教职工开展趣味运动会。")]
            )
        ],
    )
    dedupe([a, b])
    assert [i.text for i in a.items] == ["继续做好送温暖工作，慰问困难教职工和离退休老同志。"]
    assert [i.text for i in b.all_items()] == ["组织教职工开展趣味运动会。"]


def test_punctuation_as_official_documents_expect():
    assert punctuate("学习《工会法》、《劳动法》和“三八”、“五一”。。") == "学习《工会法》《劳动法》和“三八”“五一”。"
    assert punctuate("做好工作，。") == "做好工作。"


def test_the_schedule_is_built_from_dated_items_and_the_calendar():
    req = build_request("kindergarten", 2024)
    items = [
        Item("组织女教职工参加两癌筛查。", months=[5], schedule="组织女教职工参加“两癌”筛查"),
        Item("开展三八节活动。", months=[3], event="三八国际妇女节", schedule="开展“三八”节系列活动"),
        Item("每学期开展一次师德培训。", months=[3, 9], schedule="开展师德专题培训"),
    ]
    items[0].owner = "女教职工委员会"
    entries = schedule_entries(req, items)
    texts = [e.text for e in entries]
    assert "组织女教职工参加“两癌”筛查（女教职工委员会牵头）" in texts and "开展“三八”节系列活动（3月8日）" in texts
    assert sum(1 for t in texts if t == "开展师德专题培训") == 2
    # the calendar's own line for 三八 is claimed by the item; an event no item holds is not scheduled,
    # a standing one (the year's plan meeting, the year-end summary) always is
    assert not any(t.startswith("开展“三八”国际妇女节系列活动") for t in texts)
    standing = {e.name for e in req.events if e.standing}
    assert not any("春节" in t for t in texts) or "春节送温暖" in standing
    for e in req.events:
        if e.standing:  # each with who leads it
            assert any(t.startswith(e.activity) and (not e.owner or f"{e.owner}牵头" in t) for t in texts), e.name
    sched = build_schedule(req, "具体活动安排", items)
    lines = [i.text for i in sched.items]
    assert all(x.endswith("。") for x in lines)
    months = [int(x.split("月")[0]) for x in lines]
    assert months == sorted(months) and len(set(months)) == len(months)
    march = next(x for x in lines if x.startswith("3月："))
    assert march.index("开展“三八”节系列活动（3月8日）") < march.index("开展师德专题培训")


def test_the_closing_names_the_union_and_marks_what_is_not_known():
    assert closing(build_request("kindergarten", 2024, name="阳光幼儿园")) == [
        "阳光幼儿园工会委员会",
        "【待填：落款日期】",
    ]
    assert closing(build_request("kindergarten", 2024)) == ["【待填：工会名称】", "【待填：落款日期】"]
    done = build_request("hospital", 2024, facts={"单位名称": "市人民医院", "落款日期": "2024年1月5日"})
    assert closing(done) == ["市人民医院工会委员会", "2024年1月5日"]
