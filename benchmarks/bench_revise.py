"""Benchmark of the revise path: offline `drafter revise` of a 5,000-character plan as a whole process.

Usage: python benchmarks/bench_revise.py [--runs N] [--plan FILE]
Writes benchmarks/results/revise.json. Target: ≤ 3 s per run (median), no index and no model needed.
The default plan is tests/data/revise/drafted_kindergarten_2024.md (a 2024 plan of about 5,600
characters, revised to 2025 with a brief, the change list written to a file).
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
PLAN = ROOT / "tests" / "data" / "revise" / "drafted_kindergarten_2024.md"
TARGET_S = 3.0


def run(args: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (KiB) of the child, stdout."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
        if os.waitstatus_to_exitcode(status) != 0:
            err.seek(0)
            raise SystemExit(f"{' '.join(args)} failed: {err.read().decode('utf-8', 'replace').strip()}")
        out.seek(0)
        return wall, usage.ru_maxrss, out.read().decode("utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument(
        "--plan", type=Path, default=PLAN, help="Last year's plan to revise (default: a 2024 kindergarten plan)."
    )
    ns = ap.parse_args()
    env = dict(os.environ)
    env.pop("OPENAI_API_KEY", None)
    env.pop("OPENAI_BASE_URL", None)
    chars = len(ns.plan.read_text(encoding="utf-8")) if ns.plan.suffix in (".md", ".txt") else None
    walls, peaks = [], []
    out = ""
    with tempfile.TemporaryDirectory() as tmp:
        changes = Path(tmp) / "changes.md"
        args = [
            *DRAFTER,
            "revise",
            str(ns.plan),
            "--year",
            "2025",
            "--provider",
            "offline",
            "--brief",
            "今年重点：教职工心理健康、开展教职工技能大赛",
            "--changes",
            str(changes),
            "--force",
        ]
        run(args, env)  # warm the file cache once; not counted
        for _ in range(ns.runs):
            w, p, out = run(args, env)
            walls.append(w)
            peaks.append(p)
    median = statistics.median(walls)
    results = {
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count()},
        "plan": str(ns.plan.relative_to(ROOT)) if ns.plan.is_relative_to(ROOT) else str(ns.plan),
        "plan_chars": chars,
        "revise_offline": {
            "runs": ns.runs,
            "median_s": round(median, 3),
            "min_s": round(min(walls), 3),
            "max_s": round(max(walls), 3),
            "peak_rss_mib": round(max(peaks) / 1024, 1),
            "output_chars": len(out),
        },
        "targets": {"revise_s": TARGET_S},
        "within_target": median <= TARGET_S,
    }
    path = ROOT / "benchmarks" / "results" / "revise.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
