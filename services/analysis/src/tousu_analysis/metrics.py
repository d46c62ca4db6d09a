"""Analysis's metrics on the service registry (contract §5)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from time import perf_counter

from prometheus_client import Counter, Histogram

from tousu_shared.events import ComplaintAnalyzed
from tousu_shared.metrics import ServiceMetrics

RISK_BUCKETS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
STAGE_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


@dataclass
class AnalysisMetrics(ServiceMetrics):
    """The shared service metrics plus analysis's business metrics."""

    def __post_init__(self) -> None:
        super().__post_init__()
        r = self.registry
        self.repeat_risk = Histogram(
            "tousu_analysis_repeat_risk",
            "Repeat (缠诉) risk of analysed complaints, 0..1.",
            registry=r,
            buckets=RISK_BUCKETS,
        )
        self.profiles = Counter(
            "tousu_analysis_profile_total", "Profile labels assigned to analysed complaints.", ["profile"], registry=r
        )
        self.severities = Counter(
            "tousu_analysis_severity_total", "Analysed complaints by severity.", ["severity"], registry=r
        )
        self.stage_seconds = Histogram(
            "tousu_analysis_stage_seconds",
            "Time per analysis stage (lookups, analyze, store).",
            ["stage"],
            registry=r,
            buckets=STAGE_BUCKETS,
        )
        self.history_updates = Counter(
            "tousu_analysis_history_updates_total",
            "Later facts applied to stored history items.",
            ["kind", "outcome"],
            registry=r,
        )

    def observe_analysis(self, analysis: ComplaintAnalyzed) -> None:
        """Count a freshly stored analysis (never a redelivered one)."""
        self.repeat_risk.observe(analysis.repeat_risk.score)
        for label in analysis.profile:
            self.profiles.labels(label.label).inc()
        self.severities.labels(analysis.severity).inc()

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time one stage of the analysis path."""
        started = perf_counter()
        try:
            yield
        finally:
            self.stage_seconds.labels(name).observe(perf_counter() - started)
