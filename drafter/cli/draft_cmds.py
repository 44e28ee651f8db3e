"""CLI commands of the draft stage: write, outline, facts, units."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from drafter.cli import app
from drafter.cli._common import (
    ApiKeyOpt,
    BaseUrlOpt,
    BriefOpt,
    ChromaUrlOpt,
    FactsOpt,
    FormatOpt,
    IndexOpt,
    JsonOpt,
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
from drafter.errors import InputError, ModelError

UnitOpt = typer.Option(
    ..., "--unit", "-u", help="Unit type: kindergarten, hospital … or 幼儿园, 医院 (see `drafter units`)."
)
YearOpt = typer.Option(..., "--year", "-y", help="Plan year (2000–2099).", show_default=False)
NameOpt = typer.Option(None, "--name", help="The unit's name for the title, e.g. 阳光幼儿园.", show_default=False)


@app.command()
@handle_errors
def write(
    unit: Optional[str] = typer.Option(
        None, "--unit", "-u", help="Unit type: kindergarten, hospital … or 幼儿园, 医院 (see `drafter units`)."
    ),
    year: Optional[int] = typer.Option(None, "--year", "-y", help="Plan year (2000–2099).", show_default=False),
    name: Optional[str] = NameOpt,
    brief: str = BriefOpt,
    facts: Optional[Path] = FactsOpt,
    outline: Optional[Path] = typer.Option(
        None, "--outline", help="Draft from an (edited) outline file made by `drafter outline`."
    ),
    provider: str = ProviderOpt,
    model: Optional[str] = ModelOpt,
    base_url: Optional[str] = BaseUrlOpt,
    api_key: Optional[str] = ApiKeyOpt,
    temperature: Optional[float] = TemperatureOpt,
    timeout: Optional[float] = TimeoutOpt,
    max_retries: Optional[int] = MaxRetriesOpt,
    fmt: Optional[str] = FormatOpt,
    script: str = typer.Option("simplified", "--script", help="simplified or traditional."),
    out: Optional[Path] = PlanOutOpt,
    sources: Optional[Path] = typer.Option(
        None, "--sources", help="Also write where each item came from to this Markdown file.", show_default=False
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite --out (and --sources) if they exist."),
    concurrency: int = typer.Option(16, "--concurrency", min=1, max=32, help="Sections drafted at once."),
    index: Optional[Path] = IndexOpt,
    chroma_url: Optional[str] = ChromaUrlOpt,
) -> None:
    """Draft a plan for a unit and year (or from an outline file) and print it or save it."""
    from drafter.domain.assembly import size_assumption
    from drafter.domain.sectors import sector_of
    from drafter.draft.drafter import Drafter
    from drafter.draft.writers import describe

    out_path, out_fmt = output_target(out, fmt, force)
    sources_path = None
    if sources is not None:
        sources_path, _ = output_target(sources, "md", force, "--sources")
    if outline is None and (unit is None or year is None):
        raise InputError("give --unit and --year (e.g. --unit kindergarten --year 2024), or --outline FILE")
    drafter = Drafter(
        index=user_path(str(index)) if index else None,
        chroma_url=chroma_url,
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
    # Everything cheap is checked before the index or a model is touched.
    request, plan = drafter.request(
        unit,
        year,
        brief=brief_text(brief),
        name=name,
        outline=user_path(str(outline)) if outline else None,
        script=script,
        facts=user_path(str(facts)) if facts else None,
    )
    info(describe(drafter.writer, api_key=api_key, base_url=base_url))
    sector = sector_of(request.unit.id, request.name or request.facts.get("单位名称"))
    if sector is not None:
        info(f"drafter: drafting for a {request.unit.name} of the {sector.name} sector (from its name; sectors.yaml)")
    assumed = size_assumption(request.unit.id, request.facts)
    if assumed is not None:
        info(f"drafter: {assumed}")
    progress = Progress("drafting")
    drafter.progress = progress
    import asyncio

    try:
        draft = asyncio.run(drafter.draft(request, plan))
    finally:
        progress.close()
        drafter.close()
    if out_path is not None:
        path = draft.save(out_path, force=force, fmt=out_fmt)
        info(f"drafter: wrote {path}")
    else:
        sys.stdout.write(draft.text(out_fmt))
        sys.stdout.flush()
    if sources_path is not None:
        from drafter.fileio import save_text

        save_text(sources_path, draft.sources_markdown, force=force)
        info(f"drafter: wrote the sources to {sources_path}")
    if draft.unfilled:
        info(
            "drafter: facts to fill in (【待填：…】 in the plan): "
            + "、".join(draft.unfilled)
            + "; give them with --facts (see `drafter facts`)"
        )
    if draft.failed:
        causes = "；".join(dict.fromkeys(s.error for s in draft.sections if s.error))
        raise ModelError(
            f"{len(draft.failed)} section(s) failed and were left out: {'、'.join(draft.failed)} "
            f"({causes}); run again (answers already drafted are cached) or use --provider offline"
        )


@app.command("outline")
@handle_errors
def outline_cmd(
    unit: str = UnitOpt,
    year: int = YearOpt,
    name: Optional[str] = NameOpt,
    brief: str = BriefOpt,
    out: Optional[Path] = typer.Option(
        None,
        "--out",
        "-o",
        help="Write the outline file here (edit it, then `drafter write --outline FILE`).",
        show_default=False,
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite --out if it exists."),
    as_json: bool = JsonOpt,
) -> None:
    """Print (or save) the editable outline a draft would follow."""
    from drafter.draft.outline import plan_outline
    from drafter.draft.outline_file import outline_to_yaml, save_outline

    o = plan_outline(unit, year, brief_text(brief), name)
    if out is not None:
        path = save_outline(o, user_path(str(out)), force=force)
        info(f"drafter: wrote {path}; edit it, then run: drafter write --outline {path}")
    elif as_json:
        typer.echo(json.dumps(o.to_dict(), ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(outline_to_yaml(o))


@app.command()
@handle_errors
def facts(
    unit: str = UnitOpt,
    out: Optional[Path] = typer.Option(
        None, "--out", "-o", help="Write the template here instead of stdout.", show_default=False
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite --out if it exists."),
) -> None:
    """Print the template of a unit's facts (人数, 工会主席, 经费…) to fill in for `write --facts`."""
    from drafter.domain.facts import facts_template
    from drafter.domain.units import load_profile

    text = facts_template(load_profile(unit).id)
    if out is not None:
        from drafter.fileio import save_text

        path = save_text(user_path(str(out)), text, force=force)
        info(f"drafter: wrote {path}; fill it in, then run: drafter write --unit {unit} --year … --facts {path}")
    else:
        sys.stdout.write(text)


@app.command()
@handle_errors
def units(as_json: bool = JsonOpt) -> None:
    """List the unit types drafter can write plans for, with their own words."""
    from drafter.domain.units import list_units

    profiles = list_units()
    if as_json:
        typer.echo(json.dumps([p.to_dict() for p in profiles], ensure_ascii=False, indent=2))
        return
    from drafter.cli._table import render

    rows = [(p.id, p.name, p.staff, p.congress, p.openness, p.ethics, "、".join(p.aliases)) for p in profiles]
    typer.echo(render(["id", "name", "staff", "congress", "openness", "ethics", "aliases"], rows))
