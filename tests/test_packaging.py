"""Packaging: the wheel works without the repository, and ``import drafter.cli`` stays light.

The wheel tests build the wheel, install it (``--no-deps``, from the wheel folder only) into
a fresh venv whose dependencies come from this venv's site-packages through a ``.pth``
file (nothing is downloaded), and run the installed ``drafter`` from a folder outside the
repository, with a temporary HOME, index and cache.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Modules ``import drafter.cli`` (and so ``drafter --help``) must not load.
HEAVY = (
    "chromadb",
    "jieba",
    "sklearn",
    "langchain",
    "langchain_core",
    "langchain_openai",
    "openai",
    "opencc",
    "docx",
    "matplotlib",
    "numpy",
    "tiktoken",
    "markdown_it",
    "httpx",
)


def _loaded_heavy(modules: list[str]) -> list[str]:
    return sorted({h for h in HEAVY for m in modules if m == h or m.startswith(h + ".")})


def import_chain(statement: str, module: str) -> str:
    """Who imported ``module`` while running ``statement``: ``a -> b -> module`` from ``-X importtime``."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement], capture_output=True, text=True, timeout=120
    )
    rows: list[tuple[int, str]] = []
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+\d+ \|( *)(\S+)", line)
        if m:
            rows.append((len(m.group(1)) // 2, m.group(2)))
    # importtime prints a module after its children, indented by depth: a module's
    # importer is the next row one level up.
    matches = [i for i, (_, n) in enumerate(rows) if n == module]
    matches += [i for i, (_, n) in enumerate(rows) if n.startswith(module + ".")]
    if not matches:
        return f"{module}: no chain found"
    depth, name = rows[matches[0]]
    chain, want = [name], depth - 1
    for d, n in rows[matches[0] + 1 :]:
        if d == want:
            chain.append(n)
            want -= 1
    return " -> ".join(reversed(chain))


def _heavy_report(statement: str, heavy: list[str]) -> str:
    return "\n".join(import_chain(statement, h) for h in heavy)


# --------------------------------------------------------------------------- light imports


def test_import_drafter_cli_loads_no_heavy_module() -> None:
    statement = "import drafter.cli"
    code = f"{statement}; import sys, json; print(json.dumps(sorted(sys.modules)))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    heavy = _loaded_heavy(json.loads(proc.stdout))
    assert not heavy, f"`import drafter.cli` loads {heavy}:\n{_heavy_report(statement, heavy)}"


def test_drafter_help_runs_and_stays_light() -> None:
    exe = Path(sys.executable).parent / "drafter"
    cmd = [str(exe), "--help"] if exe.exists() else [sys.executable, "-m", "drafter", "--help"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Usage" in proc.stdout and "write" in proc.stdout

    statement = "import sys\nfrom drafter.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass"
    code = statement + "\nimport json; print('MODULES=' + json.dumps(sorted(sys.modules)))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    modules = json.loads(proc.stdout.split("MODULES=", 1)[1])
    heavy = _loaded_heavy(modules)
    assert not heavy, f"`drafter --help` loads {heavy}:\n{_heavy_report(statement, heavy)}"


# --------------------------------------------------------------------------- CI runs the README's commands


def _code_blocks(section: str) -> list[list[str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    body = text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    return [[ln for ln in block.splitlines() if ln.strip()] for block in body.split("```\n")[1::2]]


def test_ci_runs_the_readme_commands() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    ci_lines = [ln.strip() for ln in ci.splitlines() if not ln.strip().startswith("#")]
    (test_setup,) = [b[0] for b in _code_blocks("Set up") if "[test]" in b[0]]
    install, sep, pytest_cmd = test_setup.partition(" && .venv/bin/python -m pytest")
    assert sep and pytest_cmd == " -q", f"unexpected test set-up command: {test_setup}"
    assert any(install in ln for ln in ci_lines), f".ci/run does not run the README's install: {install}"

    (checks,) = _code_blocks("Development")
    positions = []
    for command in checks:
        found = [i for i, ln in enumerate(ci_lines) if command in ln]
        assert found, f".ci/run does not run the README's check: {command}"
        positions.append(found[0])
    assert positions == sorted(positions), "the README lists the checks in another order than .ci/run runs them"
    # Together the two tiers are the set-up command's `pytest -q`.
    tiers = [c for c in checks if c.startswith(".venv/bin/python -m pytest -q")]
    assert tiers == [
        '.venv/bin/python -m pytest -q -m "not integration"',
        ".venv/bin/python -m pytest -q -m integration",
    ]


# --------------------------------------------------------------------------- the wheel


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(ROOT), "-w", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, f"pip wheel failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
    (whl,) = out.glob("drafter-*.whl")
    return whl


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A fresh venv with only the wheel installed; dependencies resolve from this venv via a .pth file."""
    base = tmp_path_factory.mktemp("wheel-venv")
    env_dir = base / "venv"
    venv.EnvBuilder(with_pip=False, symlinks=os.name != "nt").create(env_dir)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / ("python.exe" if os.name == "nt" else "python")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "-q",
            "--no-index",
            "--find-links",
            str(wheel.parent),
            "--no-deps",
            "drafter",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, f"installing the wheel failed:\n{proc.stderr[-2000:]}"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # This venv's dependencies, after the new venv's own site-packages (which holds the wheel's
    # drafter). Paths listed in a .pth are appended; .pth files inside them are not read, so the
    # editable install of the repository stays out.
    (Path(site) / "_drafter_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    cwd = base / "elsewhere"
    cwd.mkdir()
    home = base / "home"
    home.mkdir()
    return {"python": python, "drafter": bindir / "drafter", "cwd": cwd, "home": home, "base": base}


def run_installed(installed: dict[str, Path], *args: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "DRAFTER_", "PYTHON", "VIRTUAL_ENV"))}
    env.update(
        HOME=str(installed["home"]),
        DRAFTER_INDEX_DIR=str(installed["base"] / "index"),
        DRAFTER_CACHE_DIR=str(installed["base"] / "cache"),
        ANONYMIZED_TELEMETRY="False",
        MPLBACKEND="Agg",
        PYTHONIOENCODING="utf-8",
    )
    return subprocess.run(
        [str(a) for a in args],
        cwd=installed["cwd"],
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
    )


@pytest.mark.integration
def test_wheel_ships_corpus_prompts_evals_and_all_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("drafter/_corpus/", "drafter/_prompts/"):
        assert any(n.startswith(folder) and not n.endswith("/") for n in names), f"{wheel.name} lacks {folder}"
    corpus = {p.name for p in (ROOT / "corpus").iterdir() if p.is_file()}
    assert {n.rsplit("/", 1)[1] for n in names if n.startswith("drafter/_corpus/")} >= corpus
    prompts = {p.name for p in (ROOT / "prompts").iterdir() if p.is_file()}
    assert {n.rsplit("/", 1)[1] for n in names if n.startswith("drafter/_prompts/")} >= prompts
    evals = {p.name for p in (ROOT / "evals").iterdir() if p.is_file()}
    shipped_evals = {n.rsplit("/", 1)[1] for n in names if n.startswith("drafter/_evals/")}
    assert shipped_evals >= evals, f"{wheel.name} lacks the eval files {sorted(evals - shipped_evals)}"
    named = {"sections", "units", "work_items", "years", "facts", "gate", "asks", "brief"}
    data = {f"drafter/data/{p.name}" for p in (ROOT / "drafter" / "data").glob("*.yaml")}
    data |= {f"drafter/data/{n}.yaml" for n in named}
    missing = sorted(data - names)
    assert not missing, f"{wheel.name} lacks {missing}"


@pytest.mark.integration
def test_wheel_installs_outside_the_repository(installed: dict[str, Path]) -> None:
    code = (
        "import drafter, drafter.resources as r; print(drafter.__file__); print(r.corpus_dir()); print(r.prompts_dir())"
    )
    proc = run_installed(installed, installed["python"], "-c", code)
    assert proc.returncode == 0, proc.stderr
    env_dir = installed["python"].parent.parent.resolve()
    for line in proc.stdout.split():
        assert Path(line).resolve().is_relative_to(env_dir), f"{line} is not inside the wheel's venv"
    proc = run_installed(installed, installed["drafter"], "--version")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().startswith("drafter ")


@pytest.mark.integration
def test_wheel_writes_and_searches_its_own_corpus(installed: dict[str, Path]) -> None:
    proc = run_installed(installed, installed["drafter"], "write", "-u", "kindergarten", "-y", "2024")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "幼儿园" in proc.stdout and "工会" in proc.stdout and "2024" in proc.stdout
    # The built-in corpus, indexed from the copy inside the wheel on first use.
    proc = run_installed(installed, installed["drafter"], "search", "送温暖", "--unit", "hospital", "-k", "3", "--json")
    assert proc.returncode == 0, proc.stderr[-3000:]
    hits = json.loads(proc.stdout)["hits"]
    assert hits, "no search hits from the wheel's corpus"
    assert (installed["base"] / "index").is_dir()


@pytest.mark.integration
def test_wheel_eval_runs_its_default_suite(installed: dict[str, Path]) -> None:
    """``drafter eval`` with no arguments: the wheel must ship the eval suites it defaults to."""
    out = installed["cwd"] / "eval-out"
    shutil.rmtree(out, ignore_errors=True)
    proc = run_installed(installed, installed["drafter"], "eval")
    assert "file not found" not in proc.stderr, (
        f"the installed drafter cannot find its eval suite:\n{proc.stderr[-2000:]}"
    )
    for name in ("report.json", "report.md"):
        assert (out / name).is_file(), f"drafter eval wrote no {name}:\n{proc.stderr[-2000:]}"
    assert proc.returncode == 0, f"drafter eval failed:\n{proc.stderr[-2000:]}"
