"""The handling plan (处置方案, domain §9): the six steps with due times, the method guidance, re-plans."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from tousu_shared.events.base import EventData, Model

GuidanceKind = Literal["approach", "taboo", "method", "communication"]
StepOutcome = Literal["on_time", "late", "missed", "cancelled"]
PlanChangeKind = Literal["replanned", "step_done", "settled"]


class PlanStep(Model):
    """One step of the cycle's plan: when it is due, who owns it, what completes it and what did."""

    step: int = Field(ge=1, description="Step number, 1–6 of the six-step model (常规投诉的六步处理模型).")
    key: str = Field(description="Stable key of the step in the plan rules, e.g. `acknowledge`.")
    name: str = Field(description="Name, e.g. `接诉安抚 acknowledge and calm`.")
    due_at: datetime = Field(description="When the step is due, from the complaint's own clocks.")
    due_from: str = Field(
        description="What the due time is computed from, e.g. `first_contact`, `regulatory 20 %`, `followup`."
    )
    queue: str = Field(description="Owner queue.")
    completed_by: list[str] = Field(
        description="What completes it: action types (`contacted+note` = a `contacted` action with a note), "
        "`feedback` (the follow-up answer), `reopened`, `closed`."
    )
    done_by: str | None = Field(default=None, description="Event id (`ce_id`) of what completed it; null while open.")
    done_with: str | None = Field(default=None, description="What completed it, one of `completed_by`.")
    done_at: datetime | None = Field(default=None, description="When it was completed (the event's own time).")
    outcome: StepOutcome | None = Field(
        default=None,
        description="on_time / late once done; missed (the cycle ended without it) or cancelled (withdrawn) once "
        "settled; null while open.",
    )

    @property
    def is_open(self) -> bool:
        """Neither done nor settled."""
        return self.outcome is None


class PlanGuidance(Model):
    """One item of method guidance, with the reason that selected it."""

    id: str = Field(description="Stable id of the item in the plan rules, e.g. `taboo.shirking`.")
    kind: GuidanceKind = Field(description="approach (谈判), taboo (禁忌/雷区), method or communication.")
    text: str = Field(description="What to do or never do.")
    reason: str = Field(description="Why it applies, e.g. `profile entangled (0.85)`, `route public_opinion`.")


class Replan(Model):
    """A re-plan of the open steps, and why."""

    reason: str = Field(description="Why, e.g. `extension 1 to 30 days: 需要第三方鉴定`, `reopened (unsatisfied)`.")
    at: datetime = Field(description="When it was re-planned.")
    steps: list[int] = Field(default_factory=list, description="Open steps whose due time or owner changed.")


class HandlingPlan(Model):
    """The plan of one resolution cycle (处置方案): six steps, guidance, and its re-plans."""

    cycle: int = Field(ge=1, description="Resolution cycle the plan is for.")
    revision: int = Field(ge=1, description="1 when made; +1 on every change (the newest revision wins).")
    route: str = Field(description="Primary route when (re-)planned.")
    queue: str = Field(description="The route's owning queue.")
    profiles: list[str] = Field(
        default_factory=list, description="Profile labels that selected guidance (confidence at or above the rules')."
    )
    steps: list[PlanStep] = Field(description="The steps in order.")
    guidance: list[PlanGuidance] = Field(default_factory=list, description="Method guidance, each with its reason.")
    replans: list[Replan] = Field(default_factory=list, description="Re-plans of this cycle, oldest first.")
    rules_version: str = Field(description="Version of the plan rules file.")
    planned_at: datetime = Field(description="When this cycle's plan was made.")
    updated_at: datetime = Field(description="When it last changed.")

    def step(self, number: int) -> PlanStep | None:
        """The step with this number."""
        return next((s for s in self.steps if s.step == number), None)


class ComplaintPlanUpdated(EventData):
    """The handling plan changed without a re-route: a step done, a re-plan (extension, merge, pause, follow-up
    scheduled) or the cycle settled (closed, reopened, withdrawn). The plan made at routing travels on
    `complaint.routed`; the newest `plan.revision` of a cycle wins."""

    event_type: ClassVar[str] = "complaint.plan_updated"
    topic_key: ClassVar[str] = "escalation"

    plan: HandlingPlan = Field(description="The whole plan after the change.")
    change: PlanChangeKind = Field(description="replanned, step_done or settled.")
    reason: str = Field(description="What changed and why, e.g. `step 1 done by acknowledged (on time)`.")
    occurred_at: datetime = Field(description="When the change was made.")
