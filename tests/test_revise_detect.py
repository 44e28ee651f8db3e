"""The revision's detectors, one line at a time: what is updated, what is flagged, what is left alone."""

from __future__ import annotations

import pytest

from drafter.domain.request import build_request
from drafter.revision import marks
from drafter.revision.context import make_context
from drafter.revision.detect import LineInfo, revise_line
from drafter.revision.document import months_of, parse_doc
from drafter.revision.rules import rules


def ctx_for(old: int, new: int, unit: str = "hospital", facts: dict | None = None):
    return make_context(old, new, build_request(unit, new, facts=facts))


def run(text: str, old: int = 2024, new: int = 2025, *, title: bool = False, months=(), facts=None, unit="hospital"):
    marked, edits = revise_line(text, ctx_for(old, new, unit, facts), LineInfo(title=title, months=tuple(months)))
    return marked, marks.strip_marks(marked), edits


# ----------------------------------------------------------------- marks


def test_marks_strip_to_the_plan_and_to_its_own_words():
    text = "【已更新：2024→2025】年【新增】组织学习【待核：原为86人】。"
    assert marks.strip_marks(text) == "2025年组织学习【待核：原为86人】。"
    assert marks.strip_flags(text) == "2025年组织学习。"


def test_edits_never_overlap_and_never_touch_a_mark():
    _marked, clean, edits = run("现有会员【待填：会员人数】人，2024年【待核：原为86人】")
    assert clean == "现有会员【待填：会员人数】人，2025年【待核：原为86人】"
    assert [e.old for e in edits] == ["2024"]


# ----------------------------------------------------------------- years


@pytest.mark.parametrize(
    "old,new,text,expected",
    [
        (2024, 2025, "制定2024年工会工作计划", "制定2025年工会工作计划"),
        (2024, 2025, "完成2023年度经费决算", "完成2024年度经费决算"),
        (2024, 2025, "谋划2025年工会工作", "谋划2026年工会工作"),
        (2024, 2025, "做好2024—2025学年提案工作", "做好2025—2026学年提案工作"),
        (2024, 2025, "到2035年基本实现社会主义现代化", "到2035年基本实现社会主义现代化"),
        (2024, 2025, "《工会法》（2022年1月1日起施行）", "《工会法》（2022年1月1日起施行）"),
        (2024, 2025, "中国共产党成立于1921年", "中国共产党成立于1921年"),
        (2024, 2025, "落实“十四五”规划（2021-2025年）", "落实“十四五”规划（2021-2025年）"),
        (2005, 2025, "制定二00五年大佘太总校工会工作计划", "制定二0二五年大佘太总校工会工作计划"),
        (2023, 2025, "二〇二三年一月", "二〇二五年一月"),
        (2024, 2025, "年内补充图书2024册", "年内补充图书2024册"),
    ],
)
def test_years_of_the_plan_move_other_years_stay(old, new, text, expected):
    clean = run(text, old, new)[1]
    assert marks.strip_flags(clean) == expected


def test_next_year_of_a_plan_two_years_back_is_flagged_not_guessed():
    clean = run("为2024年工会换届做好准备", 2023, 2025)[1]
    assert "2024年【待核：原为2024年的安排" in clean


def test_a_target_year_that_has_passed_is_flagged():
    clean = run("到2020年，高级工以上职工占比达到40%", 2018, 2025)[1]
    assert "到2020年【待核：目标年份2020年已过" in clean


def test_placeholder_years_are_flagged_but_in_the_title_they_are_the_plan_year():
    assert run("20xx年是改革的第二年", 2024, 2025)[1].startswith("【待核：原为“20xx年”")
    assert run("20xx年幼儿园工会工作计划", 2024, 2025, title=True)[1] == "2025年幼儿园工会工作计划"
    assert run("2024工会工作计划", 2024, 2025, title=True)[1] == "2025工会工作计划"


def test_last_years_results_keep_a_flag_when_their_year_moves():
    clean = run("2023年，医院工会获评市级模范职工之家。", 2024, 2025)[1]
    assert clean == "2024年，医院工会获评市级模范职工之家【待核：这是2023年的成绩，请换成2024年的实际成绩】。"


# ----------------------------------------------------------------- era


def test_the_framing_of_last_year_becomes_this_years():
    text = "2024年是实施“十四五”规划的关键之年。全面贯彻党的二十大和二十届二中全会精神，认真落实中国工会十八大精神。"
    clean = run(text)[1]
    assert clean == (
        "2025年是“十四五”规划收官之年。全面贯彻党的二十大和二十届二中、三中全会精神，认真落实中国工会十八大精神。"
    )


def test_congress_spirits_and_union_congress_of_an_older_plan():
    clean = run("全面贯彻党的十九大和十九届二中、三中全会精神，认真落实中国工会十七大精神", 2019, 2025)[1]
    assert clean == "全面贯彻党的二十大和二十届二中、三中全会精神，认真落实中国工会十八大精神"
    # the congress of the plan year itself is current: not stale, not changed
    assert run("学习贯彻党的二十大精神", 2024, 2025)[1] == "学习贯彻党的二十大精神"


def test_the_guiding_thought_of_2017_becomes_the_current_one():
    clean = run("以邓小平理论、“三个代表”重要思想、科学发展观为指导", 2017, 2025)[1]
    assert clean == "以习近平新时代中国特色社会主义思想为指导"
    # the full list of the Party's theories is not stale
    full = "以马克思列宁主义、毛泽东思想、邓小平理论、“三个代表”重要思想、科学发展观、习近平新时代中国特色社会主义思想为指导"
    assert run(full, 2024, 2025)[1] == full


def test_stale_phrasing_is_wrapped_in_a_flag():
    clean = run("深入开展“两学一做”学习教育，围绕公司“十三五”发展规划", 2018, 2025)[1]
    outside = marks.strip_flags(clean)
    assert "两学一做" not in outside and "十三五" not in outside
    assert "【待核：过时提法“两学一做”" in clean and "【待核：过时提法“十三五”" in clean
    assert "学习教育" in outside  # only the stale words go into the flag


def test_a_standing_sentence_of_last_year_is_flagged_unless_the_mapping_is_sure():
    assert "【待核：这是2023年的年度定位" in run("2023年是全面贯彻党的二十大精神的开局之年。", 2023, 2025)[1]
    assert "【待核" not in run("2024年是实施“十四五”规划的关键之年。")[1]


# ----------------------------------------------------------------- anniversaries and dates


def test_the_partys_yearly_anniversary_moves_a_round_one_is_flagged():
    assert run("庆祝建党103周年主题活动")[1] == "庆祝建党104周年主题活动"
    assert run("庆祝中国共产党成立一百零三周年")[1] == "庆祝中国共产党成立一百零四周年"
    round_one = run("庆祝中国共产党成立100周年，组织红歌会。", 2021, 2025)[1]
    assert "100周年" in round_one and "【待核：" in round_one


def test_lunar_festival_dates_are_recomputed_keeping_their_distance():
    assert run("春节（2月10日）前慰问")[1] == "春节（1月29日）前慰问"
    assert run("春节前（2月3日）开展送温暖")[1] == "春节前（1月22日）开展送温暖"  # a week before, as last year
    assert run("中秋节（9月17日）慰问")[1] == "中秋节（10月6日）慰问"
    assert run("端午节（6月10日）发放粽子")[1] == "端午节（5月31日）发放粽子"
    assert run("重阳节（10月11日）茶话会")[1] == "重阳节（10月29日）茶话会"
    assert run("元宵节（2月24日）猜灯谜")[1] == "元宵节（2月12日）猜灯谜"
    assert run("3月8日开展三八节活动")[1] == "3月8日开展三八节活动"  # solar dates stay


def test_a_schedule_month_that_no_longer_holds_its_festival_is_flagged():
    # a line on its own (the plan's pass moves the entry first): a date of another month is never written in
    clean = run("9月：中秋节（9月17日）走访慰问。", months=(9,))[1]
    assert clean == "9月：中秋节（9月17日）走访慰问【待核：按2025年中秋的日期，这项安排在10月6日，请调到10月】。"
    assert run("9月：中秋节前后走访慰问。", months=(9,))[1] == (
        "9月：中秋节前后走访慰问【待核：2025年中秋在10月6日，请把这项安排调到10月】。"
    )
    assert "【待核" not in run("10月：重阳节（10月11日）茶话会。", months=(10,))[1]


# ----------------------------------------------------------------- figures, one-offs


def test_headcounts_and_money_keep_last_years_value_in_a_flag():
    clean = run("全院职工1200人，其中女职工860人；现有会员1150名；经费预算85万元，慰问每人500元。")[1]
    for old in ("1200人", "860人", "1150名", "85万元", "500元"):
        assert f"【待核：原为{old}】" in clean
    assert "1次" in run("每季度组织1次学习，参加职工300人次")[1]  # counts of times are not headcounts
    assert "【待核" not in run("每季度组织1次学习，参加职工300人次")[1]


def test_facts_give_this_years_figures():
    facts = {"职工人数": 1250, "女职工人数": 870, "会员人数": 1190, "工会经费预算": 90}
    clean = run("全院职工1200人，女职工860人，现有会员1150名，全年工会经费预算85万元。", facts=facts)[1]
    assert clean == "全院职工1250人，女职工870人，现有会员1190名，全年工会经费预算90万元。"


@pytest.mark.parametrize(
    "text,label",
    [
        ("迎接三级医院等级评审复评，做好资料准备。", "迎检"),
        ("6月底前完成建设并投入使用。", "建设项目"),
        ("筹建教职工之家。", "筹建"),
        ("做好工会换届选举工作。", "换届"),
        ("首次举办青年教师教学竞赛。", "首次"),
        ("党的二十届三中全会召开后，组织学习。", "会议"),
        ("庆祝中华人民共和国成立75周年，开展歌咏活动。", "纪念活动"),
        ("配合党支部开展党纪学习教育。", "专项学习教育"),
        ("3月召开第六届职工代表大会第三次会议。", "届次"),
    ],
)
def test_one_off_events_of_last_year_are_kept_and_flagged(text, label):
    clean = run(text)[1]
    assert "【待核：" in clean and label in clean
    assert marks.strip_flags(clean).replace("【待核", "") == marks.strip_flags(clean)
    words = [w for w in text.strip("。").split("，")[0] if w not in "0123456789"]
    assert all(w in clean for w in words)  # the event itself is still there


def test_revise_yaml_is_read_into_typed_rules():
    r = rules()
    assert {o.label for o in r.one_offs} >= {"迎检", "验收", "换届", "首次"}
    assert any(f.name == "中秋" and f.lunar == (8, 15) for f in r.festivals)
    assert r.group_of("女职工") is not None and r.group_of("女职工").fact == "女职工人数"


# ----------------------------------------------------------------- the document


def test_months_of_schedule_lines():
    assert months_of("3月：召开教代会") == (3,)
    assert months_of("7—8月：送清凉") == (7, 8)
    assert months_of("第二季度：技能竞赛") == (4, 5, 6)
    assert months_of("下半年") == tuple(range(7, 13))


def test_a_plan_reads_into_lines_with_their_sections():
    text = (
        "某医院2024年工会工作计划\n为做好工作，制定本计划。\n一、关心关爱职工\n1、春节前慰问困难职工。\n"
        "二、具体活动安排\n1月：送温暖。\n3月：召开职代会。\n4月：健步走。\n某医院工会\n2024年1月5日"
    )
    doc = parse_doc(text, "text")
    kinds = [ln.kind for ln in doc.lines]
    assert kinds == ["title", "para", "heading", "item", "heading", "month", "month", "month", "closing", "closing"]
    assert doc.lines[3].section == "worker_care" and doc.lines[4].labels == ("schedule",)
    assert doc.lines[6].months == (3,)


# ----------------------------------------------------------------- what last year's calendar left behind


def run_info(text: str, info: LineInfo, old: int = 2024, new: int = 2025, facts=None, unit="hospital"):
    marked, _ = revise_line(text, ctx_for(old, new, unit, facts), info)
    return marks.strip_marks(marked)


@pytest.mark.parametrize(
    "old,new,text,expected",
    [
        # a sentence that opens with the year before: the whole report up to its full stop, whatever it tells
        (
            2024,
            2025,
            "2023年，医院工会组织职工疗休养320人次；完成职工之家提档升级。全年工作取得新进展。",
            "2024年，医院工会组织职工疗休养320人次；完成职工之家提档升级"
            "【待核：这是2023年的成绩，请换成2024年的实际成绩】。全年工作取得新进展。",
        ),
        (
            2023,
            2025,
            "2022年度，公司工会开展技能竞赛12场，被评为省级模范职工之家。",
            "2024年度，公司工会开展技能竞赛12场，被评为省级模范职工之家【待核：这是2022年的成绩，请换成2024年的实际成绩】。",
        ),
        (
            2024,
            2025,
            "去年，学校工会荣获市先进基层工会称号。",
            "去年，学校工会荣获市先进基层工会称号【待核：这是2023年的成绩，请换成2024年的实际成绩】。",
        ),
        # the year before as a plan's own business (a 决算) is no report
        (
            2024,
            2025,
            "年初编制2024年度预算，同时完成2023年度经费决算。",
            "年初编制2025年度预算，同时完成2024年度经费决算。",
        ),
    ],
)
def test_last_years_report_of_the_year_before_is_flagged_however_it_is_told(old, new, text, expected):
    assert run(text, old, new)[1] == expected


@pytest.mark.parametrize(
    "text",
    [
        "7月在新修订的《工会法》施行后开展专题宣讲。",
        "在《职业病防治法》修订实施前组织职工学习。",
        "《关于加强新就业形态劳动者权益保障的意见》出台后，组织座谈。",
        "二十届四中全会召开前后，组织职工收看。",
    ],
)
def test_a_time_tied_to_last_years_calendar_is_flagged(text):
    clean = run(text)[1]
    assert "【待核：上年" in clean
    assert marks.strip_flags(clean) == text  # kept as written for the chair


@pytest.mark.parametrize(
    "text", ["会员大会召开前一个月征集提案。", "宣传《工会法》（2022年1月1日起施行）。", "依法实施后续监督。"]
)
def test_recurring_events_and_dates_of_law_are_not_time_flags(text):
    assert "【待核" not in run(text)[1]


def test_the_day_a_law_takes_effect_keeps_its_year():
    assert run("《某某条例》2025年5月1日起施行，组织职工学习。", 2024, 2025)[1].startswith("《某某条例》2025年5月1日")
    assert run("新修订的《某法》将于2024年6月1日正式施行。", 2024, 2025)[1].startswith(
        "新修订的《某法》将于2024年6月1日"
    )


@pytest.mark.parametrize(
    "text,old",
    [
        ("女职工（48人）参加“两癌”筛查", "48人"),
        ("编外职工（14人）应入尽入", "14人"),
        ("全院共有1200人", "1200人"),
        ("现有会员共1150名", "1150名"),
        ("14名编外职工全部入会", "14名"),
        ("约300名职工参加", "300名"),
        ("职工总数约1200人", "1200人"),
    ],
)
def test_every_headcount_is_flagged_however_it_is_written(text, old):
    assert f"【待核：原为{old}】" in run(text)[1]


def test_a_part_of_a_group_never_takes_the_whole_groups_fact():
    facts = {"职工人数": 1250}
    clean = run("全院共有1200人，编外职工（14人）、36名退休职工全部入会。", facts=facts)[1]
    assert clean == "全院共有1250人，编外职工（【待核：原为14人】）、【待核：原为36名】退休职工全部入会。"


def test_the_closing_date_is_this_years_day_or_flagged():
    assert run_info("2024年1月8日", LineInfo(closing=True)) == "2025年【待核：落款日期，原为1月8日】"
    assert run_info("二〇二四年一月八日", LineInfo(closing=True)) == "二〇二五年【待核：落款日期，原为一月八日】"
    assert run_info("2024年1月8日", LineInfo(closing=True), facts={"落款日期": "2025年1月6日"}) == "2025年1月6日"
    assert run_info("某医院工会委员会", LineInfo(closing=True)) == "某医院工会委员会"
    assert "【待核" not in run("2024年1月8日召开工会委员会议")[1]  # a date in the body is no 落款
