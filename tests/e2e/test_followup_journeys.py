"""Through the public API only: resolve → 回访 → close, and resolve → unsatisfied → reopen one tier up → close."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Stack
from tests.e2e.journeys import (
    RESOLVED,
    client,
    in_order,
    plain_complaint,
    poll,
    tier_rank,
    types,
    view,
    when_status,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]
FIRST_CYCLE = [
    "complaint.received",
    "complaint.analyzed",
    "complaint.routed",
    "complaint.action_recorded",
    "followup.survey_scheduled",
    "complaint.feedback_received",
    "followup.satisfaction_recorded",
]


@pytest.fixture
def api(stack: Stack) -> Any:
    """The intake API with the dev key."""
    with client(stack.intake, stack.api_key) as c:
        yield c


def _routed(api: httpx.Client) -> dict[str, Any]:
    created = api.post("/v1/complaints", json=plain_complaint())
    assert created.status_code == 201, created.text
    return when_status(api, created.json()["complaint_id"], "routed", timeout_s=90)


def _resolve_and_answer(api: httpx.Client, complaint_id: str, *, satisfaction: str) -> dict[str, Any]:
    acted = api.post(f"/v1/complaints/{complaint_id}/actions", json=RESOLVED)
    assert acted.status_code == 201, acted.text
    when_status(api, complaint_id, "followup_pending")
    feedback = {"satisfaction": satisfaction, "score": 5 if satisfaction == "satisfied" else 2}
    answered = api.post(f"/v1/complaints/{complaint_id}/feedback", json=feedback)
    assert answered.status_code == 201, answered.text
    return feedback


def _settled_counts(api: httpx.Client, complaint_id: str) -> Counter[str]:
    """The timeline's event counts once two consecutive reads agree (nothing still arriving)."""
    previous: list[Counter[str]] = []

    def stable() -> Counter[str] | None:
        counts = Counter(types(view(api, complaint_id)["timeline"]))
        same = bool(previous) and previous[-1] == counts
        previous.append(counts)
        return counts if same else None

    counts: Counter[str] = poll(stable, what="a settled timeline", timeout_s=30)
    return counts


def test_resolved_then_satisfied_closes_with_root_cause(api: httpx.Client) -> None:
    complaint_id = _routed(api)["complaint_id"]
    feedback = _resolve_and_answer(api, complaint_id, satisfaction="satisfied")

    closed = when_status(api, complaint_id, "closed")
    assert closed["followup"]["closure"]["outcome"] == "satisfied"
    assert closed["followup"]["closure"]["root_cause"] == RESOLVED["root_cause"]
    assert in_order(closed["timeline"], [*FIRST_CYCLE, "complaint.closed"]), types(closed["timeline"])

    replay = api.post(f"/v1/complaints/{complaint_id}/feedback", json=feedback)
    assert replay.status_code == 409, replay.text
    counts = _settled_counts(api, complaint_id)
    assert counts["complaint.feedback_received"] == counts["complaint.closed"] == 1
    assert counts["followup.satisfaction_recorded"] == 1 and counts["complaint.reopened"] == 0


def test_unsatisfied_reopens_one_tier_up_then_closes_in_cycle_two(api: httpx.Client) -> None:
    first = _routed(api)
    complaint_id, first_tier = first["complaint_id"], first["routing"]["tier"]
    feedback = _resolve_and_answer(api, complaint_id, satisfaction="unsatisfied")

    rerouted = poll(
        lambda: (v := view(api, complaint_id))["routing"]["cycle"] == 2 and v,
        what="the re-route of cycle 2",
        timeout_s=90,
    )
    assert rerouted["status"] == "reopened" and rerouted["cycle"] == 2
    assert tier_rank(rerouted["routing"]["tier"]) == tier_rank(first_tier) + 1
    assert api.post(f"/v1/complaints/{complaint_id}/feedback", json=feedback).status_code == 409

    _resolve_and_answer(api, complaint_id, satisfaction="satisfied")
    closed = when_status(api, complaint_id, "closed")
    assert closed["followup"]["closure"]["cycle"] == 2
    second_cycle = ["complaint.reopened", "complaint.routed", *FIRST_CYCLE[3:], "complaint.closed"]
    assert in_order(closed["timeline"], [*FIRST_CYCLE, *second_cycle]), types(closed["timeline"])
    assert len(closed["followup"]["surveys"]) == 2, "every cycle gets its own survey"

    counts = _settled_counts(api, complaint_id)
    assert counts["complaint.reopened"] == 1 and counts["complaint.closed"] == 1
    assert counts["complaint.feedback_received"] == counts["followup.satisfaction_recorded"] == 2
