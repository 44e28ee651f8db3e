"""Running the library's coroutines from synchronous code, in a script or inside a running event loop
(Jupyter), where ``asyncio.run`` alone would fail."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_sync(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run the coroutine ``factory()`` makes to the end: here when no loop is running, else in a worker
    thread with a loop of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(factory())
    with concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="drafter") as pool:
        return pool.submit(lambda: asyncio.run(factory())).result()
