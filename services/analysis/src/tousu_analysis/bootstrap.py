"""Composition root of the analysis service: the only place that builds clients and wires adapters."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI

from tousu_analysis.adapters.complaints import MongoComplaints
from tousu_analysis.adapters.rules_file import load_configured_rules
from tousu_analysis.adapters.templates import MongoTemplateIndex
from tousu_analysis.config import AnalysisSettings
from tousu_analysis.domain.rules import Rules
from tousu_analysis.handlers import handlers
from tousu_analysis.metrics import AnalysisMetrics
from tousu_analysis.service import AnalysisService, Limits
from tousu_shared.logging import configure_logging
from tousu_shared.runtime import Runtime, Setup, build_app
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


def wiring(*, config: AnalysisSettings, rules: Rules, metrics: AnalysisMetrics) -> Setup:
    """The lifespan setup: indexes, the outbox relay and the consumer of intake and follow-up events."""

    async def setup(runtime: Runtime) -> None:
        collection = runtime.db[runtime.collection_name(COLLECTION)]
        complaints = MongoComplaints(collection, topics=runtime.topics)
        await complaints.ensure_indexes()
        relay = await runtime.outbox(runtime.collection_name(COLLECTION))
        service = AnalysisService(
            complaints=complaints,
            templates=MongoTemplateIndex(collection),
            rules=rules,
            metrics=metrics,
            analyzer_version=config.analyzer_version,
            limits=limits_of(config),
            notify=relay.notify,
        )
        topics = runtime.topics
        runtime.consume(topics=[topics.intake, topics.followup], handlers=handlers(service), ledger=False)

    return setup


def create_app(settings: Settings | None = None, *, analysis: AnalysisSettings | None = None) -> FastAPI:
    """Build the analysis service app; a missing or invalid rules file refuses to start (`RulesError`)."""
    settings = settings or Settings.load("analysis")
    config = analysis or AnalysisSettings()
    s = settings.service
    # before the rules can be rejected
    configure_logging(service=s.name, level=s.log_level, json=s.log_json, file=s.log_file)
    rules = load_configured_rules(config.rules)
    metrics = AnalysisMetrics(service=settings.service.name)
    return build_app(
        settings,
        title="tousu analysis",
        description=DESCRIPTION,
        setup=wiring(config=config, rules=rules, metrics=metrics),
        metrics=metrics,
    )
