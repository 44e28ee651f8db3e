"""The offline composer on hand-made passages: adapting, filtering, ranking, dedupe, framing."""

from __future__ import annotations

import asyncio

from drafter.draft import text as tx
from drafter.draft.base import SectionRequest
from drafter.draft.era import era_for, stale_regex
from drafter.draft.offline_writer import OfflineWriter, dedupe_sections
from drafter.draft.outline import plan_outline
from drafter.draft.units import load_profile
from drafter.models import Chunk, Passage, SectionDraft


def passage(text: str, *, unit: str = "school", kind: str = "plan", section: str | None = "worker_care",
            plan: str = "p#1") -> Passage:
    chunk = Chunk(id=f"c{abs(hash(text))}", text=text, plan_id=plan, source="p.txt", unit=unit, kind=kind,
                  section_id=section, heading_path=[], year=None, script="simplified", start=0, end=len(text))
    return Passage(chunk=chunk, score=1.0)


def request(unit: str, section_id: str, passages: list[Passage], brief: str = "", year: int = 2024) -> SectionRequest:
    o = plan_outline(unit, year, brief)
    sec = next(s for s in o.sections if s.id == section_id)
    return SectionRequest(brief=o.brief, outline=o, section=sec, passages=passages, profile=load_profile(unit),
                          era=era_for(year))


CARE = """1、继续做好送温暖工作，慰问病休、住院职工及离退休老同志，帮助生活遇到困难的职工解决困难。
2、首钢工会为困难职工发放慰问金，关心职工生活，做好帮扶工作。
3、一年来，工会共走访慰问困难职工，取得了良好效果，受到职工好评。
4、关心患者家属，做好困难职工帮扶和慰问工作。
5、为523名困难职工子女发放助学金，做好金秋助学工作。
6、认真落实科学发展观，关心职工生活，做好送温暖工作。
7、坚持每年组织一次职工健康体检，建立职工健康档案，倡导健康生活、快乐工作的理念。
8、坚持每年组织一次职工健康体检，建立职工健康档案，倡导“健康生活，快乐工作”的理念。
9、20xx年继续做好困难职工慰问。
10、下面是小编整理的关心职工生活范文，供大家参考。
"""


def test_filters_adapts_and_dedupes():
    draft = OfflineWriter().write(request("kindergarten", "worker_care", [passage(CARE)]))
    body = "".join(draft.items)
    assert draft.items, draft
    assert "送温暖" in body and "教职工" in body and "健康体检" in body
    for bad in ("首钢", "患者", "一年来", "523", "科学发展观", "xx", "小编", "范文"):
        assert bad not in body, bad
    assert sum("健康体检" in i for i in draft.items) == 1  # near-duplicates collapse
    assert all(i.endswith("。") for i in draft.items)
    assert draft.sources == ["p#1"] and draft.writer == "offline"
    assert draft.intro.endswith("。")


def test_same_unit_and_plans_rank_first():
    ps = [passage("组织职工开展春季健步走和趣味运动会，丰富职工业余文化生活。", unit="enterprise", section="culture_sports", plan="e#1"),
          passage("组织教职工开展迎新年联欢和趣味运动会，丰富教职工文化生活。", unit="kindergarten", section="culture_sports", plan="k#1")]
    draft = OfflineWriter().write(request("kindergarten", "culture_sports", ps))
    assert draft.sources[0] == "k#1"


def test_items_that_belong_to_another_section_are_left_for_it():
    ps = [passage("坚持教代会制度，做好教代会提案征集和落实反馈，推进民主管理和民主监督。", section="worker_care"),
          passage("关心教职工生活，做好困难教职工帮扶和送温暖慰问工作，建立困难教职工档案。", section="worker_care")]
    draft = OfflineWriter().write(request("kindergarten", "worker_care", ps))
    assert not any("提案" in i for i in draft.items)


def test_ask_opening_and_ask_item():
    r = request("kindergarten", "worker_care", [passage(CARE)], brief="今年重点：教职工心理健康")
    draft = OfflineWriter().write(r)
    assert "“教职工心理健康”" in draft.intro and draft.intro.startswith("2024年")
    assert "心理健康" in draft.items[0]  # no passage speaks to it: the ask becomes the first task


def test_guiding_ideology_uses_the_era():
    d = OfflineWriter().write(request("kindergarten", "guiding_ideology", []))
    assert "党的二十大" in d.intro and "中国工会十八大" in d.intro and not d.items
    d19 = OfflineWriter().write(request("enterprise", "guiding_ideology", [], year=2019))
    assert "党的十九大" in d19.intro and "中国工会十七大" in d19.intro and "二十大" not in d19.intro


def test_schedule_from_the_calendar():
    d = OfflineWriter().write(request("hospital", "schedule", [], year=2026))
    assert d.items[0].startswith("1月：") and any("护士节" in i and "5月12日" in i for i in d.items)
    assert all(i.endswith("。") for i in d.items)


def test_year_is_adapted():
    assert tx.adapt_year("20xx年和2019年以及今年、二00五年", 2024) == "2024年和2024年以及2024年、2024年"


def test_reject_reasons():
    stale = stale_regex(2024)
    assert tx.reject_reason("认真学习“三个代表”重要思想，做好职工思想政治工作。", stale=stale).startswith("stale")
    assert tx.reject_reason("共发放慰问金十万元，惠及困难职工家庭。") .startswith("past")
    assert tx.reject_reason("为困难职工发放慰问金5万元，做好帮扶工作。") == "numbers"
    assert tx.reject_reason("开展“三八”国际妇女节系列活动，关心女职工身心健康。") is None
    assert tx.reject_reason("加强学习，提高认识") == "fragment"


def test_split_items_keeps_lead_with_its_sentence_and_drops_headings():
    items = tx.split_items("二、加强民主管理\n1、加强学习,提高认识。认真学习贯彻上级工会文件精神,结合实际贯彻落实。")
    assert items == ["加强学习，提高认识。认真学习贯彻上级工会文件精神，结合实际贯彻落实。"]


def test_dedupe_across_sections():
    a = SectionDraft(id="a", title="甲", items=["继续做好送温暖工作，慰问困难教职工和离退休老同志。"])
    b = SectionDraft(id="b", title="乙", items=["继续做好送温暖工作，慰问困难教职工和离退休的老同志。", "组织教职工开展趣味运动会。"])
    dedupe_sections([a, b])
    assert b.items == ["组织教职工开展趣味运动会。"]


def test_subsections_get_items():
    r = request("kindergarten", "worker_care", [passage(CARE)])
    r.section.subsections = ["送温暖", "健康体检"]
    d = OfflineWriter().write(r)
    assert [s.title for s in d.subsections] == ["送温暖", "健康体检"] and not d.items
    assert any("体检" in i for i in d.subsections[1].items)


def test_awrite_default_runs_in_a_thread():
    d = asyncio.run(OfflineWriter().awrite(request("kindergarten", "worker_care", [passage(CARE)])))
    assert d.items


def test_ask_items_vary_by_section_and_survive_the_cross_section_dedupe():
    from drafter.draft.offline_writer import is_ask_item

    o = plan_outline("hospital", 2026, "今年重点：推进智慧工会、开展职工书画展、关注一线医务人员心理健康")
    w = OfflineWriter()
    drafts = []
    for sec in o.sections:
        r = SectionRequest(brief=o.brief, outline=o, section=sec, passages=[], profile=load_profile("hospital"),
                           era=era_for(2026))
        drafts.append(w.write(r))
    dedupe_sections(drafts)
    ask_items = [i for d in drafts for i in d.items if is_ask_item(i)]
    assert len(ask_items) == 3 and len({i[:4] for i in ask_items}) == 3
    custom = next(d for d in drafts if d.id == "custom_1")
    assert custom.items and custom.intro.count("推进智慧工会") == 1


def test_a_numbered_heading_is_not_fused_with_the_body_below_it():
    from drafter.draft.text import split_items

    items = split_items("（二）以维护职工权益为工作重点，切实提高医院工会的维权能力\n"
                        "为积极调动职工为医院的全面发展，充分发挥好职工工会参谋助手作用。")
    assert items[0] == "以维护职工权益为工作重点，切实提高医院工会的维权能力"
    assert items[1].startswith("为积极调动")
    # an unnumbered line broken mid-sentence is still rejoined
    assert split_items("继续做好送温暖工作，慰问病休、住院职工及离退休老同志，吊唁去世的职工及\n职工家属。") == [
        "继续做好送温暖工作，慰问病休、住院职工及离退休老同志，吊唁去世的职工及职工家属。"]


def test_source_specific_titles_bureaus_and_campaigns_are_rejected():
    # one source's own rules or compilations, not a law a union everywhere follows
    assert tx.reject_reason("经审会要根据《工会财务经审制度文件选编》要求，规范工会经审工作程序。") == "source_title"
    assert tx.reject_reason("认真执行《考核实施细则》，做好教职工年度考核工作。") == "source_title"
    for ok in ("坚持以《工会法》为法律依据，积极开展工会经费的审查工作。",
               "以推动《劳动合同法》《工会法》的贯彻实施为重点，进一步健全维权机制。",
               "深入贯彻《关于构建和谐劳动关系的意见》，引导职工理性合法表达利益诉求。"):
        assert tx.reject_reason(ok) is None, ok
    assert tx.reject_reason("根据局工作要点和学校工作计划的文件精神，工会要做好宣传、学习、落实工作。").startswith("off_topic")
    assert tx.reject_reason("学习县局系统内师德标兵的先进事迹，宣传学校的好人好事。").startswith("off_topic")
    assert tx.reject_reason("以“十万职工岗位隐患排查大行动”为载体，完善隐患报送和督导整改制度。").startswith("off_topic")


def test_a_union_said_to_have_done_it_all_along_is_a_summary():
    assert tx.reject_reason("公司工会十分注重女职工队伍建设，积极倡导女职工参加培训学习。") == "past:narrative"
    assert tx.reject_reason("公司工会高度重视帮困救助工作，认真履行职责，关心职工冷暖。") == "past:narrative"
    assert tx.reject_reason("工会要高度重视帮困救助工作，关心职工冷暖，认真履行职责。") is None


def test_source_wording_is_repaired_before_mapping():
    assert "传、帮、带" in tx.normalize("开展高年资医疗技术人员的付、帮、带活动")
    assert tx.normalize("工会组织作为广大群众教职工的代言人") == "工会组织作为广大教职工的代言人"
    assert "个人、小组与学校荣辱与共" in tx.normalize("明确自身个人和小组和学校荣辱与共的相依性")


def test_each_unit_speaks_with_one_voice():
    hospital = load_profile("hospital")
    assert hospital.staff == "职工"  # the frame and the borrowed items say the same
    assert hospital.adapt("关心医务职工和教职工生活") == "关心职工和职工生活"
    assert load_profile("university").adapt("关心女职工，建好女职工委员会") == "关心女教职工，建好女教职工委员会"
    assert load_profile("enterprise").adapt("动员全体员工，开展首席员工评选") == "动员全体职工，开展首席员工评选"
    assert load_profile("community").adapt("增强企业凝聚力和向心力") == "增强凝聚力和向心力"
    community = load_profile("community")  # a community union serves the 职工 of its area
    assert community.staff == "职工" and community.adapt("支持青年教职工、女教职工") == "支持青年职工、女职工"
    assert load_profile("university").adapt("积极推进政务上榜公开") == "积极推进校务公开"
    # who leads the union is the unit's own party organisation
    for unit, leader in (("hospital", "院党委"), ("university", "校党委"), ("enterprise", "公司党委"),
                         ("kindergarten", "园党支部"), ("government", "机关党组织")):
        assert load_profile(unit).adapt("在党支部的领导下组织相应的活动") == f"在{leader}的领导下组织相应的活动"


def test_an_item_about_a_section_the_unit_does_not_have_is_dropped():
    ps = [passage("开展一次以“消防安全”为主题的大型宣传教育活动，增强职工安全意识。", section="political_guidance"),
          passage("加强职工理论学习，通过举办讲座、知识竞赛等形式提高职工思想政治素质。", section="political_guidance")]
    for unit in ("hospital", "kindergarten", "enterprise"):
        draft = OfflineWriter().write(request(unit, "political_guidance", ps))
        assert draft.items and not any("消防" in i for i in draft.items), (unit, draft.items)


def test_a_heading_without_its_number_is_not_fused_with_its_body():
    items = tx.split_items("以维护职工权益为工作重点，切实提高医院工会的维权能力\n"
                           "为积极调动职工为医院的全面发展，充分发挥好职工工会参谋助手作用。")
    assert items[0] == "以维护职工权益为工作重点，切实提高医院工会的维权能力"
    assert items[1].startswith("为积极调动")


def test_an_item_in_a_speakers_voice_is_rejected():
    item = tx.finish("首先我们抓住规范运作这个关键环节，积极推行以职代会为基本形式的职工民主管理制度。")
    assert tx.reject_reason(item) == "voice"
    item = tx.finish("教代会作为幼儿园民主管理的基本形式，我们将一以贯之，每年要召开例会，听取园长的述职述廉报告。")
    assert tx.reject_reason(item) == "voice"


def test_a_vague_item_with_nothing_of_the_section_is_not_used():
    ps = [passage("通过不断的改进、推进、完善，使学校各项工作有序运行。", section="skills_competition"),
          passage("以构建和谐学校为主题，充分发挥广大教职工的主力军作用。", section="skills_competition"),
          passage("组织青年教师开展岗位练兵和教学基本功比赛，促进青年教师专业成长。", section="skills_competition")]
    draft = OfflineWriter().write(request("primary_school", "skills_competition", ps))
    assert draft.items and all("练兵" in i for i in draft.items), draft.items


def test_the_unit_is_not_named_twice_in_its_openness_system():
    assert load_profile("middle_school").adapt("积极推进学校政务上榜公开。") == "积极推进校务公开。"
    assert load_profile("kindergarten").adapt("积极推进学校政务上榜公开。") == "积极推进园务公开。"
    assert load_profile("hospital").adapt("积极推进医院院务公开。") == "积极推进院务公开。"


def test_school_words_fit_the_staff():
    # 课余 is the pupils' time; the staff have 业余 time
    for unit in ("primary_school", "middle_school", "university", "kindergarten"):
        assert load_profile(unit).adapt("活跃教职工课余生活") == "活跃教职工业余生活", unit
    assert load_profile("university").adapt("推动学院改革、促进学院事业科学发展") == "推动学校改革、促进学校事业科学发展"
    assert "未成年人" in load_profile("university").forbidden


def test_one_sources_bureau_is_cut_and_hospital_competitions_stay_out_of_schools():
    assert tx.normalize("学习县局系统内师德标兵的先进事迹，宣传学校的好人好事。") == "学习师德标兵的先进事迹，宣传学校的好人好事。"
    assert "建账" in tx.normalize("按要求及时建帐，管理好财务档案资料。")
    assert tx.normalize("组织单位女职工参加女工委举办的庆“三八”活动") == "组织女职工参加女工委举办的庆“三八”活动"
    for unit in ("kindergarten", "primary_school", "middle_school", "university"):
        assert "优质服务" in load_profile(unit).forbidden, unit


def test_an_inner_clause_with_another_units_word_is_cut_not_the_whole_task():
    item = "进一步组织开展青年教师岗位练兵和教学技能大赛，鼓励和支持各基层工会积极开展行业基本功竞赛，提高教职工的业务水平和职业技能。"
    assert tx.drop_clause(item, ["各基层工会"]) == "进一步组织开展青年教师岗位练兵和教学技能大赛，提高教职工的业务水平和职业技能。"
    assert tx.drop_clause("为病人解除痛苦，提高服务质量，做好工作。", ["病人"]) is None  # the task itself
    assert tx.drop_clause("开展义诊活动，服务患者。", ["患者"]) is None
    ps = [passage(item, section="skills_competition")]
    draft = OfflineWriter().write(request("kindergarten", "skills_competition", ps))
    assert "进一步组织开展青年教师岗位练兵和保教技能大赛，提高教职工的业务水平和职业技能。" in draft.items, draft.items
    # a far unit's task keeps its own subject even without the clause: it is not borrowed
    far = passage("根据公司党政领导的指示，将劳动竞赛与公司生产经营实际有机结合起来，开展“三零”劳动竞赛活动。",
                  unit="enterprise", section="skills_competition")
    draft = OfflineWriter().write(request("primary_school", "skills_competition", [far, ps[0]]))
    assert not any("三零" in i for i in draft.items), draft.items


def test_a_mapped_word_is_not_doubled():
    assert load_profile("hospital").adapt("宣传劳模、师德医德标兵等先进典型") == "宣传劳模、医德标兵等先进典型"
    assert "三育人" in load_profile("hospital").forbidden  # 教书育人、管理育人、服务育人 is a school's


def test_an_ask_is_matched_on_its_subject_not_on_who_it_is_for():
    from drafter.draft.offline_writer import _ask_words

    assert _ask_words("关注一线医务人员心理健康") == tx.bigrams("心理健康")
    item = "针对医院职工工作任务重、心理压力大的现实状况，为职工提供心理辅导、心理健康咨询等，促进职工的身心健康。"
    r = request("hospital", "worker_care", [passage(item, unit="university")], brief="今年重点：关注一线医务人员心理健康")
    draft = OfflineWriter().write(r)
    assert draft.items[0] == item  # the passage answers the ask: no placeholder task is needed


def test_the_source_units_generic_self_becomes_this_unit():
    assert load_profile("government").adapt("开展符合本单位职工年龄特点的文体活动") == "开展符合本机关职工年龄特点的文体活动"
    assert load_profile("community").adapt("围绕增强单位凝聚力") == "围绕增强社区的凝聚力"
    assert load_profile("kindergarten").adapt("围绕增强单位凝聚力") == "围绕增强幼儿园的凝聚力"
