"""Consumer handlers that keep the complaint view and incidents current from downstream events."""

from __future__ import annotations

from collections.abc import Mapping

from tousu_intake import timeline
from tousu_intake.adapters.complaints import ComplaintRepository
from tousu_intake.adapters.incidents import IncidentRepository
from tousu_intake.projection import INCIDENT_PROJECTIONS, PROJECTIONS, E, Projection, payload
from tousu_shared.consumer import DUPLICATE
from tousu_shared.events import Envelope, EventData
from tousu_shared.events.escalation import IncidentEvent
from tousu_shared.handlers import EventHandlers, Handler, OnEvent
from tousu_shared.logging import get_logger
from tousu_shared.retry import ConcurrentChange, PermanentError

log = get_logger("tousu.intake.readmodel")


class ReadModel:
    """Applies each event once (by ce_id on the timeline) and in event-time order (by projection rules)."""

    def __init__(self, *, complaints: ComplaintRepository, incidents: IncidentRepository) -> None:
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
