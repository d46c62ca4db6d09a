"""The read side: the complaint view, filtered lists with cursors, incidents; masking by key."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from tousu_intake.domain import plans
from tousu_intake.domain.errors import FieldError, InvalidInput
from tousu_intake.domain.keys import customer_key
from tousu_intake.ports import Cipher, ComplaintPages, IncidentStore
from tousu_intake.service import NotFound, may_see
from tousu_shared.apikeys import ApiKey
from tousu_shared.mongo import Document

OPEN = frozenset({"received", "analyzed", "routed", "in_progress", "reopened"})


def encode_cursor(last_id: str) -> str:
    """An opaque cursor from the last id of a page."""
    return base64.urlsafe_b64encode(last_id.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    """The id behind a cursor; a bad cursor is a 422 on `cursor`."""
    if not cursor:
        return None
    try:
        value = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True).decode()
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput([FieldError("cursor", "not a cursor returned by this API")]) from exc
    if not value.isprintable() or not value:
        raise InvalidInput([FieldError("cursor", "not a cursor returned by this API")])
    return value


def _unmasked(intake: dict[str, Any], personal: dict[str, Any]) -> dict[str, Any]:
    customer = {**intake.get("customer", {}), **personal["customer"]}
    out = {**intake, "customer": customer, "content": personal["content"], "demands": personal.get("demands")}
    if intake.get("representative") and personal.get("representative"):
        out["representative"] = {**intake["representative"], **personal["representative"]}
    out["product"] = {**intake.get("product", {}), "policy_or_account": personal.get("policy_or_account")}
    return out


def _sla(doc: Document, *, now: datetime) -> dict[str, Any]:
    sla = dict(doc.get("sla") or {})
    state = "breached" if sla.get("breaches") else "warning" if sla.get("warnings") else "on_time"
    overdue = doc["status"] in OPEN and now > doc["due_at"]
    return {
        "regulatory_due_at": doc["due_at"],
        "extensions": doc.get("extensions", 0),
        "paused": bool(doc.get("clock_paused", False)),
        "started_at": doc.get("clock_started_at") or doc["received_at"],
        "deadline": doc.get("deadline"),  # escalation's last `complaint.deadline_set`; null until it arrives
        "state": state,
        "overdue": overdue,
        "warnings": sla.get("warnings", []),
        "breaches": sla.get("breaches", []),
    }


class Views:
    """Builds the JSON views served by the GET endpoints."""

    def __init__(
        self,
        *,
        complaints: ComplaintPages,
        incidents: IncidentStore,
        cipher: Cipher,
        customer_key_secret: str,
    ) -> None:
        self._complaints = complaints
        self._incidents = incidents
        self._cipher = cipher
        self._secret = customer_key_secret

    async def complaint(self, *, complaint_id: str, key: ApiKey, now: datetime) -> dict[str, Any]:
        """The full current view of one complaint."""
        doc = await self._complaints.get(complaint_id)
        if doc is None or not may_see(key, doc):
            raise NotFound(complaint_id)
        intake = doc["intake"]
        if key.sees_personal_data:
            intake = _unmasked(intake, self._cipher.decrypt(doc["pii"]))
        timeline = sorted(doc.get("timeline", []), key=lambda e: (e["time"], e.get("seq", 0)))
        followup = {**(doc.get("followup") or {}), "resolution": doc.get("resolution"), "closure": doc.get("closure")}
        return {
            "complaint_id": doc["_id"],
            "status": doc["status"],
            "cycle": doc.get("cycle", 1),
            "channel": doc["channel"],
            "channel_ref": doc["channel_ref"],
            "received_at": doc["received_at"],
            "due_at": doc["due_at"],
            "intake": intake,
            "analysis": doc.get("analysis"),
            "routing": doc.get("routing"),
            "sla": _sla(doc, now=now),
            "followup": followup,
            "incident_ids": doc.get("incident_ids", []),
            "plan": plans.plan_view(doc.get("plans") or [], now=now),
            "timeline": timeline,
        }

    def _query(self, *, key: ApiKey, filters: dict[str, Any]) -> Document:
        query: Document = {k: filters[k] for k in ("status", "route", "channel") if filters.get(k)}
        if filters.get("customer_ref"):
            query["customer_key"] = customer_key(ref=filters["customer_ref"], secret=self._secret)
        window = {op: filters[k] for k, op in (("from", "$gte"), ("to", "$lt")) if filters.get(k)}
        if window:
            query["received_at"] = window
        if not key.reads_all:
            query["submitted_by"] = key.key_id
        return query

    async def complaints(
        self, *, key: ApiKey, filters: dict[str, Any], cursor: str | None, limit: int
    ) -> dict[str, Any]:
        """A page of complaint summaries, newest first."""
        docs = await self._complaints.page(
            query=self._query(key=key, filters=filters), before=decode_cursor(cursor), limit=limit + 1
        )
        items = [
            {
                "complaint_id": d["_id"],
                "status": d["status"],
                "channel": d["channel"],
                "channel_ref": d["channel_ref"],
                "route": d.get("route"),
                "product_line": d.get("product_line"),
                "received_at": d["received_at"],
                "due_at": d["due_at"],
            }
            for d in docs[:limit]
        ]
        more = len(docs) > limit
        return {"items": items, "next_cursor": encode_cursor(items[-1]["complaint_id"]) if more else None}

    async def incident(self, *, incident_id: str) -> dict[str, Any]:
        """One incident."""
        doc = await self._incidents.get(incident_id)
        if doc is None:
            raise NotFound(incident_id)
        return {"incident_id": doc["_id"], **{k: v for k, v in doc.items() if k != "_id"}}

    async def incidents(self, *, filters: dict[str, Any], cursor: str | None, limit: int) -> dict[str, Any]:
        """A page of incidents."""
        query = {k: v for k, v in filters.items() if v}
        docs = await self._incidents.page(query=query, before=decode_cursor(cursor), limit=limit + 1)
        items = [{"incident_id": d["_id"], **{k: v for k, v in d.items() if k != "_id"}} for d in docs[:limit]]
        more = len(docs) > limit
        return {"items": items, "next_cursor": encode_cursor(items[-1]["incident_id"]) if more else None}
