"""Composition root of the intake service: the core, then its inbound adapters, then the app."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from fastapi import FastAPI

from tousu_intake import problems
from tousu_intake.adapters.audit import COLLECTION as AUDIT_COLLECTION
from tousu_intake.adapters.audit import AuditRepository, AuditTrail
from tousu_intake.adapters.complaints import ComplaintRepository
from tousu_intake.adapters.incidents import IncidentRepository
from tousu_intake.adapters.reports import ReportRepository
from tousu_intake.config import IntakeSettings
from tousu_intake.metrics import IntakeMetrics, RequestMetrics
from tousu_intake.pii import PiiCipher
from tousu_intake.readmodel import BatchedReadModel, ReadModel
from tousu_intake.reporting import Reports
from tousu_intake.routes import audit, complaints, incidents, reports
from tousu_intake.service import IntakeService
from tousu_intake.views import Views
from tousu_shared.apikey_store import open_key_store
from tousu_shared.auth import Authenticator
from tousu_shared.clock import Clock, utc_now
from tousu_shared.runtime import Runtime, build_app
from tousu_shared.settings import Settings

DESCRIPTION = (
    "Channel systems register complaints (投诉受理) here; handlers record actions and follow-up answers; "
    "everyone reads the current view fed by analysis, escalation and follow-up. "
    "Auth: `Authorization: Bearer <api key>`. Errors: RFC 9457 problem+json."
)


@dataclass(frozen=True)
class Core:
    """The write side, the read side and the read model over the stores the composition root picked."""

    service: IntakeService
    views: Views
    reports: Reports
    readmodel: ReadModel
    batched: BatchedReadModel
    now: Clock


@dataclass(frozen=True)
class Intake:
    """What the routes use, built once per process in the lifespan."""

    service: IntakeService
    views: Views
    authenticator: Authenticator
    reports: Reports
    now: Clock


CoreFactory = Callable[[Runtime], Awaitable[Core]]


async def prepare_core(runtime: Runtime, *, config: IntakeSettings, metrics: IntakeMetrics, now: Clock) -> Core:
    """The core: its outbound adapters (complaints, incidents and report stores with their indexes, the relay)."""
    complaints_repo = ComplaintRepository(runtime.db[runtime.collection_name("complaints")])
    incidents_repo = IncidentRepository(runtime.db[runtime.collection_name("incidents")])
    report_repo = ReportRepository(
        complaints=runtime.db[runtime.collection_name("complaints")],
        incidents=runtime.db[runtime.collection_name("incidents")],
    )
    for repo in (complaints_repo, incidents_repo, report_repo):
        await repo.ensure_indexes()
    relay = await runtime.outbox(runtime.collection_name("complaints"))
    cipher = PiiCipher(config.pii_key)
    secret = runtime.settings.service.customer_key_secret
    service = IntakeService(
        complaints=complaints_repo,
        cipher=cipher,
        topics=runtime.topics,
        customer_key_secret=secret,
        metrics=metrics,
        publisher=relay,
        clock_skew=timedelta(seconds=config.clock_skew_s),
        max_age=timedelta(days=config.max_received_age_days),
        clock=now,
    )
    return Core(
        service=service,
        views=Views(complaints=complaints_repo, incidents=incidents_repo, cipher=cipher, customer_key_secret=secret),
        reports=Reports(repository=report_repo, clock=now),
        readmodel=ReadModel(complaints=complaints_repo, incidents=incidents_repo),
        batched=BatchedReadModel(complaints=complaints_repo, incidents=incidents_repo),
        now=now,
    )


def prepare_inbound(runtime: Runtime, *, core: Core) -> None:
    """The inbound adapter that drives the read model: the consumer of analysis, escalation and follow-up events."""
    topics = runtime.topics
    runtime.consume(
        topics=[topics.analysis, topics.escalation, topics.followup],
        handlers=core.readmodel.handlers(),
        ledger=False,  # the view's timeline holds every applied event id, written with the effect
        customers_side_by_side=True,  # each event changes one complaint's view
        batch_handler=core.batched.handler(),  # a batch's events for one complaint: one write
    )


async def prepare_api(runtime: Runtime, *, core: Core, config: IntakeSettings) -> Intake:
    """What the HTTP routes use: the core and the API keys of intake's own collection (the dev key created)."""
    keys = await open_key_store(runtime, dev_api_key=config.dev_api_key)
    authenticator = Authenticator(
        keys=keys, rate_per_s=config.rate_limit_per_s, burst=config.rate_limit_burst, cache_s=config.api_key_cache_s
    )
    return Intake(
        service=core.service, views=core.views, authenticator=authenticator, reports=core.reports, now=core.now
    )


async def open_audit_trail(runtime: Runtime, *, clock: Clock) -> AuditTrail:
    """Intake's writer of the personal-data access trail over `intake_audit`, indexed."""
    repository = AuditRepository(runtime.db[AUDIT_COLLECTION])
    await repository.ensure_indexes()
    secret = runtime.settings.service.customer_key_secret
    return AuditTrail(repository=repository, writer=runtime.name, secret=secret, clock=clock)


def create_app(
    settings: Settings | None = None,
    *,
    intake: IntakeSettings | None = None,
    now: Clock = utc_now,
    core: CoreFactory | None = None,
) -> FastAPI:
    """The app: core (or `core`, a test's override), then the read-model consumer and the routes over it."""
    settings = settings or Settings.load("intake")
    config = (intake or IntakeSettings()).checked(environment=settings.service.environment)
    metrics = IntakeMetrics(service=settings.service.name)

    async def default_core(runtime: Runtime) -> Core:
        return await prepare_core(runtime, config=config, metrics=metrics, now=now)

    async def setup(runtime: Runtime) -> None:
        built = await (core or default_core)(runtime)
        prepare_inbound(runtime, core=built)
        app.state.intake = wired = await prepare_api(runtime, core=built, config=config)
        app.state.authenticator = wired.authenticator  # what `tousu_shared.auth.require` finds
        app.state.audit = await open_audit_trail(runtime, clock=wired.now)  # admin reads and keys

    app = build_app(settings, title="tousu intake 投诉受理", setup=setup, description=DESCRIPTION, metrics=metrics)
    app.include_router(complaints.router)
    app.include_router(incidents.router)
    app.include_router(reports.router)
    audit.install(app)
    problems.install(app)
    app.add_middleware(problems.BodyLimit, max_bytes=config.max_body_bytes)
    app.add_middleware(RequestMetrics, metrics=metrics)
    return app
