"""CLI commands of the evaluate stage: score (one plan) and eval (a suite of briefs)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from drafter.cli import app
from drafter.cli._common import ChromaUrlOpt, IndexOpt, JsonOpt, Progress, handle_errors, info


@app.command("score")
@handle_errors
def score_cmd(
    file: str = typer.Argument(..., help="A plan: .md, .txt or .docx file ('-' reads text from stdin)."),
    unit: Optional[str] = typer.Option(
        None, "--unit", help="Score as a plan of this unit (default: inferred from the text)."
    ),
    year: Optional[int] = typer.Option(None, "--year", help="The plan year (default: inferred from the text)."),
    brief: str = typer.Option("", "--brief", help="The brief the plan answers; its asks (今年重点：A、B) are checked."),
    as_json: bool = JsonOpt,
) -> None:
    """Score a plan: structure coverage, section order, faults a reader would catch, one overall in [0, 1]."""
    from drafter.errors import InputError
    from drafter.evaluate.score import score

    if file == "-":
        text = sys.stdin.read()
        if not text.strip():
            raise InputError("no text on stdin; pipe a plan in or give a file path")
        report = score(text, unit=unit, year=year, brief=brief)
    else:
        report = score(Path(file), unit=unit, year=year, brief=brief)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        typer.echo(report.summary())


@app.command("eval")
@handle_errors
def eval_cmd(
    suite: Optional[Path] = typer.Option(None, "--suite", help="Suite of briefs (default: evals/suite.yaml)."),
    provider: str = typer.Option("offline", "--provider", help="offline, openai (needs OPENAI_API_KEY) or auto."),
    out: Path = typer.Option(Path("eval-out"), "--out", help="Folder for report.json, report.md and coverage.png."),
    baseline: Optional[Path] = typer.Option(
        None, "--baseline", help="Baseline to compare with (default: baseline.json beside the suite)."
    ),
    update_baseline: bool = typer.Option(False, "--update-baseline", help="Store this run as the suite's baseline."),
    thresholds: Optional[Path] = typer.Option(
        None, "--thresholds", help="Thresholds file (default: the suite's thresholds.yaml)."
    ),
    no_reference: bool = typer.Option(
        False, "--no-reference", help="Skip scoring the corpus plans as the human reference."
    ),
    index: Optional[Path] = IndexOpt,
    chroma_url: Optional[str] = ChromaUrlOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Draft every brief of a suite, score the drafts next to the corpus plans, write reports, check thresholds."""
    from drafter.config import IndexConfig
    from drafter.evaluate.suite import run_eval

    progress = Progress("eval")
    try:
        result = run_eval(
            suite,
            provider=provider,
            out_dir=out,
            baseline=baseline,
            update_baseline=update_baseline,
            thresholds=thresholds,
            reference=not no_reference,
            config=IndexConfig.resolve(index, chroma_url),
            progress=progress,
            warn=info,
        )
    finally:
        progress.close()
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "passed": result.passed,
                    "breaches": result.breaches,
                    "files": result.files,
                    "aggregates": result.aggregates,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        typer.echo(result.summary())
    result.check()
