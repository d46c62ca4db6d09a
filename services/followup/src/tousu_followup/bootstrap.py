"""Composition root of the follow-up service: the only place that builds adapters and loops."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI

from tousu_followup import routes
from tousu_followup.adapters.cases import CaseRepository
from tousu_followup.config import FollowupSettings
from tousu_followup.domain.rules import FollowupRules
from tousu_followup.handlers import build_handlers
from tousu_followup.metrics import FollowupMetrics
from tousu_followup.scanner import DeadlineScanner
from tousu_followup.service import FollowupService
from tousu_shared import auth
from tousu_shared.apikey_store import open_key_store
from tousu_shared.auth import Authenticator
from tousu_shared.clock import Clock, utc_now
from tousu_shared.metrics import ServiceMetrics
from tousu_shared.runtime import Runtime, build_app
from tousu_shared.settings import Settings

DESCRIPTION = (
    "Satisfaction follow-up (回访): surveys scheduled in working days after each decision, answers that close or "
    "reopen the complaint, closure with root cause and remediation (溯源整改). "
    "Auth: `Authorization: Bearer <api key>` (keys provisioned by `tousu keys` into follow-up's own collection; "
    "scope `complaints:read`). Errors: RFC 9457."
)


@dataclass(frozen=True)
class Followup:
    """What the routes use, built once per process in the lifespan."""

    cases: CaseRepository
    authenticator: Authenticator
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
        customers_side_by_side=True,  # every effect is on one complaint's case
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
    authenticator = await _authenticator(runtime, config)
    return Followup(cases=cases, authenticator=authenticator, rules=rules, now=now, limit=config.worklist_limit)


async def _authenticator(runtime: Runtime, config: FollowupSettings) -> Authenticator:
    """Keys from follow-up's own collection (`followup_api_keys`), cached and rate-limited like intake's."""
    keys = await open_key_store(runtime, dev_api_key=config.dev_api_key)
    return Authenticator(
        keys=keys, rate_per_s=config.rate_limit_per_s, burst=config.rate_limit_burst, cache_s=config.api_key_cache_s
    )


def create_app(
    settings: Settings | None = None, *, followup: FollowupSettings | None = None, now: Clock = utc_now
) -> FastAPI:
    """Build the follow-up service app (tests pass their own settings slices and clock)."""
    settings = settings or Settings.load("followup")
    config = (followup or FollowupSettings()).checked(environment=settings.service.environment)
    service_metrics = ServiceMetrics(service="followup")
    metrics = FollowupMetrics(service_metrics.registry)
    apps: list[FastAPI] = []

    async def setup(runtime: Runtime) -> None:
        apps[0].state.followup = wired = await wire(runtime, config=config, metrics=metrics, now=now)
        apps[0].state.authenticator = wired.authenticator  # what `tousu_shared.auth.require` finds

    app = build_app(
        settings, title="tousu follow-up 回访", setup=setup, description=DESCRIPTION, metrics=service_metrics
    )
    apps.append(app)
    app.include_router(routes.router)
    auth.install(app)
    return app
