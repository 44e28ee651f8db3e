"""Sectors within a kind of unit (``data/sectors.yaml``): a logistics company and a machinery plant are
both enterprises, a 职业技术学院 and a research university both universities; the unit's name tells
which, and work items say which sectors they fit.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from drafter.errors import ConfigError
from drafter.resources import load_data


@dataclass(frozen=True)
class Sector:
    id: str
    name: str
    match: re.Pattern[str]


@functools.cache
def sectors() -> dict[str, tuple[Sector, ...]]:
    """Per unit id, its sectors in the order they are tried."""
    raw = load_data("sectors.yaml").get("sectors") or {}
    out: dict[str, tuple[Sector, ...]] = {}
    for unit, entries in raw.items():
        try:
            out[str(unit)] = tuple(
                Sector(str(e["id"]), str(e.get("name") or e["id"]), re.compile(str(e["match"]))) for e in entries
            )
        except (KeyError, TypeError, re.error) as exc:
            raise ConfigError(f"sectors.yaml: unit {unit}: each sector needs id and a valid match ({exc})") from exc
    return out


def sector_ids() -> set[str]:
    return {s.id for entries in sectors().values() for s in entries}


def sector_of(unit: str, name: str | None) -> Sector | None:
    """The sector a unit's name reveals (宏达物流股份有限公司 → logistics), or None."""
    if not name:
        return None
    return next((s for s in sectors().get(unit, ()) if s.match.search(name)), None)
