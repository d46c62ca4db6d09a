"""Composition root of the follow-up service: the core, then its inbound adapters, then the app."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import FastAPI

from tousu_followup import routes
from tousu_followup.adapters.cases import CaseRepository
from tousu_followup.config import FollowupSettings
from tousu_followup.domain.rules import FollowupRules
from tousu_followup.handlers import build_handlers
from tousu_followup.metrics import FollowupMetrics
from tousu_followup.ports import FollowupCases, WorklistCases
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
class Core:
    """The service and the case store it writes, with the rules, metrics and clock the scanner and routes share."""

    service: FollowupService
    cases: FollowupCases
    rules: FollowupRules
    metrics: FollowupMetrics
    now: Clock


@dataclass(frozen=True)
class Followup:
    """What the routes use, built once per process in the lifespan."""

    cases: WorklistCases
    authenticator: Authenticator
    rules: FollowupRules
    now: Clock
    limit: int


CoreFactory = Callable[[Runtime], Awaitable[Core]]


async def prepare_core(runtime: Runtime, *, rules: FollowupRules, metrics: FollowupMetrics, now: Clock) -> Core:
    """The core: its outbound adapters (the case store with its indexes, the outbox relay as publisher)."""
    name = runtime.collection_name("cases")
    cases = CaseRepository(runtime.db[name], topics=runtime.topics)
    await cases.ensure_indexes()
    relay = await runtime.outbox(name)
    service = FollowupService(cases=cases, rules=rules, metrics=metrics, publisher=relay, clock=now)
    return Core(service=service, cases=cases, rules=rules, metrics=metrics, now=now)


def prepare_inbound(runtime: Runtime, *, core: Core, config: FollowupSettings) -> None:
    """The inbound adapters that drive the core: the event consumer and the deadline scanner."""
    topics = runtime.topics
    runtime.consume(
        topics=[topics.intake, topics.analysis, topics.escalation],
        handlers=build_handlers(service=core.service),
        ledger=False,  # effects carry their event id (the case's `applied` list), written with the effect
        customers_side_by_side=True,  # every effect is on one complaint's case
    )
    scanner = DeadlineScanner(
        cases=core.cases,
        service=core.service,
        rules=core.rules,
        metrics=core.metrics,
        now=core.now,
        interval_s=config.scan_interval_s,
        batch=config.scan_batch,
        lease_s=config.claim_lease_s,
        gauge_interval_s=config.gauge_interval_s,
    )
    runtime.background(scanner.run)


async def prepare_worklist(runtime: Runtime, *, core: Core, config: FollowupSettings) -> Followup:
    """What the worklist routes read: the case store and the API keys of follow-up's own collection."""
    authenticator = await _authenticator(runtime, config)
    return Followup(
        cases=core.cases, authenticator=authenticator, rules=core.rules, now=core.now, limit=config.worklist_limit
    )


async def _authenticator(runtime: Runtime, config: FollowupSettings) -> Authenticator:
    """Keys from follow-up's own collection (`followup_api_keys`), cached and rate-limited like intake's."""
    keys = await open_key_store(runtime, dev_api_key=config.dev_api_key)
    return Authenticator(
        keys=keys, rate_per_s=config.rate_limit_per_s, burst=config.rate_limit_burst, cache_s=config.api_key_cache_s
    )


def create_app(
    settings: Settings | None = None,
    *,
    followup: FollowupSettings | None = None,
    now: Clock = utc_now,
    core: CoreFactory | None = None,
) -> FastAPI:
    """The app: core (or `core`, a test's override), then the consumer, scanner and worklist routes over it."""
    settings = settings or Settings.load("followup")
    config = (followup or FollowupSettings()).checked(environment=settings.service.environment)
    rules = config.rules()
    service_metrics = ServiceMetrics(service="followup")
    metrics = FollowupMetrics(service_metrics.registry)

    async def default_core(runtime: Runtime) -> Core:
        return await prepare_core(runtime, rules=rules, metrics=metrics, now=now)

    async def setup(runtime: Runtime) -> None:
        built = await (core or default_core)(runtime)
        prepare_inbound(runtime, core=built, config=config)
        app.state.followup = wired = await prepare_worklist(runtime, core=built, config=config)
        app.state.authenticator = wired.authenticator  # what `tousu_shared.auth.require` finds

    app = build_app(
        settings, title="tousu follow-up 回访", setup=setup, description=DESCRIPTION, metrics=service_metrics
    )
    app.include_router(routes.router)
    auth.install(app)
    return app
