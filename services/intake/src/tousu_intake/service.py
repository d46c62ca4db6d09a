"""Orchestration of the write side: authorise → idempotency → domain rules → one journaled write → relay."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tousu_intake import records, timeline
from tousu_intake.domain import deadlines, masking
from tousu_intake.domain.actions import ActionRequest, CaseState, check_feedback, decide
from tousu_intake.domain.errors import ActionRejected, FieldError, InvalidInput
from tousu_intake.domain.ids import complaint_id
from tousu_intake.domain.keys import customer_key
from tousu_intake.metrics import IntakeMetrics
from tousu_intake.ports import Cipher, ComplaintWrites, DuplicateComplaint, Publisher
from tousu_intake.schemas import ActionCreate, ComplaintCreate, FeedbackCreate
from tousu_shared.apikeys import ApiKey
from tousu_shared.auth import Forbidden
from tousu_shared.clock import Clock, utc_now
from tousu_shared.deadlines import regulatory_due_at
from tousu_shared.events import ComplaintActionRecorded, ComplaintFeedbackReceived, Envelope, EventData
from tousu_shared.logging import get_logger
from tousu_shared.mongo import Document
from tousu_shared.outbox import outbox_fields, outbox_push
from tousu_shared.settings import Topics

log = get_logger("tousu.intake.service")
TEXT_FIELDS = ("note", "decision", "remedy", "root_cause", "remediation", "reason")


class NotFound(Exception):
    """No such complaint, or not one this key may see (→ 404)."""


class IdempotencyConflict(Exception):
    """A repeat that is not a repeat: same key or channel reference, different body (→ 409)."""


class ConcurrentUpdate(Exception):
    """The complaint kept changing under us; the caller may retry (→ 409)."""


def _ms(value: datetime) -> datetime:
    value = value.astimezone(UTC)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


@dataclass(frozen=True)
class Submitted:
    """The 201 body, and whether this request created the complaint."""

    body: dict[str, Any]
    created: bool


def may_see(key: ApiKey, doc: Document) -> bool:
    """A key sees the complaints it submitted; `admin` or read-all keys see every complaint."""
    return key.reads_all or doc.get("submitted_by") == key.key_id


class IntakeService:
    """Registers complaints and records actions and feedback, each with its event in one write."""

    def __init__(
        self,
        *,
        complaints: ComplaintWrites,
        cipher: Cipher,
        topics: Topics,
        customer_key_secret: str,
        metrics: IntakeMetrics,
        publisher: Publisher,
        clock_skew: timedelta,
        max_age: timedelta = timedelta(days=366),
        clock: Clock = utc_now,
    ) -> None:
        self._complaints = complaints
        self._cipher = cipher
        self._topics = topics
        self._secret = customer_key_secret
        self._metrics = metrics
        self._publisher = publisher
        self._skew = clock_skew
        self._max_age = max_age
        self._clock = clock

    async def submit(self, *, body: ComplaintCreate, key: ApiKey, idempotency_key: str | None) -> Submitted:
        """Register a complaint, or return the original result of a repeat."""
        if body.channel not in key.channels:
            raise Forbidden(f"this API key may not post for channel {body.channel}")
        now = self._clock()
        received_at = _ms(body.received_at) if body.received_at else now
        self._plausible(("received_at", received_at), ("regulator.forwarded_at", _forwarded(body)), now=now)
        scope = f"{key.key_id}:{idempotency_key}" if idempotency_key else None
        digest = records.request_hash(body)
        document = self._new_document(body, key=key, scope=scope, digest=digest, now=now, received_at=received_at)
        try:
            await self._complaints.insert(document)
        except DuplicateComplaint:
            return Submitted(await self._original(body, scope=scope, digest=digest), created=False)
        self._publisher.notify()
        self._metrics.complaints_received.labels(body.channel, body.product.line).inc()
        log.info(
            "complaint registered",
            complaint_id=document["_id"],
            channel=body.channel,
            customer_key=document["customer_key"],
        )
        return Submitted(document["response"], created=True)

    def _plausible(self, *fields: tuple[str, datetime | None], now: datetime) -> None:
        """Reported times are neither in the future nor older than the configured maximum age."""
        errors = [
            FieldError(name, "is in the future")
            for name, value in fields
            if value is not None and deadlines.in_future(value, now=now, skew=self._skew)
        ]
        errors += [
            FieldError(name, f"is more than {self._max_age.days} days in the past")
            for name, value in fields
            if value is not None and value < now - self._max_age
        ]
        if errors:
            raise InvalidInput(errors)

    async def _original(self, body: ComplaintCreate, *, scope: str | None, digest: str) -> dict[str, Any]:
        found = await self._complaints.find_original(
            idempotency_scope=scope, channel=body.channel, channel_ref=body.channel_ref
        )
        if found is None:
            raise ConcurrentUpdate("duplicate complaint id; retry")
        if found["request_hash"] != digest:
            same_key = scope is not None and found.get("idempotency_scope") == scope
            what = "Idempotency-Key" if same_key else "channel + channel_ref"
            raise IdempotencyConflict(f"this {what} was already used for a different complaint body")
        return dict(found["response"])

    def _new_document(
        self,
        body: ComplaintCreate,
        *,
        key: ApiKey,
        scope: str | None,
        digest: str,
        now: datetime,
        received_at: datetime,
    ) -> Document:
        cid = complaint_id(now=now, entropy=os.urandom(10))
        ckey = customer_key(ref=body.customer.ref, secret=self._secret)
        due = regulatory_due_at(started_at=received_at)
        event = records.received_event(
            body, complaint_id=cid, customer_key=ckey, received_at=received_at, due_at=due, secret=self._secret
        )
        envelope = Envelope[EventData].wrap(event, source=records.SOURCE, time=received_at)
        response = {
            "complaint_id": cid,
            "status": "received",
            "received_at": received_at.isoformat(),
            "due_at": due.isoformat(),
        }
        doc: Document = {
            "_id": cid,
            "rev": 0,
            "channel": body.channel,
            "channel_ref": body.channel_ref,
            "submitted_by": key.key_id,
            "request_hash": digest,
            "customer_key": ckey,
            "received_at": received_at,
            "due_at": due,
            "status": "received",
            "cycle": 1,
            "extensions": 0,
            "decided_at": None,
            "route": None,
            "product_line": body.product.line,
            "intake": event.model_dump(mode="json", exclude={"complaint_id", "customer_key"}),
            "pii": self._cipher.encrypt(records.personal_data(body)),
            "response": response,
            "timeline": [timeline.entry(envelope, seq=0, detail={"channel": body.channel})],
            "seq": 1,
            "created_at": now,
            **outbox_fields([envelope], topics=self._topics, now=now),
        }
        if scope is not None:
            doc["idempotency_scope"] = scope
        return doc

    async def _load(self, complaint_id: str, *, key: ApiKey) -> Document:
        doc = await self._complaints.get(complaint_id)
        if doc is None or not may_see(key, doc):
            raise NotFound(complaint_id)
        return doc

    def _names(self, doc: Document) -> tuple[str, ...]:
        personal = self._cipher.decrypt(doc["pii"])
        rep = personal.get("representative") or {}
        return tuple(n for n in (personal["customer"].get("name"), rep.get("name")) if n)

    async def record_action(self, *, complaint_id: str, body: ActionCreate, key: ApiKey) -> dict[str, Any]:
        """Validate an action against the complaint's state and store it with its event."""
        for _ in range(5):
            doc = await self._load(complaint_id, key=key)
            result = await self._try_action(doc, body=body)
            if result is not None:
                return result
        raise ConcurrentUpdate("the complaint changed concurrently; retry")

    async def _try_action(self, doc: Document, *, body: ActionCreate) -> dict[str, Any] | None:
        now = self._clock()
        occurred_at = _ms(body.occurred_at) if body.occurred_at else now
        self._plausible(("occurred_at", occurred_at), now=now)
        request = ActionRequest(
            occurred_at=occurred_at, **body.model_dump(include={"type", *TEXT_FIELDS[1:], "approver"})
        )
        outcome = decide(state=case_state(doc), action=request)
        names = self._names(doc)
        texts = {f: masking.mask_text(v, names=names) for f in TEXT_FIELDS if (v := getattr(body, f))}
        event = ComplaintActionRecorded(
            complaint_id=doc["_id"],
            customer_key=doc["customer_key"],
            action_id=f"act_{uuid.uuid4().hex}",
            type=body.type,
            actor=body.actor,
            occurred_at=occurred_at,
            cycle=outcome.cycle,
            approver=body.approver,
            due_at=outcome.due_at,
            **texts,
        )
        envelope = Envelope[EventData].wrap(event, source=records.SOURCE, time=occurred_at)
        detail = {
            "action": body.type,
            "actor": body.actor,
            **texts,
            **({"approver": body.approver} if body.approver else {}),
        }
        fields = {
            "due_at": outcome.due_at,
            "extensions": outcome.extensions,
            "decided_at": outcome.decided_at,
            "clock_paused": outcome.paused,
            "clock_paused_at": outcome.paused_at,
            "clock_paused_seconds": outcome.paused_seconds,
        }
        if body.type == "resolved":
            fields["resolution"] = {**texts, "decided_at": occurred_at, "cycle": outcome.cycle}
        applied = await self._write(doc, envelope, detail=detail, fields=fields, now=now)
        if applied is None:
            return None
        return {
            "action_id": event.action_id,
            "complaint_id": doc["_id"],
            "type": body.type,
            "status": applied,
            "due_at": outcome.due_at,
            "cycle": outcome.cycle,
        }

    async def _write(
        self,
        doc: Document,
        envelope: Envelope[EventData],
        *,
        detail: dict[str, Any],
        fields: dict[str, Any],
        now: datetime,
    ) -> str | None:
        update = timeline.merge(
            timeline.append(doc, envelope, detail=detail),
            {"$set": fields},
            outbox_push([envelope], topics=self._topics, now=now),
        )
        if not await self._complaints.update_if_unchanged(complaint_id=doc["_id"], rev=doc["rev"], update=update):
            return None
        self._publisher.notify()
        self._metrics.actions_recorded.labels(envelope.type, str(detail.get("action", "feedback"))).inc()
        log.info("complaint updated", complaint_id=doc["_id"], event_type=envelope.type)
        return str(update["$set"]["status"])

    async def record_feedback(self, *, complaint_id: str, body: FeedbackCreate, key: ApiKey) -> dict[str, Any]:
        """Store a follow-up answer (or a failed attempt) with its event."""
        _check_feedback_fields(body)
        for _ in range(5):
            doc = await self._load(complaint_id, key=key)
            result = await self._try_feedback(doc, body=body)
            if result is not None:
                return result
        raise ConcurrentUpdate("the complaint changed concurrently; retry")

    async def _try_feedback(self, doc: Document, *, body: FeedbackCreate) -> dict[str, Any] | None:
        now = self._clock()
        contacted_at = _ms(body.contacted_at) if body.contacted_at else now
        self._plausible(("contacted_at", contacted_at), now=now)
        state = case_state(doc)
        check_feedback(state=state)
        comment = masking.mask_text(body.comment, names=self._names(doc)) if body.comment else None
        event = ComplaintFeedbackReceived(
            complaint_id=doc["_id"],
            customer_key=doc["customer_key"],
            feedback_id=f"fb_{uuid.uuid4().hex}",
            cycle=state.cycle,
            reached=body.reached,
            satisfaction=body.satisfaction,
            score=body.score,
            comment=comment,
            contacted_at=contacted_at,
        )
        envelope = Envelope[EventData].wrap(event, source=records.SOURCE, time=contacted_at)
        item = event.model_dump(mode="json", exclude={"complaint_id", "customer_key"})
        followup = dict(doc.get("followup") or {})
        followup["feedback"] = sorted([*followup.get("feedback", []), item], key=lambda f: f["contacted_at"])
        detail = {k: item[k] for k in ("reached", "satisfaction", "score")}
        status = await self._write(doc, envelope, detail=detail, fields={"followup": followup}, now=now)
        if status is None:
            return None
        return {"feedback_id": event.feedback_id, "complaint_id": doc["_id"], "cycle": state.cycle, "status": status}


def _forwarded(body: ComplaintCreate) -> datetime | None:
    return body.regulator.forwarded_at if body.regulator else None


def _check_feedback_fields(body: FeedbackCreate) -> None:
    if body.reached and body.satisfaction is None:
        raise InvalidInput([FieldError("satisfaction", "required when the customer was reached")])
    if not body.reached and (body.satisfaction is not None or body.score is not None):
        field = "satisfaction" if body.satisfaction is not None else "score"
        raise InvalidInput([FieldError(field, "not allowed when the customer was not reached")])


def case_state(doc: Document) -> CaseState:
    """The rule-relevant state of a stored complaint."""
    return CaseState(
        status=doc["status"],
        received_at=doc["received_at"],
        due_at=doc["due_at"],
        extensions=int(doc.get("extensions", 0)),
        decided_at=doc.get("decided_at"),
        cycle=int(doc.get("cycle", 1)),
        paused=bool(doc.get("clock_paused", False)),
        paused_at=doc.get("clock_paused_at"),
        paused_seconds=float(doc.get("clock_paused_seconds", 0.0)),
        clock_started_at=doc.get("clock_started_at"),
    )


__all__ = ["ActionRejected", "IntakeService", "NotFound"]
