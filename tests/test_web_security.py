"""Who may use the web app: loopback by default, a token for anything else, CSRF on every change,
host checks; and `drafter serve`'s own checks."""

from __future__ import annotations

import subprocess
import sys

import pytest
from fastapi.testclient import TestClient
from web_support import BASE, client, make_settings

from drafter.errors import ConfigError
from drafter.web.app import create_app
from drafter.web.settings import WebSettings, is_loopback

TOKEN = "team-token-0123456789"


@pytest.fixture
def guarded(tmp_path, corpus_index):
    s = make_settings(tmp_path / "web", corpus_index.index_dir, host="0.0.0.0", token=TOKEN)
    with TestClient(create_app(s), base_url="http://plans.example.org") as c:
        yield c


def test_binding_another_address_needs_a_token():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    with pytest.raises(ConfigError, match="--token"):
        WebSettings(host="0.0.0.0").check()
    with pytest.raises(ConfigError, match="at least 8"):
        WebSettings(host="0.0.0.0", token="short").check()
    WebSettings(host="0.0.0.0", token=TOKEN).check()


def test_serve_refuses_a_public_address_without_a_token_in_one_line(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DRAFTER_WEB_DIR": str(tmp_path / "web")}
    res = subprocess.run(
        [sys.executable, "-m", "drafter", "serve", "--host", "0.0.0.0", "--port", "8999"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "--token" in lines[0] and lines[0].startswith("drafter: error:")


def test_the_cli_stays_light():
    code = "import sys, drafter.cli; bad = [m for m in ('fastapi', 'starlette', 'uvicorn', 'sqlalchemy', 'jinja2') if m in sys.modules]; print(bad)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout.strip()
    assert out == "[]"


def test_with_a_token_every_page_and_call_needs_it(guarded):
    page = guarded.get("/", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    for url in ("/api/config", "/api/drafts", "/api/library/plans", "/static/app.js", "/api/openapi.json"):
        res = guarded.get(url, follow_redirects=False)
        assert res.status_code in (401, 303), url
    assert guarded.get("/api/config", headers={"Authorization": "Bearer wrong-token-xx"}).status_code == 401
    ok = guarded.get("/api/config", headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200 and TOKEN not in ok.text
    # a script with the bearer token needs no CSRF header
    made = guarded.post(
        "/api/drafts", json={"unit": "hospital", "year": 2025}, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert made.status_code == 201


def test_the_login_form_sets_a_cookie_that_is_not_the_token(guarded):
    form = guarded.get("/login")
    assert form.status_code == 200 and 'name="csrf"' in form.text
    csrf = guarded.cookies.get("drafter_csrf")
    bad = guarded.post(
        "/login", data={"token": "nope-nope-nope", "csrf": csrf, "next": "/plans"}, follow_redirects=False
    )
    assert bad.status_code == 401 and "令牌不正确" in bad.text
    no_csrf = guarded.post("/login", data={"token": TOKEN, "csrf": "forged", "next": "/"}, follow_redirects=False)
    assert no_csrf.status_code == 401
    res = guarded.post(
        "/login", data={"token": TOKEN, "csrf": csrf, "next": "//evil.example.com/"}, follow_redirects=False
    )
    assert res.status_code == 303 and res.headers["location"] == "/"
    session = guarded.cookies.get("drafter_session")
    assert session and TOKEN not in session
    assert "httponly" in res.headers["set-cookie"].lower() and "samesite=strict" in res.headers["set-cookie"].lower()
    assert guarded.get("/plans").status_code == 200
    assert guarded.get("/api/drafts").status_code == 200


def test_state_changing_calls_need_the_csrf_header(tmp_path, corpus_index):
    s = make_settings(tmp_path / "web", corpus_index.index_dir)
    with TestClient(create_app(s), base_url=BASE) as c:
        c.get("/")
        body = {"unit": "hospital", "year": 2025}
        assert c.post("/api/drafts", json=body).status_code == 403
        assert c.post("/api/drafts", json=body, headers={"X-CSRF-Token": "forged"}).status_code == 403
        csrf = c.cookies.get("drafter_csrf")
        foreign = {"X-CSRF-Token": csrf, "Origin": "http://evil.example.com"}
        res = c.post("/api/drafts", json=body, headers=foreign)
        assert res.status_code == 403 and "其他网站" in res.json()["error"]
        assert c.post("/api/drafts", json=body, headers={"X-CSRF-Token": csrf, "Origin": BASE}).status_code == 201
        assert c.post("/api/library/uploads", files={"files": ("a.txt", b"x")}).status_code == 403


def test_without_a_token_only_loopback_host_names_are_served(tmp_path, corpus_index):
    s = make_settings(tmp_path / "web", corpus_index.index_dir)
    with TestClient(create_app(s), base_url="http://rebind.example.com") as c:
        res = c.get("/api/config")
        assert res.status_code == 400 and "本机" in res.json()["error"]
    with client(s) as c:
        assert c.get("/", headers={"Host": "localhost:8000"}).status_code == 200


def test_pages_send_safe_headers(tmp_path, corpus_index):
    with client(make_settings(tmp_path / "web", corpus_index.index_dir)) as c:
        h = c.get("/").headers
        assert h["x-frame-options"] == "DENY" and h["x-content-type-options"] == "nosniff"
        assert "default-src 'self'" in h["content-security-policy"]
        assert c.get("/api/drafts").headers["cache-control"] == "no-store"
