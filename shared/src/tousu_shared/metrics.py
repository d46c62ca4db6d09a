"""One Prometheus registry per service and the metrics every service exports (contract §5)."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE_LATEST", "ServiceMetrics", "exposition"]


@dataclass
class ServiceMetrics:
    """The common metrics of a service, on the service's own registry."""

    service: str
    registry: CollectorRegistry = field(default_factory=lambda: CollectorRegistry(auto_describe=True))

    def __post_init__(self) -> None:
        r = self.registry
        self.events_processed = Counter(
            "tousu_events_processed_total",
            "Consumed events by outcome.",
            ["service", "event_type", "outcome"],
            registry=r,
        )
        self.event_seconds = Histogram(
            "tousu_event_processing_seconds",
            "Time to process one consumed event.",
            ["service", "event_type"],
            registry=r,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.consumer_batch_size = Histogram(
            "tousu_consumer_batch_records",
            "Records taken in one consumer batch (one offset commit each).",
            ["service"],
            registry=r,
            buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500),
        )
        self.deadletters = Counter(
            "tousu_deadletter_total",
            "Records sent to the dead-letter topic.",
            ["service"],
            registry=r,
        )
        self.outbox_pending = Gauge(
            "tousu_outbox_pending",
            "Events stored but not yet published.",
            ["service"],
            registry=r,
        )
        self.outbox_oldest_age = Gauge(
            "tousu_outbox_oldest_age_seconds",
            "Age of the oldest unpublished event.",
            ["service"],
            registry=r,
        )
        self.outbox_published = Counter(
            "tousu_outbox_published_total",
            "Events published by the outbox relay.",
            ["service"],
            registry=r,
        )
        self.broker_log_lost = Counter(
            "tousu_broker_log_lost_total",
            "Times a relay found the broker with a new cluster id (a lost log) and published its kept events again.",
            ["service", "collection"],
            registry=r,
        )
        self.outbox_republished = Counter(
            "tousu_outbox_republished_total",
            "Kept events published again to a broker that lost its log.",
            ["service"],
            registry=r,
        )
        self.consumer_rewinds = Counter(
            "tousu_consumer_rewinds_total",
            "Times a consumer went back to the earliest records because the broker lost its log.",
            ["service"],
            registry=r,
        )
        self.consumer_lag = Gauge(
            "tousu_consumer_lag",
            "Records behind the end of the partition.",
            ["service", "topic", "partition"],
            registry=r,
        )
        self.retries = Counter(
            "tousu_event_retries_total",
            "Retries of consumed events after an error.",
            ["service", "kind"],
            registry=r,
        )


def exposition(registry: CollectorRegistry) -> bytes:
    """The Prometheus text exposition of a registry."""
    return generate_latest(registry)
