"""CLI commands of the draft stage: write, outline, units."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from drafter.cli import app
from drafter.cli._common import ChromaUrlOpt, IndexOpt, JsonOpt, Progress, handle_errors, info
from drafter.errors import InputError

UnitOpt = typer.Option(..., "--unit", "-u", help="Unit type: kindergarten, hospital … or 幼儿园, 医院 (see `drafter units`).")
YearOpt = typer.Option(..., "--year", "-y", help="Plan year (2000–2100).", show_default=False)
NameOpt = typer.Option(None, "--name", help="The unit's name for the title, e.g. 阳光幼儿园.", show_default=False)
BriefOpt = typer.Option("", "--brief", help="This year's asks, e.g. 今年重点：教职工心理健康、筹建职工之家.", show_default=False)


def _brief_text(brief: str) -> str:
    """--brief @file reads the brief from a file."""
    if brief.startswith("@"):
        p = Path(brief[1:])
        try:
            return p.read_text(encoding="utf-8")
        except OSError:
            raise InputError(f"brief file {str(p)!r} cannot be read: check the path after @") from None
    return brief


@app.command()
@handle_errors
def write(
    unit: Optional[str] = typer.Option(None, "--unit", "-u", help="Unit type: kindergarten, hospital … or 幼儿园, 医院 (see `drafter units`)."),
    year: Optional[int] = typer.Option(None, "--year", "-y", help="Plan year (2000–2100).", show_default=False),
    name: Optional[str] = NameOpt,
    brief: str = BriefOpt,
    outline: Optional[Path] = typer.Option(None, "--outline", help="Draft from an (edited) outline file made by `drafter outline`."),
    provider: str = typer.Option("auto", "--provider", help="auto (openai when OPENAI_API_KEY/OPENAI_BASE_URL is set), offline or openai."),
    model: Optional[str] = typer.Option(None, "--model", help="Chat model name (default: $DRAFTER_MODEL).", show_default=False),
    base_url: Optional[str] = typer.Option(None, "--base-url", help="OpenAI-compatible endpoint (default: $OPENAI_BASE_URL).", show_default=False),
    api_key: Optional[str] = typer.Option(None, "--api-key", help="API key (default: $OPENAI_API_KEY).", show_default=False),
    temperature: Optional[float] = typer.Option(None, "--temperature", help="Sampling temperature for the model.", show_default=False),
    timeout: Optional[float] = typer.Option(None, "--timeout", help="Seconds per model request.", show_default=False),
    max_retries: Optional[int] = typer.Option(None, "--max-retries", help="Retries per model request.", show_default=False),
    fmt: str = typer.Option("md", "--format", "-f", help="md or docx (docx needs --out)."),
    script: str = typer.Option("simplified", "--script", help="simplified or traditional."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the plan to this file instead of stdout.", show_default=False),
    force: bool = typer.Option(False, "--force", help="Overwrite --out if it exists."),
    concurrency: int = typer.Option(4, "--concurrency", min=1, max=32, help="Sections drafted at once."),
    index: Optional[Path] = IndexOpt,
    chroma_url: Optional[str] = ChromaUrlOpt,
) -> None:
    """Draft a plan for a unit and year (or from an outline file) and print it or save it."""
    from drafter.draft.writers import choose_provider, describe

    fmt = fmt.lower().lstrip(".")
    if fmt not in ("md", "docx"):
        raise InputError(f"unknown format {fmt!r}: use md or docx")
    if script not in ("simplified", "traditional"):
        raise InputError(f"unknown script {script!r}: use simplified or traditional")
    if fmt == "docx" and out is None:
        raise InputError("--format docx needs --out FILE.docx (a Word file cannot go to the terminal)")
    if outline is None and (unit is None or year is None):
        raise InputError("give --unit and --year (e.g. --unit kindergarten --year 2024), or --outline FILE")
    if out is not None:
        if fmt == "docx" and out.suffix.lower() != ".docx":
            out = out.with_suffix(".docx")
        if out.exists() and not force:
            from drafter.errors import OutputExistsError

            raise OutputExistsError(f"{out} already exists: pass --force to overwrite it, or choose another --out")
    # Validate the cheap things before touching the index.
    from drafter.draft.era import check_year
    from drafter.draft.units import load_profile

    if outline is None:
        load_profile(unit)  # type: ignore[arg-type]
        check_year(year)
    else:
        from drafter.draft.outline import load_outline

        outline_obj = load_outline(outline)
    chosen = choose_provider(provider, api_key=api_key, base_url=base_url)
    info(describe(chosen))

    from drafter.draft.drafter import Drafter

    progress = Progress("drafting")
    drafter = Drafter(index=index, chroma_url=chroma_url, provider=chosen, model=model, base_url=base_url,
                      api_key=api_key, max_concurrency=concurrency, progress=progress, warn=info,
                      temperature=temperature, timeout=timeout, max_retries=max_retries)
    try:
        draft = drafter.write(unit, year, brief=_brief_text(brief), name=name,
                              outline=outline_obj if outline is not None else None, script=script)
    finally:
        progress.close()
        drafter.close()
    if out is not None:
        path = draft.save(out, force=force)
        info(f"drafter: wrote {path}")
    else:
        sys.stdout.write(draft.markdown)
        sys.stdout.flush()
    if draft.failed:
        from drafter.errors import ModelError

        causes = "；".join(dict.fromkeys(s.error for s in draft.sections if s.error))
        raise ModelError(f"{len(draft.failed)} section(s) failed and were left out: {'、'.join(draft.failed)} "
                         f"({causes}); run again (answers already drafted are cached) or use --provider offline")


@app.command("outline")
@handle_errors
def outline_cmd(
    unit: str = UnitOpt,
    year: int = YearOpt,
    name: Optional[str] = NameOpt,
    brief: str = BriefOpt,
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the outline file here (edit it, then `drafter write --outline FILE`).", show_default=False),
    force: bool = typer.Option(False, "--force", help="Overwrite --out if it exists."),
    as_json: bool = JsonOpt,
) -> None:
    """Print (or save) the editable outline a draft would follow."""
    from drafter.draft.outline import outline_to_yaml, plan_outline, save_outline

    o = plan_outline(unit, year, _brief_text(brief), name)
    if out is not None:
        path = save_outline(o, out, force=force)
        info(f"drafter: wrote {path}; edit it, then run: drafter write --outline {path}")
    elif as_json:
        typer.echo(json.dumps(o.to_dict(), ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(outline_to_yaml(o))


@app.command()
@handle_errors
def units(as_json: bool = JsonOpt) -> None:
    """List the unit types drafter can write plans for, with their own words."""
    from drafter.draft.units import list_units

    profiles = list_units()
    if as_json:
        typer.echo(json.dumps([p.to_dict() for p in profiles], ensure_ascii=False, indent=2))
        return
    from drafter.cli._table import render

    rows = [(p.id, p.name, p.staff, p.congress, p.openness, p.ethics, "、".join(p.aliases[:3])) for p in profiles]
    typer.echo(render(["id", "name", "staff", "congress", "openness", "ethics", "aliases"], rows))


