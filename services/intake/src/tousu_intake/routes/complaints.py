"""`/v1/complaints`: register, read, list, act, feedback."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Query, Request
from fastapi.responses import JSONResponse

from tousu_intake import examples
from tousu_intake.auth import Actor, PersonalReader, Reader, Writer, route_of
from tousu_intake.requestids import request_id
from tousu_intake.schemas import (
    ActionCreate,
    ActionRecorded,
    ComplaintCreate,
    ComplaintCreated,
    ComplaintPage,
    ComplaintView,
    FeedbackCreate,
    FeedbackRecorded,
    Problem,
    Rfc3339,
)
from tousu_shared.events.base import Channel

router = APIRouter(prefix="/v1/complaints", tags=["complaints 投诉"])
PROBLEM = "application/problem+json"


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI documentation of the problem+json answers a route may give."""
    titles = {
        400: "Malformed JSON",
        401: "Missing or invalid API key",
        403: "Scope or channel not granted",
        404: "Not found",
        409: "Conflict",
        413: "Body over 256 KiB",
        422: "Invalid fields",
        429: "Rate limit exceeded (see Retry-After)",
    }
    return {c: {"model": Problem, "description": titles[c], "content": {PROBLEM: {}}} for c in codes}


def _intake(request: Request) -> Any:
    return request.app.state.intake


@router.post(
    "",
    status_code=201,
    response_model=ComplaintCreated,
    summary="Register a complaint 登记投诉",
    responses={
        200: {"model": ComplaintCreated, "description": "A repeat: the original result"},
        **errors(400, 401, 403, 409, 413, 422, 429),
    },
)
async def create_complaint(
    request: Request,
    key: Writer,
    body: Annotated[ComplaintCreate, Body(openapi_examples=examples.COMPLAINT_EXAMPLES)],
    idempotency_key: Annotated[str | None, Header(max_length=200, description="Retry-safe key")] = None,
) -> JSONResponse:
    """Store the complaint and its event atomically; a repeat returns the original body with 200."""
    result = await _intake(request).service.submit(body=body, key=key, idempotency_key=idempotency_key)
    return JSONResponse(result.body, status_code=201 if result.created else 200)


@router.get("", response_model=ComplaintPage, summary="List complaints 投诉列表", responses=errors(401, 403, 422, 429))
async def list_complaints(
    request: Request,
    key: Reader,
    status: Annotated[str | None, Query(max_length=40)] = None,
    route: Annotated[str | None, Query(max_length=40)] = None,
    channel: Channel | None = None,
    customer_ref: Annotated[str | None, Query(max_length=128)] = None,
    from_: Annotated[Rfc3339 | None, Query(alias="from")] = None,
    to: Rfc3339 | None = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """Newest first; pass `next_cursor` back as `cursor`."""
    filters = {
        "status": status,
        "route": route,
        "channel": channel,
        "customer_ref": customer_ref,
        "from": from_,
        "to": to,
    }
    page: dict[str, Any] = await _intake(request).views.complaints(key=key, filters=filters, cursor=cursor, limit=limit)
    return page


@router.get(
    "/{complaint_id}",
    response_model=ComplaintView,
    summary="One complaint's view 投诉详情",
    responses=errors(401, 403, 404, 429),
)
async def get_complaint(request: Request, key: PersonalReader, complaint_id: str) -> dict[str, Any]:
    """Status, intake data (masked unless admin), analysis, routing, SLA, follow-up and timeline.

    An unmasked view goes out only once its audit entry (fields disclosed, never values) is stored."""
    intake = _intake(request)
    view: dict[str, Any] = await intake.views.complaint(complaint_id=complaint_id, key=key, now=intake.now())
    if key.sees_personal_data:
        trail = request.app.state.audit
        await trail.disclosed(key=key, view=view, request_id=request_id(request), route=route_of(request))
    return view


@router.post(
    "/{complaint_id}/actions",
    status_code=201,
    response_model=ActionRecorded,
    summary="Record a handler's action 处理动作",
    responses=errors(400, 401, 403, 404, 409, 413, 422, 429),
)
async def record_action(
    request: Request,
    key: Actor,
    complaint_id: str,
    body: Annotated[ActionCreate, Body(openapi_examples=examples.ACTION_EXAMPLES)],
) -> dict[str, Any]:
    """Validated against the complaint's state; stored and published through the outbox."""
    result: dict[str, Any] = await _intake(request).service.record_action(complaint_id=complaint_id, body=body, key=key)
    return result


@router.post(
    "/{complaint_id}/feedback",
    status_code=201,
    response_model=FeedbackRecorded,
    summary="Record follow-up feedback 回访结果",
    responses=errors(400, 401, 403, 404, 409, 413, 422, 429),
)
async def record_feedback(
    request: Request,
    key: Actor,
    complaint_id: str,
    body: Annotated[FeedbackCreate, Body(openapi_examples=examples.FEEDBACK_EXAMPLES)],
) -> dict[str, Any]:
    """The customer's satisfaction answer, or a failed contact attempt (`reached: false`)."""
    result: dict[str, Any] = await _intake(request).service.record_feedback(
        complaint_id=complaint_id, body=body, key=key
    )
    return result
