"""`/v1/followups`: the contact centre's worklist of due surveys, and closures waiting for 溯源整改."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from tousu_followup.worklist import BlockedPage, DuePage, blocked_rows, due_rows
from tousu_shared.apikeys import ApiKey
from tousu_shared.auth import require

router = APIRouter(prefix="/v1/followups", tags=["follow-up 回访"])
Reader = Annotated[ApiKey, Depends(require("complaints:read"))]
PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or invalid API key"},
    403: {"description": "The key lacks the scope"},
    429: {"description": "Over the key's rate limit (Retry-After)"},
}


@router.get("/due", response_model=DuePage, summary="Due surveys to call (回访工作单)", responses=PROBLEMS)
async def due(request: Request, caller: Reader, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> DuePage:
    """Pending surveys due now, oldest first, with masked contact data; a channel key sees its channels only."""
    f = request.app.state.followup
    now = f.now()
    found = await f.cases.due(now=now, channels=caller.visible_channels, limit=min(limit, f.limit))
    rows = due_rows(found, now=now, rules=f.rules)
    return DuePage(as_of=now, count=len(rows), items=rows)


@router.get(
    "/blocked",
    response_model=BlockedPage,
    summary="Closures waiting for root cause and remediation",
    responses=PROBLEMS,
)
async def blocked(request: Request, caller: Reader, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> BlockedPage:
    """Answered or expired surveys whose closure was refused: record the root cause and remediation to close."""
    f = request.app.state.followup
    found = await f.cases.blocked(channels=caller.visible_channels, limit=min(limit, f.limit))
    rows = blocked_rows(found)
    return BlockedPage(as_of=f.now(), count=len(rows), items=rows)
