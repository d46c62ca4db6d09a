"""The plan in the read model: newest revision per cycle wins, step states against now, the adherence summary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.unit.escalation.plan_builders import ROUTED, act, routed_case
from tousu_escalation import events
from tousu_escalation.domain import planning
from tousu_escalation.domain.plan_rules import load_plan_rules
from tousu_escalation.planner import plan_updated
from tousu_intake.domain import plans
from tousu_intake.domain.report_adherence import AdherenceCell, OverdueStepCell, adherence
from tousu_intake.projection import PROJECTIONS
from tousu_shared.events import Envelope, EventData

pytestmark = pytest.mark.unit
RULES = load_plan_rules()
HOUR = timedelta(hours=1)


def stored(**changes: Any) -> dict[str, Any]:
    """A plan as intake stores it (JSON mode), after a first step done on time."""
    case = routed_case()
    ack = act("acknowledged", at=ROUTED + HOUR)
    change = planning.after_action(case, action=ack, event_id="ev-ack", rules=RULES, now=ROUTED + HOUR)
    assert change is not None
    return change.plan.model_copy(update=changes).model_dump(mode="json")


def test_the_newest_revision_of_each_cycle_wins_in_any_arrival_order() -> None:
    first, second = stored(revision=1), stored(revision=2)
    assert plans.merged(plans.merged([], second), first) == [second]
    cycle2 = stored(cycle=2, revision=1)
    assert plans.merged([second], cycle2) == [second, cycle2]
    assert plans.merged([cycle2], second) == [second, cycle2], "kept in cycle order"


def test_each_step_shows_done_pending_or_overdue_against_now() -> None:
    plan = stored()
    before_step_2 = datetime.fromisoformat(plan["steps"][1]["due_at"]) - HOUR
    view = plans.plan_view([plan], now=before_step_2)
    assert view is not None
    assert [s["state"] for s in view["steps"]] == ["done", *["pending"] * 5]
    assert view["steps"][0]["done_by"] == "ev-ack"
    later = plans.plan_view([plan], now=before_step_2 + 2 * HOUR)
    assert later is not None and [s["state"] for s in later["steps"][:3]] == ["done", "overdue", "pending"]
    assert later["overdue_steps"] == [2]


def test_a_missed_step_stays_overdue_and_a_cancelled_one_pending() -> None:
    plan = stored()
    plan["steps"][1]["outcome"] = "missed"
    plan["steps"][2]["outcome"] = "cancelled"
    view = plans.plan_view([plan], now=datetime(2000, 1, 1, tzinfo=UTC))
    assert view is not None and [s["state"] for s in view["steps"][1:3]] == ["overdue", "pending"]


def test_the_summary_is_settled_once_every_step_has_an_outcome_and_adherent_only_when_all_were_on_time() -> None:
    plan = stored()
    assert not plans.summary([plan])["settled"]
    for step in plan["steps"][1:]:
        step["outcome"] = "on_time"
    summary = plans.summary([plan])
    assert (summary["settled"], summary["adherent"], summary["overdue_steps"]) == (True, True, [])
    assert (summary["route"], summary["queue"], summary["profiles"]) == ("standard", "frontline", ["rational"])
    earlier = stored(cycle=1)
    earlier["steps"][2]["outcome"] = "late"
    current = {**plan, "cycle": 2}
    both = plans.summary([earlier, current])
    assert not both["adherent"] and both["overdue_steps"] == [{"step": 3, "name": "调查核实 investigate"}]


def test_the_report_gives_the_adherent_share_by_route_queue_and_profile_and_the_most_overdue_step() -> None:
    cells = [
        AdherenceCell(by="route", key="standard", adherent=True, count=3),
        AdherenceCell(by="route", key="standard", adherent=False, count=1),
        AdherenceCell(by="route", key="entangled", adherent=False, count=1),
        AdherenceCell(by="queue", key="frontline", adherent=True, count=3),
        AdherenceCell(by="queue", key="frontline", adherent=False, count=1),
        AdherenceCell(by="queue", key="senior_specialists", adherent=False, count=1),
        AdherenceCell(by="profile", key="rational", adherent=True, count=3),
        AdherenceCell(by="profile", key="entangled", adherent=False, count=2),
    ]
    steps = [OverdueStepCell(step=1, name="接诉安抚", count=1), OverdueStepCell(step=3, name="调查核实", count=2)]
    report = adherence(cells, steps)
    assert (report["closed"], report["adherent"], report["share"]) == (5, 3, 0.6)
    assert report["by_route"] == [
        {"key": "entangled", "closed": 1, "adherent": 0, "share": 0.0},
        {"key": "standard", "closed": 4, "adherent": 3, "share": 0.75},
    ]
    assert [q["key"] for q in report["by_queue"]] == ["frontline", "senior_specialists"]
    assert report["by_profile"][0] == {"key": "entangled", "closed": 2, "adherent": 0, "share": 0.0}
    assert report["most_overdue_step"] == {"step": 3, "name": "调查核实", "count": 2}
    assert adherence([], [])["share"] is None and adherence([], [])["most_overdue_step"] is None


def _apply(doc: dict[str, Any], data: Any) -> dict[str, Any]:
    env = Envelope[EventData].wrap(data, source="tousu/escalation", time=ROUTED)
    projection = next(p for p in PROJECTIONS if p.model is type(data))
    _, fields = projection(doc, data, env)
    return doc | fields


def test_the_read_model_keeps_the_plan_from_routing_and_takes_newer_revisions_from_plan_updates() -> None:
    case = routed_case()
    routed = events.routed(case, cause="ev-analyzed").data
    doc = _apply({"_id": "C-1", "cycle": 1}, routed)
    assert "plan" not in doc["routing"], "the plan is kept once, per cycle"
    assert [p["revision"] for p in doc["plans"]] == [1]
    ack = act("acknowledged", at=ROUTED + HOUR)
    change = planning.after_action(case, action=ack, event_id="ev-ack", rules=RULES, now=ROUTED + HOUR)
    assert change is not None
    updated = plan_updated(case, change, now=ROUTED + HOUR).data
    doc = _apply(doc, updated)
    assert doc["plans"][0]["steps"][0]["done_by"] == "ev-ack"
    assert doc["plan_summary"]["settled"] is False
    assert _apply(doc, routed)["plans"] == doc["plans"], "a redelivered older revision changes nothing"
