"""Business metrics of the escalation service (contract §5), on the service's own registry."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge


class EscalationMetrics:
    """Counters and gauges incremented by the service layer (never by the domain)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._overdue_labels: set[tuple[str, int]] = set()
        self.routed = Counter(
            "tousu_routed_total", "Complaints routed, by route and tier.", ["route", "tier"], registry=registry
        )
        self.incidents_open = Gauge("tousu_incidents_open", "Open incidents by kind.", ["kind"], registry=registry)
        self.breached = Counter(
            "tousu_sla_breached_total", "SLA breaches raised, by route.", ["route"], registry=registry
        )
        self.warnings = Counter(
            "tousu_sla_warnings_total", "SLA warnings raised, by clock.", ["clock"], registry=registry
        )
        self.overdue = Gauge(
            "tousu_complaints_overdue", "Complaints with a breached, running clock.", registry=registry
        )
        self.plan_steps = Counter(
            "tousu_plan_steps_total",
            "Handling-plan steps settled, by route, step and outcome (on_time, late, missed, cancelled).",
            ["route", "step", "outcome"],
            registry=registry,
        )
        self.plan_overdue = Gauge(
            "tousu_plan_steps_overdue",
            "Open handling-plan steps past their due time, by route and step.",
            ["route", "step"],
            registry=registry,
        )
        self.notifications = Counter(
            "tousu_notifications_total",
            "On-call page attempts by outcome (delivered, retried, deadlettered).",
            ["outcome"],
            registry=registry,
        )
        self.pages = Gauge(
            "tousu_pages",
            "Stored pages by status (pending, sent within the retention, failed).",
            ["status"],
            registry=registry,
        )

    def count_routed(self, *, route: str, tier: str | None) -> None:
        """One routing decision published."""
        self.routed.labels(route, tier or "none").inc()

    def count_steps(self, *, route: str, settled: tuple[tuple[int, str], ...]) -> None:
        """Plan steps done (on time or late) or settled (missed, cancelled)."""
        for step, outcome in settled:
            self.plan_steps.labels(route, str(step), outcome).inc()

    def set_overdue_steps(self, counts: dict[tuple[str, int], int]) -> None:
        """The overdue-step gauge from a fresh count; label sets no longer overdue go back to 0."""
        for labels in self._overdue_labels - set(counts):
            self.plan_overdue.labels(labels[0], str(labels[1])).set(0)
        for (route, step), n in counts.items():
            self.plan_overdue.labels(route, str(step)).set(n)
        self._overdue_labels = set(counts)
