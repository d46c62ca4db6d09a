"""Transitions of a follow-up case; each returns a Decision (new case + facts) and does no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tousu_followup.domain.closure import close, review_open, unreachable
from tousu_followup.domain.model import (
    AnswerRecorded,
    Attempt,
    Case,
    Context,
    Decision,
    Reopened,
    ReopenReason,
    Resolution,
    Satisfaction,
    Survey,
    SurveyScheduled,
    unchanged,
)
from tousu_followup.domain.rules import FollowupRules
from tousu_followup.domain.schedule import plan_survey


class InvalidFeedback(ValueError):
    """Feedback that can never be applied (no survey for its cycle, or reached without an answer)."""


@dataclass(frozen=True)
class Feedback:
    """A customer's answer or a failed contact attempt."""

    feedback_id: str
    cycle: int
    reached: bool
    contacted_at: datetime
    satisfaction: Satisfaction | None = None
    score: int | None = None


def resolve(case: Case, *, resolution: Resolution, context: Context, rules: FollowupRules, now: datetime) -> Decision:
    """A `resolved` action schedules the survey of its cycle (once)."""
    if case.status == "closed":
        return unchanged(case, why="complaint already closed")
    if resolution.cycle < case.cycle:
        return unchanged(case, why=f"resolution of an earlier cycle {resolution.cycle}")
    if case.survey_of(resolution.cycle) is not None:
        return unchanged(case, why=f"survey of cycle {resolution.cycle} already scheduled")
    survey = plan_survey(complaint_id=case.complaint_id, resolution=resolution, context=context, rules=rules, now=now)
    stale = case.pending  # a survey of an earlier cycle that nobody answered: superseded
    if stale is not None:
        case = case.with_survey(stale.model_copy(update={"status": "cancelled"}))
    updated = case.model_copy(update={"cycle": resolution.cycle, "status": "surveying", "resolution": resolution})
    return Decision(case=updated.with_survey(survey), facts=[SurveyScheduled(survey=survey)])


def record_feedback(case: Case, *, feedback: Feedback, rules: FollowupRules, now: datetime) -> Decision:
    """An answer closes or reopens; a failed attempt is counted and may close the case as unreachable."""
    if case.status == "closed":
        return unchanged(case, why="complaint already closed")
    survey = case.survey_of(feedback.cycle)
    if survey is None:
        raise InvalidFeedback(f"no follow-up survey for cycle {feedback.cycle} of {case.complaint_id}")
    if any(a.feedback_id == feedback.feedback_id for a in survey.attempts):
        return unchanged(case, why=f"feedback {feedback.feedback_id} already recorded")
    if survey.status != "pending" or case.status != "surveying":
        return unchanged(case, why=f"survey {survey.survey_id} is {survey.status}, the case {case.status}")
    if feedback.reached and feedback.satisfaction is None:
        raise InvalidFeedback("a reached customer's feedback needs a satisfaction answer")
    attempt = Attempt(feedback_id=feedback.feedback_id, at=feedback.contacted_at, reached=feedback.reached)
    survey = survey.model_copy(update={"attempts": [*survey.attempts, attempt]})
    answer = AnswerRecorded(
        survey_id=survey.survey_id,
        cycle=survey.cycle,
        reached=feedback.reached,
        satisfaction=feedback.satisfaction,
        score=feedback.score,
        attempts=len(survey.attempts),
        at=now,
    )
    if not feedback.reached:
        return _failed_attempt(case, survey=survey, answer=answer, rules=rules, now=now)
    answered = survey.model_copy(
        update={"status": "answered", "satisfaction": feedback.satisfaction, "score": feedback.score}
    )
    case = case.with_survey(answered)
    if feedback.satisfaction == "unsatisfied":
        return _reopen(case, reason="unsatisfied", tier_hint=None, now=now, answer=answer)
    assert feedback.satisfaction is not None
    return close(case, outcome=feedback.satisfaction, now=now, facts=(answer,))


def _failed_attempt(
    case: Case, *, survey: Survey, answer: AnswerRecorded, rules: FollowupRules, now: datetime
) -> Decision:
    if not unreachable(survey.attempts, rules=rules):
        return Decision(case=case.with_survey(survey), facts=[answer])
    case = case.with_survey(survey.model_copy(update={"status": "unreachable"}))
    return close(case, outcome="unreachable", written_notice=True, now=now, facts=(answer,))


def _reopen(
    case: Case, *, reason: ReopenReason, tier_hint: str | None, now: datetime, answer: AnswerRecorded | None = None
) -> Decision:
    """A new resolution cycle of the same complaint; a survey still pending is cancelled."""
    pending = case.pending
    if pending is not None:
        case = case.with_survey(pending.model_copy(update={"status": "cancelled"}))
    cycle = case.cycle + 1
    reopened = Reopened(cycle=cycle, reason=reason, tier_hint=tier_hint, at=now)
    updated = case.model_copy(update={"cycle": cycle, "status": "handling", "blocked": None, "closure": None})
    return Decision(case=updated, facts=[*([answer] if answer else []), reopened])


def withdraw(case: Case, *, now: datetime) -> Decision:
    """The customer withdrew: close as `withdrawn` (no root cause needed); a pending survey is cancelled."""
    if case.status == "closed":
        return unchanged(case, why="complaint already closed")
    pending = case.pending
    if pending is not None:
        case = case.with_survey(pending.model_copy(update={"status": "cancelled"}))
    return close(case, outcome="withdrawn", now=now)


def request_review(case: Case, *, at: datetime, rules: FollowupRules, now: datetime) -> Decision:
    """A review (核查) within the window after the decision reopens the complaint at management tier."""
    r = case.resolution
    if case.status == "handling" or r is None or r.cycle != case.cycle:
        return unchanged(case, why="no decision in the current cycle to review")
    if not review_open(decided_at=r.decided_at, at=at, rules=rules):
        return unchanged(case, why=f"review requested outside the {rules.review_window.days}-day window")
    return _reopen(case, reason="review_requested", tier_hint=rules.review_tier_hint, now=now)


def trace(case: Case, *, cycle: int, root_cause: str, remediation: str, now: datetime) -> Decision:
    """Root cause and remediation recorded after the decision; completes a refused closure."""
    r = case.resolution
    if r is None or cycle != case.cycle or r.cycle != cycle or case.status not in ("surveying", "closure_blocked"):
        return unchanged(case, why="no open decision of that cycle to complete")
    case = case.model_copy(
        update={"resolution": r.model_copy(update={"root_cause": root_cause, "remediation": remediation})}
    )
    if case.blocked is None:
        return Decision(case=case)
    b = case.blocked
    return close(case, outcome=b.outcome, written_notice=b.written_notice, now=now)


def expire(case: Case, *, rules: FollowupRules, now: datetime) -> Decision:
    """No answer long enough after the survey was due: close as `no_response`."""
    survey = case.pending
    if survey is None or case.status != "surveying":
        return unchanged(case, why="no pending survey")
    if now < survey.due_at + rules.no_response_after:
        return unchanged(case, why="not yet past the no-response deadline")
    case = case.with_survey(survey.model_copy(update={"status": "no_response"}))
    return close(case, outcome="no_response", now=now)


def next_due_at(case: Case, *, rules: FollowupRules) -> datetime | None:
    """When the scanner must look at this case again: the pending survey's no-response deadline."""
    survey = case.pending
    return survey.due_at + rules.no_response_after if survey and case.status == "surveying" else None
