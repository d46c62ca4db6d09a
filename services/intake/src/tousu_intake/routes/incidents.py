"""`/v1/incidents`: group (群体性) and public-opinion (舆情) incidents."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request

from tousu_intake.auth import Reader
from tousu_intake.routes.complaints import errors
from tousu_intake.schemas import IncidentPage, IncidentView
from tousu_shared.apikeys import ApiKey
from tousu_shared.auth import Forbidden

router = APIRouter(prefix="/v1/incidents", tags=["incidents 事件"])


def _all_readers_only(key: ApiKey) -> None:
    if not key.reads_all:
        raise Forbidden("incidents span channels: reading them needs `admin` or a read-all key")


@router.get("", response_model=IncidentPage, summary="List incidents", responses=errors(401, 403, 422, 429))
async def list_incidents(
    request: Request,
    key: Reader,
    status: Literal["open", "closed"] | None = None,
    kind: Literal["group", "public_opinion"] | None = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """Newest first; pass `next_cursor` back as `cursor`."""
    _all_readers_only(key)
    page: dict[str, Any] = await request.app.state.intake.views.incidents(
        filters={"status": status, "kind": kind}, cursor=cursor, limit=limit
    )
    return page


@router.get("/{incident_id}", response_model=IncidentView, summary="One incident", responses=errors(401, 403, 404, 429))
async def get_incident(request: Request, key: Reader, incident_id: str) -> dict[str, Any]:
    """The incident's latest snapshot: members, status, owner queue."""
    _all_readers_only(key)
    view: dict[str, Any] = await request.app.state.intake.views.incident(incident_id=incident_id)
    return view
