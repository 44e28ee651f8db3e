"""Regenerate docs/cli.md from the app itself: `python docs/gen_cli.py` (a test checks it is current)."""

from __future__ import annotations

import sys
from pathlib import Path

DOC = Path(__file__).resolve().parent / "cli.md"


def render() -> str:
    from typer.testing import CliRunner

    from drafter.cli import app

    runner = CliRunner(env={"COLUMNS": "100", "TERM": "dumb", "NO_COLOR": "1"})
    parts = [
        "# drafter command-line reference",
        "",
        "Generated from the app by `python docs/gen_cli.py`; do not edit by hand.",
        "",
    ]
    top = runner.invoke(app, ["--help"], prog_name="drafter")
    parts += ["## drafter", "", "```", top.stdout.rstrip(), "```", ""]
    for cmd in app.registered_commands:
        name = cmd.name or cmd.callback.__name__.replace("_", "-")
        res = runner.invoke(app, [name, "--help"], prog_name="drafter")
        parts += [f"## drafter {name}", "", "```", res.stdout.rstrip(), "```", ""]
    return "\n".join(parts)


if __name__ == "__main__":
    text = render()
    if "--check" in sys.argv:
        sys.exit(
            0
            if DOC.exists() and DOC.read_text(encoding="utf-8") == text
            else "docs/cli.md is stale: run python docs/gen_cli.py"
        )
    DOC.write_text(text, encoding="utf-8")
    print(f"wrote {DOC}")
