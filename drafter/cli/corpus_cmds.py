"""CLI commands of the ingest and index stages: ingest, corpus, search, sections."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from drafter.cli import app
from drafter.cli._common import ChromaUrlOpt, IndexOpt, JsonOpt, Progress, handle_errors, info


def _config(index: Optional[Path], chroma_url: Optional[str]):
    from drafter.config import IndexConfig

    return IndexConfig.resolve(index, chroma_url)


def _dump(data: object) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


@app.command()
@handle_errors
def ingest(
    paths: Optional[list[Path]] = typer.Argument(
        None, help="Files or folders (.txt .md .docx); default: the built-in corpus."
    ),
    index: Optional[Path] = IndexOpt,
    chroma_url: Optional[str] = ChromaUrlOpt,
    rebuild: bool = typer.Option(
        False,
        "--rebuild",
        help="Build the index anew from PATHS (the old one is replaced once the new one is complete).",
    ),
    prune: bool = typer.Option(False, "--prune", help="Remove indexed files that no longer exist."),
    repair: bool = typer.Option(
        False, "--repair", help="Only check the index and repair it from its recorded files (no PATHS)."
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Clean, split, tag and segment plans, and index them (re-ingesting unchanged files changes nothing).

    Every ingest first checks the index and repairs what it can; --repair does only that.
    """
    from drafter.errors import InputError
    from drafter.index.build import ingest as run_ingest
    from drafter.index.build import repair_index as run_repair

    if repair and (paths or rebuild):
        raise InputError("--repair reads no new files: drop PATHS and --rebuild (every ingest repairs the index too)")
    config = _config(index, chroma_url)
    progress = Progress("ingest")
    try:
        if repair:
            report = run_repair(config, prune=prune, progress=progress, warn=info)
        else:
            report = run_ingest(
                paths or None, config=config, rebuild=rebuild, prune=prune, progress=progress, warn=info
            )
    finally:
        progress.close()
    if as_json:
        _dump(report.to_dict())
    else:
        typer.echo(report.describe())


@app.command()
@handle_errors
def corpus(
    paths: Optional[list[Path]] = typer.Argument(None, help="Parse these files instead of listing the index."),
    index: Optional[Path] = IndexOpt,
    chroma_url: Optional[str] = ChromaUrlOpt,
    as_json: bool = JsonOpt,
) -> None:
    """List the plans (of the index, or of PATHS) with their unit, kind, year and script tags."""
    from drafter.cli._table import render
    from drafter.index.catalog import list_plans

    plans = list_plans(paths or None, config=_config(index, chroma_url), warn=info)
    if as_json:
        _dump([p.summary() for p in plans])
        return
    rows = [
        (p.id, p.unit.value, p.kind.value, p.year.value or "-", p.script.value, len(p.text), p.title) for p in plans
    ]
    typer.echo(render(["id", "unit", "kind", "year", "script", "chars", "title"], rows))
    typer.echo(f"\n{len(plans)} plans from {len({p.source for p in plans})} files")


@app.command()
@handle_errors
def search(
    query: str = typer.Argument(..., help="What to look for, e.g. 送温暖"),
    unit: Optional[str] = typer.Option(None, "--unit", help="Only plans of this unit type (e.g. hospital, 医院)."),
    section: Optional[str] = typer.Option(
        None, "--section", help="Only this canonical section: its id or Chinese name (see `drafter sections`)."
    ),
    kind: Optional[str] = typer.Option(None, "--kind", help="plan, summary or summary_and_plan."),
    k: int = typer.Option(5, "-k", "--k", min=1, max=100, help="How many passages."),
    index: Optional[Path] = IndexOpt,
    chroma_url: Optional[str] = ChromaUrlOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Hybrid search (BM25 over jieba tokens + vectors) with metadata filters and provenance."""
    from drafter.index.retrieve import search as run_search

    hits = run_search(query, unit=unit, section=section, kind=kind, k=k, config=_config(index, chroma_url), warn=info)
    if as_json:
        _dump(hits.to_json(query))
        return
    if not hits:
        typer.echo("no passages found")
        return
    if hits.returned < hits.requested:
        info(f"{hits.returned} of {hits.requested} passages: the index holds no more distinct ones that match")
    for i, h in enumerate(hits, 1):
        c = h.chunk
        where = " > ".join(c.heading_path) or "(开头)"
        typer.echo(f"[{i}] {h.score:.3f}  {c.plan_id}  {c.unit}/{c.kind}  section={c.section_id or '-'}  {where}")
        typer.echo("    " + c.text.replace("\n", "\n    "))
        typer.echo("")


@app.command()
@handle_errors
def sections(
    stats: bool = typer.Option(False, "--stats", help="Per canonical section, how many plans of each unit contain it."),
    paths: Optional[list[Path]] = typer.Argument(None, help="Count over these files instead of the index."),
    index: Optional[Path] = IndexOpt,
    chroma_url: Optional[str] = ChromaUrlOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Show the canonical section taxonomy (data file), and with --stats the corpus evidence behind it."""
    from drafter.cli._table import render
    from drafter.domain.taxonomy import load_taxonomy, section_stats

    taxonomy = load_taxonomy()
    if not stats:
        if as_json:
            _dump([s.to_dict() for s in taxonomy.sections])
            return
        names = [
            (s.id, s.name, s.order, ",".join(s.units) or "all", "、".join(s.aliases[:4])) for s in taxonomy.sections
        ]
        typer.echo(render(["id", "name", "order", "units", "aliases"], names, max_width=48))
        return
    from drafter.index.catalog import list_plans

    plans = list_plans(paths or None, config=_config(index, chroma_url), warn=info)
    table = section_stats(plans, taxonomy)
    if as_json:
        _dump(table)
        return
    units = table["units"]
    rows: list[list[object]] = []
    for sid, row in table["sections"].items():
        rows.append([sid, row["name"], *[row["by_unit"].get(u, 0) for u in units], row["total"]])
    headers = ["section", "name", *units, "total"]
    typer.echo(render(headers, rows))
    typer.echo("\nplans per unit: " + ", ".join(f"{u}={n}" for u, n in table["plans_per_unit"].items()))
    typer.echo(f"headings labelled: {table['labelled_headings']}/{table['headings']}")
