"""A chroma server that hangs costs a bounded time: every call has a total deadline (DRAFTER_CHROMA_TIMEOUT)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import parse_simple
from hanging_servers import FreezableProxy, accepts_and_never_answers, never_accepts

from drafter.config import IndexConfig
from drafter.errors import StoreError

pytestmark = pytest.mark.integration


@pytest.mark.server
def test_a_server_that_freezes_mid_session(chroma_server, small_corpus, tmp_path):
    from drafter.index.build import ingest
    from drafter.index.retrieve import Retriever

    proxy = FreezableProxy(chroma_server)
    try:
        config = IndexConfig(index_dir=tmp_path / "idx", chroma_url=proxy.url, collection="frozen", chroma_timeout=1.5)
        ingest([small_corpus], config=config, parse=parse_simple)
        retriever = Retriever(config)
        assert retriever.search("送温暖", k=2)
        proxy.freeze()
        for call in (
            lambda: retriever.search("送温暖", k=2),
            lambda: ingest([small_corpus], config=config, parse=parse_simple),
        ):
            t = time.monotonic()
            with pytest.raises(StoreError, match=f"chroma server at {proxy.url} did not answer within 1.5 s"):
                call()
            assert time.monotonic() - t < 3.5
    finally:
        proxy.close()


def _drafter(*args: str, env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], float]:
    t = time.monotonic()
    res = subprocess.run(
        [sys.executable, "-m", "drafter", *args], capture_output=True, text=True, timeout=120, env={**os.environ, **env}
    )
    return res, time.monotonic() - t


def _one_line_timeout(res: subprocess.CompletedProcess[str], url: str, seconds: str) -> None:
    lines = [ln for ln in res.stderr.splitlines() if ln.startswith("drafter: error:")]
    assert res.returncode == 3, res.stderr
    assert len(lines) == 1 and f"chroma server at {url} did not answer within {seconds} s" in lines[0], res.stderr
    assert "DRAFTER_CHROMA_TIMEOUT" in lines[0] and "Traceback" not in res.stderr


def test_search_fails_in_one_line_well_under_a_minute_at_the_default_deadline(tmp_path):
    with never_accepts() as url:
        res, took = _drafter(
            "search", "送温暖", env={"DRAFTER_CHROMA_URL": url, "DRAFTER_INDEX_DIR": str(tmp_path / "i")}
        )
    _one_line_timeout(res, url, "15")
    assert took < 35, took  # the 15 s deadline, plus starting Python and reading the built-in corpus


def test_ingest_and_search_obey_drafter_chroma_timeout(tmp_path):
    first = sorted((Path(__file__).resolve().parent.parent / "corpus").glob("*.txt"))[0]
    with accepts_and_never_answers() as url:
        env = {"DRAFTER_CHROMA_URL": url, "DRAFTER_INDEX_DIR": str(tmp_path / "idx"), "DRAFTER_CHROMA_TIMEOUT": "2"}
        for args in (["ingest", str(first)], ["search", "送温暖"]):
            res, took = _drafter(*args, env=env)
            _one_line_timeout(res, url, "2")
            assert took < 20, took
