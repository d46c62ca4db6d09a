"""`create_app(core=...)`: the consumer, the deadline scanner and the worklist all drive the core they are given,
and read its clock (`create_app` keeps its own `now` here: the wall clock, two months past every deadline)."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest
from prometheus_client import CollectorRegistry

from tests.conftest import SettingsFactory
from tests.integration.followup.helpers import cst, fast, received, resolved, send
from tests.support.servers import eventually, serve_app
from tests.unit.followup.fakes import Clock, FakeCases, FakePublisher
from tousu_followup.bootstrap import Core, create_app
from tousu_followup.metrics import FollowupMetrics
from tousu_followup.service import FollowupService
from tousu_shared.runtime import Runtime
from tousu_shared.settings import Topics

pytestmark = pytest.mark.integration
DEV_KEY = "tsk_test_followup_dev_key_0123456789"


async def test_an_overridden_core_is_what_the_consumer_scanner_and_worklist_use(
    make_settings: SettingsFactory, topics: Topics, kafka_bootstrap: str
) -> None:
    clock = Clock(cst(10, 12, 10))
    cases = FakeCases()
    config = fast(dev_api_key=DEV_KEY)
    rules = config.rules()

    async def fake_core(runtime: Runtime) -> Core:
        metrics = FollowupMetrics(CollectorRegistry())
        service = FollowupService(
            cases=cases, rules=rules, metrics=metrics, publisher=FakePublisher(cases), clock=clock
        )
        return Core(service=service, cases=cases, rules=rules, metrics=metrics, now=clock)

    settings = make_settings("followup")
    async with serve_app(create_app(settings, followup=config, core=fake_core)) as url:
        await send(kafka_bootstrap, topics.intake, received("C-9", "k-9"), event_id="r-1")
        await send(kafka_bootstrap, topics.intake, resolved("C-9", "k-9"), event_id="a-1")
        await eventually(lambda: _status(cases, "C-9", "surveying"), timeout_s=20)
        async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {DEV_KEY}"}) as http:
            page = (await http.get("/v1/followups/due")).json()
        clock.at = cst(10, 16, 10)  # past the no-response deadline (due 8 Oct 09:00 + 7 days)
        await eventually(lambda: _status(cases, "C-9", "closed"), timeout_s=20)
    assert [item["complaint_id"] for item in page["items"]] == ["C-9"]
    assert datetime.fromisoformat(page["as_of"]) == cst(10, 12, 10)  # the worklist read the core's clock
    assert page["items"][0]["contact"]["phone_masked"] == "138****5678"
    assert "complaint.closed" in cases.types()


async def _status(cases: FakeCases, complaint_id: str, status: str) -> bool:
    doc = cases.docs.get(complaint_id)
    return doc is not None and doc.case is not None and doc.case.status == status
