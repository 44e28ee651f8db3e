"""Who may use the app: the token (login cookie or bearer header), CSRF checks, host checks, safe headers.

* With a token (``--token`` / ``DRAFTER_TOKEN``) every page and API call needs it: the login form sets
  a cookie derived from it (HttpOnly, SameSite=Strict); scripts send ``Authorization: Bearer TOKEN``.
* Every state-changing call (POST, PUT, PATCH, DELETE) made with cookies must echo the CSRF cookie in
  an ``X-CSRF-Token`` header (double-submit), and come from this site when the browser says where it
  comes from (``Origin``). Bearer calls carry no ambient credential and need no CSRF token.
* Without a token the app answers only to loopback host names (a DNS-rebinding page cannot reach it).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from urllib.parse import quote, urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from drafter.web.settings import WebSettings

SESSION_COOKIE = "drafter_session"
CSRF_COOKIE = "drafter_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
OPEN_PATHS = {"/login", "/static/app.css", "/favicon.ico"}  # reachable before logging in
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def session_value(token: str) -> str:
    """The login cookie's value: derived from the token, so the cookie never holds the token itself."""
    return hmac.new(token.encode("utf-8"), b"drafter-web-session", hashlib.sha256).hexdigest()


def token_ok(settings: WebSettings, given: str | None) -> bool:
    return bool(settings.token) and given is not None and hmac.compare_digest(given.encode(), settings.token.encode())  # type: ignore[union-attr]


def _bearer(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _host_name(host_header: str) -> str:
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[: host.find("]") + 1]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def safe_next(target: str | None) -> str:
    """Where to go after logging in: a path on this site only."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def install(app: object, settings: WebSettings) -> None:
    """Add the checks to a Starlette/FastAPI app."""

    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        path = request.url.path
        if not settings.token and _host_name(request.headers.get("host", "")) not in LOOPBACK_HOSTS:
            return _error(400, "此服务只接受本机访问（未设置令牌）：请用 http://127.0.0.1 打开")
        bearer = _bearer(request)
        by_bearer = bearer is not None and token_ok(settings, bearer)
        if settings.token and not by_bearer:
            cookie = request.cookies.get(SESSION_COOKIE, "")
            if (
                not hmac.compare_digest(cookie.encode(), session_value(settings.token).encode())
                and path not in OPEN_PATHS
            ):
                if bearer is not None or path.startswith("/api/"):
                    return _error(401, "需要令牌：请先登录，或在请求头中加 Authorization: Bearer 令牌")
                return RedirectResponse(f"/login?next={quote(path)}", status_code=303)
        if request.method not in SAFE_METHODS and not by_bearer and path != "/login":
            origin = request.headers.get("origin")
            if (
                origin
                and origin != "null"
                and urlsplit(origin).netloc.lower() != request.headers.get("host", "").lower()
            ):
                return _error(403, "请求来自其他网站，已拒绝")
            cookie = request.cookies.get(CSRF_COOKIE, "")
            header = request.headers.get(CSRF_HEADER, "")
            if not cookie or not hmac.compare_digest(cookie.encode(), header.encode()):
                return _error(403, "请求缺少有效的安全校验码（CSRF）：请刷新页面后重试")
        request.state.csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
        response = await call_next(request)
        if not request.cookies.get(CSRF_COOKIE):
            response.set_cookie(CSRF_COOKIE, request.state.csrf, samesite="strict", httponly=False, path="/")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", CSP)
        if path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    app.middleware("http")(guard)  # type: ignore[attr-defined]


def login_ok(settings: WebSettings, form_token: str, form_csrf: str, request: Request) -> bool:
    """The login form's check: the CSRF field matches the cookie, and the token is right."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    return bool(cookie) and hmac.compare_digest(cookie.encode(), form_csrf.encode()) and token_ok(settings, form_token)


__all__ = ["install", "login_ok", "safe_next", "session_value"]
