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


def _assumed_size(d: dict[str, Any], unit: str, threshold: int) -> float | None:
    if unit in (d.get("assume_large") or ()):
        return float(threshold)
    if unit in (d.get("assume_small") or ()):
        return 0.0
    return None


def size_assumption(unit: str, facts: Facts | None) -> str | None:
    """What the plan assumes about the unit's size because the deciding headcount is not given (a line for
    the user, naming the fact that would decide), or None when nothing is assumed."""
    d = _data()
    threshold = int(d.get("threshold", 100))
    assumed = _assumed_size(d, unit, threshold)
    facts = facts or Facts({})
    unknown = [d[w]["fact"] for w in ("members_assembly", "staff_assembly") if _count(facts.get(d[w]["fact"])) is None]
    if assumed is None or not unknown:
        return None
    words = assembly_words(unit, facts)
    size = f"{threshold} or more" if assumed else f"fewer than {threshold}"
    return (
        f"assumed {size} people ({words['assembly']}); give {'、'.join(dict.fromkeys(unknown))} "
        "with --facts if that is wrong"
    )


def assembly_words(unit: str, facts: Facts | None) -> dict[str, str]:
    """``{members_assembly}``, ``{staff_assembly}`` and ``{assembly}`` (the meeting the union reports to)
    for a unit of this size (hedged when unknown)."""
    d = _data()
    threshold = int(d.get("threshold", 100))
    facts = facts or Facts({})
    m = d["members_assembly"]
    s = d["staff_assembly"]
    staff_forms = s.get(unit) or s["default"]
    assumed = _assumed_size(d, unit, threshold)  # the size assumed when unknown
    members, staff = _count(facts.get(m["fact"])), _count(facts.get(s["fact"]))
    words = {
        "members_assembly": _pick(m, members if members is not None else assumed, threshold),
        "staff_assembly": _pick(staff_forms, staff if staff is not None else assumed, threshold),
    }
    joint = unit in (d.get("joint") or ())
    words["assembly"] = str(d["joint_form"]).format(**words) if joint else words["members_assembly"]
    return words
