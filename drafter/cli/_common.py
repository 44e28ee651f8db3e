"""Shared CLI plumbing: options used by several commands, error reporting, logging, progress."""

from __future__ import annotations

import functools
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer

from drafter.config import debug_enabled
from drafter.errors import DrafterError

F = TypeVar("F", bound=Callable[..., Any])

HANDLED: tuple[type[BaseException], ...] = (DrafterError,)

IndexOpt = typer.Option(
    None, "--index", help="Index folder (default: $DRAFTER_INDEX_DIR or the user data dir).", show_default=False
)
ChromaUrlOpt = typer.Option(
    None,
    "--chroma-url",
    help="Use a chroma server, e.g. http://127.0.0.1:8000 (default: $DRAFTER_CHROMA_URL).",
    show_default=False,
)
JsonOpt = typer.Option(False, "--json", help="Print JSON for scripts.")


def setup_logging() -> None:
    level = logging.DEBUG if debug_enabled() else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    # Libraries we use are chatty at INFO; keep them quiet unless debugging.
    for name in ("chromadb", "httpx", "openai", "jieba", "urllib3"):
        logging.getLogger(name).setLevel(logging.DEBUG if debug_enabled() else logging.ERROR)


def report_error(exc: BaseException) -> int:
    """Print one line for a user error and return the exit code."""
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
    typer.echo(f"drafter: error: {msg}", err=True)
    return getattr(exc, "exit_code", 1)


def handle_errors(func: F) -> F:
    """Decorator for command functions: DrafterError → one line on stderr and its exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except DrafterError as exc:
            if debug_enabled():
                raise
            raise typer.Exit(report_error(exc)) from None
        except KeyboardInterrupt:
            typer.echo("drafter: interrupted", err=True)
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


def user_path(text: str) -> Path:
    """A path the user typed: ``~`` expanded."""
    return Path(os.path.expanduser(text))


def info(message: str) -> None:
    """A status line for the user, on stderr (stdout is kept for results)."""
    typer.echo(message, err=True)


def stderr_is_tty() -> bool:
    return sys.stderr.isatty() and os.environ.get("TERM") != "dumb"


class Progress:
    """Progress on stderr: a rewriting line on a terminal, nothing otherwise unless verbose.

    Usable as the ``progress`` callback the library functions accept:
    ``progress(done, total, label)``.
    """

    def __init__(self, title: str, *, quiet: bool = False) -> None:
        self.title = title
        self.quiet = quiet
        self.tty = stderr_is_tty()
        self._last = ""

    def __call__(self, done: int, total: int, label: str = "") -> None:
        if self.quiet or not self.tty:
            return
        from drafter.cli._table import clip, width

        line = clip(f"{self.title} [{done}/{total}] {label}", 78)
        pad = max(0, width(self._last) - width(line))  # Chinese characters take two columns
        sys.stderr.write("\r" + line + " " * pad)
        sys.stderr.flush()
        self._last = line

    def close(self) -> None:
        if self._last:
            from drafter.cli._table import width

            sys.stderr.write("\r" + " " * width(self._last) + "\r")
            sys.stderr.flush()
            self._last = ""
