"""Thresholds and baselines of eval runs.

Thresholds (``evals/thresholds.yaml``) apply to the drafting systems named in
``applies_to`` (default: offline and openai; the corpus reference is reported, never gated)::

    mean: {overall: 0.5}          # the mean over a system's drafts must be at least this
    min:  {coverage: 0.6}         # every draft must reach this
    max:  {placeholders: 0}       # no draft may exceed this (fault counts, copying share)
    max_errors: 0                 # drafts that failed to be written
    script_match: true            # a traditional brief must give a traditional draft

Baselines (``evals/baseline.json``) keep, per suite name and system, the mean metrics and
each brief's metrics of a past run, so report.md can show the change.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from drafter.errors import InputError

DEFAULT_APPLIES_TO = ("offline", "openai")


def check_thresholds(
    rows: list[dict[str, Any]], aggregates: dict[str, dict[str, Any]], thresholds: dict[str, Any]
) -> list[str]:
    """One line per breach, e.g. ``offline: mean overall 0.41 < 0.50``."""
    if not thresholds:
        return []
    applies = list(thresholds.get("applies_to") or DEFAULT_APPLIES_TO)
    breaches: list[str] = []
    for system in applies:
        agg = aggregates.get(system)
        if agg is None:
            continue
        for name, limit in (thresholds.get("mean") or {}).items():
            value = agg["mean"].get(name)
            if value is not None and value < float(limit):
                breaches.append(f"{system}: mean {name} {value:.2f} < {float(limit):.2f}")
        srows = [r for r in rows if r["system"] == system]
        max_errors = int(thresholds.get("max_errors", 0))
        errors = [r for r in srows if r["error"]]
        if len(errors) > max_errors:
            breaches.append(f"{system}: {len(errors)} drafts failed ({errors[0]['brief']}: {errors[0]['error']})")
        for r in srows:
            if r["error"]:
                continue
            for name, limit in (thresholds.get("min") or {}).items():
                value = r["metrics"].get(name)
                if value is not None and value < float(limit):
                    breaches.append(f"{system}/{r['brief']}: {name} {value:.2f} < {float(limit):.2f}")
            for name, limit in (thresholds.get("max") or {}).items():
                value = r["metrics"].get(name)
                if value is not None and value > float(limit):
                    reason = r["reasons"].get(name, "")
                    breaches.append(f"{system}/{r['brief']}: {name} {value:g} > {float(limit):g} ({reason})")
            if thresholds.get("script_match", False) and r.get("script_out") and r["script_out"] != r["script"]:
                breaches.append(f"{system}/{r['brief']}: asked for {r['script']} script, got {r['script_out']}")
    return breaches


def load_baseline(path: Path | None, suite: str) -> dict[str, Any] | None:
    """The stored baseline of ``suite`` (None when there is none)."""
    if path is None or not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the baseline {path} ({exc.__class__.__name__}); fix it or delete it") from None
    entry = (data.get("suites") or {}).get(suite)
    if not entry:
        return None
    return dict(entry, path=str(path))


def baseline_entry(rows: list[dict[str, Any]], aggregates: dict[str, dict[str, Any]]) -> dict[str, Any]:
    systems: dict[str, Any] = {}
    for system, agg in aggregates.items():
        if system == "reference":
            systems[system] = {"mean": agg["mean"], "briefs": {}}
            continue
        systems[system] = {
            "mean": agg["mean"],
            "briefs": {r["brief"]: r["metrics"] for r in rows if r["system"] == system and not r["error"]},
        }
    return {"created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "systems": systems}


def save_baseline(path: Path, suite: str, rows: list[dict[str, Any]], aggregates: dict[str, dict[str, Any]]) -> Path:
    """Store this run as the baseline of ``suite`` (other suites' entries are kept)."""
    data: dict[str, Any] = {"schema": 1, "suites": {}}
    if path.exists():
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(old, dict) and isinstance(old.get("suites"), dict):
                data["suites"] = old["suites"]
        except (OSError, ValueError):
            pass
    entry = baseline_entry(rows, aggregates)
    previous = data["suites"].get(suite) or {}
    if "reference" not in entry["systems"] and "reference" in previous.get("systems", {}):
        # a run without the corpus reference (--no-reference) keeps the stored one
        entry["systems"]["reference"] = previous["systems"]["reference"]
    data["suites"][suite] = entry
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path
