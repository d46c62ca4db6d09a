"""Business metrics of the follow-up service (contract §5), on the service's own registry."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

from tousu_followup.domain.model import Context

ANSWER_LABELS = ["route", "channel", "product_line", "queue", "outcome"]


class FollowupMetrics:
    """Counters and gauges incremented by the service layer (never by the domain)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.satisfaction = Counter(
            "tousu_satisfaction",
            "Concluded surveys by outcome (answers, unreachable, no_response).",
            ["outcome"],
            registry=registry,
        )
        self.answers = Counter(
            "tousu_followup_answers",
            "Concluded surveys by route, channel, product line, queue and outcome "
            "(CSAT = satisfied + basically_satisfied over the three answers).",
            ANSWER_LABELS,
            registry=registry,
        )
        self.reopened = Counter("tousu_reopened", "Complaints reopened, by reason.", ["reason"], registry=registry)
        self.closed = Counter("tousu_followup_closed", "Complaints closed, by outcome.", ["outcome"], registry=registry)
        self.refused = Counter(
            "tousu_followup_closure_refused",
            "Closures refused for want of root cause and remediation.",
            ["outcome"],
            registry=registry,
        )
        self.scheduled = Counter(
            "tousu_followup_surveys_scheduled", "Surveys scheduled, by complexity.", ["complexity"], registry=registry
        )
        self.attempts = Counter(
            "tousu_followup_contact_attempts",
            "Contact attempts recorded, by whether the customer was reached.",
            ["reached"],
            registry=registry,
        )
        self.due = Gauge("tousu_followup_surveys_due", "Surveys due and not yet concluded.", registry=registry)
        self.overdue = Gauge(
            "tousu_followup_surveys_overdue", "Surveys past the end of their contact window.", registry=registry
        )

    def count_conclusion(self, *, outcome: str, context: Context) -> None:
        """A survey concluded: the overall counter and the labelled CSAT counter."""
        self.satisfaction.labels(outcome).inc()
        c = context
        self.answers.labels(
            c.route or "unknown", c.channel or "unknown", c.product_line or "unknown", c.queue or "unknown", outcome
        ).inc()
