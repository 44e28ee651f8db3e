"""The README's "Python API" block runs as written: in a fresh ``python`` and in a real Jupyter kernel.

The block is taken from README.md at test time and run unchanged, in a temporary working
folder, with a temporary ``HOME`` (``~/my-plans`` holds one plan of "your own"), index and
cache. Checks on what the block produced run after it, in the same namespace.
"""

from __future__ import annotations

import ast
import json
import os
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import drafter

ROOT = Path(__file__).resolve().parents[1]
_ANSI = re.compile(r"\x1b\[[0-9;]*m")

# One plan of "your own", for the block's ``drafter.ingest(["~/my-plans"])``.
MY_PLAN_NAME = "阳光社区工会2025年工作计划.txt"
MY_PLAN = """阳光社区工会2025年工作计划
一、指导思想
以习近平新时代中国特色社会主义思想为指导，全面贯彻党的二十大精神，坚持全心全意依靠职工群众的根本方针，团结动员社区工作者和辖区职工建功立业。
二、主要工作
（一）加强思想政治引领。组织社区工作者开展政治理论学习，每季度集中学习一次。
（二）关心关爱职工。春节前开展送温暖活动，走访慰问困难职工家庭，建立困难职工档案。
（三）丰富文体生活。组织职工开展健步走、读书分享会和趣味运动会，增强集体凝聚力。
三、加强工会自身建设
严格执行工会经费收支管理办法，定期公开账目，接受会员监督。
"""

# Run after the block, in its namespace: what the block claims, checked.
CHECKS = (
    f"_MY_PLAN_NAME = {MY_PLAN_NAME!r}\n"
    + """
import json as _json
from pathlib import Path as _Path
_mine = [p for p in plans if p.source == _MY_PLAN_NAME]
assert _mine, "the plan in ~/my-plans was not ingested"
assert len(plans) > len(_mine), "the built-in corpus is missing from list_plans()"
assert hits and hits[0].chunk.plan_id and hits[0].text, "search returned nothing"
assert draft.markdown.strip() and draft.sections, "empty draft"
for _saved in _SAVED:
    assert _Path(_saved).expanduser().is_file(), f"draft.save({_saved!r}) wrote nothing"
assert 0 <= report.to_dict()["overall"] <= 1, report.to_dict()["overall"]
print("README-API-OK", _json.dumps({"plans": len(plans), "mine": _mine[0].id}, ensure_ascii=False))
"""
)


def saved_files(block: str) -> list[str]:
    """The files the block saves (``….save("plan.docx")``)."""
    return re.findall(r"\.save\(\s*[\"']([^\"']+)[\"']", block)


def block_with_checks() -> str:
    """The block as written, then the checks (told which files the block saves)."""
    block = readme_api_block()
    return block + f"_SAVED = {saved_files(block)!r}\n" + CHECKS


def readme_api_block() -> str:
    """The first ```python block under the README's "## Python API" heading."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    _, found, rest = text.partition("\n## Python API\n")
    assert found, "README.md has no '## Python API' section"
    section = rest.split("\n## ", 1)[0]
    _, fence, after = section.partition("```python\n")
    assert fence, "README.md's Python API section has no ```python block"
    return after.split("\n```", 1)[0] + "\n"


def block_statements(block: str) -> list[str]:
    """The block's top-level statements, each with its own lines (and their trailing comments)."""
    lines = block.splitlines()
    return ["\n".join(lines[node.lineno - 1 : node.end_lineno]) for node in ast.parse(block).body]


@pytest.fixture
def sandbox(tmp_path: Path) -> dict[str, Path]:
    """A temporary HOME (with ~/my-plans), index, cache and working folder."""
    home = tmp_path / "home"
    (home / "my-plans").mkdir(parents=True)
    (home / "my-plans" / MY_PLAN_NAME).write_text(MY_PLAN, encoding="utf-8")
    cwd = tmp_path / "work"
    cwd.mkdir()
    return {"home": home, "cwd": cwd, "index": tmp_path / "index", "cache": tmp_path / "cache", "tmp": tmp_path}


def sandbox_env(box: dict[str, Path]) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "DRAFTER_MODEL", "DRAFTER_CHROMA_URL", "DRAFTER_EMBEDDER"):
        env.pop(name, None)  # provider="auto" must mean the offline writer here
    env.update(
        HOME=str(box["home"]),
        DRAFTER_INDEX_DIR=str(box["index"]),
        DRAFTER_CACHE_DIR=str(box["cache"]),
        ANONYMIZED_TELEMETRY="False",
        PYTHONIOENCODING="utf-8",
    )
    return env


def test_readme_has_a_python_api_block() -> None:
    statements = block_statements(readme_api_block())
    assert statements[0] == "import drafter"
    assert sum("drafter.ingest(" in s for s in statements) >= 2, "the block should show ingest() called twice"
    assert saved_files(readme_api_block()), "the block should save a draft"


def test_exported_names_are_not_shadowed_by_submodules() -> None:
    """``drafter.ingest`` stays a function after a submodule import (it once became a module)."""
    submodules = {m.name for m in pkgutil.iter_modules(drafter.__path__)}
    assert not submodules & set(drafter.__all__), f"submodules shadow public names: {submodules & set(drafter.__all__)}"


@pytest.mark.integration
def test_readme_api_block_runs_in_python(sandbox: dict[str, Path]) -> None:
    script = sandbox["tmp"] / "readme_api.py"
    script.write_text(block_with_checks(), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, str(script)],
        cwd=sandbox["cwd"],
        env=sandbox_env(sandbox),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=600,
    )
    assert proc.returncode == 0, f"the README's Python API block failed:\n{proc.stderr[-3000:]}"
    assert "README-API-OK" in proc.stdout


@pytest.mark.integration
def test_readme_api_block_runs_in_a_jupyter_kernel(sandbox: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    # A kernelspec for this venv's python, in a temporary folder.
    kernels = sandbox["tmp"] / "jupyter" / "kernels"
    (kernels / "drafter-test").mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "drafter test",
        "language": "python",
    }
    (kernels / "drafter-test" / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")

    env = sandbox_env(sandbox)
    env.update(
        JUPYTER_RUNTIME_DIR=str(sandbox["tmp"] / "jupyter" / "runtime"),
        JUPYTER_DATA_DIR=str(sandbox["tmp"] / "jupyter" / "data"),
        JUPYTER_CONFIG_DIR=str(sandbox["tmp"] / "jupyter" / "config"),
        JUPYTER_PLATFORM_DIRS="1",
        IPYTHONDIR=str(sandbox["tmp"] / "ipython"),
        MPLBACKEND="Agg",
    )
    for name in list(os.environ):  # the kernel inherits this process's environment
        if name not in env:
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    cells = [nbformat.v4.new_code_cell(s) for s in block_statements(readme_api_block())]
    cells.append(nbformat.v4.new_code_cell(f"_SAVED = {saved_files(readme_api_block())!r}\n" + CHECKS))
    # "a Draft renders itself in Jupyter"; and the kernel is this venv's python.
    cells.append(nbformat.v4.new_code_cell("draft"))
    cells.append(nbformat.v4.new_code_cell("import sys; print(sys.executable)"))
    nb = nbformat.v4.new_notebook(cells=cells)

    km = AsyncKernelManager(
        kernel_name="drafter-test", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels)])
    )
    client = nbclient.NotebookClient(
        nb, km=km, timeout=600, startup_timeout=120, resources={"metadata": {"path": str(sandbox["cwd"])}}
    )
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as exc:
        pytest.fail(f"the README's Python API block failed in a Jupyter kernel:\n{_ANSI.sub('', str(exc))[-4000:]}")

    def text_of(cell: dict) -> str:
        return "".join(o.get("text", "") for o in cell["outputs"] if o.get("output_type") == "stream")

    assert "README-API-OK" in text_of(nb.cells[-3])
    rendered = [o for o in nb.cells[-2]["outputs"] if o.get("output_type") == "execute_result"]
    assert rendered and "text/markdown" in rendered[0]["data"], "a Draft should render as Markdown in Jupyter"
    assert rendered[0]["data"]["text/markdown"].strip()
    assert text_of(nb.cells[-1]).strip() == sys.executable
