"""The follow-up service and its deadline scanner wired to the in-memory case store, and input-event builders."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from prometheus_client import CollectorRegistry

from tests.unit.followup.builders import RULES, cst
from tests.unit.followup.fakes import Clock, FakeCases, FakePublisher
from tousu_followup.domain.model import Case
from tousu_followup.metrics import FollowupMetrics
from tousu_followup.scanner import DeadlineScanner
from tousu_followup.service import FollowupService
from tousu_shared.events import (
    ComplaintActionRecorded,
    ComplaintFeedbackReceived,
    ComplaintReceived,
    ComplaintRouted,
    EventData,
    MaskedCustomer,
    Product,
)

CID, CK = "C-1", "k-1"
ROUTED = cst(9, 20, 12)
DECIDED = cst(9, 30, 16)  # a Wednesday before the National Day holiday: a simple survey is due 8 Oct 09:00


@dataclass
class Harness:
    """The service over a fake case store, and what it touched."""

    cases: FakeCases = field(default_factory=FakeCases)
    clock: Clock = field(default_factory=lambda: Clock(DECIDED))
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        self.publisher = FakePublisher(self.cases)
        self.metrics = FollowupMetrics(self.registry)
        self.service = FollowupService(
            cases=self.cases, rules=RULES, metrics=self.metrics, publisher=self.publisher, clock=self.clock
        )

    def scanner(self) -> DeadlineScanner:
        """The deadline scanner as the composition root builds it, over the same store and service."""
        return DeadlineScanner(
            cases=self.cases,
            service=self.service,
            rules=RULES,
            metrics=self.metrics,
            now=self.clock,
            interval_s=0.01,
            batch=10,
            lease_s=30.0,
            gauge_interval_s=0.0,
        )

    def case(self, complaint_id: str = CID) -> Case:
        """The stored case."""
        doc = self.cases.docs[complaint_id]
        assert doc.case is not None
        return doc.case

    def published(self, event_type: str) -> list[EventData]:
        """Payloads written to the outbox, of one type."""
        return [e.data for e in self.cases.outbox if e.type == event_type]

    def sample(self, name: str, **labels: str) -> float:
        """A metric's current value (0 when never incremented)."""
        return self.registry.get_sample_value(name, labels) or 0.0

    async def resolve(self, *, event_id: str = "a-1", at: datetime = DECIDED, traced: bool = True) -> None:
        """Deliver a `resolved` action."""
        await self.service.on_action(event_id=event_id, action=resolved(at=at, traced=traced))

    async def answer(self, satisfaction: str | None, *, event_id: str = "fb-1", cycle: int = 1) -> None:
        """Deliver a follow-up answer (None: a failed contact attempt), made now."""
        fb = feedback(satisfaction, fid=f"f-{event_id}", at=self.clock.at, cycle=cycle)
        await self.service.on_feedback(event_id=event_id, feedback=fb)


def received(*, channel: str = "hotline") -> ComplaintReceived:
    """`complaint.received` with masked contact data."""
    return ComplaintReceived(
        complaint_id=CID,
        customer_key=CK,
        channel=channel,
        channel_ref="ref-1",
        received_at=cst(9, 20),
        due_at=cst(10, 5),
        customer=MaskedCustomer(name_masked="张*", phone_masked="138****5678", age_band="45-64"),
        product=Product(line="insurance", type="重疾险"),
        content="理赔金额计算有误",
    )


def routed(*, tier: str = "L1", at: datetime = ROUTED) -> ComplaintRouted:
    """`complaint.routed` on the standard route."""
    return ComplaintRouted(
        complaint_id=CID,
        customer_key=CK,
        route="standard",
        tier=tier,
        queue="frontline",
        response_due_at=at + timedelta(days=1),
        policy_version="test",
        routed_at=at,
    )


def action(kind: str, *, at: datetime, cycle: int = 1, **fields: Any) -> ComplaintActionRecorded:
    """An action of any kind."""
    return ComplaintActionRecorded(
        complaint_id=CID,
        customer_key=CK,
        action_id=f"act-{kind}-{cycle}",
        type=kind,
        actor="h1",
        occurred_at=at,
        cycle=cycle,
        **fields,
    )


def resolved(*, at: datetime = DECIDED, cycle: int = 1, traced: bool = True) -> ComplaintActionRecorded:
    """A `resolved` action with decision and remedy, and (when traced) root cause and remediation."""
    trace = {"root_cause": "核赔规则理解偏差", "remediation": "修订核赔指引并培训"} if traced else {}
    return action("resolved", at=at, cycle=cycle, decision="补付理赔差额", remedy="补付 3,200 元", **trace)


def feedback(satisfaction: str | None, *, fid: str, at: datetime, cycle: int = 1) -> ComplaintFeedbackReceived:
    """A follow-up answer, or a failed attempt when `satisfaction` is None."""
    return ComplaintFeedbackReceived(
        complaint_id=CID,
        customer_key=CK,
        feedback_id=fid,
        cycle=cycle,
        reached=satisfaction is not None,
        satisfaction=satisfaction,
        contacted_at=at,
    )
