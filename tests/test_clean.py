"""Cleaning: each rule on the seed text that shows it; script conversion and punctuation."""

from __future__ import annotations

import functools

import pytest

from drafter.domain.script import detect_script, to_simplified, to_traditional
from drafter.ingestion.clean import clean_text, find_boilerplate
from drafter.ingestion.load import read_document
from drafter.ingestion.normalize import normalize_punctuation
from drafter.resources import corpus_files


@functools.cache
def raw(prefix: str) -> str:
    (path,) = [p for p in corpus_files() if p.name.startswith(prefix)]
    return read_document(path)


@functools.cache
def cleaned(prefix: str) -> str:
    return clean_text(raw(prefix))


# --------------------------------------------------------------------------- site intros and outros


@pytest.mark.parametrize(
    ("prefix", "phrase"),
    [
        ("000", "下面是阿拉网友整理编辑的"),
        ("000", "喜欢就分享给朋友吧"),
        ("000", "下一篇"),
        ("001", "以下是品读360小编精心为您推荐的"),
        ("002", "欢迎您阅读文档"),
        ("002", "继续前行的动力"),
        ("003", "白驹过隙"),
        ("003", "以下是小编为大家收集的计划范文"),
        ("004", "時間過得可真快"),
        ("004", "下面是小編為大家整理的"),
        ("004", "相關文章"),
    ],
)
def test_site_boilerplate_is_removed(prefix: str, phrase: str) -> None:
    assert phrase in raw(prefix)
    assert phrase not in cleaned(prefix)


def test_related_articles_list_is_dropped_to_the_end() -> None:
    text = cleaned("004")
    assert "醫院工會述廉述職報告" not in text and "醫院工會工作總結12-02" not in text
    assert text.rstrip().endswith("保證工會資產的安全完整和工會事業的健康發展。")


def test_the_intro_line_goes_but_the_titles_stay() -> None:
    text = cleaned("000")
    assert text.split("\n")[0] == "实用幼儿园工会工作计划优质5篇"
    assert "加强幼儿园工会组织建设,推动教职工福利改善" not in text  # SEO blurb on the intro line
    assert "幼儿园工会工作计划 篇1:" in text


# --------------------------------------------------------------------------- page markers


def test_page_markers_are_removed_and_split_sentences_rejoined() -> None:
    text = cleaned("002")
    for marker in ("- 1 -", "- 2 -", "- 3 -", "- 4 -", "- 5 -"):
        assert marker in raw("002") and marker not in text
    assert "通过工会主席各教研组的沟通联络" in text
    assert "提高学习型班组建设组织管理的实效" in text
    assert "为建设节约型企业添砖加瓦" in text
    # a marker between two complete lines keeps them apart
    assert "后勤服务工作。\n6、继续做好义务献血" in text


# --------------------------------------------------------------------------- scraping artifacts


def test_censor_emoticon_and_stars_are_repaired() -> None:
    assert "参^v^" in raw("000")
    text = cleaned("000")
    assert "^v^" not in text and "知情权、参与权、监督权" in text
    assert "“维护、参与、教育、建设”的四大职能" in text
    assert "*" not in text


def test_stray_backticks_quotes_and_dots_inside_words() -> None:
    assert "提案的`收集" in raw("004") and "職工的'意見" in raw("004") and "黨的.十八大" in raw("004")
    t4 = cleaned("004")
    assert "提案的收集" in t4 and "職工的意見" in t4 and "黨的十八大" in t4
    assert "`" not in t4 and "'" not in t4
    assert "的.改革" in raw("003") and "的改革方案" in cleaned("003")
    # numbers keep their dots
    assert "5.12護士節" in t4 and "13.02万元" in cleaned("003")


def test_hyphen_split_words() -> None:
    assert "民-主" in raw("000") and "和-谐" in raw("000")
    text = cleaned("000")
    assert "民主评议" in text and "构建和谐医院" in text and "民-主" not in text


def test_mojibake_and_garbled_fragments() -> None:
    text = cleaned("000")
    assert "基矗" in raw("000") and "基矗" not in text
    assert "夯实医院工会工作的组织基础。坚持以人为本" in text
    assert "夯实医院工会工作的群众基础。" in text
    t4 = cleaned("004")
    assert "慶;顒" in raw("004") and "5.12護士節慶祝活動" in t4
    assert "繼續開展“生日祝福”活動。" in t4
    assert "繼續組織好慶“三八”節、勞動節" in t4
    assert "顒" not in t4 and "!被" not in t4


def test_replacement_character_and_its_broken_sentence_go() -> None:
    assert "\ufffd" in raw("000")
    text = cleaned("000")
    assert "\ufffd" not in text and "建立以重" not in text
    assert "争取让的患者在州内就能够解除病痛。\n六、进一步加大内引外联工作" in text


def test_lost_dash_in_a_time_range() -> None:
    assert "7:207:50" in raw("004")
    assert "每日早7:20-7:50和每周一" in cleaned("004")


# --------------------------------------------------------------------------- broken lines


def test_lines_broken_inside_a_sentence_are_joined() -> None:
    t0 = cleaned("000")
    assert "今\n后我们" in raw("000") and "职工的业余文体活动得不到满足,今后我们将创新活动形式" in t0
    assert "持证率达\n100%" in raw("000") and "职工各岗位工种持证率达100%,有 x人" in t0
    t3 = cleaned("003")
    assert "现将今年\n工作总结\n如下:" in raw("003")
    assert "现将今年工作总结如下:\n一、主要工作\n" in t3
    assert "解困难职工之所忧。我们依托" in t3


def test_headings_are_not_glued_to_their_bodies() -> None:
    text = cleaned("000")
    assert "二、抓住基本点,不断提高医院工会的组织能力\n首先," in text
    assert "一,指导思想\n在县总工会" in text
    t4 = cleaned("004")
    assert "具體活動安排\n3月份\n1、38婦女節活動" in t4
    assert "7月8月份:\n組織夏季旅游\n9月份:" in t4


def test_cleaning_is_idempotent_and_keeps_one_paragraph_a_line() -> None:
    for prefix in ("000", "001", "002", "003", "004"):
        once = cleaned(prefix)
        assert clean_text(once) == once
        assert "\n\n" not in once and once == once.strip()


# --------------------------------------------------------------------------- find_boilerplate


def test_find_boilerplate_names_what_a_draft_copied() -> None:
    draft = "一、指导思想\n以人为本。\n以下是小编为大家收集的计划范文，仅供参考。\n- 2 -\n知情权、参^v^"
    found = find_boilerplate(draft)
    assert "小编推荐" in found and "供大家参考" in found and "页码标记" in found and "乱码" in found
    assert find_boilerplate("一、指导思想\n以人为本，服务职工。") == []
    assert "相关文章" in find_boilerplate(raw("004"))


# --------------------------------------------------------------------------- normalize


def test_script_conversion_both_ways() -> None:
    assert to_simplified("2023年醫院工會工作計劃") == "2023年医院工会工作计划"
    assert to_traditional("医院工会工作计划") == "醫院工會工作計劃"
    assert to_simplified("") == ""


def test_detect_script_with_evidence() -> None:
    trad = detect_script(cleaned("004"))
    assert trad.value == "traditional"
    assert trad.evidence and all(to_simplified(ch) != ch and ch in cleaned("004") for ch in trad.evidence)
    simp = detect_script(cleaned("003"))
    assert simp.value == "simplified" and simp.evidence
    assert all(to_traditional(ch) != ch and ch in cleaned("003") for ch in simp.evidence)
    assert detect_script("2024 plan").evidence == []
    assert detect_script("醫院工會").value == "traditional"


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("今年,我们要:做好(一)工作;完善制度!", "今年，我们要：做好（一）工作；完善制度！"),
        ("5.12护士节,3.5%的增长,oa办公,qc小组", "5.12护士节，3.5%的增长，oa办公，qc小组"),
        ("每日早7:20-7:50开放", "每日早7:20-7:50开放"),
        ("走访困难职工240人. 6月10日,为", "走访困难职工240人。6月10日，为"),
        ("51周岁(含51周岁)以上", "51周岁（含51周岁）以上"),
        ("1、 继续做好送温暖工作", "1、继续做好送温暖工作"),
        ("以加强自身建设为 ,不断", "以加强自身建设为，不断"),
        ("解困难职工之所忧。,我们", "解困难职工之所忧。我们"),
        ("1. 参加校工会活动;", "1.参加校工会活动；"),
        ("完成各项筹备工作、\n2、选举", "完成各项筹备工作。\n2、选举"),
        ("pay 5,000 yuan (see a, b)", "pay 5,000 yuan (see a, b)"),
    ],
)
def test_normalize_punctuation(before: str, after: str) -> None:
    assert normalize_punctuation(before) == after


def test_complete_lines_are_not_joined() -> None:
    text = "三、构建和谐校园\n和谐校园建设是学校工作的重点。\n指导思想\n与时俱进，开拓创新。\n4、组织职工\n了解职工需求，着力解决困难。\n着力推进职工文化建设。"
    assert clean_text(text) == text


def test_page_marker_with_blank_lines_around_it() -> None:
    text = "努力构建和谐校园，为建设\n\n- 4 -\n\n节约型学校添砖加瓦。\n- 5 -\n6、继续做好慰问工作。"
    assert clean_text(text) == "努力构建和谐校园，为建设节约型学校添砖加瓦。\n6、继续做好慰问工作。"
