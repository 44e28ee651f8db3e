"""The JSON API (``/api/…``): the library's operations over HTTP; the pages use exactly these calls.

Errors are ``{"error": "一行说明"}`` with a fitting status (422 bad input, 404 no such draft, 409 the
section changed meanwhile or the draft is still being written, 413 upload too large, 502 model,
503 index or chroma server, 507 disk full). State-changing calls need the ``X-CSRF-Token`` header
(the ``drafter_csrf`` cookie's value) unless they carry ``Authorization: Bearer TOKEN``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response, StreamingResponse

from drafter.errors import InputError
from drafter.web import schemas, views
from drafter.web.service import Workspace
from drafter.web.store import DraftNotFound, valid_id

router = APIRouter(prefix="/api")
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": schemas.ErrorOut} for code in (401, 403, 404, 409, 413, 422, 502, 503, 507)
}
DraftId = Annotated[str, Path(description="a draft's id (32 hex digits)", max_length=64)]
SectionId = Annotated[str, Path(description="a section id of the draft's outline", max_length=64)]


def ws(request: Request) -> Workspace:
    workspace: Workspace = request.app.state.workspace
    return workspace


def _id(draft_id: str) -> str:
    if not valid_id(draft_id):
        raise DraftNotFound("找不到这份计划：它可能已被删除")
    return draft_id


@router.get("/config", response_model=schemas.ConfigOut, summary="Units, facts fields and writers for the form")
def get_config(request: Request) -> schemas.ConfigOut:
    return ws(request).app_config()


@router.post(
    "/outline", response_model=schemas.OutlineOut, responses=ERRORS, summary="The outline a draft would follow"
)
def post_outline(request: Request, body: schemas.DraftIn) -> schemas.OutlineOut:
    return ws(request).outline(body)


@router.post(
    "/drafts", response_model=schemas.CreatedOut, status_code=201, responses=ERRORS, summary="Start drafting a plan"
)
def create_draft(request: Request, body: schemas.DraftIn) -> schemas.CreatedOut:
    rec = ws(request).create(body)
    return schemas.CreatedOut(id=rec.id, url=f"/drafts/{rec.id}", draft=views.draft_out(rec))


@router.get("/drafts", response_model=list[schemas.DraftRowOut], summary="My plans: the saved drafts, newest first")
def list_drafts(request: Request) -> list[schemas.DraftRowOut]:
    return [views.draft_row(s) for s in ws(request).store.summaries()]


@router.get("/drafts/{draft_id}", response_model=schemas.DraftOut, responses=ERRORS, summary="One draft")
def get_draft(request: Request, draft_id: DraftId) -> schemas.DraftOut:
    return views.draft_out(ws(request).store.get(_id(draft_id)))


@router.delete("/drafts/{draft_id}", status_code=204, responses=ERRORS, summary="Delete a draft")
def delete_draft(request: Request, draft_id: DraftId) -> Response:
    w = ws(request)
    if w.store.get(_id(draft_id)).status == "drafting":
        from drafter.web.store import EditConflict

        raise EditConflict("这份计划正在起草，请等它写完再删除")
    w.store.delete(draft_id)
    return Response(status_code=204)


def _sse(name: str, data: dict[str, Any] | None) -> str:
    if data is None:
        return ": ping\n\n"
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


@router.get(
    "/drafts/{draft_id}/events",
    responses={200: {"content": {"text/event-stream": {}}}, **ERRORS},
    summary="Server-sent events: the draft now (snapshot), then each written section, then done or failed",
)
async def draft_events(request: Request, draft_id: DraftId) -> StreamingResponse:
    w = ws(request)
    channel = w.channels.get(_id(draft_id))
    start = len(channel.events) if channel is not None else 0
    rec = await run_in_threadpool(w.store.get, draft_id)
    snapshot = {"draft": views.draft_out(rec).model_dump()}

    async def stream() -> AsyncIterator[str]:
        yield "retry: 3000\n\n"
        yield _sse("snapshot", snapshot)
        if channel is None or rec.status != "drafting":
            yield _sse("end", {"status": rec.status})
            return
        async for name, data in channel.follow(start):
            yield _sse(name, data)
        yield _sse("end", {"status": "closed"})

    return StreamingResponse(
        stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    )


@router.put(
    "/drafts/{draft_id}/sections/{section_id}",
    response_model=schemas.DraftOut,
    responses=ERRORS,
    summary="Save the chair's own text of one section (409 when someone changed that section meanwhile)",
)
def save_section(
    request: Request, draft_id: DraftId, section_id: SectionId, body: schemas.SectionEditIn
) -> schemas.DraftOut:
    return views.draft_out(ws(request).edit(_id(draft_id), section_id, body))


@router.post(
    "/drafts/{draft_id}/sections/{section_id}/redraft",
    response_model=schemas.DraftOut,
    responses=ERRORS,
    summary="Write one section again (the others kept as they are)",
)
def redraft_section(
    request: Request, draft_id: DraftId, section_id: SectionId, body: schemas.RedraftIn | None = None
) -> schemas.DraftOut:
    base = body.base_version if body else None
    return views.draft_out(ws(request).redraft(_id(draft_id), section_id, base))


@router.post(
    "/drafts/{draft_id}/resume",
    response_model=schemas.DraftOut,
    status_code=202,
    responses=ERRORS,
    summary="Write the sections a failed or interrupted draft lacks (follow /events)",
)
def resume_draft(request: Request, draft_id: DraftId) -> schemas.DraftOut:
    return views.draft_out(ws(request).resume(_id(draft_id)))


@router.get("/drafts/{draft_id}/score", response_model=schemas.ScoreOut, responses=ERRORS, summary="Score the draft")
def score_draft(request: Request, draft_id: DraftId) -> schemas.ScoreOut:
    return ws(request).score(_id(draft_id))


@router.get(
    "/drafts/{draft_id}/download",
    responses={200: {"content": {"application/octet-stream": {}}}, **ERRORS},
    summary="The plan as a Word file (official layout) or Markdown",
)
def download(request: Request, draft_id: DraftId, format: Literal["docx", "md"] = "docx") -> Response:
    data, filename, media = ws(request).download(_id(draft_id), format)
    disposition = f"attachment; filename=\"plan.{format}\"; filename*=UTF-8''{quote(filename)}"
    return Response(data, media_type=media, headers={"Content-Disposition": disposition})


# --------------------------------------------------------------------------- library
@router.get("/library/plans", response_model=list[schemas.PlanRowOut], responses=ERRORS, summary="The corpus, tagged")
def library_plans(request: Request) -> list[schemas.PlanRowOut]:
    return ws(request).plans()


@router.get(
    "/library/plans/{plan_id}", response_model=schemas.PlanOut, responses=ERRORS, summary="One corpus plan's sections"
)
def library_plan(request: Request, plan_id: Annotated[str, Path(max_length=200)]) -> schemas.PlanOut:
    return ws(request).plan_text(plan_id)


@router.post(
    "/library/uploads",
    response_model=schemas.UploadOut,
    status_code=201,
    responses={**ERRORS, 411: {"model": schemas.ErrorOut}},
    summary="Upload past plans (.docx, .txt, .md; multipart field 'files') into the index",
)
async def upload(request: Request) -> Any:
    from fastapi.responses import JSONResponse

    w = ws(request)
    limit = w.settings.max_upload_bytes
    mb = w.settings.max_upload_bytes / 1024 / 1024
    too_big = JSONResponse({"error": f"文件太大：每次上传合计不超过 {mb:g} MB"}, status_code=413)
    length = request.headers.get("content-length")
    if length is None or not length.isdigit():
        return JSONResponse({"error": "请求缺少长度（Content-Length）：请用网页或常规方式上传"}, status_code=411)
    if int(length) > limit + 64 * 1024:
        return too_big
    ctype = request.headers.get("content-type", "")
    if not ctype.startswith("multipart/form-data"):
        raise InputError("请以 multipart/form-data 上传文件（字段名 files）")
    form = await request.form(max_files=20, max_fields=5)
    files: list[tuple[str, bytes]] = []
    total = 0
    for value in form.getlist("files"):
        if isinstance(value, str):
            continue
        data = await value.read(limit + 1)
        total += len(data)
        if total > limit:
            return too_big
        files.append((value.filename or "", data))
    await form.close()
    return await run_in_threadpool(w.upload, files)


@router.get("/library/search", response_model=list[schemas.HitOut], responses=ERRORS, summary="Search the corpus")
def library_search(
    request: Request,
    q: Annotated[str, Query(min_length=1, max_length=200)],
    unit: Annotated[str | None, Query(max_length=32)] = None,
    k: Annotated[int, Query(ge=1, le=50)] = 8,
) -> list[schemas.HitOut]:
    return ws(request).search(q, unit, k)
