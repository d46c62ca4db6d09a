"""Composition root of the intake service: the only place that builds clients and wires adapters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from fastapi import FastAPI

from tousu_intake import problems
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
class Intake:
    """What the routes use, built once per process in the lifespan."""

    service: IntakeService
    views: Views
    authenticator: Authenticator
    reports: Reports
    now: Clock


async def wire(runtime: Runtime, *, config: IntakeSettings, metrics: IntakeMetrics, now: Clock = utc_now) -> Intake:
    """Indexes, the dev key, the outbox relay and the read-model consumer; returns what routes need."""
    settings = runtime.settings
    complaints_repo = ComplaintRepository(runtime.db[runtime.collection_name("complaints")])
    incidents_repo = IncidentRepository(runtime.db[runtime.collection_name("incidents")])
    report_repo = ReportRepository(
        complaints=runtime.db[runtime.collection_name("complaints")],
        incidents=runtime.db[runtime.collection_name("incidents")],
    )
    for repo in (complaints_repo, incidents_repo, report_repo):
        await repo.ensure_indexes()
    keys = await open_key_store(runtime, dev_api_key=config.dev_api_key)
    relay = await runtime.outbox(runtime.collection_name("complaints"))
    cipher = PiiCipher(config.pii_key)
    secret = settings.service.customer_key_secret
    readmodel = ReadModel(complaints=complaints_repo, incidents=incidents_repo)
    batched = BatchedReadModel(complaints=complaints_repo, incidents=incidents_repo)
    topics = runtime.topics
    runtime.consume(
        topics=[topics.analysis, topics.escalation, topics.followup],
        handlers=readmodel.handlers(),
        ledger=False,  # the view's timeline holds every applied event id, written with the effect
        customers_side_by_side=True,  # each event changes one complaint's view
        batch_handler=batched.handler(),  # a batch's events for one complaint: one write
    )
    service = IntakeService(
        complaints=complaints_repo,
        cipher=cipher,
        topics=topics,
        customer_key_secret=secret,
        metrics=metrics,
        notify=relay.notify,
        clock_skew=timedelta(seconds=config.clock_skew_s),
        max_age=timedelta(days=config.max_received_age_days),
        clock=now,
    )
    views = Views(complaints=complaints_repo, incidents=incidents_repo, cipher=cipher, customer_key_secret=secret)
    authenticator = Authenticator(
        keys=keys, rate_per_s=config.rate_limit_per_s, burst=config.rate_limit_burst, cache_s=config.api_key_cache_s
    )
    reporting = Reports(repository=report_repo, clock=now)
    return Intake(service=service, views=views, authenticator=authenticator, reports=reporting, now=now)


def create_app(
    settings: Settings | None = None, *, intake: IntakeSettings | None = None, now: Clock = utc_now
) -> FastAPI:
    """Build the intake service app (tests pass their own settings slices and clock)."""
    settings = settings or Settings.load("intake")
    config = (intake or IntakeSettings()).checked(environment=settings.service.environment)
    metrics = IntakeMetrics(service=settings.service.name)
    apps: list[FastAPI] = []

    async def setup(runtime: Runtime) -> None:
        apps[0].state.intake = wired = await wire(runtime, config=config, metrics=metrics, now=now)
        apps[0].state.authenticator = wired.authenticator  # what `tousu_shared.auth.require` finds
        apps[0].state.audit = await audit.open_trail(runtime, clock=wired.now)  # admin reads and keys

    app = build_app(settings, title="tousu intake 投诉受理", setup=setup, description=DESCRIPTION, metrics=metrics)
    apps.append(app)
    app.include_router(complaints.router)
    app.include_router(incidents.router)
    app.include_router(reports.router)
    audit.install(app)
    problems.install(app)
    app.add_middleware(problems.BodyLimit, max_bytes=config.max_body_bytes)
    app.add_middleware(RequestMetrics, metrics=metrics)
    return app
