"""`/v1/audit`: the personal-data access trail, admin only and read only (no route changes or removes an entry)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request
from pydantic import BaseModel, Field

from tousu_intake.adapters.audit import AuditTrail, entry_view
from tousu_intake.auth import Admin
from tousu_intake.domain.audit import ACTIONS, PERSONAL_FIELDS
from tousu_intake.domain.errors import FieldError, InvalidInput
from tousu_intake.requestids import RequestIds
from tousu_intake.routes.complaints import errors
from tousu_intake.schemas import Rfc3339
from tousu_intake.service import NotFound
from tousu_intake.views import decode_cursor, encode_cursor

router = APIRouter(prefix="/v1/audit", tags=["audit 审计"])


class AuditEntry(BaseModel):
    """One entry: who (key), when, what (action, route, complaint, field names), never the data itself."""

    entry_id: str = Field(description="Time-ordered id (`AUD-<ULID>`).")
    at: datetime = Field(description="When (RFC 3339, UTC).")
    action: str = Field(description=" | ".join(ACTIONS))
    key_id: str | None = Field(description="The key used (API) or administered (`key.*`).")
    key_name: str | None = Field(description="That key's name.")
    complaint_id: str | None = Field(description="The complaint the request was about, if any.")
    fields: list[str] = Field(description="Personal fields disclosed in clear: " + ", ".join(PERSONAL_FIELDS))
    customer_key: str | None = Field(default=None, description="Keyed pseudonym of the customer whose data it was.")
    request_id: str | None = Field(default=None, description="The request's X-Request-ID.")
    route: str | None = Field(default=None, description="`METHOD /route/template`.")
    by: str | None = Field(default=None, description="Who ran `tousu keys` (key administration).")
    detail: dict[str, Any] | None = Field(default=None, description="Key administration: scopes, expiry, grace.")
    chain: str = Field(description="The writer's hash chain.")
    seq: int = Field(description="Position in the chain, from 0.")
    prev: str = Field(description="Hash of the previous entry in the chain ('' for the first).")
    hash: str = Field(description="SHA-256 of this entry (every field but `hash`).")


class AuditPage(BaseModel):
    """A page of entries, newest first."""

    items: list[AuditEntry]
    next_cursor: str | None


def _trail(request: Request) -> AuditTrail:
    trail: AuditTrail = request.app.state.audit
    return trail


@router.get(
    "", response_model=AuditPage, summary="Personal-data access trail 审计", responses=errors(401, 403, 422, 429)
)
async def list_audit(
    request: Request,
    key: Admin,
    complaint_id: Annotated[str | None, Query(max_length=80)] = None,
    key_id: Annotated[str | None, Query(max_length=80)] = None,
    customer_ref: Annotated[str | None, Query(max_length=128, description="The customer's number.")] = None,
    field: Annotated[str | None, Query(description="Only entries that disclosed this field.")] = None,
    action: Annotated[str | None, Query(description=" | ".join(ACTIONS))] = None,
    since: Rfc3339 | None = None,
    until: Rfc3339 | None = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """Newest first; pass `next_cursor` back as `cursor`. `since` inclusive, `until` exclusive."""
    _check(field=field, action=action, since=since, until=until)
    filters: dict[str, Any] = {
        "complaint_id": complaint_id,
        "key_id": key_id,
        "customer_ref": customer_ref,
        "field": field,
    }
    filters |= {"action": action, "since": since, "until": until}
    trail = _trail(request)
    docs = await trail.repository.page(query=trail.query(filters), before=decode_cursor(cursor), limit=limit + 1)
    items = [entry_view(d) for d in docs[:limit]]
    more = len(docs) > limit
    return {"items": items, "next_cursor": encode_cursor(items[-1]["entry_id"]) if more else None}


def _check(*, field: str | None, action: str | None, since: Any, until: Any) -> None:
    problems = []
    if field is not None and field not in PERSONAL_FIELDS:
        problems.append(FieldError("field", "one of " + ", ".join(PERSONAL_FIELDS)))
    if action is not None and action not in ACTIONS:
        problems.append(FieldError("action", "one of " + ", ".join(ACTIONS)))
    if since is not None and until is not None and since >= until:
        problems.append(FieldError("until", "must be after since"))
    if problems:
        raise InvalidInput(problems)


@router.get("/{entry_id}", response_model=AuditEntry, summary="One audit entry", responses=errors(401, 403, 404, 429))
async def get_audit_entry(request: Request, key: Admin, entry_id: str) -> dict[str, Any]:
    """One entry by id."""
    doc = await _trail(request).repository.get(entry_id)
    if doc is None:
        raise NotFound(entry_id)
    return entry_view(doc)


def install(app: FastAPI) -> None:
    """The audit routes and the request ids they record."""
    app.include_router(router)
    app.add_middleware(RequestIds)
