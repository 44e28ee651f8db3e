"""CLI command of the revise path: `drafter revise last_year.docx --year 2025`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Optional

import typer

from drafter.cli import app
from drafter.cli._common import Progress, handle_errors, info, user_path
from drafter.cli.draft_cmds import BriefOpt, FactsOpt, brief_text
from drafter.errors import InputError, OutputExistsError

FORMATS = ("md", "txt", "docx")


def _out(path: Path | None, fmt: str | None, force: bool, what: str) -> tuple[Path | None, str]:
    """Where a result goes and in which format; checked before any work is done."""
    from drafter.draft.draft import format_for

    if fmt is not None:
        fmt = fmt.lower().lstrip(".")
        if fmt not in FORMATS:
            raise InputError(f"unknown format {fmt!r}: use md, txt or docx")
    if path is None:
        if fmt == "docx":
            raise InputError("--format docx needs --out FILE.docx (a Word file cannot go to the terminal)")
        return None, fmt or "md"
    p = user_path(str(path))
    fmt = format_for(p, fmt)
    if p.is_dir():
        raise InputError(f"{what} {p} is a folder; give a file name such as {p / ('计划.' + fmt)}")
    if p.exists() and not force:
        raise OutputExistsError(f"{p} already exists: pass --force to overwrite it, or choose another {what}")
    return p, fmt


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
    provider: str = typer.Option(
        "auto", "--provider", help="auto (openai when OPENAI_API_KEY/OPENAI_BASE_URL is set), offline or openai."
    ),
    model: Optional[str] = typer.Option(
        None, "--model", help="Chat model name (default: $DRAFTER_MODEL, else gpt-4o-mini).", show_default=False
    ),
    base_url: Optional[str] = typer.Option(
        None, "--base-url", help="OpenAI-compatible endpoint (default: $OPENAI_BASE_URL).", show_default=False
    ),
    api_key: Optional[str] = typer.Option(
        None, "--api-key", help="API key (default: $OPENAI_API_KEY).", show_default=False
    ),
    temperature: Optional[float] = typer.Option(
        None, "--temperature", help="Sampling temperature for the model.", show_default=False
    ),
    timeout: Optional[float] = typer.Option(
        None, "--timeout", help="Seconds for one whole model request (default 30).", show_default=False
    ),
    max_retries: Optional[int] = typer.Option(
        None, "--max-retries", help="Retries of a 429, 5xx or dropped connection (default 2).", show_default=False
    ),
    fmt: Optional[str] = typer.Option(
        None, "--format", "-f", help="md, txt or docx (default: from the --out suffix, else md).", show_default=False
    ),
    out: Optional[Path] = typer.Option(
        None,
        "--out",
        "-o",
        help="Write the plan to this file (.md, .txt or .docx) instead of stdout.",
        show_default=False,
    ),
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
    out_path, out_fmt = _out(out, fmt, force, "--out")
    changes_path = _out(changes, "md", force, "--changes")[0] if changes is not None else None
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
