"""Chinese numerals, one home for every stage: 12 → 十二 for headings, 十二 / 二〇二四 → numbers when reading."""

from __future__ import annotations

DIGITS = "零一二三四五六七八九"
# Every way a digit is written in the corpus's numerals (二00五年, 二○○五, 二〇〇五 …).
DIGIT_VALUES: dict[str, int] = {
    **{ch: i for i, ch in enumerate(DIGITS)},
    "两": 2,
    "〇": 0,
    "○": 0,
    "O": 0,
    "Ｏ": 0,
    "０": 0,
    **{str(i): i for i in range(10)},
    **{chr(0xFF10 + i): i for i in range(10)},
}
DIGIT_CLASS = "".join(sorted(DIGIT_VALUES))


def to_chinese(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 105 → 一百零五 (0–999), as headings number sections."""
    if not 0 <= n <= 999:
        raise ValueError(f"{n} is outside 0–999")
    if n < 10:
        return DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return (DIGITS[tens] if tens > 1 else "") + "十" + (DIGITS[ones] if ones else "")
    hundreds, rest = divmod(n, 100)
    if rest == 0:
        return DIGITS[hundreds] + "百"
    tail = to_chinese(rest)
    if rest < 10:
        return DIGITS[hundreds] + "百零" + tail
    return DIGITS[hundreds] + "百" + ("一" + tail if rest < 20 else tail)


def from_chinese(text: str) -> int | None:
    """``"3"`` → 3, ``"十二"`` → 12, ``"二十"`` → 20, ``"二〇二四"``/``"二00五"`` → 2024/2005; None if not a numeral."""
    s = (text or "").strip()
    if not s:
        return None
    if s.isdigit() and s.isascii():
        return int(s)
    if "百" in s:
        hundreds, _, rest = s.partition("百")
        h = DIGIT_VALUES.get(hundreds) if hundreds else 1
        r = from_chinese(rest.removeprefix("零")) if rest else 0
        return None if h is None or r is None else h * 100 + r
    if "十" in s:
        tens, _, ones = s.partition("十")
        t = DIGIT_VALUES.get(tens) if tens else 1
        o = DIGIT_VALUES.get(ones) if ones else 0
        return None if t is None or o is None else t * 10 + o
    value = 0
    for ch in s:
        d = DIGIT_VALUES.get(ch)
        if d is None:
            return None
        value = value * 10 + d
    return value
