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
from drafter.errors import DrafterError, InputError, OutputExistsError

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

# Options of every command that may call a chat model (write, revise, serve).
ProviderOpt = typer.Option(
    "auto", "--provider", help="auto (openai when OPENAI_API_KEY/OPENAI_BASE_URL is set), offline or openai."
)
ModelOpt = typer.Option(
    None, "--model", help="Chat model name (default: $DRAFTER_MODEL, else gpt-4o-mini).", show_default=False
)
BaseUrlOpt = typer.Option(
    None, "--base-url", help="OpenAI-compatible endpoint (default: $OPENAI_BASE_URL).", show_default=False
)
ApiKeyOpt = typer.Option(
    None,
    "--api-key",
    help="API key (default: $OPENAI_API_KEY); never printed or sent to a browser.",
    show_default=False,
)
TemperatureOpt = typer.Option(None, "--temperature", help="Sampling temperature for the model.", show_default=False)
TimeoutOpt = typer.Option(
    None,
    "--timeout",
    help="Seconds for one whole model request, connect to last byte (default 30).",
    show_default=False,
)
MaxRetriesOpt = typer.Option(
    None, "--max-retries", help="Retries of a 429, 5xx or dropped connection (default 2).", show_default=False
)
# Options of the commands that save a plan (write, revise).
FormatOpt = typer.Option(
    None, "--format", "-f", help="md, txt or docx (default: from the --out suffix, else md).", show_default=False
)
PlanOutOpt = typer.Option(
    None,
    "--out",
    "-o",
    help="Write the plan to this file (.md, .txt or .docx) instead of stdout.",
    show_default=False,
)
BriefOpt = typer.Option(
    "", "--brief", help="This year's asks, e.g. 今年重点：教职工心理健康、筹建职工之家 (or @file).", show_default=False
)
FactsOpt = typer.Option(
    None, "--facts", help="The unit's facts (YAML from `drafter facts --unit U`).", show_default=False
)
FORMATS = ("md", "txt", "docx")


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


def brief_text(brief: str) -> str:
    """--brief @file reads the brief from a file (UTF-8 or GB18030 text)."""
    if not brief.startswith("@"):
        return brief
    p = user_path(brief[1:])
    try:
        data = p.read_bytes()
    except IsADirectoryError:
        raise InputError(f"brief file {str(p)!r} is a folder: give a text file after @") from None
    except OSError:
        raise InputError(f"brief file {str(p)!r} cannot be read: check the path after @") from None
    if b"\x00" in data[:4096]:
        raise InputError(f"brief file {str(p)!r} is not text: give a .txt file after @")
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise InputError(f"brief file {str(p)!r} is neither UTF-8 nor GB18030 text: save it as UTF-8")


def output_target(path: Path | None, fmt: str | None, force: bool, what: str = "--out") -> tuple[Path | None, str]:
    """Where a result goes and in which format; checked before any work is done."""
    from drafter.draft.draft import format_for

    if fmt is not None:
        fmt = fmt.lower().lstrip(".")
        if fmt not in FORMATS:
            raise InputError(f"unknown format {fmt!r}: use md, txt or docx")
    if path is None:
        if fmt == "docx":
            raise InputError(f"--format docx needs {what} FILE.docx (a Word file cannot go to the terminal)")
        return None, fmt or "md"
    p = user_path(str(path))
    fmt = format_for(p, fmt)
    if p.is_dir():
        raise InputError(f"{what} {p} is a folder; give a file name such as {p / ('计划.' + fmt)}")
    if p.exists() and not force:
        raise OutputExistsError(f"{p} already exists: pass --force to overwrite it, or choose another {what}")
    return p, fmt
