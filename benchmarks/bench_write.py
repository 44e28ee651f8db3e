"""Benchmark of the write path: `drafter --help`, offline `drafter write` as a process, warm drafts in one process.

Usage: python benchmarks/bench_write.py [--runs N] [--index DIR]
Writes benchmarks/results/write.json. Measures

* **cold**: ``drafter --help`` and offline ``drafter write`` as whole processes (index built,
  data cache warm), interleaved run by run with ``python -c "import chromadb"``, the floor a
  process that searches the index pays; the ratio write / import (target ≤ 1.3) is of the
  medians measured in the same run, so the load of a shared machine falls on both;
* **warm**: a second ``Drafter().write`` in one process for every unit (offline; target
  ≤ 0.2 s), and a warm draft that retrieves: the model writer against the local fake
  OpenAI-compatible server, answers from its cache, so what is timed is drafter's own
  work — retrieval for every section, prompts, checks, the document pass.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DRAFTER = [sys.executable, "-m", "drafter"]


def run(args: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (KiB) of the child, stdout."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(args)} failed: {err.read().decode('utf-8', 'replace').strip()}")
        return wall, usage.ru_maxrss, out.read().decode("utf-8")


def summary(runs: list[tuple[float, int, str]]) -> dict[str, Any]:
    walls = [w for w, _, _ in runs]
    return {
        "runs": len(runs),
        "median_s": round(statistics.median(walls), 3),
        "min_s": round(min(walls), 3),
        "max_s": round(max(walls), 3),
        "peak_rss_mib": round(max(p for _, p, _ in runs) / 1024, 1),
        "output_chars": len(runs[-1][2]),
    }


UNITS = ["kindergarten", "primary_school", "middle_school", "university", "hospital", "enterprise"]
UNITS += ["government", "community"]


def warm(index: Path) -> dict[str, Any]:
    """A second draft in one process: offline for every unit, and the model path (retrieving) for two."""
    sys.path.insert(0, str(ROOT / "tests"))  # the fake server lives with the tests
    sys.path.insert(0, str(ROOT))
    from fake_openai_server import FakeOpenAIServer

    from drafter.config import IndexConfig
    from drafter.draft.drafter import Drafter

    config = IndexConfig.resolve(index)
    offline: dict[str, float] = {}
    with Drafter(index=config, provider="offline") as d:
        for unit in UNITS:
            d.write(unit=unit, year=2026)
            times = []
            for _ in range(3):
                t = time.perf_counter()
                d.write(unit=unit, year=2026, brief="今年重点：职工心理健康、职工之家建设")
                times.append(time.perf_counter() - t)
            offline[unit] = round(statistics.median(times), 3)
    retrieving: dict[str, Any] = {}
    with (
        tempfile.TemporaryDirectory() as tmp,
        FakeOpenAIServer() as server,
        Drafter(
            index=config, provider="openai", base_url=server.base_url, api_key="sk-bench", cache_dir=Path(tmp)
        ) as d,
    ):
        for unit, year in (("hospital", 2026), ("kindergarten", 2024)):
            d.write(unit=unit, year=year)  # the retriever opened, the answers cached
            times = []
            for _ in range(3):
                t = time.perf_counter()
                draft = d.write(unit=unit, year=year)
                times.append(time.perf_counter() - t)
            retrieving[f"{unit}_{year}"] = {
                "median_s": round(statistics.median(times), 3),
                "sections_with_passages": sum(bool(s.sources) for s in draft.sections),
            }
    return {
        "offline_by_unit_s": offline,
        "offline_max_s": max(offline.values()),
        "model_path_retrieving": retrieving,
        "model_path_max_s": max(r["median_s"] for r in retrieving.values()),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--index", type=Path, default=None, help="An index to use (default: a fresh one built here).")
    ns = ap.parse_args()
    env = dict(os.environ)
    env.pop("OPENAI_API_KEY", None)
    env.pop("OPENAI_BASE_URL", None)
    env["ANONYMIZED_TELEMETRY"] = "False"
    tmp = None
    if ns.index is None:
        tmp = tempfile.TemporaryDirectory()
        index = Path(tmp.name) / "index"
        t = time.perf_counter()
        subprocess.run([*DRAFTER, "ingest", "--index", str(index)], env=env, check=True, capture_output=True, cwd=ROOT)
        ingest_s = round(time.perf_counter() - t, 3)
    else:
        index, ingest_s = ns.index, None
    kinder = [*DRAFTER, "write", "--unit", "kindergarten", "--year", "2024", "--provider", "offline"]
    hospital = [*DRAFTER, "write", "--unit", "hospital", "--year", "2026", "--provider", "offline"]
    hospital += ["--brief", "今年重点：医务职工心理健康、职工之家建设"]
    commands = {
        "help": [*DRAFTER, "--help"],
        "write_kindergarten_2024": [*kinder, "--index", str(index)],
        "write_hospital_2026_brief": [*hospital, "--index", str(index)],
        "import_chromadb": [sys.executable, "-c", "import chromadb"],
    }
    for args in commands.values():  # the data cache and the OS's file cache, once
        run(args, env)
    runs: dict[str, list[tuple[float, int, str]]] = {name: [] for name in commands}
    for _ in range(ns.runs):  # interleaved
        for name, args in commands.items():
            runs[name].append(run(args, env))
    results: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count()},
        "ingest_built_in_corpus_s": ingest_s,
        **{name: summary(r) for name, r in runs.items()},
    }
    floor = results["import_chromadb"]["median_s"]
    results["import_chromadb_s"] = floor
    results["cold_write_over_import"] = round(
        max(results["write_kindergarten_2024"]["median_s"], results["write_hospital_2026_brief"]["median_s"]) / floor,
        2,
    )
    results["warm"] = warm(index)
    results["targets"] = {"help_s": 0.3, "cold_write_over_import": 1.3, "warm_draft_s": 0.2}
    out = ROOT / "benchmarks" / "results" / "write.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, ensure_ascii=False, indent=2))
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
