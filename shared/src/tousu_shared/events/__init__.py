"""Event contract (contract §3): payload models, the registry and the CloudEvents envelope."""

from tousu_shared.events.analysis import (
    ComplaintAnalyzed,
    Dimensions,
    DimensionScore,
    Matter,
    ProfileLabel,
    RepeatRisk,
    RiskFactor,
    Signal,
)
from tousu_shared.events.base import EventData, Evidence
from tousu_shared.events.envelope import Envelope
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
    MaskedCustomer,
    MaskedRepresentative,
    MediaInfo,
    Product,
    RegulatorInfo,
)
from tousu_shared.events.registry import EVENT_TYPES, model_for

__all__ = [
    "EVENT_TYPES",
    "ComplaintActionRecorded",
    "ComplaintAnalyzed",
    "ComplaintClosed",
    "ComplaintFeedbackReceived",
    "ComplaintReceived",
    "ComplaintReopened",
    "ComplaintRouted",
    "ComplaintSlaBreached",
    "ComplaintSlaWarning",
    "DimensionScore",
    "Dimensions",
    "Envelope",
    "EventData",
    "Evidence",
    "FollowupSatisfactionRecorded",
    "FollowupSurveyScheduled",
    "IncidentOpened",
    "IncidentUpdated",
    "MaskedCustomer",
    "MaskedRepresentative",
    "Matter",
    "MediaInfo",
    "Product",
    "ProfileLabel",
    "RegulatorInfo",
    "RepeatRisk",
    "RiskFactor",
    "Signal",
    "model_for",
]
