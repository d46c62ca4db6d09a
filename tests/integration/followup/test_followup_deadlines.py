"""Closures without an answer: unreachable after attempts over two days, no_response by the scanner; review reopens."""

from __future__ import annotations

import pytest

from tests.conftest import SettingsFactory
from tests.integration.followup.helpers import Clock, action, cst, fast, feedback, of_type, received, resolved, send
from tests.support.kafka import consume_until
from tests.support.servers import serve_app
from tousu_followup.bootstrap import create_app
from tousu_shared.settings import Topics

pytestmark = pytest.mark.integration


async def test_three_failed_attempts_over_two_days_close_as_unreachable_and_redeliveries_change_nothing(
    make_settings: SettingsFactory, topics: Topics, kafka_bootstrap: str
) -> None:
    clock = Clock(cst(10, 9, 16))
    async with serve_app(create_app(make_settings("followup"), followup=fast(), now=clock)):
        await send(kafka_bootstrap, topics.intake, resolved("C-3", "k-3"), event_id="a-1")
        first = feedback("C-3", "k-3", None, fid="f-1", at=cst(10, 8, 9))
        for _ in range(3):  # the same event delivered three times
            await send(kafka_bootstrap, topics.intake, first, event_id="fb-1")
        await send(
            kafka_bootstrap, topics.intake, feedback("C-3", "k-3", None, fid="f-2", at=cst(10, 9, 10)), event_id="fb-2"
        )
        records = await consume_until(
            kafka_bootstrap, topics.followup, lambda rs: len(of_type(rs, "followup.satisfaction_recorded")) >= 2
        )
        assert of_type(records, "complaint.closed") == []  # two attempts so far, whatever the redeliveries
        await send(
            kafka_bootstrap, topics.intake, feedback("C-3", "k-3", None, fid="f-3", at=cst(10, 9, 15)), event_id="fb-3"
        )
        records = await consume_until(
            kafka_bootstrap, topics.followup, lambda rs: bool(of_type(rs, "complaint.closed"))
        )
    assert [a["attempts"] for a in of_type(records, "followup.satisfaction_recorded")] == [1, 2, 3]
    assert all(a["reached"] is False for a in of_type(records, "followup.satisfaction_recorded"))
    closed = of_type(records, "complaint.closed")
    assert [(c["outcome"], c["written_notice"]) for c in closed] == [("unreachable", True)]


async def test_an_unanswered_survey_closes_as_no_response_and_a_review_reopens_it_at_management_tier(
    make_settings: SettingsFactory, topics: Topics, kafka_bootstrap: str
) -> None:
    clock = Clock(cst(10, 8, 10))  # survey due 8 Oct 09:00 (simple): the no-response deadline is 15 Oct 09:00
    settings = make_settings("followup")
    async with serve_app(create_app(settings, followup=fast(), now=clock)):
        await send(kafka_bootstrap, topics.intake, received("C-4", "k-4"), event_id="r-1")
        await send(kafka_bootstrap, topics.intake, resolved("C-4", "k-4"), event_id="a-1")
        await consume_until(kafka_bootstrap, topics.followup, lambda rs: bool(of_type(rs, "followup.survey_scheduled")))
    clock.at = cst(10, 15, 9)  # a restart later, the deadline has passed: the stored timer still fires
    async with serve_app(create_app(settings, followup=fast(), now=clock)):
        records = await consume_until(
            kafka_bootstrap, topics.followup, lambda rs: bool(of_type(rs, "complaint.closed"))
        )
        clock.at = cst(10, 20, 11)
        review = action("C-4", "k-4", "review_requested", at=cst(10, 20, 10))
        await send(kafka_bootstrap, topics.intake, review, event_id="a-2")
        records = await consume_until(
            kafka_bootstrap, topics.followup, lambda rs: bool(of_type(rs, "complaint.reopened"))
        )
    assert [(c["outcome"], c["cycle"]) for c in of_type(records, "complaint.closed")] == [("no_response", 1)]
    reopened = of_type(records, "complaint.reopened")
    assert [(r["cycle"], r["reason"], r["tier_hint"]) for r in reopened] == [(2, "review_requested", "management")]
