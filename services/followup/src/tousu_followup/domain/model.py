"""The follow-up case of one complaint, its surveys, and the facts a transition records."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Complexity = Literal["simple", "complex"]
CaseStatus = Literal["handling", "surveying", "closure_blocked", "closed"]
SurveyStatus = Literal["pending", "answered", "unreachable", "no_response", "cancelled"]
CloseOutcome = Literal["satisfied", "basically_satisfied", "unreachable", "no_response", "withdrawn"]
Satisfaction = Literal["satisfied", "basically_satisfied", "unsatisfied"]
ReopenReason = Literal["unsatisfied", "review_requested"]


class Frozen(BaseModel):
    """Immutable value: transitions return new objects."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class Context(Frozen):
    """What follow-up learned from other services' events: complexity inputs and report labels."""

    channel: str | None = None
    product_line: str | None = None
    route: str | None = None
    tier: str | None = None
    queue: str | None = None
    severity: str | None = None
    repeat_band: str | None = None
    extended: bool = False


class Resolution(Frozen):
    """The decision of one cycle with its root cause and remediation (溯源整改)."""

    cycle: int
    decided_at: datetime
    decision: str | None = None
    remedy: str | None = None
    root_cause: str | None = None
    remediation: str | None = None

    @property
    def traced(self) -> bool:
        """Both root cause and remediation are recorded (closure needs them)."""
        return bool((self.root_cause or "").strip() and (self.remediation or "").strip())


class Attempt(Frozen):
    """One contact attempt of a survey."""

    feedback_id: str
    at: datetime
    reached: bool


class Survey(Frozen):
    """The satisfaction follow-up of one resolution cycle."""

    survey_id: str
    cycle: int
    complexity: Complexity
    reasons: list[str] = Field(default_factory=list)
    due_at: datetime
    due_by: datetime
    scheduled_at: datetime
    status: SurveyStatus = "pending"
    attempts: list[Attempt] = Field(default_factory=list)
    satisfaction: Satisfaction | None = None
    score: int | None = None


class Blocked(Frozen):
    """A closure refused until the root cause and remediation are recorded."""

    outcome: CloseOutcome
    written_notice: bool = False
    reason: str
    since: datetime


class Closure(Frozen):
    """How and when the complaint closed."""

    cycle: int
    outcome: CloseOutcome
    written_notice: bool = False
    at: datetime


class Case(Frozen):
    """One complaint as follow-up sees it; `cycle` is the current resolution cycle."""

    complaint_id: str
    customer_key: str
    cycle: int = 1
    status: CaseStatus = "handling"
    resolution: Resolution | None = None
    surveys: list[Survey] = Field(default_factory=list)
    blocked: Blocked | None = None
    closure: Closure | None = None

    @property
    def pending(self) -> Survey | None:
        """The survey waiting for an answer, if any."""
        return next((s for s in self.surveys if s.status == "pending"), None)

    def survey_of(self, cycle: int) -> Survey | None:
        """The survey of a cycle, if scheduled."""
        return next((s for s in self.surveys if s.cycle == cycle), None)

    def with_survey(self, survey: Survey) -> Case:
        """The case with `survey` replacing the one of its cycle (or added)."""
        others = [s for s in self.surveys if s.survey_id != survey.survey_id]
        return self.model_copy(update={"surveys": sorted([*others, survey], key=lambda s: s.cycle)})


class SurveyScheduled(Frozen):
    """Fact: a survey was scheduled."""

    survey: Survey


class AnswerRecorded(Frozen):
    """Fact: an answer or a failed contact attempt was recorded."""

    survey_id: str
    cycle: int
    reached: bool
    satisfaction: Satisfaction | None
    score: int | None
    attempts: int
    at: datetime


class Reopened(Frozen):
    """Fact: a new resolution cycle began (same complaint id)."""

    cycle: int
    reason: ReopenReason
    tier_hint: str | None
    at: datetime


class Closed(Frozen):
    """Fact: the complaint closed."""

    cycle: int
    outcome: CloseOutcome
    root_cause: str | None
    remediation: str | None
    written_notice: bool
    at: datetime


class ClosureRefused(Frozen):
    """Fact: a closure was refused (no root cause and remediation); the case waits for them."""

    cycle: int
    outcome: CloseOutcome
    reason: str
    at: datetime


Fact = SurveyScheduled | AnswerRecorded | Reopened | Closed | ClosureRefused


class Decision(Frozen):
    """A transition's result: the new case and the facts to publish, or why nothing changed."""

    case: Case
    facts: list[Fact] = Field(default_factory=list)
    ignored: str | None = None


def unchanged(case: Case, *, why: str) -> Decision:
    """Nothing to do, with the reason (logged by the service)."""
    return Decision(case=case, ignored=why)
