"""The unit's own facts (人数, 工会主席, 经费预算…), the template a chair fills in, and the slots they fill.

Fields are data (``drafter/data/facts.yaml``). ``drafter facts --unit U`` prints
:func:`facts_template`; :func:`load_facts` reads a filled file (YAML, bounded and without
alias expansion), :func:`check_facts` a mapping given in Python. :func:`fill_slots` puts the
facts into a text's ``{中文}`` slots and leaves a visible 【待填：…】 for every fact not given.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drafter.errors import InputError
from drafter.fileio import load_user_yaml, read_user_text
from drafter.resources import load_data

MAX_FACTS_BYTES = 64_000
# A slot is a {placeholder} of CJK characters (unit words are {latin}).
SLOT = re.compile(r"\{([\u4e00-\u9fff][\u4e00-\u9fff0-9A-Za-z]{0,15})\}")
MISSING = "【待填：{key}】"


@dataclass(frozen=True)
class FactField:
    key: str
    hint: str
    example: Any
    kind: str = "text"
    units: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()

    def applies_to(self, unit: str) -> bool:
        return not self.units or unit in self.units


@functools.cache
def fact_fields() -> tuple[FactField, ...]:
    """Every fact field of ``facts.yaml``, in file order."""
    out = []
    for raw in load_data("facts.yaml").get("fields") or []:
        out.append(
            FactField(
                key=str(raw["key"]),
                hint=str(raw.get("hint") or ""),
                example=raw.get("example"),
                kind=str(raw.get("kind") or "text"),
                units=tuple(raw.get("units") or ()),
                aliases=tuple(str(a) for a in raw.get("aliases") or ()),
            )
        )
    return tuple(out)


def fields_for(unit: str) -> list[FactField]:
    return [f for f in fact_fields() if f.applies_to(unit)]


@dataclass(frozen=True)
class Facts:
    """A unit's facts by key (only the keys that were given a value)."""

    values: Mapping[str, str] = field(default_factory=dict)

    def get(self, key: str) -> str | None:
        return self.values.get(key)

    def __bool__(self) -> bool:
        return bool(self.values)

    def to_dict(self) -> dict[str, str]:
        return dict(self.values)


def _value(f: FactField, raw: Any) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, (list, tuple)):
        items = [str(x).strip() for x in raw if str(x).strip()]
        return "；".join(items) or None
    if isinstance(raw, dict):
        raise InputError(f"fact {f.key!r} must be a value or a list, not a mapping")
    text = str(raw).strip()
    text = "".join(ch for ch in text if ord(ch) >= 32 and ord(ch) != 127)
    if not text:
        return None
    if len(text) > 400:
        raise InputError(f"fact {f.key!r} is {len(text)} characters long; keep a fact to one short line (400 at most)")
    if f.kind == "number":
        num = text.removesuffix("人").removesuffix("万元").removesuffix("个").strip()
        if not re.fullmatch(r"\d+(?:\.\d+)?", num):
            raise InputError(f"fact {f.key!r} must be a number (e.g. {f.example}), not {text!r}")
        return num
    return text


def check_facts(values: Mapping[str, Any] | None, unit: str | None = None) -> Facts:
    """Facts from a mapping: unknown keys are an error naming the closest known key; empty values are dropped."""
    if not values:
        return Facts({})
    if not isinstance(values, Mapping):
        raise InputError("facts must be a mapping of field names to values (see `drafter facts --unit U`)")
    known = {f.key: f for f in fact_fields()}
    former = {a: f for f in fact_fields() for a in f.aliases}
    out: dict[str, str] = {}
    for key, raw in values.items():
        k = str(key).strip()
        f = known.get(k) or former.get(k)
        if f is None:
            import difflib

            close = difflib.get_close_matches(k, list(known), n=1, cutoff=0.3)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise InputError(f"unknown fact {k!r}{hint} (`drafter facts --unit U` lists the fields)")
        v = _value(f, raw)
        if v is not None:
            out[f.key] = v
    return Facts(out)


@functools.cache
def _derivations() -> tuple[tuple[str, str, re.Pattern[str], dict[str, str]], ...]:
    raw = load_data("facts.yaml").get("derived") or {}
    return tuple(
        (
            str(key),
            str(d["from"]),
            re.compile(str(d["pattern"])),
            {str(k): str(v) for k, v in (d.get("map") or {}).items()},
        )
        for key, d in raw.items()
    )


def derive_facts(facts: Facts) -> Facts:
    """The facts with those read from other facts (``derived`` in facts.yaml) added where not given:
    获评区级模范职工之家 in 上年主要成绩 → 争创模范之家级别: 市级."""
    values = dict(facts.values)
    for key, source, pattern, mapping in _derivations():
        if values.get(key) or not values.get(source):
            continue
        m = pattern.search(values[source])
        if m and m.group(1) in mapping:
            values[key] = mapping[m.group(1)]
    return Facts(values) if values != dict(facts.values) else facts


def load_facts(path: str | Path, unit: str | None = None) -> Facts:
    """Read a facts file written from ``drafter facts`` (UTF-8 YAML; no aliases, at most 64 kB)."""
    what = "facts file"
    text = read_user_text(
        Path(path), what, max_bytes=MAX_FACTS_BYTES, hint="create one with `drafter facts --unit U > facts.yaml`"
    )
    raw = load_user_yaml(text, f"{what} {path}", "fix the file (see `drafter facts --unit U`)")
    if raw is None:
        return Facts({})
    if not isinstance(raw, dict):
        raise InputError(f"facts file {str(path)!r} must hold `field: value` lines (see `drafter facts --unit U`)")
    return check_facts(raw, unit)


def facts_template(unit: str) -> str:
    """The YAML template of a unit's facts, every field commented with its hint and an example."""
    lines = [
        "# 本单位基本情况 —— 填写已知的项目，不知道的留空；生成计划时，留空的项目在文中显示为【待填：…】。",
        "# 用法：drafter write --unit " + unit + " --year 年份 --facts 本文件",
        "",
    ]
    for f in fields_for(unit):
        example = "；".join(map(str, f.example)) if isinstance(f.example, list) else f.example
        lines.append(f"# {f.hint}（例：{example}）")
        if f.kind == "list":
            lines.append(f"{f.key}:")
            lines.append("#  - 第一条")
        else:
            lines.append(f"{f.key}:")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def fill_slots(text: str, facts: Facts, *, defaults: Mapping[str, str] | None = None) -> tuple[str, list[str]]:
    """Fill ``{中文}`` slots from the facts (then ``defaults``); a missing fact becomes 【待填：key】.

    Returns the text and the keys left unfilled, in order of first appearance.
    """
    unfilled: list[str] = []

    def sub(m: re.Match[str]) -> str:
        key = m.group(1)
        value = facts.get(key) or (defaults or {}).get(key)
        if value:
            return value
        if key not in unfilled:
            unfilled.append(key)
        return MISSING.format(key=key)

    return SLOT.sub(sub, text), unfilled


MISSING_RE = re.compile(r"【待填：([^】]{1,30})】")


def unfilled_in(text: str) -> list[str]:
    """The 【待填：…】 markers a text still holds (keys, in order, each once)."""
    return list(dict.fromkeys(MISSING_RE.findall(text or "")))
