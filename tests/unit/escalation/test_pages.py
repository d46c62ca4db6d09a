"""Pages, pure: which queues are paged, a page id from its cause, and the retry schedule (backoff, bounded)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tousu_escalation.domain.pages import GiveUp, PageRules, Retry, RetrySchedule, page_id

pytestmark = pytest.mark.unit
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
SCHEDULE = RetrySchedule(attempts=5, base_s=0.5, max_s=30.0)


def _page(rules: PageRules, queue: str | None, *, cause: str = "ev-1") -> list[str]:
    pages = rules.page(
        kind="routed", queue=queue, complaint_id="C-1", customer_key="k", body="{}", cause=cause, now=NOW
    )
    return [p.page_id for p in pages]


def test_the_same_cause_always_gives_the_same_page_id() -> None:
    rules = PageRules(queues=frozenset({"crisis_team"}))
    assert _page(rules, "crisis_team") == _page(rules, "crisis_team") == [page_id(kind="routed", cause="ev-1")]
    assert _page(rules, "crisis_team", cause="ev-2") != _page(rules, "crisis_team")


def test_another_kind_of_page_for_the_same_cause_has_another_id() -> None:
    assert page_id(kind="incident_opened", cause="ev-1") != page_id(kind="incident_major", cause="ev-1")


def test_only_queues_with_a_url_are_paged_and_star_pages_every_queue() -> None:
    assert _page(PageRules(queues=frozenset({"crisis_team"})), "opinion_desk") == []
    assert _page(PageRules(queues=frozenset({"*"})), "opinion_desk") != []
    assert _page(PageRules(queues=frozenset({"*"})), None) == []


def test_with_paging_off_nothing_is_stored() -> None:
    assert _page(PageRules(queues=frozenset()), "crisis_team") == []


def test_the_pause_doubles_from_the_base_and_stops_at_the_cap() -> None:
    upper = [SCHEDULE.delay(n, jitter=1.0).total_seconds() for n in range(1, 9)]
    assert upper == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]


def test_jitter_stays_within_the_upper_half_of_the_pause() -> None:
    assert SCHEDULE.delay(3, jitter=0.0) == timedelta(seconds=1.0)
    assert SCHEDULE.delay(3, jitter=0.5) == timedelta(seconds=1.5)


def test_a_huge_attempt_number_does_not_overflow() -> None:
    assert SCHEDULE.delay(10_000, jitter=1.0) == timedelta(seconds=30.0)


def test_a_failure_before_the_last_attempt_is_retried_after_the_pause() -> None:
    assert SCHEDULE.after_failure(attempts=1, now=NOW, jitter=1.0) == Retry(at=NOW + timedelta(seconds=0.5))
    assert SCHEDULE.after_failure(attempts=4, now=NOW, jitter=1.0) == Retry(at=NOW + timedelta(seconds=4.0))


def test_the_last_attempt_gives_up() -> None:
    assert SCHEDULE.after_failure(attempts=5, now=NOW, jitter=0.3) == GiveUp()
    assert SCHEDULE.exhausted(5)
    assert not SCHEDULE.exhausted(4)


def test_a_single_attempt_budget_gives_up_at_once() -> None:
    assert RetrySchedule(attempts=1, base_s=1, max_s=1).after_failure(attempts=1, now=NOW, jitter=0) == GiveUp()
