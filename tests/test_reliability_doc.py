"""docs/RELIABILITY.md names the test that keeps each promise: every test it names exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _tests_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")}


def test_every_test_the_reliability_doc_names_exists():
    doc = (ROOT / "docs" / "RELIABILITY.md").read_text(encoding="utf-8")
    named: list[tuple[str, str]] = []
    for line in doc.splitlines():
        current = None
        for m in re.finditer(r"(tests/[\w/]+\.py)?::(test_\w+)", line):
            current = m.group(1) or current
            assert current, f"no file for {m.group(2)} in: {line}"
            named.append((current, m.group(2)))
    assert len(named) > 40
    missing = [f"{f}::{t}" for f, t in named if t not in _tests_in(ROOT / f)]
    assert not missing, f"docs/RELIABILITY.md names tests that do not exist: {missing}"
