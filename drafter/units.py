"""Unit type ids and their Chinese names and aliases, from ``drafter/data/units.yaml``.

Shared by every stage: corpus tags, ``--unit`` options and metadata filters all use
these ids. Drafting profiles (a unit's words, themes, forbidden words…) are read by
``drafter.draft.units`` from the same file.
"""

from __future__ import annotations

from drafter.errors import UnknownUnitError
from drafter.resources import load_data


def _units() -> list[dict]:
    return load_data("units.yaml")["units"]


def unit_ids(drafting_only: bool = False) -> list[str]:
    """All unit ids in file order (only those with a drafting profile when asked)."""
    return [u["id"] for u in _units() if not drafting_only or u.get("drafting")]


def unit_name(unit_id: str) -> str:
    """Chinese name of a unit id (幼儿园 for kindergarten)."""
    for u in _units():
        if u["id"] == unit_id:
            return u["name"]
    raise UnknownUnitError(_unknown_message(unit_id, drafting_only=False))


def resolve_unit(name: str, *, drafting_only: bool = False) -> str:
    """Map a unit id, Chinese name or alias (``医院``, ``Hospital``) to its id.

    Raises :class:`UnknownUnitError` with the list of known units otherwise.
    """
    key = (name or "").strip()
    low = key.lower().replace("-", "_")
    for u in _units():
        if drafting_only and not u.get("drafting"):
            continue
        if low == u["id"] or key == u["name"] or key in u.get("aliases", []):
            return u["id"]
    raise UnknownUnitError(_unknown_message(key, drafting_only=drafting_only))


def _unknown_message(name: str, *, drafting_only: bool) -> str:
    known = ", ".join(f"{u['id']} ({u['name']})" for u in _units() if not drafting_only or u.get("drafting"))
    return f"unknown unit {name!r}; known units: {known}"
