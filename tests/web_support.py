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
