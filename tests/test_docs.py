"""The docs that are generated or promised stay true."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_cli_reference_is_generated_from_the_app():
    spec = importlib.util.spec_from_file_location("gen_cli", ROOT / "docs" / "gen_cli.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    assert (ROOT / "docs" / "cli.md").read_text(encoding="utf-8") == gen.render(), (
        "docs/cli.md is stale: run `python docs/gen_cli.py`"
    )


def test_readme_names_every_command_and_the_ci_runs_its_test_command():
    from drafter.cli import app

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for cmd in app.registered_commands:
        assert f"drafter {cmd.name or cmd.callback.__name__}" in readme
    test_cmd = re.search(r"```\n(python3 -m venv .venv && .venv/bin/pip install -e .*pytest.*)\n```", readme).group(1)
    # CI runs the install, then the pytest part in two tiers (see test_packaging.test_ci_runs_the_readme_commands).
    install = test_cmd.split(" && .venv/bin/python -m pytest")[0]
    assert install in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_documents_every_environment_variable_the_code_reads():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    used = set()
    for path in (ROOT / "drafter").rglob("*.py"):
        used |= set(re.findall(r"\b((?:DRAFTER|OPENAI)_[A-Z_]+)\b", path.read_text(encoding="utf-8")))
    missing = sorted(v for v in used if v not in readme)
    assert not missing, f"README lacks {missing}"
