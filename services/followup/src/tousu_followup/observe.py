"""Counting a stored decision in the business metrics (service layer, never the domain)."""

from __future__ import annotations

from tousu_followup.domain.model import (
    AnswerRecorded,
    Case,
    Closed,
    ClosureRefused,
    Context,
    Decision,
    Reopened,
    SurveyScheduled,
)
from tousu_followup.metrics import FollowupMetrics

CONCLUDED = frozenset({"answered", "unreachable", "no_response"})


def count_decision(metrics: FollowupMetrics, *, before: Case, decision: Decision, context: Context) -> None:
    """Facts as counters; a survey that moved from pending to a conclusion counts once for CSAT."""
    for fact in decision.facts:
        if isinstance(fact, SurveyScheduled):
            metrics.scheduled.labels(fact.survey.complexity).inc()
        elif isinstance(fact, AnswerRecorded):
            metrics.attempts.labels(str(fact.reached).lower()).inc()
        elif isinstance(fact, Reopened):
            metrics.reopened.labels(fact.reason).inc()
        elif isinstance(fact, Closed):
            metrics.closed.labels(fact.outcome).inc()
        elif isinstance(fact, ClosureRefused):
            metrics.refused.labels(fact.outcome).inc()
    was = {s.survey_id: s.status for s in before.surveys}
    for survey in decision.case.surveys:
        if survey.status in CONCLUDED and was.get(survey.survey_id) == "pending":
            outcome = survey.satisfaction if survey.status == "answered" else survey.status
            metrics.count_conclusion(outcome=str(outcome), context=context)
