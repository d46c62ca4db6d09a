"""The events follow-up publishes, built from domain facts; ids derive from the cause, so a replay repeats them."""

from __future__ import annotations

from datetime import datetime

from tousu_followup.domain.model import AnswerRecorded, Case, Closed, Fact, Reopened, SurveyScheduled
from tousu_shared.clock import stable_event_id
from tousu_shared.events import (
    ComplaintClosed,
    ComplaintReopened,
    FollowupSatisfactionRecorded,
    FollowupSurveyScheduled,
)
from tousu_shared.events.base import EventData
from tousu_shared.events.envelope import Envelope

SOURCE = "tousu/followup"


def event_id(*parts: object) -> str:
    """A stable id for the event caused by `parts` (same cause → same `ce_id`)."""
    return stable_event_id(SOURCE, *parts)


def _payload(fact: Fact, *, ids: dict[str, str]) -> EventData | None:
    if isinstance(fact, SurveyScheduled):
        s = fact.survey
        return FollowupSurveyScheduled(
            **ids,
            survey_id=s.survey_id,
            cycle=s.cycle,
            due_at=s.due_at,
            due_by=s.due_by,
            complexity=s.complexity,
            reasons=s.reasons,
            scheduled_at=s.scheduled_at,
        )
    if isinstance(fact, AnswerRecorded):
        return FollowupSatisfactionRecorded(**ids, **fact.model_dump(exclude={"at"}), occurred_at=fact.at)
    if isinstance(fact, Reopened):
        return ComplaintReopened(**ids, **fact.model_dump(exclude={"at"}), occurred_at=fact.at)
    if isinstance(fact, Closed):
        return ComplaintClosed(**ids, **fact.model_dump(exclude={"at"}), occurred_at=fact.at)
    return None  # ClosureRefused stays inside follow-up: a metric, a log line and the blocked worklist


def envelopes(case: Case, *, facts: list[Fact], cause: str, now: datetime) -> list[Envelope[EventData]]:
    """The envelopes of a transition's facts, in order; `cause` is the id of the input event or timer."""
    ids = {"complaint_id": case.complaint_id, "customer_key": case.customer_key}
    out: list[Envelope[EventData]] = []
    for index, fact in enumerate(facts):
        data = _payload(fact, ids=ids)
        if data is not None:
            eid = event_id(data.event_type, case.complaint_id, cause, index)
            out.append(Envelope[EventData].wrap(data, source=SOURCE, event_id=eid, time=now))
    return out
