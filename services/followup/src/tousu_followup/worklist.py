"""What the contact centre and handlers read: due surveys with masked contact data, refused closures."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from tousu_followup.domain.model import Survey
from tousu_followup.domain.rules import FollowupRules
from tousu_followup.ports import Stored


class Representative(BaseModel):
    """Who speaks for the customer, masked."""

    kind: str
    name_masked: str | None = None
    phone_masked: str | None = None


class Contact(BaseModel):
    """Masked contact data from `complaint.received` (intake keeps the clear values)."""

    name_masked: str | None = None
    phone_masked: str | None = None
    age_band: str | None = None
    vulnerable: bool = False
    representative: Representative | None = None


class DueSurvey(BaseModel):
    """One survey to call about."""

    complaint_id: str
    survey_id: str
    cycle: int
    complexity: str
    reasons: list[str]
    due_at: datetime = Field(description="Call from this instant.")
    due_by: datetime = Field(description="Call by this instant; `overdue` after it.")
    overdue: bool
    no_response_at: datetime = Field(description="Closed as no_response if still unanswered at this instant.")
    failed_attempts: int
    last_attempt_at: datetime | None
    channel: str | None
    product_line: str | None
    route: str | None
    queue: str | None
    contact: Contact


class BlockedClosure(BaseModel):
    """A closure waiting for the root cause and remediation (溯源整改)."""

    complaint_id: str
    cycle: int
    outcome: str
    reason: str
    since: datetime
    route: str | None
    queue: str | None
    channel: str | None


class DuePage(BaseModel):
    """The due-survey worklist."""

    as_of: datetime
    count: int
    items: list[DueSurvey]


class BlockedPage(BaseModel):
    """The refused closures."""

    as_of: datetime
    count: int
    items: list[BlockedClosure]


def due_survey(stored: Stored, *, survey: Survey, now: datetime, rules: FollowupRules) -> DueSurvey:
    """The worklist row of a pending survey."""
    c = stored.context
    failed = [a for a in survey.attempts if not a.reached]
    return DueSurvey(
        complaint_id=stored.case.complaint_id,
        survey_id=survey.survey_id,
        cycle=survey.cycle,
        complexity=survey.complexity,
        reasons=survey.reasons,
        due_at=survey.due_at,
        due_by=survey.due_by,
        overdue=now > survey.due_by,
        no_response_at=survey.due_at + rules.no_response_after,
        failed_attempts=len(failed),
        last_attempt_at=max((a.at for a in failed), default=None),
        channel=c.channel,
        product_line=c.product_line,
        route=c.route,
        queue=c.queue,
        contact=Contact.model_validate(stored.contact),
    )


def due_rows(found: list[Stored], *, now: datetime, rules: FollowupRules) -> list[DueSurvey]:
    """Rows of the cases that really have a pending survey."""
    rows = []
    for stored in found:
        survey = stored.case.pending
        if survey is not None and stored.case.status == "surveying":
            rows.append(due_survey(stored, survey=survey, now=now, rules=rules))
    return rows


def blocked_rows(found: list[Stored]) -> list[BlockedClosure]:
    """Rows of the cases whose closure was refused."""
    rows = []
    for stored in found:
        b, c = stored.case.blocked, stored.context
        if b is not None:
            rows.append(
                BlockedClosure(
                    complaint_id=stored.case.complaint_id,
                    cycle=stored.case.cycle,
                    outcome=b.outcome,
                    reason=b.reason,
                    since=b.since,
                    route=c.route,
                    queue=c.queue,
                    channel=c.channel,
                )
            )
    return rows
