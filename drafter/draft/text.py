"""Text tools of the offline composer: split passages into items, adapt them, judge them.

Pure functions over strings (no model, no index), so the composer's rules are easy to
test: ``split_items`` cuts a passage into candidate items, ``adapt_item`` maps a
borrowed item to the unit and the year, ``reject_reason`` says why an item must not be
used (or ``None``), ``similar`` measures near-duplicates by character bigrams.
"""

from __future__ import annotations

import re

# Web-page boilerplate and template placeholders: an item carrying one is never used.
BOILERPLATE = ("小编", "范文", "供大家", "参考", "喜欢就分享", "网友", "下载", "文档", "收藏", "转发",
               "欢迎", "阅读", "精选", "模板", "篇1", "篇2", "篇3", "篇一", "篇二", "篇三", "整理", "分享给",
               "某某", "xx", "XX", "ｘｘ", "^v^", "点击", "本文")
# Summary-style reporting of a past year: a plan speaks of what will be done.
PAST = ("一年来", "取得了", "共发放", "荣获", "受到表彰", "获得了", "累计", "截止", "截至", "已有", "今年以来",
        "全年共", "一致好评", "好评", "成效显著", "取得明显成效", "取得可喜", "收到了", "受到了", "创出", "历史最好",
        "被评为", "共救助", "共组织", "共接待", "共评选", "共收到", "先后为", "运行半年", "以来", "过去的一年",
        "回顾", "总结如下", "现将", "几年来", "多年来", "近年来", "上半年", "下半年以来")
# Words tied to one place, one office or a passing policy rather than to the union's yearly work.
OFF_TOPIC = ("我镇", "我市", "全市", "我区", "全区", "我县", "全县", "本镇", "总公司", "集团", "我会", "本会",
             "撤并", "下岗", "分流", "人事制度改革", "绩效工资改革", "床位", "业务收入", "利润", "销售收入",
             "上述", "以上", "如下", "下列", "附件", "本文件", "通知》精神", "见附", "另行制定", "工作计划模板",
             "工作总结", "本学期", "下学期", "上学期", "毕业班", "高考", "中考", "三甲", "评审标准", "新任",
             "试行", "待定", "网站", "网页", "论坛", "oa", "OA", "画册", "拔河比赛", "保铃球", "这些", "该项", "此项",
             "主要包括", "分调房", "其中", "州级", "栏目", "就业", "以下", "等等", "以庆三八", "主题是", "各项准备工作", "几十年如一日", "本次", "本届", "近期", "再就业", "扑克", "抓彩", "全依", "参^v^", "目标：", "具体如下", "如：",
             # one source's own bureau, district and campaign
             "局工作要点", "县局", "区政府", "十万职工", "大行动", "拓展型")
# Common web-copy typos fixed in borrowed text.
TYPOS = {"基矗": "基础", "文替": "文体", "著重": "着重", "工作干部": "工会干部", "政治强能": "政治强",
         "：并": "，并", ":并": "，并", "履行号": "履行好",
         "付、帮、带": "传、帮、带", "群众教职工": "教职工",
         "自身个人和小组和": "个人、小组与", "建帐": "建账", "组织单位女": "组织女",
         "县局系统内": ""}  # (the last: one source's own bureau, cut so the task itself can be borrowed)
# A split-off clause must start like a task to stand alone as an item.
_TASK_START = re.compile(
    r"^(?:加强|开展|组织|做好|继续|坚持|推进|积极|认真|进一步|充分|切实|建立|健全|完善|深化|深入|提高|提升|发挥|落实|配合|"
    r"关心|关注|围绕|鼓励|引导|倡导|利用|通过|以|结合|按照|根据|为|在|定期|广泛|大力|努力|不断|全面|扎实|规范|严格|"
    r"注重|重视|丰富|举办|开设|设立|办好|抓好|搞好|争取|协助|协调|维护|帮助|慰问|探望|走访|密切|强化|支持|动员|教育|"
    r"营造|创建|创新|探索|实行|实施|执行|召开|收集|征集|选树|评选|表彰|宣传|学习|弘扬|构建|打造|拓展|保障|确保)")
_LEADING_CONNECTORS = re.compile(r"^(?:同时|此外|另外|并且|而且|因此|为此|所以|最后|首先|其次|再次|总之|并)[，,、]?")
_NUMBERING = re.compile(
    r"^\s*(?:[（(]?[一二三四五六七八九十]{1,3}[）)、．.]|[（(]\d{1,2}[）)]|\d{1,2}\s*[、．.]\s*|\d{1,2}\s*[)）]|"
    r"[①②③④⑤⑥⑦⑧⑨⑩]|[a-zA-Z][)）.、]|第[一二三四五六七八九十]+[，,、是]?|[一二三四五六七八九十]是[，,]?)\s*"
)
_PAGE_MARK = re.compile(r"-\s*\d+\s*-")
_CJK = r"\u4e00-\u9fff"
_END = "。！？"


def normalize(text: str) -> str:
    """Full-width punctuation next to Chinese, page markers and stray artifacts removed."""
    t = _PAGE_MARK.sub("", text)
    t = t.replace("`", "").replace("'", "").replace("\u3000", " ")
    for wrong, right in TYPOS.items():
        t = t.replace(wrong, right)
    pairs = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
    for half, full in pairs.items():
        t = re.sub(rf"(?<=[{_CJK}“”）])[ \t]*{re.escape(half)}[ \t]*|[ \t]*{re.escape(half)}[ \t]*(?=[{_CJK}“”（])", full, t)
    t = re.sub(rf"(?<=[{_CJK}])\.(?=\s|$)", "。", t)
    t = re.sub(rf"(?<=[{_CJK}])-(?=[{_CJK}])", "", t)
    t = re.sub(r"[ \t]+", " ", t)
    t = re.sub(rf"(?<=[{_CJK}，。；：、）”])[ \t]+(?=[{_CJK}“（])", "", t)
    t = re.sub(r"([，。；：、！？])\1+", r"\1", t)
    return t.strip()


def strip_numbering(line: str) -> str:
    """``1、加强学习`` → ``加强学习`` (also （一）, ①, a), 一是…)."""
    prev = None
    while prev != line:
        prev = line
        line = _NUMBERING.sub("", line, count=1).strip()
    return line


def sentences(text: str) -> list[str]:
    """Split Chinese text on 。！？ (keeping the mark), and on ； only inside very long runs."""
    parts = re.findall(rf"[^{_END}]+[{_END}]?", text)
    return [p.strip() for p in parts if p.strip()]


def _is_heading(line: str) -> bool:
    return len(line) <= 24 and not re.search(rf"[{_END}]$", line)


def _heading_then_task(line: str, nxt: str) -> bool:
    """A short clause line followed by a line that starts a task: a heading whose number was
    stripped, then its body (以维护职工权益为工作重点，切实提高维权能力 / 为积极调动…), not one
    sentence broken across lines."""
    return len(line) <= 32 and "，" in line and bool(_TASK_START.match(nxt))


def split_items(text: str, max_len: int = 130) -> list[str]:
    """Candidate items of a passage: numbered items and sentences, heading-like lines dropped.

    A short lead sentence (``加强学习，提高认识。``) is kept together with the sentence that
    follows it; runs longer than ``max_len`` are cut at sentence ends.
    """
    items: list[str] = []
    lines: list[str] = []
    for raw in re.split(r"\n+", normalize(text)):
        raw = raw.strip()
        if (lines and len(lines[-1]) > 24 and not re.search(rf"[{_END}：:]$", lines[-1]) and raw
                and not _NUMBERING.match(raw) and not _NUMBERING.match(lines[-1])
                and not _heading_then_task(lines[-1], raw)):
            # (a numbered line without an end mark is a heading: its body is not its continuation)
            lines[-1] += raw  # a sentence broken across lines (page breaks in the source)
        elif raw:
            lines.append(raw)
    for raw in lines:
        line = strip_numbering(raw)
        if not line or _is_heading(line):
            continue
        sents = sentences(line)
        buf = ""
        for s in sents:
            s = strip_numbering(s)
            if not buf:
                buf = s
            elif len(buf) <= 18 or len(buf) + len(s) <= max_len * 0.6:
                buf += s
            else:
                items.append(buf)
                buf = s
        if buf:
            items.append(buf)
    out = []
    for it in items:
        if len(it) > max_len and "；" in it:
            parts = [p.strip() for p in it.split("；") if p.strip()]
            out.extend(p if p.endswith(tuple(_END)) else p + "。" for p in parts if _TASK_START.match(p))
            continue
        if len(it) > max_len:
            cut = ""
            for s in sentences(it):
                if len(cut) + len(s) > max_len and cut:
                    break
                cut += s
            it = cut
        out.append(it)
    return out


_CN_YEAR = re.compile(r"二[0０〇零○][0０〇零○一二三四五六七八九]{2}年")


def adapt_year(text: str, year: int) -> str:
    """Any stated year (2019年, 20xx年, 二00五年, 今年, 明年) becomes the plan year."""
    t = re.sub(r"(?:19|20)\d{2}\s*(?=年)", str(year), text)
    t = re.sub(r"(?:20|19)?[xXｘ]{2,4}\s*(?=年)", str(year), t)
    t = _CN_YEAR.sub(f"{year}年", t)
    t = re.sub(r"(?:今年|明年|本年|新的一年)(?!度)", f"{year}年", t)
    t = t.replace("去年", f"{year - 1}年")
    t = re.sub(rf"{year}年{year}年", f"{year}年", t)
    return t


def finish(item: str) -> str:
    """Trim connectors and trailing commas; end the sentence with 。."""
    t = _LEADING_CONNECTORS.sub("", item.strip())
    t = re.sub(r"^强(?![化调健身大])", "增强", t)  # a dropped first character in web copies (强责任意识 …)
    t = t.strip(" ，,、；;：:")
    t = re.sub(r"(?<=[\u4e00-\u9fff”）])[；;，,、]+$", "", t)
    if t and t[-1] not in _END:
        t += "。"
    t = t.replace("。。", "。")
    return t


def _balanced(t: str) -> bool:
    return (t.count("“") == t.count("”") and t.count("《") == t.count("》") and t.count("（") == t.count("）")
            and t.count("(") == t.count(")"))


# Titles in 《》 a plan may cite whatever its unit: laws, regulations, the union's charter, national norms.
# Any other title is one source's own rules or report (《考核实施细则》, 《…文件选编》).
_NATIONAL_TITLE = re.compile(r"《[^《》]*(?:法|条例|章程|规范)\s*》|《关于构建和谐劳动关系的意见》")
# A union said to have done something all along reports on a past year (公司工会十分注重…).
_NARRATIVE = re.compile(r"工会(?:十分|高度|一直|始终|历来|一贯)(?:注重|重视|关心|关注)")
_DIGITS_OK = re.compile(r"\d{4}年|\d{1,2}月(?:\d{1,2}日)?|\d{1,2}[·.]\d{1,2}(?=[\u4e00-\u9fff”])|“\d+”")
_PAST_LE = re.compile(r"(?<![为除])了(?![解如])")


def reject_reason(item: str, *, forbidden: list[str] | tuple[str, ...] = (), stale=None,  # noqa: ANN001
                  min_chars: int = 14, max_chars: int = 160) -> str | None:
    """Why an (adapted, finished) item must not appear in a plan, or None when it may."""
    cjk = len(re.findall(rf"[{_CJK}]", item))
    if cjk < min_chars or re.search(r"[，、][\u4e00-\u9fff]{1,2}。$", item):
        return "fragment"
    if re.match(r"^(?:工会|[^，。]{1,4}工会)(?:组织)?是", item):
        return "definition"
    if len(sentences(item)) == 1 and re.search(r"是(?:[^，。]{0,4})工会(?:工作)?的", item):
        return "definition"
    if re.search(r"(?<=[\u4e00-\u9fff])(?<![让使对为给和与把被向跟同及是])我们", item):
        return "run_on"  # two sentences fused where the source lost its punctuation
    if "我们" in item:
        return "voice"  # a speech or a report (首先我们抓住…, 我们将一以贯之), not an item of the plan
    if item.startswith("“") and len(item) < 40:
        return "slogan"
    if re.search(r"\d{4}年是", item):
        return "year_claim"  # the year's standing is said once, from the era table
    if len(item) > max_chars:
        return "too_long"
    for w in BOILERPLATE:
        if w in item:
            return f"boilerplate:{w}"
    for w in forbidden:
        if w and w in item:
            return f"forbidden:{w}"
    if stale is not None:
        m = stale.search(item)
        if m:
            return f"stale:{m.group(0)}"
    for w in PAST:
        if w in item:
            return f"past:{w}"
    if _PAST_LE.search(item):
        return "past:了"
    if _NARRATIVE.search(item):
        return "past:narrative"
    for w in OFF_TOPIC:
        if w in item:
            return f"off_topic:{w}"
    if re.search(r"\d", _DIGITS_OK.sub("", item)):
        return "numbers"
    if re.search(r"[a-zA-Z]{2,}", item):
        return "latin"
    if "？" in item or "?" in item:
        return "question"
    if not _balanced(item):
        return "unbalanced"
    if "《" in _NATIONAL_TITLE.sub("", item):
        return "source_title"
    if re.search(r"[\ufffd�]|[^\u0000-\uffff]", item):
        return "garbled"
    return None


def drop_clause(item: str, words: list[str]) -> str | None:
    """The item without the one inner clause that carries ``words``, or None when that is not safe.

    Only a clause between the first and the last of a one-sentence item may go
    (组织开展青年教师岗位练兵，鼓励和支持各基层工会开展基本功竞赛，提高业务水平。 →
    组织开展青年教师岗位练兵，提高业务水平。): the task and its aim stay, nothing is reworded.
    """
    if not words or len(sentences(item)) != 1:
        return None
    body = item.rstrip("。！？")
    clauses = body.split("，")
    hits = [i for i, c in enumerate(clauses) if any(w in c for w in words)]
    if len(clauses) < 3 or len(hits) != 1 or hits[0] in (0, len(clauses) - 1):
        return None
    if any(w in "，".join(c for i, c in enumerate(clauses) if i != hits[0]) for w in words):
        return None
    return "，".join(c for i, c in enumerate(clauses) if i != hits[0]) + item[len(body):]


def bigrams(text: str) -> set[str]:
    t = re.sub(rf"[^{_CJK}A-Za-z0-9]", "", text)
    return {t[i:i + 2] for i in range(len(t) - 1)}


def similar(a: str | set[str], b: str | set[str]) -> float:
    """Jaccard similarity of character bigrams (0…1)."""
    sa = a if isinstance(a, set) else bigrams(a)
    sb = b if isinstance(b, set) else bigrams(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


def containment(a: str | set[str], b: str | set[str]) -> float:
    """Share of the smaller bigram set found in the other (catches an item repeated inside a longer one)."""
    sa = a if isinstance(a, set) else bigrams(a)
    sb = b if isinstance(b, set) else bigrams(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / min(len(sa), len(sb))


def is_duplicate(item: str, seen: list[set[str]], threshold: float = 0.45) -> bool:
    """True when the item, or one of its sentences, repeats something already in ``seen``."""
    grams = bigrams(item)
    if any(similar(grams, s) >= threshold or containment(grams, s) >= 0.75 for s in seen):
        return True
    parts = [bigrams(x) for x in sentences(item) if len(x) >= 15]
    return len(parts) > 1 and any(similar(p, s) >= 0.7 or containment(p, s) >= 0.9 for p in parts for s in seen)


def remember(item: str, seen: list[set[str]]) -> None:
    """Add an item (and its longer sentences) to the bigram sets ``is_duplicate`` checks."""
    seen.append(bigrams(item))
    parts = [x for x in sentences(item) if len(x) >= 15]
    if len(parts) > 1:
        seen.extend(bigrams(x) for x in parts)
