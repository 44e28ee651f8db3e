"""CLI command of the revise path: `drafter revise last_year.docx --year 2025`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Optional

import typer

from drafter.cli import app
from drafter.cli._common import (
    ApiKeyOpt,
    BaseUrlOpt,
    BriefOpt,
    FactsOpt,
    FormatOpt,
    MaxRetriesOpt,
    ModelOpt,
    PlanOutOpt,
    Progress,
    ProviderOpt,
    TemperatureOpt,
    TimeoutOpt,
    brief_text,
    handle_errors,
    info,
    output_target,
    user_path,
)


def _evidence(inferred: dict[str, Any]) -> str:
    ev = "、".join(str(x) for x in inferred.get("evidence") or [])
    if not inferred.get("inferred"):
        return "given"
    if inferred.get("assumed"):
        return "assumed: the plan states no year"
    return f"inferred from {ev}" if ev else "inferred"


@app.command()
@handle_errors
def revise(
    source: Path = typer.Argument(
        ..., help="Last year's plan: .docx, .txt (any common Chinese encoding) or .md, simplified or traditional."
    ),
    year: int = typer.Option(..., "--year", "-y", help="The year of the new plan (2000–2099).", show_default=False),
    brief: str = BriefOpt,
    facts: Optional[Path] = FactsOpt,
    unit: Optional[str] = typer.Option(
        None, "--unit", "-u", help="Unit type (default: inferred from the plan, shown on stderr).", show_default=False
    ),
    from_year: Optional[int] = typer.Option(
        None, "--from-year", help="The year the old plan was for (default: inferred from the plan).", show_default=False
    ),
    provider: str = ProviderOpt,
    model: Optional[str] = ModelOpt,
    base_url: Optional[str] = BaseUrlOpt,
    api_key: Optional[str] = ApiKeyOpt,
    temperature: Optional[float] = TemperatureOpt,
    timeout: Optional[float] = TimeoutOpt,
    max_retries: Optional[int] = MaxRetriesOpt,
    fmt: Optional[str] = FormatOpt,
    out: Optional[Path] = PlanOutOpt,
    changes: Optional[Path] = typer.Option(
        None, "--changes", help="Write the change list (Markdown) to this file instead of stderr.", show_default=False
    ),
    mark_changes: bool = typer.Option(
        False,
        "--mark-changes",
        help="Show the changes in the plan: 【新增】 before added text, 【已更新：旧→新】 for updated words "
        "(highlighted runs in .docx).",
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite --out (and --changes) if they exist."),
    concurrency: int = typer.Option(16, "--concurrency", min=1, max=32, help="Sections rewritten at once (model)."),
) -> None:
    """Revise last year's plan into this year's: update years and framing, flag what to check, add the asks."""
    from drafter.domain.era import check_year
    from drafter.draft.drafter import Drafter
    from drafter.draft.writers import describe

    check_year(year)
    out_path, out_fmt = output_target(out, fmt, force)
    changes_path = output_target(changes, "md", force, "--changes")[0] if changes is not None else None
    drafter = Drafter(
        provider=provider,
        model=model,
        base_url=base_url,
        api_key=api_key,
        max_concurrency=concurrency,
        warn=info,
        temperature=temperature,
        timeout=timeout,
        max_retries=max_retries,
    )
    if drafter.provider != "offline":
        info(describe(drafter.writer, api_key=api_key, base_url=base_url))
    progress = Progress("revising")
    drafter.progress = progress
    try:
        plan = drafter.revise(
            user_path(str(source)),
            year=year,
            brief=brief_text(brief),
            facts=user_path(str(facts)) if facts else None,
            unit=unit,
            from_year=from_year,
        )
    finally:
        progress.close()
        drafter.close()
    u, y = plan.inferred.get("unit", {}), plan.inferred.get("year", {})
    tagged = f" (tagged {u['tagged']})" if u.get("tagged") and u.get("tagged") != plan.unit else ""
    info(f"drafter: unit {plan.unit}{tagged} ({_evidence(u)})")
    info(f"drafter: last year's plan is for {plan.old_year} ({_evidence(y)}); revising for {plan.year}")
    for c in plan.changes:
        if c.kind == "note":
            info(f"drafter: {c.what}")
    if out_path is not None:
        path = plan.save(out_path, force=force, marked=mark_changes, fmt=out_fmt)
        info(f"drafter: wrote {path}")
    else:
        sys.stdout.write(str(plan.render_as(out_fmt, marked=mark_changes)))
        sys.stdout.flush()
    n = plan.counts
    summary = f"drafter: {n['updated']} updated, {n['added']} added, {n['flagged']} to check (【待核：…】)"
    if changes_path is not None:
        from drafter.fileio import save_text

        save_text(changes_path, plan.changes_markdown, force=force)
        info(f"{summary}; the change list is in {changes_path}")
    else:
        info(summary + "; the change list follows")
        sys.stderr.write(plan.changes_markdown)
        sys.stderr.flush()
