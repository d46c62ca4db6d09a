"""A complaint is routed into an incident at most once: overlapping incidents cannot pass a member back and forth."""

from __future__ import annotations

import pytest

from tousu_escalation.domain.case import Case
from tousu_escalation.domain.routing import Routing

pytestmark = pytest.mark.unit


def routed_case(incident_id: str | None) -> Case:
    routing = Routing.model_construct(route="group", queue="group_taskforce", incident_id=incident_id)
    return Case(complaint_id="C-1", customer_key="k").model_copy(update={"routing": routing}).joined(incident_id)


def test_a_member_is_rerouted_into_a_new_incident_once() -> None:
    case = routed_case(None)
    assert case.may_join("INC-A")
    moved = case.model_copy(update={"routing": case.routing.model_copy(update={"incident_id": "INC-A"})}).joined(  # type: ignore[union-attr]
        "INC-A"
    )
    assert not moved.may_join("INC-A")
    assert moved.joined_incidents == ["INC-A"]


def test_a_member_that_moved_on_is_not_routed_back_into_an_incident_it_left() -> None:
    case = routed_case("INC-A")
    elsewhere = case.model_copy(update={"routing": case.routing.model_copy(update={"incident_id": "INC-B"})}).joined(  # type: ignore[union-attr]
        "INC-B"
    )
    assert not elsewhere.may_join("INC-A"), "back into A would be a second routing for (member, A)"
    assert not elsewhere.may_join("INC-B")
    assert elsewhere.may_join("INC-C")


def test_an_unrouted_stub_never_joins() -> None:
    assert not Case(complaint_id="C-2", customer_key="k").may_join("INC-A")
