"""Business metrics of the escalation service (contract §5), on the service's own registry."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge


class EscalationMetrics:
    """Counters and gauges incremented by the service layer (never by the domain)."""

    def __init__(self, registry: CollectorRegistry) -> None:
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
        self.notifications = Counter(
            "tousu_notifications_total", "On-call webhook deliveries by outcome.", ["outcome"], registry=registry
        )

    def count_routed(self, *, route: str, tier: str | None) -> None:
        """One routing decision published."""
        self.routed.labels(route, tier or "none").inc()
