"""The ASGI app: ``create_app(settings)`` → FastAPI with the JSON API, the pages and the static files."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from drafter import __version__
from drafter.errors import DrafterError
from drafter.web import api, security, views
from drafter.web.errors import INTERNAL, describe, validation_message
from drafter.web.service import Workspace
from drafter.web.settings import WebSettings
from drafter.web.store import valid_id

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
HTTP_WORDS = {404: "找不到这个页面", 405: "不支持这种请求方式", 401: "需要登录", 403: "没有权限"}


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get("accept", "")


def create_app(settings: WebSettings | None = None) -> FastAPI:
    """The web app for ``settings`` (default: loopback, the environment's index and model)."""
    settings = settings or WebSettings.resolve()
    settings.check()
    workspace = Workspace(settings)
    templates = Jinja2Templates(directory=str(HERE / "templates"))  # autoescape on for .html

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        workspace.start(asyncio.get_running_loop())
        try:
            yield
        finally:
            workspace.close()

    app = FastAPI(
        title="drafter",
        version=__version__,
        description="起草工会工作计划：新建计划、调整提纲、逐节起草、修改、评分、下载 Word；资料库上传与检索。",
        docs_url=None,  # Swagger UI would load JavaScript from a CDN; the description is at /api/openapi.json
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    app.state.workspace = workspace
    app.state.settings = settings
    app.include_router(api.router)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    security.install(app, settings)

    def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        context.setdefault("nav", "")
        context["token_required"] = bool(settings.token)
        return templates.TemplateResponse(request, name, context, status_code=status)

    # ------------------------------------------------------------------ errors
    def error_response(request: Request, status: int, message: str) -> Response:
        if _wants_html(request):
            return page(request, "error.html", status=status, message=message)
        return JSONResponse({"error": message}, status_code=status)

    @app.exception_handler(DrafterError)
    async def drafter_error(request: Request, exc: DrafterError) -> Response:
        status, message = describe(exc)
        return error_response(request, status, message)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        return error_response(request, 422, validation_message(exc.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return error_response(
            request, exc.status_code, HTTP_WORDS.get(exc.status_code, f"请求有误（{exc.status_code}）")
        )

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> Response:
        log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
        return error_response(request, 500, INTERNAL)

    # ------------------------------------------------------------------ pages
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def new_plan(request: Request) -> HTMLResponse:
        cfg = workspace.app_config()
        return page(request, "new.html", nav="new", config=cfg, default_year=_this_year() + 1)

    @app.get("/drafts/{draft_id}", response_class=HTMLResponse, include_in_schema=False)
    def draft_page(request: Request, draft_id: str) -> HTMLResponse:
        if not valid_id(draft_id):
            return page(request, "error.html", status=404, message="找不到这份计划：它可能已被删除")
        rec = workspace.store.get(draft_id)
        return page(request, "draft.html", nav="plans", draft_id=rec.id, title=rec.title)

    @app.get("/plans", response_class=HTMLResponse, include_in_schema=False)
    def plans_page(request: Request) -> HTMLResponse:
        rows = [views.draft_row(s) for s in workspace.store.summaries()]
        return page(request, "plans.html", nav="plans", rows=rows)

    @app.get("/library", response_class=HTMLResponse, include_in_schema=False)
    def library_page(request: Request) -> HTMLResponse:
        cfg = workspace.app_config()
        return page(request, "library.html", nav="library", config=cfg)

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_form(request: Request, next: str = "/") -> Response:
        if not settings.token:
            return RedirectResponse("/", status_code=303)
        return page(request, "login.html", next=security.safe_next(next), failed=False)

    @app.post("/login", response_class=HTMLResponse, include_in_schema=False)
    def login(request: Request, token: str = Form(""), csrf: str = Form(""), next: str = Form("/")) -> Response:
        if not settings.token:
            return RedirectResponse("/", status_code=303)
        if not security.login_ok(settings, token, csrf, request):
            return page(request, "login.html", status=401, next=security.safe_next(next), failed=True)
        response = RedirectResponse(security.safe_next(next), status_code=303)
        response.set_cookie(
            security.SESSION_COOKIE, security.session_value(settings.token), httponly=True, samesite="strict", path="/"
        )
        return response

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)

    return app


def _this_year() -> int:
    import datetime

    return datetime.date.today().year
