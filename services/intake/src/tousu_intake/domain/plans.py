"""The handling plan in the read model (domain §9): the newest revision per cycle, its view, its adherence summary."""

from __future__ import annotations

from datetime import datetime
from typing import Any

Plan = dict[str, Any]  # a `HandlingPlan` as stored (JSON mode: times are RFC 3339 strings)
COUNTS_AGAINST = frozenset({"late", "missed"})


def merged(plans: list[Plan], new: Plan) -> list[Plan]:
    """The stored plans (one per cycle, by cycle) with `new` in, when it is that cycle's newest revision."""
    same = next((p for p in plans if p["cycle"] == new["cycle"]), None)
    if same is not None and same["revision"] >= new["revision"]:
        return plans
    return sorted([*(p for p in plans if p["cycle"] != new["cycle"]), new], key=lambda p: int(p["cycle"]))


def _time(value: str | datetime) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def state(step: dict[str, Any], *, now: datetime) -> str:
    """pending, done or overdue: open past its due time, or the cycle ended without it (missed)."""
    if step.get("done_by"):
        return "done"
    if step.get("outcome") == "missed":
        return "overdue"
    if step.get("outcome") is None and now > _time(step["due_at"]):
        return "overdue"
    return "pending"  # open and not yet due, or cancelled by a withdrawal


def _step_view(step: dict[str, Any], *, now: datetime) -> dict[str, Any]:
    return {**step, "state": state(step, now=now)}


def plan_view(plans: list[Plan], *, now: datetime) -> dict[str, Any] | None:
    """`plan` of the complaint view: the current cycle's plan, each step with its state."""
    if not plans:
        return None
    current = plans[-1]
    steps = [_step_view(s, now=now) for s in current["steps"]]
    return {
        **current,
        "steps": steps,
        "overdue_steps": [s["step"] for s in steps if s["state"] == "overdue"],
        "earlier_cycles": [p["cycle"] for p in plans[:-1]],
    }


def summary(plans: list[Plan]) -> dict[str, Any]:
    """What the report counts: settled (every step of the current cycle done or settled), adherent (every step of
    every cycle on time; cancelled steps do not count), the steps done late or missed, route, queue, profiles."""
    current = plans[-1]
    steps = [s for p in plans for s in p["steps"]]
    return {
        "settled": all(s.get("outcome") is not None for s in current["steps"]),
        "adherent": all(s.get("outcome") not in COUNTS_AGAINST for s in steps),
        "overdue_steps": [{"step": s["step"], "name": s["name"]} for s in steps if s.get("outcome") in COUNTS_AGAINST],
        "route": current["route"],
        "queue": current["queue"],
        "profiles": current.get("profiles") or ["none"],
    }


def fields(doc_plans: list[Plan], new: Plan) -> dict[str, Any]:
    """The read-model fields to set when a plan (revision) arrives."""
    plans = merged(doc_plans, new)
    return {"plans": plans, "plan_summary": summary(plans)}
