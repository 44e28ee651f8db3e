"""Which assembly a union holds, by its size (``data/assemblies.yaml``): 会员大会 or 会员代表大会,
教职工大会 or 教职工代表大会. The words ``{members_assembly}`` and ``{staff_assembly}`` of the
catalogue's templates; while the deciding headcount is not given, the hedged 会员（代表）大会 stands.
"""

from __future__ import annotations

import functools
from typing import Any

from drafter.domain.facts import Facts
from drafter.resources import load_data

WORDS = ("members_assembly", "staff_assembly", "assembly")


@functools.cache
def _data() -> dict[str, Any]:
    return dict(load_data("assemblies.yaml"))


def _count(value: str | None) -> float | None:
    if not value:
        return None
    text = value.strip().removesuffix("人")
    try:
        return float(text)
    except ValueError:
        return None


def _pick(forms: dict[str, str], n: float | None, threshold: int) -> str:
    if n is None:
        return forms["unknown"]
    return forms["large"] if n >= threshold else forms["small"]


def assembly_words(unit: str, facts: Facts | None) -> dict[str, str]:
    """``{members_assembly}``, ``{staff_assembly}`` and ``{assembly}`` (the meeting the union reports to)
    for a unit of this size (hedged when unknown)."""
    d = _data()
    threshold = int(d.get("threshold", 100))
    facts = facts or Facts({})
    m = d["members_assembly"]
    s = d["staff_assembly"]
    staff_forms = s.get(unit) or s["default"]
    large = float(threshold) if unit in (d.get("assume_large") or ()) else None  # the size assumed when unknown
    members, staff = _count(facts.get(m["fact"])), _count(facts.get(s["fact"]))
    words = {
        "members_assembly": _pick(m, members if members is not None else large, threshold),
        "staff_assembly": _pick(staff_forms, staff if staff is not None else large, threshold),
    }
    joint = unit in (d.get("joint") or ())
    words["assembly"] = str(d["joint_form"]).format(**words) if joint else words["members_assembly"]
    return words
