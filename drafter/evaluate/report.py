"""The files of an eval run: report.json, report.md and coverage.png.

Pure functions of the run's dict (``EvalResult.to_dict()``), so a stored report.json
can be re-rendered. matplotlib is imported (Agg backend) only to draw the PNG.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from drafter.evaluate.metrics import METRIC_KIND, format_value

log = logging.getLogger(__name__)

# Columns of the per-brief table, in reading order (the full values are in report.json).
TABLE_METRICS = [
    "coverage",
    "relevance",
    "substance",
    "must_have",
    "asks",
    "order",
    "repeats",
    "off_topic",
    "era",
    "placeholders",
    "boilerplate",
    "foreign_words",
    "wrong_years",
    "stale_terms",
    "copying",
]
SHORT = {
    "coverage": "cover",
    "relevance": "relev.",
    "substance": "subst.",
    "must_have": "musts",
    "asks": "asks",
    "order": "order",
    "repeats": "repeat",
    "off_topic": "off",
    "era": "era",
    "placeholders": "placeh.",
    "boilerplate": "boilerpl.",
    "foreign_words": "foreign",
    "wrong_years": "years",
    "stale_terms": "stale",
    "copying": "copy",
}
REFERENCE_NOTE = (
    "The corpus plans are scraped from the web, mostly 2005–2015: they carry placeholders (20xx), "
    "truncated sections and the politics of their years, so they score low on this plan year's measures. "
    "They show what the metrics make of real text; a draft scoring above them does not mean it beats a real plan."
)


def write_json(result: dict[str, Any], path: Path) -> Path:
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def _delta(value: float | None, base: float | None, name: str = "overall") -> str:
    """The change against the baseline with its direction: `` ▲0.05`` better, `` ▼1`` worse, `` (=)`` for
    an unchanged overall, nothing for another unchanged metric (so the changes stand out)."""
    if value is None or base is None:
        return ""
    d = float(value) - float(base)
    if abs(d) < 0.005:
        return " (=)" if name == "overall" else ""
    fault = METRIC_KIND.get(name) == "fault"
    better = d < 0 if fault else d > 0
    arrow = "▲" if better else "▼"
    if name == "copying":
        return f" {arrow}{abs(d) * 100:.0f} pt"
    if fault:
        return f" {arrow}{abs(d):.0f}"
    return f" {arrow}{abs(d):.2f}"


def _cell(name: str, value: Any) -> str:
    if value is None:
        return "–"
    return format_value(name, value)


def _md_table(headers: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows]
    return out


def render_markdown(result: dict[str, Any]) -> str:
    """report.md: summary per system, threshold verdict, a table per system of briefs × metrics
    with the change against the baseline, what each draft lacks, and the corpus reference by unit."""
    base = result.get("baseline") or {}
    base_systems = base.get("systems", {}) if isinstance(base, dict) else {}
    lines = [f"# drafter eval: {result['suite']}", ""]
    lines.append(
        f"- run: {result['started']} ({result['seconds']:.0f} s), provider `{result['provider']}`, "
        f"systems: {', '.join(result['systems'])}"
    )
    lines.append(
        f"- briefs: {len(result['briefs'])}; baseline: "
        + (f"`{base.get('path', '')}` ({base.get('created', '?')})" if base_systems else "none stored yet")
    )
    lines.append(
        "- overall = (0.35·coverage + 0.25·relevance + 0.20·must-haves + 0.20·asks) × (0.4 + 0.6·substance) "
        "× (0.85 + 0.15·order) × (1 − fault penalty) × kind × unit (see evals/README.md); "
        "▲ better, ▼ worse than the baseline"
    )
    lines.append("")

    breaches = result.get("breaches", [])
    lines.append("## Thresholds: " + ("**FAILED**" if breaches else "passed"))
    lines.append("")
    lines += _threshold_table(result)
    for b in breaches:
        lines.append(f"- {b}")
    if breaches:
        lines.append("")

    lines.append("## Summary")
    lines.append("")
    headers = [
        "system",
        "plans",
        "mean overall",
        "min overall",
        "mean coverage",
        "mean substance",
        "mean must-haves",
        "faults",
        "errors",
    ]
    rows = []
    for system, agg in result["aggregates"].items():
        b = base_systems.get(system, {}).get("mean", {})
        mean = agg["mean"].get("overall")
        faults = sum(int(agg["sum"].get(m, 0)) for m, k in METRIC_KIND.items() if k == "fault" and m != "copying")
        rows.append(
            [
                system,
                str(agg["n"]),
                _cell("overall", mean) + _delta(mean, b.get("overall")),
                _cell("overall", agg["min"].get("overall")),
                _cell("coverage", agg["mean"].get("coverage")),
                _cell("substance", agg["mean"].get("substance")),
                _cell("must_have", agg["mean"].get("must_have")),
                str(faults),
                str(agg.get("errors", 0)),
            ]
        )
    lines += _md_table(headers, rows)
    lines.append("")
    lines.append("![coverage by canonical section and unit](coverage.png)")
    lines.append("")

    for system in result["systems"]:
        if system == "reference":
            continue
        srows = [r for r in result["rows"] if r["system"] == system]
        if not srows:
            continue
        b_briefs = base_systems.get(system, {}).get("briefs", {})
        lines.append(f"## {system}: briefs × metrics")
        lines.append("")
        headers = ["brief", "unit", "year", "script", "overall"] + [SHORT[m] for m in TABLE_METRICS]
        rows = []
        for r in srows:
            if r.get("error"):
                rows.append(
                    [r["brief"], r["unit"], str(r["year"]), r.get("script", ""), "error"] + ["–"] * len(TABLE_METRICS)
                )
                continue
            prev = b_briefs.get(r["brief"], {})
            cells = [
                r["brief"],
                r["unit"],
                str(r["year"]),
                _script_cell(r),
                _cell("overall", r["overall"]) + _delta(r["overall"], prev.get("overall")),
            ]
            for m in TABLE_METRICS:
                v = r["metrics"].get(m)
                cells.append(_cell(m, v) + (_delta(v, prev.get(m), m) if m in prev else ""))
            rows.append(cells)
        lines += _md_table(headers, rows)
        lines.append("")
        lines.append("What a reader would notice:")
        lines.append("")
        for r in srows:
            lines.append(f"- **{r['brief']}**: " + _shortfalls(r))
        lines.append("")

    refs = result.get("reference_by_unit") or {}
    if refs:
        lines.append("## Human reference: corpus union plans by unit")
        lines.append("")
        headers = ["unit", "plans", "mean overall", "mean coverage", "mean substance", "faults per plan"]
        rows = [
            [
                u,
                str(v["n"]),
                _cell("overall", v["overall"]),
                _cell("coverage", v["coverage"]),
                _cell("substance", v.get("substance")),
                f"{v['faults']:.1f}",
            ]
            for u, v in refs.items()
        ]
        lines += _md_table(headers, rows)
        lines.append("")
        lines.append(REFERENCE_NOTE)
        lines.append("")
    return "\n".join(lines)


def _threshold_table(result: dict[str, Any]) -> list[str]:
    """Each threshold beside the value it was checked against, per system: what passed and by how much."""
    limits = result.get("thresholds") or {}
    applies = limits.get("applies_to") or ["offline", "openai"]
    rows = []
    for system, agg in result.get("aggregates", {}).items():
        if system not in applies:
            continue
        for kind, label, values, ok in (
            ("mean", "mean ≥", agg.get("mean", {}), lambda v, t: v >= t),
            ("min", "every draft ≥", agg.get("min", {}), lambda v, t: v >= t),
            ("max", "every draft ≤", agg.get("max", {}), lambda v, t: v <= t),
        ):
            for name, limit in (limits.get(kind) or {}).items():
                v = values.get(name)
                if v is None:
                    continue
                rows.append(
                    [
                        system,
                        name,
                        f"{label} {format_value(name, float(limit))}",
                        format_value(name, float(v)),
                        "✓" if ok(float(v), float(limit)) else "✗",
                    ]
                )
    if not rows:
        return []
    return [*_md_table(["system", "metric", "threshold", "value", ""], rows), ""]


def _script_cell(row: dict[str, Any]) -> str:
    want, got = row.get("script", ""), row.get("script_out", "")
    return want if not got or got == want else f"{want} (got {got})"


def _shortfalls(row: dict[str, Any]) -> str:
    if row.get("error"):
        return f"failed: {row['error']}"
    notes = []
    missing = row.get("missing") or []
    if missing:
        notes.append("missing " + "、".join(missing[:6]))
    for name, reason in (row.get("reasons") or {}).items():
        if name in ("coverage", "kind", "section_lengths", "unrecognised"):
            continue
        v = row["metrics"].get(name)
        if (
            (METRIC_KIND.get(name) == "fault" and name != "copying" and v)
            or (name in ("asks", "must_have") and v is not None and v < 1)
            or (name == "order" and v is not None and v < 0.9)
            or (name == "copying" and v and v > 0.3)
        ):
            notes.append(reason)
    if row.get("script_out") and row.get("script") and row["script_out"] != row["script"]:
        notes.append(f"asked for {row['script']} script, got {row['script_out']}")
    return "; ".join(notes) if notes else "nothing obvious"


def render_coverage_png(result: dict[str, Any], path: Path) -> Path:
    """coverage.png: per system a heatmap of canonical section × unit (share of plans that have it).

    Each panel shows the units that system has plans for. In the drafts' panels, sections
    the unit's real plans do not usually have (not in ``expected``) are grey, and expected
    sections that fewer than half of the drafts have are outlined in red, thicker the more
    common the section is in real plans; the reference panel shows the corpus as it is.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    cov = result["coverage"]
    systems = [s for s in result["systems"] if cov.get(s)]
    sections = result["sections"]
    names = result.get("section_names", {})
    expected = result.get("expected", {})
    drafted = [u for u in result["units"] if any(u in cov[s] for s in systems if s != "reference")]
    units_shown = drafted or [u for u in result["units"] if any(u in cov[s] for s in systems)]
    panels = [(system, units_shown) for system in systems]
    _cjk_font()
    widths = [max(2, len(us)) for _, us in panels] or [2]
    fig_w = max(6.0, 2.2 + 0.55 * sum(widths))
    fig, axes = plt.subplots(
        1,
        max(1, len(panels)),
        figsize=(fig_w, 0.36 * len(sections) + 2.4),
        squeeze=False,
        gridspec_kw={"width_ratios": widths},
    )
    cmap = matplotlib.colormaps["viridis"].with_extremes(bad="#d9d9d9")
    image = None
    for ax, (system, units) in zip(axes[0], panels):
        draft = system != "reference"
        data = [[cov[system].get(u, {}).get(s, float("nan")) for u in units] for s in sections]
        shown = [
            [float("nan") if draft and s not in expected.get(u, {}) and not v > 0 else v for u, v in zip(units, row)]
            for s, row in zip(sections, data)
        ]
        image = ax.imshow(shown, vmin=0, vmax=1, cmap=cmap, aspect="auto")
        ax.set_title(system, fontsize=10)
        ax.set_xticks(range(len(units)))
        ax.set_xticklabels(units, rotation=60, ha="right", fontsize=7)
        ax.set_yticks(range(len(sections)))
        ax.set_yticklabels(
            [f"{names.get(s, s)} {s}" if names.get(s) else s for s in sections] if ax is axes[0][0] else [], fontsize=7
        )
        for i, s in enumerate(sections):
            for j, u in enumerate(units):
                v = data[i][j]
                weight = expected.get(u, {}).get(s)
                if v != v:  # no plan of this unit in this panel
                    ax.text(j, i, "·", ha="center", va="center", fontsize=6, color="#777777")
                    continue
                if draft and weight is None and not v > 0:
                    ax.text(j, i, "–", ha="center", va="center", fontsize=6, color="#777777")
                    continue
                ax.text(
                    j, i, f"{v * 100:.0f}", ha="center", va="center", fontsize=6, color="white" if v < 0.6 else "black"
                )
                if draft and v < 0.5:
                    ax.add_patch(
                        Rectangle(
                            (j - 0.5, i - 0.5),
                            1,
                            1,
                            fill=False,
                            edgecolor="red",
                            linewidth=0.8 + 2.4 * float(weight or 0),
                        )
                    )
    if image is not None:
        fig.colorbar(image, ax=axes[0].tolist(), shrink=0.6, label="share of plans holding the section on topic")
    fig.suptitle(
        f"Section coverage by unit ({result['suite']}): red = an expected section most drafts lack "
        "(thicker = weighs more); grey = not in the unit's outline; · = no plan of the unit",
        fontsize=9,
    )
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def _cjk_font() -> None:
    """Use a font with Chinese glyphs when one is installed (labels fall back to ids otherwise)."""
    import matplotlib
    from matplotlib import font_manager

    wanted = (
        "Noto Sans CJK SC",
        "Noto Sans SC",
        "WenQuanYi Zen Hei",
        "WenQuanYi Micro Hei",
        "SimHei",
        "Microsoft YaHei",
        "PingFang SC",
        "Source Han Sans SC",
        "AR PL UMing CN",
        "Droid Sans Fallback",
    )
    have = {f.name for f in font_manager.fontManager.ttflist}
    for name in wanted:
        if name in have:
            matplotlib.rcParams["font.sans-serif"] = [name, *matplotlib.rcParams.get("font.sans-serif", [])]
            matplotlib.rcParams["axes.unicode_minus"] = False
            return
    _cjk_font.missing = True  # type: ignore[attr-defined]


def cjk_font_available() -> bool:
    _cjk_font()
    return not getattr(_cjk_font, "missing", False)


def write_reports(result: dict[str, Any], out_dir: Path) -> dict[str, Path]:
    """Write report.json, report.md and coverage.png into ``out_dir``; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {
        "json": out_dir / "report.json",
        "markdown": out_dir / "report.md",
        "png": out_dir / "coverage.png",
    }
    result = dict(result, files={k: str(v) for k, v in files.items()})
    if not cjk_font_available():
        result["section_names"] = {}  # no Chinese glyphs: label rows by id only
    render_coverage_png(result, files["png"])
    files["markdown"].write_text(render_markdown(result) + "\n", encoding="utf-8")
    write_json(result, files["json"])
    return files
