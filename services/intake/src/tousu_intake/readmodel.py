"""Consumer handlers that keep the complaint view and incidents current from downstream events."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tousu_intake import timeline
from tousu_intake.ports import ComplaintProjections, IncidentStore
from tousu_intake.projection import INCIDENT_PROJECTIONS, PROJECTIONS, E, Projection, payload
from tousu_shared.consumer import DUPLICATE
from tousu_shared.events import Envelope, EventData
from tousu_shared.events.escalation import IncidentEvent
from tousu_shared.handlers import BatchHandler, EventHandlers, Handler, OnEvent, batch_handler
from tousu_shared.logging import get_logger
from tousu_shared.mongo import Document
from tousu_shared.retry import ConcurrentChange, PermanentError

log = get_logger("tousu.intake.readmodel")


class ReadModel:
    """Applies each event once (by ce_id on the timeline) and in event-time order (by projection rules)."""

    def __init__(self, *, complaints: ComplaintProjections, incidents: IncidentStore) -> None:
        self._complaints = complaints
        self._incidents = incidents

    def handlers(self) -> Mapping[str, Handler]:
        """Event type → typed handler, for `Runtime.consume`."""
        registry = EventHandlers()
        for projection in PROJECTIONS:
            registry.on(projection.model, self._on_complaint_event(projection))
        for projection in INCIDENT_PROJECTIONS:
            registry.on(projection.model, self._on_incident_event(projection))
        return registry.as_mapping()

    def _on_incident_event(self, projection: Projection[IncidentEvent]) -> OnEvent[IncidentEvent]:
        async def on_incident_event(data: IncidentEvent, envelope: Envelope[EventData]) -> str | None:
            """Keep the newest incident snapshot, then note the event on the member complaint."""
            snapshot = {"_id": data.incident_id, **payload(data)}
            await self._incidents.save_if_newer(snapshot | {"opened_at": data.opened_at, "updated_at": data.updated_at})
            return await self._apply(projection, data, envelope, required=False)

        return on_incident_event

    def _on_complaint_event(self, projection: Projection[E]) -> OnEvent[E]:
        async def on_complaint_event(data: E, envelope: Envelope[EventData]) -> str | None:
            """Apply an analysis / escalation / follow-up event to its complaint's view."""
            return await self._apply(projection, data, envelope, required=True)

        return on_complaint_event

    async def _apply(
        self, projection: Projection[E], data: E, envelope: Envelope[EventData], *, required: bool
    ) -> str | None:
        """Apply once: the timeline holds every applied event id, so a redelivery is reported as a duplicate."""
        for _ in range(8):
            doc = await self._complaints.get(envelope.data.complaint_id)
            if doc is None:
                if required:
                    raise PermanentError(f"unknown complaint {envelope.data.complaint_id}")
                return None
            if timeline.has_event(doc, envelope.id):
                return DUPLICATE  # a replay: already applied
            detail, fields = projection(doc, data, envelope)
            update = timeline.merge(timeline.append(doc, envelope, detail=detail), {"$set": fields})
            if await self._complaints.update_if_unchanged(complaint_id=doc["_id"], rev=doc["rev"], update=update):
                log.info("view updated", complaint_id=doc["_id"], event_type=envelope.type)
                return None
        raise ConcurrentChange(envelope.data.complaint_id)


@dataclass
class _Pending:
    """One event of a batch waiting to be folded into its complaint's view."""

    position: int
    projection: Projection[Any]
    envelope: Envelope[EventData]


class BatchedReadModel:
    """A consumer batch's events folded into each complaint's view in memory, then ONE write per complaint.

    Each complaint's events are applied in batch order exactly as `ReadModel` applies them one by
    one (the same projections, the same timeline idempotency), so the view ends the same; only
    the number of writes changes (one revision-checked update per complaint per batch).
    """

    def __init__(self, *, complaints: ComplaintProjections, incidents: IncidentStore) -> None:
        self._complaints = complaints
        self._incidents = incidents
        self._projections = {p.model.event_type: p for p in [*PROJECTIONS, *INCIDENT_PROJECTIONS]}

    def handler(self) -> BatchHandler:
        """The batch handler of every projected event type, for `Runtime.consume`."""
        return batch_handler([p.model for p in self._projections.values()], self.apply)

    async def apply(self, envelopes: list[Envelope[EventData]]) -> list[str | None]:
        """Apply a batch; one result per event (`DUPLICATE` for one already on its timeline)."""
        results: list[str | None] = [None] * len(envelopes)
        by_complaint: dict[str, list[_Pending]] = {}
        for position, envelope in enumerate(envelopes):
            pending = _Pending(position, self._projections[envelope.type], envelope)
            by_complaint.setdefault(envelope.data.complaint_id, []).append(pending)
        await self._save_incidents(envelopes)
        docs = await self._complaints.many(list(by_complaint))
        await asyncio.gather(*(self._fold(docs.get(cid), cid, items, results) for cid, items in by_complaint.items()))
        return results

    async def _save_incidents(self, envelopes: list[Envelope[EventData]]) -> None:
        for envelope in envelopes:
            data = envelope.data
            if isinstance(data, IncidentEvent):
                snapshot = {"_id": data.incident_id, **payload(data)}
                await self._incidents.save_if_newer(
                    snapshot | {"opened_at": data.opened_at, "updated_at": data.updated_at}
                )

    async def _fold(
        self, doc: Document | None, complaint_id: str, items: list[_Pending], results: list[str | None]
    ) -> None:
        for _ in range(8):
            if doc is None:
                if any(not isinstance(i.envelope.data, IncidentEvent) for i in items):
                    raise PermanentError(f"unknown complaint {complaint_id}")
                return  # incident news about a complaint this intake does not hold
            update = _folded(doc, items, results)
            if update is None or await self._complaints.update_if_unchanged(
                complaint_id=complaint_id, rev=doc["rev"], update=update
            ):
                log.info("view updated", complaint_id=complaint_id, events=len(items))
                return
            doc = await self._complaints.get(complaint_id)
        raise ConcurrentChange(complaint_id)


def _folded(doc: Document, items: list[_Pending], results: list[str | None]) -> dict[str, Any] | None:
    """The one update that applies `items` in order to `doc` (None when every one was applied already)."""
    work = copy.deepcopy(doc)
    work.setdefault("timeline", [])
    entries: list[Document] = []
    fields: dict[str, Any] = {}
    for item in items:
        if timeline.has_event(work, item.envelope.id):
            results[item.position] = DUPLICATE
            continue
        results[item.position] = None
        detail, changed = item.projection(work, item.envelope.data, item.envelope)
        appended = timeline.append(work, item.envelope, detail=detail)
        entry = appended["$push"]["timeline"]
        work["timeline"].append(entry)
        entries.append(entry)
        for name, value in {**appended["$set"], **changed}.items():
            work[name] = value
            fields[name] = value
    if not entries:
        return None
    return {"$push": {"timeline": {"$each": entries}}, "$set": fields}
