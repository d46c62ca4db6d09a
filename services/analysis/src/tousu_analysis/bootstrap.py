"""Composition root of the analysis service: the only place that builds clients and wires adapters."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from fastapi import FastAPI

from tousu_analysis.adapters.complaints import MongoComplaints
from tousu_analysis.adapters.rules_file import load_configured_rules
from tousu_analysis.adapters.templates import MongoTemplateIndex
from tousu_analysis.config import AnalysisSettings
from tousu_analysis.domain.rules import Rules
from tousu_analysis.handlers import batched, handlers
from tousu_analysis.metrics import AnalysisMetrics
from tousu_analysis.service import AnalysisService, Limits
from tousu_shared.logging import configure_logging
from tousu_shared.runtime import Runtime, build_app
from tousu_shared.settings import Settings

DESCRIPTION = (
    "Consumes `complaint.received` and publishes `complaint.analyzed` (five dimensions, signals with evidence, "
    "repeat risk, profile, matter); keeps each customer's history current from feedback, actions and reopens."
)
COLLECTION = "complaints"


def limits_of(config: AnalysisSettings) -> Limits:
    """The read bounds from the settings."""
    return Limits(
        history=config.history_limit,
        candidates=config.candidate_limit,
        customers=config.customer_scan_limit,
        matter_window=timedelta(days=config.matter_window_days),
    )


CoreFactory = Callable[[Runtime], Awaitable[AnalysisService]]


async def prepare_core(
    runtime: Runtime, *, config: AnalysisSettings, rules: Rules, metrics: AnalysisMetrics
) -> AnalysisService:
    """The core: its outbound adapters (the complaints store and template index, the outbox relay) and the service."""
    collection = runtime.db[runtime.collection_name(COLLECTION)]
    complaints = MongoComplaints(collection, topics=runtime.topics)
    await complaints.ensure_indexes()
    relay = await runtime.outbox(runtime.collection_name(COLLECTION))
    return AnalysisService(
        complaints=complaints,
        templates=MongoTemplateIndex(collection),
        rules=rules,
        metrics=metrics,
        analyzer_version=config.analyzer_version,
        limits=limits_of(config),
        notify=relay.notify,
    )


def prepare_inbound(runtime: Runtime, *, service: AnalysisService) -> None:
    """The inbound adapters that drive the core: the consumer of intake and follow-up events."""
    topics = runtime.topics
    runtime.consume(
        topics=[topics.intake, topics.followup],
        handlers=handlers(service),  # a failed batch call is redone one by one (retries, dead letters)
        ledger=False,  # the analysed-complaints documents are the ledger: written with the effect
        # Every run of consecutive consumed events is one call, the batch kept in order: analysis reads
        # across customers (templates, phones, waves), so its results must not depend on batching.
        batch_handler=batched(service),
    )


def create_app(
    settings: Settings | None = None, *, analysis: AnalysisSettings | None = None, core: CoreFactory | None = None
) -> FastAPI:
    """The app: core (or `core`, a test's override), then inbound adapters; a bad rules file refuses to start."""
    settings = settings or Settings.load("analysis")
    config = analysis or AnalysisSettings()
    s = settings.service
    # before the rules can be rejected
    configure_logging(service=s.name, level=s.log_level, json=s.log_json, file=s.log_file)
    rules = load_configured_rules(config.rules)
    metrics = AnalysisMetrics(service=settings.service.name)

    async def default_core(runtime: Runtime) -> AnalysisService:
        return await prepare_core(runtime, config=config, rules=rules, metrics=metrics)

    async def setup(runtime: Runtime) -> None:
        prepare_inbound(runtime, service=await (core or default_core)(runtime))

    return build_app(settings, title="tousu analysis", description=DESCRIPTION, setup=setup, metrics=metrics)
