"""Benchmark of the write path: `drafter --help`, offline `drafter write` as a whole process, peak memory.

Usage: python benchmarks/bench_write.py [--runs N] [--index DIR]
Writes benchmarks/results/write.json. Targets: --help ≤ 0.3 s; offline write ≤ 2.5 s with a built
index (``import chromadb`` alone takes about 2 s on the reference machine).
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


def time_one(args: list[str], env: dict[str, str], runs: int) -> dict:
    walls, peaks = [], []
    out = ""
    for _ in range(runs):
        w, p, out = run(args, env)
        walls.append(w)
        peaks.append(p)
    return {
        "runs": runs,
        "median_s": round(statistics.median(walls), 3),
        "min_s": round(min(walls), 3),
        "max_s": round(max(walls), 3),
        "peak_rss_mib": round(max(peaks) / 1024, 1),
        "output_chars": len(out),
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
    results = {
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count()},
        "ingest_built_in_corpus_s": ingest_s,
        "help": time_one([*DRAFTER, "--help"], env, ns.runs),
        "write_kindergarten_2024": time_one(
            [
                *DRAFTER,
                "write",
                "--unit",
                "kindergarten",
                "--year",
                "2024",
                "--provider",
                "offline",
                "--index",
                str(index),
            ],
            env,
            ns.runs,
        ),
        "write_hospital_2026_brief": time_one(
            [
                *DRAFTER,
                "write",
                "--unit",
                "hospital",
                "--year",
                "2026",
                "--provider",
                "offline",
                "--brief",
                "今年重点：医务职工心理健康、职工之家建设",
                "--index",
                str(index),
            ],
            env,
            ns.runs,
        ),
        "targets": {"help_s": 0.3, "write_s": 2.5},
    }
    # In-process import cost of chromadb, for context.
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import chromadb"], env=env, check=True)
    results["import_chromadb_s"] = round(time.perf_counter() - t, 3)
    out = ROOT / "benchmarks" / "results" / "write.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, ensure_ascii=False, indent=2))
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
