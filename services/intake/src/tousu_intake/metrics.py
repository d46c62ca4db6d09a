"""Intake's metrics on the service registry, and the request-duration middleware (route templates only)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tousu_shared.metrics import ServiceMetrics


@dataclass
class IntakeMetrics(ServiceMetrics):
    """The shared service metrics plus intake's business and HTTP metrics."""

    def __post_init__(self) -> None:
        super().__post_init__()
        r = self.registry
        self.complaints_received = Counter(
            "tousu_complaints_received_total",
            "Complaints registered (repeats excluded).",
            ["channel", "product_line"],
            registry=r,
        )
        self.actions_recorded = Counter(
            "tousu_intake_updates_total",
            "Actions and feedback recorded.",
            ["event_type", "action"],
            registry=r,
        )
        self.http_seconds = Histogram(
            "tousu_http_request_duration_seconds",
            "HTTP request duration by route template.",
            ["route", "method", "status"],
            registry=r,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )


class RequestMetrics:
    """Pure ASGI middleware: observes every request under its route TEMPLATE, never the raw path."""

    def __init__(self, app: ASGIApp, *, metrics: IntakeMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]

        async def send_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route: Any = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            self.metrics.http_seconds.labels(template, scope["method"], str(status[0])).observe(
                time.perf_counter() - started
            )
