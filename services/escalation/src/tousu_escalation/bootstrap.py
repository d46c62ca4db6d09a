"""Composition root of the escalation service: the only place that builds adapters and loops."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI

from tousu_escalation.adapters.cases import CaseRepository
from tousu_escalation.adapters.incidents import IncidentRepository
from tousu_escalation.adapters.pages import PageRepository, StoredPage, ensure_source_index
from tousu_escalation.config import EscalationSettings
from tousu_escalation.domain.clock_policy import load_clock_policy
from tousu_escalation.domain.incidents import IncidentRules
from tousu_escalation.domain.pages import PageRules, RetrySchedule
from tousu_escalation.domain.plan_rules import PlanRules, check_routes, load_plan_rules
from tousu_escalation.domain.policy import Policy, load_policy
from tousu_escalation.handlers import build_handlers
from tousu_escalation.incident_desk import IncidentDesk
from tousu_escalation.lifecycle import Lifecycle
from tousu_escalation.metrics import EscalationMetrics
from tousu_escalation.notifier import NullTransport, PageTransport, WebhookTransport
from tousu_escalation.pager import DLQ_TOPIC_PREFIX, DeadLetter, PageSender
from tousu_escalation.planner import Planner
from tousu_escalation.scanner import ClockScanner
from tousu_escalation.service import EscalationService, Policies
from tousu_shared.clock import Clock, utc_now
from tousu_shared.deadletter import FailedRecord
from tousu_shared.deadlines import REGULATORY
from tousu_shared.logging import get_logger
from tousu_shared.metrics import ServiceMetrics
from tousu_shared.runtime import Runtime, build_app
from tousu_shared.settings import Settings

log = get_logger("tousu.escalation.bootstrap")


def load_policies(esc: EscalationSettings) -> Policies:
    """Load and validate both policies (fails fast at start-up)."""
    rules = IncidentRules(
        group_threshold=esc.group_threshold,
        major_threshold=esc.major_threshold,
        window=timedelta(days=esc.cluster_window_days),
    )
    clock_policy = load_clock_policy(path=esc.clock_policy_path)
    terms = clock_policy.regulatory_terms()
    if terms != REGULATORY:  # intake answers `due_at` by the legal terms; the clocks would warn on others
        log.warning(
            "the clock policy's regulatory clock differs from the legal terms intake's due_at uses",
            policy=str(terms),
            legal=str(REGULATORY),
        )
    return Policies(
        policy=load_policy(path=esc.policy_path),
        clock_policy=clock_policy,
        rules=rules,
        urgent_queues=esc.urgent_queues,
    )


def load_plan(esc: EscalationSettings, *, policy: Policy) -> PlanRules:
    """The handling-plan rules, checked against the routing policy's routes (fails fast at start-up)."""
    rules = load_plan_rules(path=esc.plan_path)
    check_routes(
        rules,
        known={r.name for r in policy.routes} | {policy.standard.name},
        source=str(esc.plan_path or "plan/default.yaml"),
    )
    log.info("plan rules loaded", plan_rules=str(esc.plan_path or "default"), rules_version=rules.version)
    return rules


def page_transport(esc: EscalationSettings) -> PageTransport:
    """The webhook adapter, or paging disabled when no URL is configured."""
    if not esc.webhook_urls:
        return NullTransport()
    return WebhookTransport(urls=esc.webhook_urls, secret=esc.webhook_secret, timeout_s=esc.webhook_timeout_s)


def page_dead_letter(runtime: Runtime) -> DeadLetter:
    """A page given up on goes to the dead-letter topic as `webhook:<queue>` with its page id, and is counted."""

    async def dead_letter(item: StoredPage, error: str) -> str:
        page = item.page
        record = FailedRecord(
            topic=f"{DLQ_TOPIC_PREFIX}{page.queue}",
            partition=-1,
            offset=-1,
            key=page.customer_key.encode(),
            value=page.body.encode(),
            headers=[
                ("ce_subject", page.complaint_id.encode()),
                ("notification_kind", page.kind.encode()),
                ("page_id", page.page_id.encode()),
            ],
        )
        dlq_id = await runtime.deadletters.publish(record, error=error, attempts=item.attempts)
        runtime.metrics.deadletters.labels("escalation").inc()
        return dlq_id

    return dead_letter


async def page_sender(
    *, esc: EscalationSettings, runtime: Runtime, metrics: EscalationMetrics, transport: PageTransport, now: Clock
) -> PageSender:
    """The sender of the pages stored with cases and incidents (indexes created here)."""
    sources = [runtime.db[runtime.collection_name(name)] for name in ("cases", "incidents")]
    pages = PageRepository(
        runtime.db[runtime.collection_name("pages")], retention=timedelta(days=esc.page_retention_days)
    )
    await pages.ensure_indexes()
    for source in sources:
        await ensure_source_index(source)
    return PageSender(
        pages=pages,
        sources=sources,
        transport=transport,
        schedule=RetrySchedule(esc.webhook_attempts, esc.webhook_backoff_base_s, esc.webhook_backoff_max_s),
        dead_letter=page_dead_letter(runtime),
        metrics=metrics,
        now=now,
        interval_s=esc.page_interval_s,
        batch=esc.scan_batch,
        lease_s=esc.page_lease_s,
        gauge_interval_s=esc.gauge_interval_s,
    )


def create_app(
    settings: Settings | None = None,
    *,
    escalation: EscalationSettings | None = None,
    transport: PageTransport | None = None,
    now: Clock = utc_now,
) -> FastAPI:
    """Build the escalation service app (policies are validated here, before anything starts)."""
    esc = escalation or EscalationSettings()
    policies = load_policies(esc)
    paging = PageRules(queues=frozenset(esc.webhook_urls))
    plan_rules = load_plan(esc, policy=policies.policy)
    service_metrics = ServiceMetrics(service="escalation")
    metrics = EscalationMetrics(service_metrics.registry)

    async def setup(runtime: Runtime) -> None:
        cases_coll, incidents_coll = runtime.collection_name("cases"), runtime.collection_name("incidents")
        cases = CaseRepository(runtime.db[cases_coll], topics=runtime.topics)
        incidents = IncidentRepository(runtime.db[incidents_coll], topics=runtime.topics)
        await cases.ensure_indexes()
        await incidents.ensure_indexes()
        relays = [await runtime.outbox(cases_coll), await runtime.outbox(incidents_coll)]
        sender = await page_sender(
            esc=esc, runtime=runtime, metrics=metrics, transport=transport or page_transport(esc), now=now
        )

        def wake() -> None:
            for relay in relays:
                relay.notify()
            sender.notify()  # a change that pages was just stored

        planner = Planner(
            cases=cases, rules=plan_rules, clock_policy=policies.clock_policy, metrics=metrics, wake=wake, now=now
        )
        desk = IncidentDesk(
            incidents=incidents,
            cases=cases,
            policy=policies.policy,
            rules=policies.rules,
            paging=paging,
            metrics=metrics,
            wake=wake,
            planner=planner,
        )
        service = EscalationService(
            cases=cases,
            incidents=incidents,
            desk=desk,
            policies=policies,
            planner=planner,
            metrics=metrics,
            paging=paging,
            wake=wake,
            now=now,
        )
        lifecycle = Lifecycle(cases=cases, policies=policies, planner=planner, metrics=metrics, wake=wake, now=now)
        scanner = ClockScanner(
            cases=cases,
            incidents=incidents,
            policy=policies.clock_policy,
            metrics=metrics,
            paging=paging,
            wake=wake,
            now=now,
            interval_s=esc.scan_interval_s,
            batch=esc.scan_batch,
            lease_s=esc.claim_lease_s,
            gauge_interval_s=esc.gauge_interval_s,
            plan_gauge=planner.refresh_gauge,
        )
        topics = runtime.topics
        runtime.consume(
            topics=[topics.analysis, topics.intake, topics.followup],
            handlers=build_handlers(service=service, lifecycle=lifecycle, planner=planner),
            ledger=False,
        )
        runtime.background(scanner.run)
        runtime.background(sender.run)

    settings = settings or Settings.load("escalation")
    return build_app(settings, title="tousu escalation", setup=setup, metrics=service_metrics)
