"""The ``drafter`` command line: a thin layer over the library.

Each command parses options, calls one public library function and prints its
result. Errors derived from :class:`drafter.errors.DrafterError` become one line on
stderr and a non-zero exit; ``DRAFTER_DEBUG=1`` re-raises them with a traceback.
Command modules import nothing heavy at module level, so ``drafter --help`` is fast.
"""

from __future__ import annotations

import sys

import typer

from drafter.cli import _common
from drafter.config import debug_enabled

app = typer.Typer(
    name="drafter",
    help="Draft Chinese trade-union annual work plans (工会工作计划) from a corpus of real plans.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        from drafter import __version__

        typer.echo(f"drafter {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Draft Chinese trade-union annual work plans (工会工作计划) from a corpus of real plans."""


# Command modules register themselves on ``app``.
from drafter.cli import corpus_cmds, draft_cmds, eval_cmds, revise_cmds, web_cmds  # noqa: E402,F401


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    _common.setup_logging()
    try:
        app(args=argv, prog_name="drafter", standalone_mode=True)
    except _common.HANDLED as exc:  # pragma: no cover - exercised through subprocess tests
        if debug_enabled():
            raise  # DRAFTER_DEBUG=1: the whole traceback
        sys.exit(_common.report_error(exc))
