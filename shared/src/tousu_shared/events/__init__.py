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
from tousu_shared.events.deadline import ComplaintDeadlineSet
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
from tousu_shared.events.plan import ComplaintPlanUpdated, HandlingPlan, PlanGuidance, PlanStep, Replan
from tousu_shared.events.registry import EVENT_TYPES, model_for

__all__ = [
    "EVENT_TYPES",
    "ComplaintActionRecorded",
    "ComplaintAnalyzed",
    "ComplaintClosed",
    "ComplaintDeadlineSet",
    "ComplaintFeedbackReceived",
    "ComplaintPlanUpdated",
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
    "HandlingPlan",
    "IncidentOpened",
    "IncidentUpdated",
    "MaskedCustomer",
    "MaskedRepresentative",
    "Matter",
    "MediaInfo",
    "PlanGuidance",
    "PlanStep",
    "Product",
    "ProfileLabel",
    "RegulatorInfo",
    "RepeatRisk",
    "Replan",
    "RiskFactor",
    "Signal",
    "model_for",
]
