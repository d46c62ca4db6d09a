"""Intake's view shows the regulatory deadline escalation's clock policy gives, through extensions and restarts.

The four services run as OS processes with an institution's clock policy that counts the regulatory clock
as wall time (`counting: elapsed`, unlike intake's legal count) and a holiday override file every service
loads. So the 201 answers intake's own count (the override's holiday moving it), and once escalation has
seen the complaint the view shows escalation's: 15 × 24 h, 30 × 24 h after the extension, and 15 × 24 h
from the new facts when a same-matter complaint restarts the clock.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Stack, running_stack, service_logs, stack_env
from tests.e2e.journeys import client, plain_complaint, poll, view
from tousu_shared.calendar import local_date, use_holidays
from tousu_shared.deadlines import regulatory_due_at
from tousu_shared.holidays import parse_holidays
from tousu_tools.endpoints import Backends

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]
POLICY_VERSION = "e2e-elapsed"
DAY = timedelta(days=1)


def elapsed_policy() -> str:
    """The packaged clock policy with the regulatory clock counted as wall time."""
    text = resources.files("tousu_escalation.clocks").joinpath("default.yaml").read_text(encoding="utf-8")
    text = text.replace("    counting: civil_code\n", "    counting: elapsed\n", 1)
    return text.replace('version: "2026.12-1"', f'version: "{POLICY_VERSION}"', 1)


def received_now() -> datetime:
    return (datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=0)


def holiday_override(received: datetime) -> str:
    """A made-up holiday on the last day of intake's legal count, so the 201 shows the file was loaded."""
    last_day = local_date(regulatory_due_at(started_at=received)) - DAY
    return f"years:\n  {last_day.year}:\n    source: e2e test data\n    holidays: [{last_day.isoformat()}]\n"


@pytest.fixture(scope="module")
def received() -> datetime:
    """When the first complaint was received (the override is built around it)."""
    return received_now()


@pytest.fixture(scope="module")
def institution_stack(
    servers: Backends, tmp_path_factory: pytest.TempPathFactory, received: datetime
) -> Iterator[Stack]:
    """The four services with the institution's clock policy and holiday override."""
    data_dir = tmp_path_factory.mktemp("e2e-deadline")
    (data_dir / "logs").mkdir()
    (data_dir / "clocks.yaml").write_text(elapsed_policy(), encoding="utf-8")
    (data_dir / "holidays.yaml").write_text(holiday_override(received), encoding="utf-8")
    env = stack_env(uuid.uuid4().hex[:8]) | {
        "TOUSU_ESCALATION_CLOCK_POLICY_PATH": str(data_dir / "clocks.yaml"),
        "TOUSU_CALENDAR_FILE": str(data_dir / "holidays.yaml"),
    }
    with running_stack(servers, data_dir, env=env) as running:
        yield running


@pytest.fixture
def api(institution_stack: Stack) -> Iterator[httpx.Client]:
    with client(institution_stack.intake, institution_stack.api_key) as c:
        yield c


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def deadline_of(api: httpx.Client, complaint_id: str, change: str, *, timeout_s: float = 90) -> dict[str, Any]:
    """The view once escalation's deadline of this kind of change has arrived."""
    found: dict[str, Any] = poll(
        lambda: ((v := view(api, complaint_id))["sla"]["deadline"] or {}).get("change") == change and v,
        what=f"{complaint_id}: escalation's `{change}` deadline in intake's view",
        timeout_s=timeout_s,
    )
    return found


def test_the_view_shows_escalations_deadline_after_routing_extension_and_restart(
    api: httpx.Client, institution_stack: Stack, received: datetime
) -> None:
    first = plain_complaint() | {"received_at": received.isoformat(), "product": {"line": "banking", "type": "借记卡"}}
    first["product"]["policy_or_account"] = "6222020200112233445"
    created = api.post("/v1/complaints", json=first)
    assert created.status_code == 201, created.text
    cid = created.json()["complaint_id"]

    previous = use_holidays(parse_holidays(text=holiday_override(received)))
    try:  # intake counts the 201 by law, with the institution's holiday moving its last day
        assert at(created.json()["due_at"]) == regulatory_due_at(started_at=received)
    finally:
        use_holidays(previous)
    assert at(created.json()["due_at"]) > regulatory_due_at(started_at=received), "the override was not loaded"

    started = deadline_of(api, cid, "started")
    assert at(started["due_at"]) == received + 15 * DAY, service_logs(institution_stack)
    assert started["sla"]["deadline"]["counting"] == "elapsed"
    assert started["sla"]["deadline"]["policy_version"] == POLICY_VERSION

    extension = {"type": "extension_requested", "actor": "handler-e2e", "reason": "需要第三方鉴定"}
    acted = api.post(f"/v1/complaints/{cid}/actions", json=extension)
    assert acted.status_code == 201, acted.text
    extended = deadline_of(api, cid, "extended")
    assert at(extended["due_at"]) == received + 30 * DAY
    assert (extended["sla"]["regulatory_due_at"], extended["sla"]["extensions"]) == (extended["due_at"], 1)

    facts_at = received + timedelta(minutes=20)
    again = plain_complaint() | {
        "received_at": facts_at.isoformat(),
        "customer": first["customer"],
        "product": first["product"],
        "content": "同一张借记卡本月被扣收了两次年费和短信服务费，客户从未开通短信通知，要求退还多扣的费用并说明扣费依据。",
        "demands": "退还多扣费用",
    }
    merged = api.post("/v1/complaints", json=again)
    assert merged.status_code == 201, merged.text
    restarted = deadline_of(api, cid, "restarted")
    assert at(restarted["due_at"]) == facts_at + 15 * DAY
    assert at(restarted["sla"]["started_at"]) == facts_at
    assert restarted["sla"]["deadline"]["restarted_by"] == merged.json()["complaint_id"]
    assert restarted["sla"]["extensions"] == 0
    assert "complaint.deadline_set" in [e["type"] for e in restarted["timeline"]]
