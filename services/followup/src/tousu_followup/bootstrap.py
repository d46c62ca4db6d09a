"""Composition root of the follow-up service: the only place that builds adapters and loops."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import FastAPI

from tousu_followup import auth, routes
from tousu_followup.adapters.api_keys import ApiKeyReader
from tousu_followup.adapters.cases import CaseRepository
from tousu_followup.config import FollowupSettings
from tousu_followup.domain.rules import FollowupRules
from tousu_followup.handlers import build_handlers
from tousu_followup.metrics import FollowupMetrics
from tousu_followup.scanner import DeadlineScanner
from tousu_followup.service import FollowupService
from tousu_shared.metrics import ServiceMetrics
from tousu_shared.runtime import Runtime, build_app
from tousu_shared.settings import Settings

Clock = Callable[[], datetime]
DESCRIPTION = (
    "Satisfaction follow-up (回访): surveys scheduled in working days after each decision, answers that close or "
    "reopen the complaint, closure with root cause and remediation (溯源整改). "
    "Auth: `Authorization: Bearer <api key>` (intake's keys, scope `complaints:read`). Errors: RFC 9457."
)


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Followup:
    """What the routes use, built once per process in the lifespan."""

    cases: CaseRepository
    keys: ApiKeyReader
    rules: FollowupRules
    now: Clock
    limit: int


async def wire(runtime: Runtime, *, config: FollowupSettings, metrics: FollowupMetrics, now: Clock) -> Followup:
    """Indexes, the outbox relay, the consumer and the deadline scanner; returns what routes need."""
    rules = config.rules()
    name = runtime.collection_name("cases")
    cases = CaseRepository(runtime.db[name], topics=runtime.topics)
    await cases.ensure_indexes()
    relay = await runtime.outbox(name)
    service = FollowupService(cases=cases, rules=rules, metrics=metrics, wake=relay.notify, now=now)
    topics = runtime.topics
    runtime.consume(
        topics=[topics.intake, topics.analysis, topics.escalation],
        handlers=build_handlers(service=service),
        ledger=False,  # effects carry their event id (the case's `applied` list), written with the effect
    )
    scanner = DeadlineScanner(
        cases=cases,
        service=service,
        rules=rules,
        metrics=metrics,
        now=now,
        interval_s=config.scan_interval_s,
        batch=config.scan_batch,
        lease_s=config.claim_lease_s,
        gauge_interval_s=config.gauge_interval_s,
    )
    runtime.background(scanner.run)
    keys = ApiKeyReader(runtime.db[config.api_keys_collection])
    return Followup(cases=cases, keys=keys, rules=rules, now=now, limit=config.worklist_limit)


def create_app(
    settings: Settings | None = None, *, followup: FollowupSettings | None = None, now: Clock = _utcnow
) -> FastAPI:
    """Build the follow-up service app (tests pass their own settings slices and clock)."""
    settings = settings or Settings.load("followup")
    config = followup or FollowupSettings()
    service_metrics = ServiceMetrics(service="followup")
    metrics = FollowupMetrics(service_metrics.registry)
    apps: list[FastAPI] = []

    async def setup(runtime: Runtime) -> None:
        apps[0].state.followup = await wire(runtime, config=config, metrics=metrics, now=now)

    app = build_app(
        settings, title="tousu follow-up 回访", setup=setup, description=DESCRIPTION, metrics=service_metrics
    )
    apps.append(app)
    app.include_router(routes.router)
    auth.install(app)
    return app
