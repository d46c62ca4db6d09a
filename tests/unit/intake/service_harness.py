"""Intake's service layer over the in-memory fakes, and request bodies with personal data to look for."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.unit.intake.fakes import Clock, FakeCipher, FakeComplaints, FakeIncidents, FakePublisher
from tousu_intake.metrics import IntakeMetrics
from tousu_intake.schemas import ActionCreate, ComplaintCreate, FeedbackCreate
from tousu_intake.service import IntakeService
from tousu_intake.views import Views
from tousu_shared.apikeys import ApiKey
from tousu_shared.settings import Topics

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
SECRET = "unit-test-customer-key-secret"
NAME, PHONE, ID_NUMBER, ACCOUNT = "王晓明", "13812345678", "110101199003071234", "6222020200112233445"
AGENT_NAME, AGENT_PHONE = "王大伟", "13998765432"
PERSONAL = (NAME, PHONE, ID_NUMBER, ACCOUNT, AGENT_NAME, AGENT_PHONE)


def _key(key_id: str, name: str, *, channels: set[str], scopes: set[str], read_all: bool = False) -> ApiKey:
    return ApiKey(key_id=key_id, name=name, channels=frozenset(channels), scopes=frozenset(scopes), read_all=read_all)


class Keys:
    """The API keys the tests act with: two channel writers, a reader of everything, an admin."""

    writer = _key("key_w", "hotline", channels={"hotline"}, scopes={"complaints:write"})
    other_writer = _key("key_o", "app", channels={"hotline", "app"}, scopes={"complaints:write"})
    read_all = _key("key_r", "desk", channels=set(), scopes={"complaints:read"}, read_all=True)
    admin = _key("key_a", "admin", channels=set(), scopes={"admin"})


def complaint(**changes: Any) -> ComplaintCreate:
    """A hotline complaint whose text repeats the customer's name, phone and ID number."""
    body: dict[str, Any] = {
        "channel": "hotline",
        "channel_ref": "HL-0001",
        "customer": {"ref": "CUST-0001", "name": NAME, "phone": PHONE, "id_number": ID_NUMBER, "age": 67},
        "product": {"line": "banking", "type": "信用卡", "policy_or_account": ACCOUNT},
        "category": "息费",
        "content": f"本人{NAME}（身份证号{ID_NUMBER}），被收取年费480元。请联系我{PHONE}，或联系{AGENT_NAME}{AGENT_PHONE}。",
        "demands": f"退还年费，{NAME}要求书面道歉",
        "representative": {"kind": "family", "name": AGENT_NAME, "phone": AGENT_PHONE},
    }
    return ComplaintCreate.model_validate(body | changes)


def resolved(**changes: Any) -> ActionCreate:
    """A resolution with every field the rules demand."""
    fields = {
        "type": "resolved",
        "actor": "handler-7",
        "decision": f"退还{NAME}年费480元",
        "remedy": "退费",
        "root_cause": "营销话术不当",
        "remediation": "培训客户经理",
    }
    return ActionCreate.model_validate(fields | changes)


def action(kind: str, **changes: Any) -> ActionCreate:
    """Any other action by the same handler."""
    return ActionCreate.model_validate({"type": kind, "actor": "handler-7"} | changes)


def feedback(**changes: Any) -> FeedbackCreate:
    """A reached customer's answer."""
    return FeedbackCreate.model_validate({"reached": True, "satisfaction": "satisfied", "score": 5} | changes)


@dataclass
class Intake:
    """The service and views over one set of fakes."""

    complaints: FakeComplaints = field(default_factory=FakeComplaints)
    incidents: FakeIncidents = field(default_factory=FakeIncidents)
    cipher: FakeCipher = field(default_factory=FakeCipher)
    publisher: FakePublisher = field(default_factory=FakePublisher)
    clock: Clock = field(default_factory=lambda: Clock(NOW))
    metrics: IntakeMetrics = field(default_factory=lambda: IntakeMetrics(service="intake"))

    @property
    def service(self) -> IntakeService:
        """A service as the composition root builds it, over the fakes."""
        return IntakeService(
            complaints=self.complaints,
            cipher=self.cipher,
            topics=Topics(),
            customer_key_secret=SECRET,
            metrics=self.metrics,
            publisher=self.publisher,
            clock_skew=timedelta(seconds=120),
            max_age=timedelta(days=366),
            clock=self.clock,
        )

    @property
    def views(self) -> Views:
        """The read side over the same fakes."""
        return Views(
            complaints=self.complaints, incidents=self.incidents, cipher=self.cipher, customer_key_secret=SECRET
        )

    async def submitted(self, body: ComplaintCreate | None = None, *, key: ApiKey = Keys.writer) -> str:
        """Register a complaint; its id."""
        result = await self.service.submit(body=body or complaint(), key=key, idempotency_key=None)
        return str(result.body["complaint_id"])

    async def resolved_complaint(self) -> str:
        """A registered complaint with a decision, ready for follow-up answers."""
        cid = await self.submitted()
        self.clock.advance(days=2)
        await self.service.record_action(complaint_id=cid, body=resolved(), key=Keys.admin)
        self.clock.advance(days=1)
        return cid

    def counted(self, name: str, **labels: str) -> float:
        """A counter's value on the service registry (0 when never incremented)."""
        return self.metrics.registry.get_sample_value(name, labels) or 0.0
