"""Benchmark of `drafter serve`: page load, first offline section visible after submit, 20 concurrent
offline drafts, the server's peak memory.

Usage: python benchmarks/bench_web.py [--users 20] [--cores 2] [--index DIR]
Writes benchmarks/results/web.json and prints a table. Targets: page load ≤ 0.2 s; first offline
section visible ≤ 1 s after submit (in headless Chromium, when the `chromium` package is installed);
20 concurrent drafts without error (p95 completion reported).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["/", "/static/app.css", "/static/app.js", "/static/new.js"]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(work: Path, index: Path, cores: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = dict(os.environ, ANONYMIZED_TELEMETRY="False", DRAFTER_CACHE_DIR=str(work / "cache"))
    env.pop("OPENAI_API_KEY", None)
    env.pop("OPENAI_BASE_URL", None)
    cmd = [sys.executable, "-m", "drafter", "serve", "--port", str(port), "--data-dir", str(work / "web")]
    cmd += ["--index", str(index), "--provider", "offline"]
    chosen = set(sorted(os.sched_getaffinity(0))[:cores]) if hasattr(os, "sched_setaffinity") else None
    proc = subprocess.Popen(
        cmd,
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=(lambda: os.sched_setaffinity(0, chosen)) if chosen else None,  # type: ignore[arg-type]
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/api/config", timeout=2)
            return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("drafter serve did not start")


def peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def page_load(url: str, runs: int = 20) -> float:
    """Median seconds to fetch the new-plan page and its assets (warm server)."""
    times = []
    for _ in range(runs + 2):
        t = time.perf_counter()
        for p in PAGES:
            urllib.request.urlopen(url + p, timeout=10).read()
        times.append(time.perf_counter() - t)
    return statistics.median(times[2:])


def first_section_in_browser(url: str, runs: int = 4) -> tuple[list[float], list[float]]:
    """Seconds from clicking 直接起草 to the first written section visible, and to the whole draft visible,
    in headless Chromium; the first run is a browser that has never loaded the app (fonts, scripts)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        return [], []
    from playwright.sync_api import sync_playwright

    first: list[float] = []
    whole: list[float] = []
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-dev-shm-usage"])
        page = b.new_page()
        for _ in range(runs):
            page.goto(url + "/")
            page.fill("#f-name", "阳光幼儿园")
            t = time.perf_counter()
            page.click("#btn-draft")
            page.wait_for_selector(".sec:not(.is-pending) .sec-body li", timeout=30_000)
            first.append(time.perf_counter() - t)
            page.wait_for_selector("#status.st-done", timeout=60_000)
            whole.append(time.perf_counter() - t)
        b.close()
    return first, whole


def concurrent_drafts(url: str, users: int) -> tuple[list[float], int]:
    import httpx

    times: list[float] = []
    errors = 0
    lock = threading.Lock()

    def chair(i: int) -> None:
        nonlocal errors
        try:
            with httpx.Client(base_url=url, timeout=300) as c:
                c.get("/api/config")
                t = time.perf_counter()
                units = ["kindergarten", "hospital", "enterprise", "government", "community"]
                res = c.post(
                    "/api/drafts",
                    json={"unit": units[i % 5], "year": 2025, "name": f"第{i}单位"},
                    headers={"X-CSRF-Token": c.cookies["drafter_csrf"]},
                )
                res.raise_for_status()
                did = res.json()["id"]
                with c.stream("GET", f"/api/drafts/{did}/events") as ev:
                    for line in ev.iter_lines():
                        if line.startswith("event: end"):
                            break
                ok = c.get(f"/api/drafts/{did}").json()["status"] == "done"
                with lock:
                    times.append(time.perf_counter() - t)
                    errors += 0 if ok else 1
        except Exception:
            with lock:
                errors += 1

    threads = [threading.Thread(target=chair, args=(i,)) for i in range(users)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return sorted(times), errors


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--index", type=Path, default=None, help="a built index (default: build one in a temp folder)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        index = args.index or work / "index"
        if args.index is None:
            subprocess.run(
                [sys.executable, "-m", "drafter", "ingest", "--index", str(index)], check=True, capture_output=True
            )
        proc, url = start(work, index, args.cores)
        try:
            load = page_load(url)
            first, whole = first_section_in_browser(url)
            times, errors = concurrent_drafts(url, args.users)
            memory = peak_mb(proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=20)

    def shown(xs: list[float]) -> str:
        return f"{statistics.median(xs):.2f} s" if xs else "no chromium"

    p95 = times[max(0, int(round(0.95 * len(times))) - 1)] if times else float("nan")
    rows = [
        ("page load (new-plan page + assets, median)", f"{load:.3f} s", "≤ 0.2 s"),
        ("first offline section visible after submit, new browser", shown(first[:1]), ""),
        ("first offline section visible after submit, app loaded before", shown(first[1:]), "≤ 1 s"),
        ("whole offline draft visible after submit, app loaded before", shown(whole[1:]), ""),
        (f"{args.users} concurrent offline drafts: errors", str(errors), "0"),
        (f"{args.users} concurrent offline drafts: median", f"{statistics.median(times):.2f} s" if times else "-", ""),
        (f"{args.users} concurrent offline drafts: p95", f"{p95:.2f} s", "reported"),
        ("server peak memory (VmHWM)", f"{memory:.0f} MiB", "reported"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"drafter serve on {args.cores} core(s), {platform.processor() or platform.machine()}")
    for name, value, target in rows:
        print(f"  {name:<{width}}  {value:>12}  {target}")
    out = ROOT / "benchmarks" / "results" / "web.json"
    out.write_text(
        json.dumps(
            {
                "cores": args.cores,
                "users": args.users,
                "page_load_s": round(load, 4),
                "first_section_s": [round(x, 3) for x in first],
                "whole_draft_s": [round(x, 3) for x in whole],
                "errors": errors,
                "draft_times_s": [round(t, 3) for t in times],
                "p95_s": round(p95, 3),
                "peak_memory_mib": round(memory, 1),
                "machine": platform.platform(),
            },
            ensure_ascii=False,
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
