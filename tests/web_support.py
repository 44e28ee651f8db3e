"""Helpers for the web app's tests: an app on a temporary data folder, a client that sends the CSRF header,
the events of a draft read to the end."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from drafter.web.app import create_app
from drafter.web.settings import ModelOptions, WebSettings

BASE = "http://127.0.0.1"
PLANTED = "<script>alert('x')</script>"


def make_settings(data_dir: Path, index: Path, **kw: Any) -> WebSettings:
    kw.setdefault("model", ModelOptions(provider="offline"))
    return WebSettings(index=index, data_dir=data_dir, **kw)


class Client(TestClient):
    """A TestClient on 127.0.0.1 that fetches the CSRF cookie first and sends it back as the header."""

    def __enter__(self) -> Client:
        super().__enter__()
        self.get("/api/config")
        return self

    def _csrf(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        headers = dict(kwargs.pop("headers", None) or {})
        headers.setdefault("X-CSRF-Token", self.cookies.get("drafter_csrf") or "")
        kwargs["headers"] = headers
        return kwargs

    def post(self, url: Any, **kw: Any) -> Any:  # type: ignore[override]
        return super().post(url, **self._csrf(kw))

    def put(self, url: Any, **kw: Any) -> Any:  # type: ignore[override]
        return super().put(url, **self._csrf(kw))

    def delete(self, url: Any, **kw: Any) -> Any:  # type: ignore[override]
        return super().delete(url, **self._csrf(kw))


def client(settings: WebSettings) -> Client:
    # a 500 is answered as the real server answers it (one line of JSON), not raised into the test
    return Client(create_app(settings), base_url=BASE, raise_server_exceptions=False)


def events(c: TestClient, draft_id: str) -> list[tuple[str, dict[str, Any]]]:
    """Every event of a draft's stream, up to its end."""
    out: list[tuple[str, dict[str, Any]]] = []
    name = ""
    with c.stream("GET", f"/api/drafts/{draft_id}/events") as res:
        assert res.status_code == 200
        assert res.headers["content-type"].startswith("text/event-stream")
        for line in res.iter_lines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                out.append((name, json.loads(line[6:])))
                if name == "end":
                    break
    return out


def drafted(c: TestClient, **body: Any) -> dict[str, Any]:
    """Start a draft, follow its events to the end, return the finished draft."""
    body.setdefault("unit", "kindergarten")
    body.setdefault("year", 2025)
    res = c.post("/api/drafts", json=body)
    assert res.status_code == 201, res.text
    draft_id = res.json()["id"]
    evs = events(c, draft_id)
    assert evs[-1][0] == "end"
    final: dict[str, Any] = c.get(f"/api/drafts/{draft_id}").json()
    return final


# --------------------------------------------------------------------------- a real server
def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """``drafter serve`` in a subprocess on 127.0.0.1 (optionally pinned to ``cores`` CPUs)."""

    def __init__(
        self, data_dir: Path, index: Path, *args: str, cores: int | None = None, env: dict[str, str] | None = None
    ):
        import os
        import subprocess
        import sys

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        environ = dict(os.environ, ANONYMIZED_TELEMETRY="False", DRAFTER_CACHE_DIR=str(data_dir / "cache"))
        environ.pop("OPENAI_API_KEY", None)
        environ.pop("OPENAI_BASE_URL", None)
        environ.update(env or {})
        cmd = [sys.executable, "-m", "drafter", "serve", "--port", str(self.port), "--data-dir", str(data_dir / "web")]
        cmd += ["--index", str(index), *args]
        pin = None
        if cores and hasattr(os, "sched_setaffinity") and len(os.sched_getaffinity(0)) > cores:
            chosen = set(sorted(os.sched_getaffinity(0))[:cores])

            def pin() -> None:
                os.sched_setaffinity(0, chosen)

        self.log = open(data_dir / "server.log", "wb")  # noqa: SIM115 - the server writes to it until stop()
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, env=environ, preexec_fn=pin)
        self.log_path = data_dir / "server.log"
        self._wait()

    def _wait(self) -> None:
        import time
        import urllib.request

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                with urllib.request.urlopen(self.url + "/api/config", timeout=2) as res:
                    if res.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"drafter serve did not start: {self.log_path.read_text(errors='replace')[-800:]}")

    def peak_memory_mb(self) -> float:
        """The server's peak resident memory (VmHWM), in MiB."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except Exception:
            self.proc.kill()
        self.log.close()
