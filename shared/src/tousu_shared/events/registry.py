"""Registry of every event type: CloudEvents `type` → payload model."""

from __future__ import annotations

from tousu_shared.events.analysis import ComplaintAnalyzed
from tousu_shared.events.base import EventData
from tousu_shared.events.deadline import ComplaintDeadlineSet
from tousu_shared.events.escalation import (
    ComplaintRouted,
    ComplaintSlaBreached,
    ComplaintSlaWarning,
    IncidentOpened,
    IncidentUpdated,
)
from tousu_shared.events.followup import (
    ComplaintClosed,
    ComplaintReopened,
    FollowupSatisfactionRecorded,
    FollowupSurveyScheduled,
)
from tousu_shared.events.intake import (
    ComplaintActionRecorded,
    ComplaintFeedbackReceived,
    ComplaintReceived,
)
from tousu_shared.events.plan import ComplaintPlanUpdated

_MODELS: tuple[type[EventData], ...] = (
    ComplaintReceived,
    ComplaintActionRecorded,
    ComplaintFeedbackReceived,
    ComplaintAnalyzed,
    ComplaintRouted,
    ComplaintSlaWarning,
    ComplaintSlaBreached,
    ComplaintDeadlineSet,
    ComplaintPlanUpdated,
    IncidentOpened,
    IncidentUpdated,
    FollowupSurveyScheduled,
    FollowupSatisfactionRecorded,
    ComplaintReopened,
    ComplaintClosed,
)

EVENT_TYPES: dict[str, type[EventData]] = {m.event_type: m for m in _MODELS}


def model_for(event_type: str) -> type[EventData] | None:
    """The payload model of a CloudEvents type, or None when unknown."""
    return EVENT_TYPES.get(event_type)
