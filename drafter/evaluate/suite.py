"""Run an eval suite: draft every brief, score the drafts, compare systems, check thresholds.

A suite (``evals/suite.yaml``) lists briefs (unit, year, optional name, script and free
text with asks). :func:`run_eval` drafts each brief with every available system and scores
the drafts with :func:`drafter.evaluate.score.score`:

* ``offline`` — ``Drafter(writer="offline")``, always;
* ``openai`` — ``Drafter(writer="openai")``, when a model is configured and the provider allows;
* ``reference`` — every union plan of the built-in corpus, scored as written (human reference).

It writes report.json, report.md and coverage.png (:mod:`drafter.evaluate.report`),
compares with the stored baseline (``evals/baseline.json``, per suite), and checks the
thresholds file (``evals/thresholds.yaml``). :meth:`EvalResult.check` raises
:class:`drafter.errors.ThresholdError` on a breach; ``run_eval(check=True)`` calls it.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from drafter.config import IndexConfig
from drafter.domain.kinds import PLAN_KINDS
from drafter.domain.units import resolve_unit, unit_ids
from drafter.draft.drafter import Drafter
from drafter.draft.writers import model_configured as configured
from drafter.errors import ConfigError, DrafterError, InputError, ThresholdError
from drafter.evaluate.gate import check_thresholds, load_baseline, save_baseline
from drafter.evaluate.metrics import METRIC_KIND
from drafter.evaluate.reference import builtin_reference, corpus_plans, plan_sections
from drafter.evaluate.report import write_reports
from drafter.evaluate.score import expected_sections, score
from drafter.index.catalog import ensure_index
from drafter.resources import evals_dir

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
Warn = Callable[[str], None]
PROVIDERS = ("offline", "openai", "auto")
DRAFT_SYSTEMS = ("offline", "openai")
SCRIPTS = ("simplified", "traditional")


@dataclass
class SuiteBrief:
    id: str
    unit: str
    year: int
    brief: str = ""
    name: str | None = None
    script: str = "simplified"


@dataclass
class Suite:
    name: str
    path: Path
    briefs: list[SuiteBrief]
    thresholds: Path | None = None
    description: str = ""


def default_suite_path() -> Path:
    return evals_dir() / "suite.yaml"


def _yaml(path: Path) -> Any:
    import yaml

    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except FileNotFoundError:
        raise InputError(f"file not found: {path}; give an existing suite/thresholds YAML file") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise InputError(f"{path}{where}: not valid YAML ({getattr(exc, 'problem', exc)}); fix the file") from None


def load_suite(path: str | Path | None = None) -> Suite:
    """Read and check a suite file (InputError names the file and the bad brief)."""

    p = Path(path).expanduser() if path else default_suite_path()
    data = _yaml(p)
    if not isinstance(data, dict) or not isinstance(data.get("briefs"), list) or not data["briefs"]:
        raise InputError(f"{p}: a suite needs a 'briefs:' list of {{unit, year, brief}} entries")
    briefs: list[SuiteBrief] = []
    for i, raw in enumerate(data["briefs"], 1):
        if not isinstance(raw, dict) or "unit" not in raw or "year" not in raw:
            raise InputError(f"{p}: brief #{i} needs at least 'unit' and 'year'")
        try:
            year = int(raw["year"])
        except (TypeError, ValueError):
            raise InputError(f"{p}: brief #{i} has year {raw['year']!r}; give a number like 2024") from None
        script = str(raw.get("script") or "simplified")
        if script not in SCRIPTS:
            raise InputError(f"{p}: brief #{i} has script {script!r}; use simplified or traditional")
        unit = resolve_unit(str(raw["unit"]), drafting_only=True)
        bid = str(raw.get("id") or f"{unit}-{year}-{i}")
        if any(b.id == bid for b in briefs):
            raise InputError(f"{p}: brief id {bid!r} appears twice; ids must be unique")
        briefs.append(
            SuiteBrief(
                id=bid,
                unit=unit,
                year=year,
                brief=str(raw.get("brief") or ""),
                name=raw.get("name") or None,
                script=script,
            )
        )
    th = data.get("thresholds", "thresholds.yaml")
    th_path = (p.parent / th) if th else None
    return Suite(
        name=str(data.get("name") or p.stem),
        path=p,
        briefs=briefs,
        thresholds=th_path if th_path and th_path.exists() else None,
        description=str(data.get("description") or ""),
    )


def load_thresholds(path: str | Path | None) -> dict[str, Any]:
    if not path:
        return {}
    data = _yaml(Path(path))
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError(f"{path}: thresholds must be a mapping with mean/min/max sections")
    return data


def model_configured() -> bool:
    """True when a chat model is configured (OPENAI_API_KEY or OPENAI_BASE_URL)."""

    return configured()


# --------------------------------------------------------------------------- result


@dataclass
class EvalResult:
    """An eval run: one row per (system, brief or corpus plan), aggregates, breaches, files."""

    suite: str
    suite_path: str
    provider: str
    systems: list[str]
    briefs: list[dict[str, Any]]
    rows: list[dict[str, Any]]
    aggregates: dict[str, dict[str, Any]]
    coverage: dict[str, dict[str, dict[str, float]]]
    reference_by_unit: dict[str, dict[str, Any]]
    units: list[str]
    sections: list[str]
    section_names: dict[str, str]
    expected: dict[str, dict[str, float]]
    thresholds: dict[str, Any] = field(default_factory=dict)
    breaches: list[str] = field(default_factory=list)
    baseline: dict[str, Any] | None = None
    started: str = ""
    seconds: float = 0.0
    files: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        import dataclasses

        return {"schema": 1, **dataclasses.asdict(self)}

    @property
    def passed(self) -> bool:
        return not self.breaches

    def check(self) -> None:
        """Raise :class:`ThresholdError` (one line, every breach named) when a threshold is not met."""
        if self.breaches:
            more = f" (+{len(self.breaches) - 3} more)" if len(self.breaches) > 3 else ""
            raise ThresholdError(
                f"eval thresholds not met: {'; '.join(self.breaches[:3])}{more}; see {self.files.get('markdown', 'report.md')}"
            )

    def summary(self) -> str:
        lines = [
            f"eval of {self.suite!r} ({self.suite_path}): {len(self.briefs)} briefs, systems {', '.join(self.systems)} "
            f"({self.seconds:.0f} s)"
        ]
        base = (self.baseline or {}).get("systems", {})
        for system, agg in self.aggregates.items():
            mean = agg["mean"].get("overall", 0.0)
            prev = base.get(system, {}).get("mean", {}).get("overall")
            delta = f" ({mean - prev:+.2f} vs baseline)" if prev is not None else ""
            lines.append(
                f"  {system:<10} n={agg['n']:<3} mean overall {mean:.2f}{delta}, min {agg['min'].get('overall', 0):.2f}, "
                f"mean coverage {agg['mean'].get('coverage', 0):.2f}, errors {agg.get('errors', 0)}"
            )
        lines.append("thresholds: " + ("passed" if self.passed else "FAILED: " + "; ".join(self.breaches)))
        for key in ("markdown", "json", "png"):
            if key in self.files:
                lines.append(f"  {self.files[key]}")
        return "\n".join(lines)


# --------------------------------------------------------------------------- systems


def _row(
    system: str,
    brief: SuiteBrief | None,
    report: Any,
    *,
    seconds: float = 0.0,
    plan_id: str = "",
    usage: dict[str, int] | None = None,
) -> dict[str, Any]:
    metrics = {k: round(float(m.value), 4) for k, m in report.metrics.items()}
    metrics["overall"] = round(report.overall, 4)
    return {
        "system": system,
        "brief": brief.id if brief else plan_id,
        "unit": brief.unit if brief else report.unit,
        "year": brief.year if brief else report.year,
        "script": brief.script if brief else report.script,
        "script_out": report.script,
        "kind": report.kind,
        "overall": round(report.overall, 4),
        "metrics": metrics,
        "reasons": {k: m.reason for k, m in report.metrics.items()},
        "missing": list(report.metrics["coverage"].details.get("missing", [])),
        "credit": dict(report.metrics["coverage"].details.get("credit", {})),
        "must_missing": [m["id"] for m in report.metrics["must_have"].details.get("missing", [])]
        if "must_have" in report.metrics
        else [],
        "penalties": {k: round(v, 4) for k, v in report.penalties.items()},
        "seconds": round(seconds, 2),
        "usage": dict(usage or {}),  # the model's requests and tokens for this draft (Draft.usage)
        "error": None,
    }


def _error_row(system: str, brief: SuiteBrief, exc: BaseException) -> dict[str, Any]:
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
    return {
        "system": system,
        "brief": brief.id,
        "unit": brief.unit,
        "year": brief.year,
        "script": brief.script,
        "script_out": "",
        "kind": "",
        "overall": 0.0,
        "metrics": {"overall": 0.0},
        "reasons": {},
        "missing": [],
        "present": [],
        "chars": {},
        "penalties": {},
        "seconds": 0.0,
        "usage": {},
        "error": msg,
    }


def _drafter(provider: str, config: Any, warn: Warn | None) -> Any:

    return Drafter(index=config, provider=provider, warn=warn)


def _write_draft(drafter: Any, b: SuiteBrief) -> Any:
    return drafter.write(unit=b.unit, year=b.year, brief=b.brief, name=b.name, script=b.script)


# --------------------------------------------------------------------------- aggregation


def _aggregate(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    by_system: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_system[r["system"]].append(r)
    for system, rs in by_system.items():
        ok = [r for r in rs if not r["error"]]
        names = sorted({k for r in ok for k in r["metrics"]})
        agg: dict[str, Any] = {"n": len(rs), "errors": len(rs) - len(ok), "mean": {}, "min": {}, "max": {}, "sum": {}}
        for name in names:
            vals = [float(r["metrics"][name]) for r in ok if name in r["metrics"]]
            if vals:
                agg["mean"][name] = round(sum(vals) / len(vals), 4)
                agg["min"][name] = round(min(vals), 4)
                agg["max"][name] = round(max(vals), 4)
                agg["sum"][name] = round(sum(vals), 4)
        if len(ok) < len(rs):  # a failed draft counts as overall 0 in the mean
            agg["mean"]["overall"] = round(sum(r["overall"] for r in rs) / len(rs), 4)
            agg["min"]["overall"] = 0.0
        out[system] = agg
    return out


def _coverage_table(rows: list[dict[str, Any]], sections: list[str]) -> dict[str, dict[str, dict[str, float]]]:
    """Per system and unit, the share of plans that hold each section on topic (coverage credit ≥ 0.5)."""
    table: dict[str, dict[str, dict[str, float]]] = {}
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        if not r["error"]:
            groups[(r["system"], r["unit"] or "other")].append(r)
    for (system, unit), rs in groups.items():
        table.setdefault(system, {})[unit] = {
            s: round(sum(1 for r in rs if r.get("credit", {}).get(s, 0) >= 0.5) / len(rs), 3) for s in sections
        }
    return table


def _reference_by_unit(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:

    faults = [m for m, k in METRIC_KIND.items() if k == "fault" and m != "copying"]
    out: dict[str, dict[str, Any]] = {}
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        if r["system"] == "reference":
            groups[r["unit"] or "other"].append(r)
    for unit in sorted(groups):
        rs = groups[unit]
        n = len(rs)
        out[unit] = {
            "n": n,
            "overall": round(sum(r["overall"] for r in rs) / n, 4),
            "coverage": round(sum(r["metrics"]["coverage"] for r in rs) / n, 4),
            "substance": round(sum(r["metrics"].get("substance", 0) for r in rs) / n, 4),
            "order": round(sum(r["metrics"]["order"] for r in rs) / n, 4),
            "faults": round(sum(r["metrics"].get(f, 0) for r in rs for f in faults) / n, 2),
            "plans": [r["brief"] for r in rs],
        }
    return out


# --------------------------------------------------------------------------- run


def _systems(provider: str) -> list[str]:
    if provider not in PROVIDERS:
        raise ConfigError(f"unknown provider {provider!r}; use one of {', '.join(PROVIDERS)}")
    if provider == "offline":
        return ["offline"]
    if not model_configured():
        if provider == "openai":
            raise ConfigError(
                "--provider openai needs a model: set OPENAI_API_KEY (and OPENAI_BASE_URL/DRAFTER_MODEL "
                "for other servers), or use --provider offline"
            )
        return ["offline"]
    return ["offline", "openai"]


def _reference_rows(progress: Progress | None, warn: Warn | None) -> list[dict[str, Any]]:
    """Every union plan of the built-in corpus, scored as written (its own text excluded from copying)."""

    rows = []
    plans = [p for p in corpus_plans() if p.kind.value in PLAN_KINDS]
    for i, plan in enumerate(plans, 1):
        if progress:
            progress(i, len(plans), f"reference {plan.id}")
        year = plan.year.value if isinstance(plan.year.value, int) else None
        try:
            report = score(plan.text, unit=plan.unit.value or None, year=year, exclude_plans=[plan.id])
        except DrafterError as exc:  # pragma: no cover - corpus plans parse
            if warn:
                warn(f"could not score corpus plan {plan.id}: {exc}")
            continue
        rows.append(_row("reference", None, report, plan_id=plan.id))
    return rows


def run_eval(
    suite_path: str | Path | None = None,
    *,
    provider: str = "offline",
    out_dir: str | Path = "eval-out",
    baseline: str | Path | None = None,
    update_baseline: bool = False,
    thresholds: str | Path | None = None,
    reference: bool = True,
    config: Any = None,
    check: bool = False,
    progress: Progress | None = None,
    warn: Warn | None = None,
) -> EvalResult:
    """Draft and score every brief of a suite; write report.json, report.md, coverage.png into ``out_dir``.

    ``provider``: offline (the offline composer only), openai (also the OpenAI writer;
    ConfigError without a model), auto (openai when configured).
    ``baseline`` defaults to ``baseline.json`` beside the suite; ``update_baseline`` stores this
    run there. ``thresholds`` defaults to the suite's (``thresholds.yaml`` beside it).
    ``check=True`` raises :class:`ThresholdError` after writing the reports when a threshold fails.
    """

    t0 = time.monotonic()
    started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    suite = load_suite(suite_path)
    systems = _systems(provider)
    th_path = Path(thresholds) if thresholds else suite.thresholds
    limits = load_thresholds(th_path)
    base_path = Path(baseline) if baseline else suite.path.parent / "baseline.json"
    prev = load_baseline(base_path, suite.name)

    config = config or IndexConfig.resolve()

    ensure_index(config, warn=warn)

    rows: list[dict[str, Any]] = []
    total = len(suite.briefs) * len(systems)
    done = 0
    writers: dict[str, Any] = {}
    try:
        for system in systems:
            writers[system] = _drafter(system, config, warn)
            for b in suite.briefs:
                done += 1
                if progress:
                    progress(done, total, f"{system} {b.id}")
                t = time.monotonic()
                try:
                    draft = _write_draft(writers[system], b)
                    report = score(draft.markdown, unit=b.unit, year=b.year, brief=b.brief)
                except DrafterError as exc:
                    log.debug("draft %s/%s failed: %s", system, b.id, exc)
                    if warn:
                        warn(f"{system}/{b.id}: {exc}")
                    rows.append(_error_row(system, b, exc))
                    continue
                rows.append(_row(system, b, report, seconds=time.monotonic() - t, usage=draft.usage))
    finally:
        for w in writers.values():
            close = getattr(w, "close", None)
            if callable(close):
                close()

    if reference:
        rows += _reference_rows(progress, warn)
        systems = [*systems, "reference"]

    ref = builtin_reference()
    secs = plan_sections()
    units = sorted({r["unit"] for r in rows if r["unit"]}, key=_unit_rank)
    aggregates = _aggregate(rows)
    result = EvalResult(
        suite=suite.name,
        suite_path=str(suite.path),
        provider=provider,
        systems=systems,
        briefs=[vars(b) for b in suite.briefs],
        rows=rows,
        aggregates=aggregates,
        coverage=_coverage_table(rows, [s.id for s in secs]),
        reference_by_unit=_reference_by_unit(rows),
        units=units,
        sections=[s.id for s in secs],
        section_names={s.id: getattr(s, "name", s.id) for s in secs},
        expected={u: expected_sections(u, ref) for u in units},
        thresholds=limits,
        breaches=check_thresholds(rows, aggregates, limits),
        baseline=prev,
        started=started,
    )
    result.seconds = round(time.monotonic() - t0, 1)
    files = write_reports(result.to_dict(), Path(out_dir).expanduser())
    result.files = {k: str(v) for k, v in files.items()}
    if update_baseline:
        save_baseline(base_path, suite.name, rows, aggregates)
        result.files["baseline"] = str(base_path)
    if check:
        result.check()
    return result


def _unit_rank(unit: str) -> int:

    ids = unit_ids()
    return ids.index(unit) if unit in ids else len(ids)
