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

app = typer.Typer(
    name="drafter",
    help="Draft Chinese trade-union annual work plans (工会工作计划) from a corpus of real plans.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

# Command modules register themselves on ``app``.
from drafter.cli import corpus_cmds  # noqa: E402,F401

for _optional in ("draft_cmds", "eval_cmds"):
    try:
        __import__(f"drafter.cli.{_optional}")
    except ModuleNotFoundError as exc:  # a stage not built yet
        if exc.name != f"drafter.cli.{_optional}":
            raise


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    _common.setup_logging()
    try:
        app(args=argv, prog_name="drafter", standalone_mode=True)
    except _common.HANDLED as exc:  # pragma: no cover - exercised through subprocess tests
        sys.exit(_common.report_error(exc))
