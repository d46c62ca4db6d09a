"""Resolve → survey → answer, through real Kafka and MongoDB: closure, reopen with a second cycle, redelivery."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import SettingsFactory
from tests.integration.followup.helpers import Clock, cst, fast, feedback, of_type, received, resolved, routed, send
from tests.support.kafka import consume_until
from tests.support.servers import serve_app
from tousu_followup.bootstrap import create_app
from tousu_shared.settings import Topics

pytestmark = pytest.mark.integration


async def test_resolved_then_satisfied_closes_with_root_cause_and_remediation(
    make_settings: SettingsFactory, topics: Topics, kafka_bootstrap: str
) -> None:
    clock = Clock(cst(10, 8, 10))
    async with serve_app(create_app(make_settings("followup"), followup=fast(), now=clock)):
        await send(kafka_bootstrap, topics.intake, received("C-1", "k-1"), event_id="r-1")
        await send(kafka_bootstrap, topics.intake, resolved("C-1", "k-1", at=cst(9, 30, 16)), event_id="a-1")
        records = await consume_until(
            kafka_bootstrap, topics.followup, lambda rs: bool(of_type(rs, "followup.survey_scheduled"))
        )
        survey = of_type(records, "followup.survey_scheduled")[0]
        assert (survey["survey_id"], survey["cycle"], survey["complexity"]) == ("sv_C-1_1", 1, "simple")
        assert survey["due_at"].startswith("2026-10-08T01:00:00")  # 09:00 in Beijing, after National Day
        await send(
            kafka_bootstrap, topics.intake, feedback("C-1", "k-1", "satisfied", fid="f-1", at=clock.at), event_id="fb-1"
        )
        records = await consume_until(
            kafka_bootstrap, topics.followup, lambda rs: bool(of_type(rs, "complaint.closed"))
        )
    closed = of_type(records, "complaint.closed")[0]
    assert (closed["outcome"], closed["cycle"]) == ("satisfied", 1)
    assert (closed["root_cause"], closed["remediation"]) == ("核赔规则理解偏差", "修订核赔指引并培训")
    assert [r.headers["ce_subject"] for r in records] == ["C-1"] * 3
    assert {r.key for r in records} == {b"k-1"}


async def test_unsatisfied_reopens_and_the_second_cycle_gets_its_own_survey_and_closes(
    make_settings: SettingsFactory, topics: Topics, kafka_bootstrap: str
) -> None:
    clock = Clock(cst(10, 8, 10))
    async with serve_app(create_app(make_settings("followup"), followup=fast(), now=clock)) as url:
        await send(kafka_bootstrap, topics.escalation, routed("C-2", "k-2"), event_id="rt-1")
        await send(kafka_bootstrap, topics.intake, resolved("C-2", "k-2"), event_id="a-1")
        await consume_until(kafka_bootstrap, topics.followup, lambda rs: bool(of_type(rs, "followup.survey_scheduled")))
        unsatisfied = feedback("C-2", "k-2", "unsatisfied", fid="f-1", at=clock.at)
        await send(kafka_bootstrap, topics.intake, unsatisfied, event_id="fb-1")
        await send(kafka_bootstrap, topics.intake, unsatisfied, event_id="fb-1")  # redelivered: changes nothing
        records = await consume_until(
            kafka_bootstrap, topics.followup, lambda rs: bool(of_type(rs, "complaint.reopened"))
        )
        reopened = of_type(records, "complaint.reopened")[0]
        assert (reopened["cycle"], reopened["reason"], reopened["tier_hint"]) == (2, "unsatisfied", None)
        clock.at = cst(10, 12, 15)  # escalation re-routes one tier up; the handler resolves cycle 2
        await send(
            kafka_bootstrap,
            topics.escalation,
            routed("C-2", "k-2", cycle=2, tier="L2", queue="specialist", at=cst(10, 8, 11)),
            event_id="rt-2",
        )
        await send(kafka_bootstrap, topics.intake, resolved("C-2", "k-2", cycle=2, at=cst(10, 12, 14)), event_id="a-2")
        records = await consume_until(
            kafka_bootstrap, topics.followup, lambda rs: len(of_type(rs, "followup.survey_scheduled")) == 2
        )
        second = of_type(records, "followup.survey_scheduled")[1]
        assert (second["survey_id"], second["cycle"], second["complexity"]) == ("sv_C-2_2", 2, "complex")
        assert second["due_at"].startswith("2026-10-15T01:00:00")  # 3rd working day after Mon 12 Oct
        clock.at = cst(10, 15, 10)
        await send(
            kafka_bootstrap,
            topics.intake,
            feedback("C-2", "k-2", "basically_satisfied", fid="f-2", at=clock.at, cycle=2),
            event_id="fb-2",
        )
        records = await consume_until(
            kafka_bootstrap, topics.followup, lambda rs: bool(of_type(rs, "complaint.closed"))
        )
        metrics = (await httpx.AsyncClient().get(f"{url}/metrics")).text
    assert [(c["outcome"], c["cycle"]) for c in of_type(records, "complaint.closed")] == [("basically_satisfied", 2)]
    assert len(of_type(records, "complaint.reopened")) == 1
    assert [a["satisfaction"] for a in of_type(records, "followup.satisfaction_recorded")] == [
        "unsatisfied",
        "basically_satisfied",
    ]
    assert 'tousu_reopened_total{reason="unsatisfied"} 1.0' in metrics
    assert (
        'tousu_followup_answers_total{channel="unknown",outcome="basically_satisfied",product_line="unknown",'
        'queue="specialist",route="standard"} 1.0'
    ) in metrics
