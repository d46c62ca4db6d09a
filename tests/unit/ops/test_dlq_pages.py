"""`tousu dlq replay` tells a dead-lettered page (re-armed in escalation) from a record (re-published)."""

from __future__ import annotations

import pytest

from tousu_tools.dlq import DeadLetter

pytestmark = pytest.mark.unit


def _letter(topic: str, headers: list[tuple[str, bytes]]) -> DeadLetter:
    return DeadLetter("d-1", topic, -1, -1, "escalation", "HTTP 503", 5, "", None, b"k", b"{}", headers)


def test_a_page_is_recognised_by_its_webhook_topic_and_carries_its_page_id() -> None:
    page = _letter("webhook:crisis_team", [("page_id", b"p-1"), ("dlq_topic", b"webhook:crisis_team")])
    assert page.is_page and page.page_id == "p-1"


def test_a_page_dead_lettered_before_page_ids_is_a_page_without_an_id() -> None:
    legacy = _letter("webhook:crisis_team", [("notification_kind", b"routed")])
    assert legacy.is_page and legacy.page_id is None


def test_a_record_is_not_a_page_even_with_a_page_id_header() -> None:
    record = _letter("tousu.analysis.v1", [("page_id", b"p-1")])
    assert not record.is_page and record.page_id is None
