"""The status is folded from the timeline in event-time order, so arrival order cannot corrupt it."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from tousu_intake.domain.status import Entry, fold

pytestmark = pytest.mark.unit
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def _e(kind: str, minute: int, action: str | None = None) -> Entry:
    return Entry(type=kind, time=T0 + timedelta(minutes=minute), seq=minute, action=action)


LIFE = [
    _e("complaint.received", 0),
    _e("complaint.analyzed", 1),
    _e("complaint.routed", 2),
    _e("complaint.action_recorded", 3, "acknowledged"),
    _e("complaint.action_recorded", 4, "resolved"),
    _e("followup.survey_scheduled", 5),
    _e("complaint.closed", 6),
]


@pytest.mark.parametrize(
    ("upto", "status"),
    [
        (1, "received"),
        (2, "analyzed"),
        (3, "routed"),
        (4, "in_progress"),
        (5, "resolved"),
        (6, "followup_pending"),
        (7, "closed"),
    ],
)
def test_the_life_of_a_complaint(upto: int, status: str) -> None:
    assert fold(LIFE[:upto]) == status


def test_any_arrival_order_gives_the_same_status() -> None:
    sample = LIFE[:5]
    assert {fold(list(p)) for p in itertools.permutations(sample)} == {"resolved"}


def test_a_note_changes_nothing_and_withdrawal_is_final_until_closed() -> None:
    assert fold([*LIFE[:3], _e("complaint.action_recorded", 3, "note")]) == "routed"
    withdrawn = [*LIFE[:3], _e("complaint.action_recorded", 3, "withdrawn")]
    assert fold([*withdrawn, _e("complaint.action_recorded", 4, "contacted")]) == "withdrawn"
    assert fold([*withdrawn, _e("complaint.closed", 5)]) == "closed"


def test_an_unsatisfied_follow_up_reopens_and_work_resumes() -> None:
    reopened = [*LIFE[:6], _e("complaint.reopened", 7)]
    assert fold(reopened) == "reopened"
    assert fold([*reopened, _e("complaint.action_recorded", 8, "contacted")]) == "in_progress"


def test_late_analysis_does_not_pull_a_resolved_complaint_back() -> None:
    assert fold([*LIFE[:5], _e("complaint.analyzed", 9), _e("complaint.routed", 10)]) == "resolved"
