"""The escalation view of one complaint (routing + clocks of the current cycle) and its pure transitions."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tousu_escalation.domain import clocks as clk
from tousu_escalation.domain.clock_policy import ClockKind, ClockPolicy
from tousu_escalation.domain.policy import Policy, Target
from tousu_escalation.domain.routing import Routing
from tousu_shared.events import ComplaintActionRecorded, ComplaintAnalyzed
from tousu_shared.events.plan import HandlingPlan

CaseStatus = Literal["open", "resolved", "withdrawn"]
CLOSING_ACTIONS: dict[str, CaseStatus] = {"resolved": "resolved", "withdrawn": "withdrawn"}


class Case(BaseModel):
    """What escalation keeps per complaint; `analysis` and `routing` are None until analysed (a stub)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    complaint_id: str
    customer_key: str
    cycle: int = 1
    status: CaseStatus = "open"
    analysis: ComplaintAnalyzed | None = None
    routing: Routing | None = None
    clocks: list[clk.Clock] = Field(default_factory=list)
    cluster_keys: list[str] = Field(default_factory=list)
    cluster_customers: int = 1
    received_at: datetime | None = None
    merged_into: str | None = None
    merged: list[str] = Field(default_factory=list, description="Same-matter repeats merged into this one.")
    pending_actions: list[ComplaintActionRecorded] = Field(
        default_factory=list, description="Actions that arrived before the analysis (applied when it does)."
    )
    pending_event_ids: dict[str, str] = Field(
        default_factory=dict, description="Event id (ce_id) of each pending action, by its action_id."
    )
    plan: HandlingPlan | None = Field(default=None, description="The handling plan of the current cycle.")
    followup_due_at: datetime | None = Field(
        default=None, description="End of the current cycle's follow-up window, once the survey is scheduled."
    )
    joined_incidents: list[str] = Field(
        default_factory=list,
        description="Incidents the complaint has been routed into: it is routed into each at most once, so two "
        "overlapping incidents cannot pass a member back and forth.",
    )

    def may_join(self, incident_id: str) -> bool:
        """Whether re-routing into `incident_id` is due: routed, and never routed into it before."""
        return self.routing is not None and incident_id not in {self.routing.incident_id, *self.joined_incidents}

    def joined(self, incident_id: str | None) -> Case:
        """The case with `incident_id` noted as joined (unchanged when None or already noted)."""
        if incident_id is None or incident_id in self.joined_incidents:
            return self
        return self.model_copy(update={"joined_incidents": [*self.joined_incidents, incident_id]})

    def clock(self, kind: ClockKind) -> clk.Clock | None:
        """The clock of a kind, if running in this cycle."""
        return next((c for c in self.clocks if c.kind == kind), None)

    def with_clock(self, clock: clk.Clock) -> Case:
        """The case with one clock replaced."""
        return self.model_copy(update={"clocks": [clock if c.kind == clock.kind else c for c in self.clocks]})


def target_basis(*, routing: Routing, policy: Policy) -> Literal["calendar", "working"]:
    """Working-day targets warn on working time; hour targets on wall time."""
    target = route_target(routing=routing, policy=policy)
    return "working" if target is not None and target.working_days is not None else "calendar"


def route_target(*, routing: Routing, policy: Policy) -> Target | None:
    """The response target the routing policy gives this route and level."""
    if routing.route == policy.standard.name:
        return policy.standard.target
    rule = next((r for r in policy.routes if r.name == routing.route), None)
    if rule is None:
        return None
    level = next((lv for lv in rule.levels if lv.level == routing.level), None)
    return level.target if level else rule.target


def cycle_clocks(
    *, started_at: datetime, routing: Routing, policy: Policy, clock_policy: ClockPolicy, regulatory: bool = True
) -> list[clk.Clock]:
    """The clocks of a new cycle: regulatory (unless merged), first contact, route response."""
    kinds: list[ClockKind] = ["regulatory", "first_contact"] if regulatory else ["first_contact"]
    clocks = [clk.start_clock(kind=k, started_at=started_at, policy=clock_policy) for k in kinds]
    response = clk.start_clock(
        kind="response",
        started_at=routing.routed_at,
        policy=clock_policy,
        due_at=routing.response_due_at,
        basis=target_basis(routing=routing, policy=policy),
    )
    return [*clocks, response]


def apply_action(case: Case, *, action: ComplaintActionRecorded, policy: ClockPolicy) -> Case:
    """The effect of a handler action on the clocks; raises `ClockRefused` for an impossible extension."""
    if action.type == "extension_requested":
        return _extend(case, action=action, policy=policy)
    if action.type in ("clock_paused", "clock_resumed"):
        return _pause_or_resume(case, action=action, policy=policy)
    clocks = [
        clk.stop(c, at=action.occurred_at, reason=action.type)
        if clk.stops(action=action.type, kind=c.kind, policy=policy)
        else c
        for c in case.clocks
    ]
    status = CLOSING_ACTIONS.get(action.type, case.status)
    return case.model_copy(update={"clocks": clocks, "status": status})


def _pause_or_resume(case: Case, *, action: ComplaintActionRecorded, policy: ClockPolicy) -> Case:
    """Appraisal/mediation time is excluded from the regulatory clock; intake already refused bad transitions."""
    regulatory = case.clock("regulatory")
    if regulatory is None or regulatory.status == "stopped":
        return case
    try:
        if action.type == "clock_paused":
            moved = clk.pause(regulatory, at=action.occurred_at, state=action.reason or "", policy=policy)
        else:
            moved = clk.resume(regulatory, at=action.occurred_at, policy=policy)
    except clk.ClockRefused:
        return case  # a redelivered or out-of-order pause/resume: nothing to change
    return case.with_clock(moved)


def _extend(case: Case, *, action: ComplaintActionRecorded, policy: ClockPolicy) -> Case:
    regulatory = case.clock("regulatory")
    if regulatory is None or regulatory.status == "stopped":
        return case  # merged or decided: nothing to move
    # the policy gives the new due time; the action's `due_at` is intake's count of the same rule
    moved = clk.extend(regulatory, policy=policy, reason=action.reason, approver=action.approver)
    return case.with_clock(moved)


def next_tier(*, current: str | None, hint: str | None, policy: Policy) -> str:
    """One tier up from the current one (L1→L2→L3); a hint (tier or queue name) can raise it further."""
    tiers = policy.standard.tiers
    names = [t.tier for t in tiers]
    index = min((names.index(current) if current in names else 0) + 1, len(tiers) - 1)
    hinted = [i for i, t in enumerate(tiers) if hint in (t.tier, t.queue)]
    return names[max([index, *hinted])]


def matter_key(analysis: ComplaintAnalyzed) -> str:
    """Same matter for one customer: the same contract, else the same product type and cause."""
    m = analysis.matter
    return f"c:{m.contract_key}" if m.contract_key else f"m:{m.product_line}|{m.product_type}|{m.cause}"
