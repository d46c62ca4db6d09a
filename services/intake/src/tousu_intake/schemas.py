"""HTTP request and response models (kept apart from the stored documents and the event models)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

from tousu_intake import examples
from tousu_shared.events.base import Channel, ProductLine, RepresentativeKind
from tousu_shared.events.intake import ActionType, Satisfaction
from tousu_shared.events.plan import HandlingPlan, PlanStep

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")


def _rfc3339(value: Any) -> Any:
    if not isinstance(value, str) or not _RFC3339.match(value):
        raise ValueError("must be an RFC 3339 date-time with a time-zone offset, e.g. 2026-11-22T09:30:00+08:00")
    return value


Rfc3339 = Annotated[AwareDatetime, BeforeValidator(_rfc3339)]
Text = Annotated[str, Field(min_length=1, max_length=5000)]
Short = Annotated[str, Field(min_length=1, max_length=128)]


class Request(BaseModel):
    """Strict request model: unknown fields are rejected, never dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CustomerIn(Request):
    """The complainant (personal data: stored encrypted, masked on every event)."""

    ref: Short = Field(description="The institution's customer number or any stable id (客户号).")
    name: Annotated[str, Field(min_length=1, max_length=100)] | None = Field(default=None, description="姓名 name.")
    id_number: str | None = Field(
        default=None, pattern=r"^[0-9A-Za-z]{6,32}$", description="身份证号 or other ID document number."
    )
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9][0-9 \-]{4,19}$", description="联系电话 phone.")
    age: int | None = Field(default=None, ge=0, le=150, description="Age in years.")
    vulnerable: bool = Field(default=False, description="Vulnerable consumer flagged by the channel (特殊群体).")


class ProductIn(Request):
    """The product concerned."""

    line: ProductLine = Field(description="insurance | banking | wealth | payment | other.")
    type: Annotated[str, Field(max_length=100)] | None = Field(default=None, description="e.g. 重疾险, 信用卡.")
    policy_or_account: Annotated[str, Field(max_length=64)] | None = Field(
        default=None, description="Policy or account number (masked on events)."
    )


class RepresentativeIn(Request):
    """Who speaks for the complainant."""

    kind: RepresentativeKind = Field(default="self", description="self | family | lawyer | agent | organisation.")
    name: Annotated[str, Field(min_length=1, max_length=100)] | None = Field(default=None, description="Name.")
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9][0-9 \-]{4,19}$", description="Phone.")


class RegulatorIn(Request):
    """Regulator transfer details (监管转办)."""

    ref: Annotated[str, Field(max_length=128)] | None = Field(default=None, description="Regulator's reference.")
    forwarded_at: Rfc3339 | None = Field(default=None, description="When the regulator forwarded it.")


class MediaIn(Request):
    """Where the complaint is already public (舆情)."""

    platform: Annotated[str, Field(max_length=100)] | None = Field(default=None, description="e.g. 微博, 黑猫投诉.")
    url: Annotated[str, Field(max_length=2048)] | None = Field(default=None, description="Link to the post.")
    reach: int | None = Field(default=None, ge=0, description="Audience reach if known.")


class ComplaintCreate(Request):
    """`POST /v1/complaints` body (contract §2)."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.COMPLAINT_ZH, examples.COMPLAINT_EN]})

    channel: Channel = Field(description="Intake channel.")
    channel_ref: Short = Field(description="The channel system's own id for this complaint.")
    received_at: Rfc3339 | None = Field(default=None, description="RFC 3339; default now; not in the future.")
    customer: CustomerIn
    product: ProductIn
    category: Annotated[str, Field(max_length=100)] | None = Field(default=None, description="Channel's category.")
    content: Annotated[str, Field(min_length=1, max_length=20000)] = Field(description="投诉内容, 1..20000 chars.")
    demands: Annotated[str, Field(max_length=5000)] | None = Field(default=None, description="诉求.")
    amount_in_dispute: float | None = Field(default=None, ge=0, allow_inf_nan=False, description="CNY.")
    representative: RepresentativeIn | None = None
    regulator: RegulatorIn | None = None
    media: MediaIn | None = None
    complainant_count: int = Field(default=1, ge=1, le=1_000_000, description="People in this complaint.")


class ComplaintCreated(BaseModel):
    """The result of registering a complaint (201 first time, 200 on an idempotent repeat)."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.CREATED]})

    complaint_id: str
    status: str
    received_at: datetime
    due_at: datetime


class ActionCreate(Request):
    """`POST /v1/complaints/{id}/actions` body."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.ACTION_RESOLVED, examples.ACTION_EXTENSION]})

    type: ActionType = Field(description="The action.")
    actor: Short = Field(description="Handler id or queue.")
    note: Text | None = None
    decision: Text | None = Field(default=None, description="Required for `resolved`.")
    remedy: Text | None = Field(default=None, description="Required for `resolved`.")
    root_cause: Text | None = Field(default=None, description="Required for `resolved` (溯源).")
    remediation: Text | None = Field(default=None, description="Required for `resolved` (整改).")
    reason: Text | None = Field(default=None, description="Required for `extension_requested`.")
    approver: Short | None = Field(default=None, description="Required for the second extension.")
    occurred_at: Rfc3339 | None = Field(default=None, description="RFC 3339; default now.")


class ActionRecorded(BaseModel):
    """The recorded action and the complaint's clock after it."""

    action_id: str
    complaint_id: str
    type: str
    status: str
    due_at: datetime
    cycle: int


class FeedbackCreate(Request):
    """`POST /v1/complaints/{id}/feedback` body (回访)."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.FEEDBACK]})

    satisfaction: Satisfaction | None = Field(default=None, description="Required when reached.")
    score: int | None = Field(default=None, ge=1, le=5, description="1–5.")
    comment: Text | None = None
    contacted_at: Rfc3339 | None = Field(default=None, description="RFC 3339; default now.")
    reached: bool = Field(default=True, description="False records a failed contact attempt.")


class FeedbackRecorded(BaseModel):
    """The recorded feedback."""

    feedback_id: str
    complaint_id: str
    cycle: int
    status: str


class TimelineEntry(BaseModel):
    """One event in the complaint's life, in event order."""

    event_id: str
    type: str
    time: datetime
    source: str
    detail: dict[str, Any] = Field(default_factory=dict)


class PlanStepView(PlanStep):
    """One step of the plan with its state now."""

    state: Literal["pending", "done", "overdue"] = Field(
        description="done; overdue (open past its due time, or the cycle ended without it); else pending."
    )


class PlanView(HandlingPlan):
    """`plan` of the view (domain §9): the current cycle's handling plan, each step with its state."""

    steps: list[PlanStepView] = Field(description="The six steps in order, each with its state.")  # type: ignore[assignment]
    overdue_steps: list[int] = Field(default_factory=list, description="Steps in state overdue.")
    earlier_cycles: list[int] = Field(default_factory=list, description="Cycles with a plan before this one.")


class ComplaintView(BaseModel):
    """`GET /v1/complaints/{id}`: the full current view."""

    complaint_id: str
    status: str
    cycle: int
    channel: str
    channel_ref: str
    received_at: datetime
    due_at: datetime
    intake: dict[str, Any] = Field(description="Intake data; personal data masked unless the key has `admin`.")
    analysis: dict[str, Any] | None = Field(default=None, description="Latest `complaint.analyzed` payload.")
    routing: dict[str, Any] | None = Field(default=None, description="Latest `complaint.routed` payload.")
    sla: dict[str, Any] = Field(description="Regulatory clock, extensions, warnings and breaches.")
    followup: dict[str, Any] = Field(description="Surveys, feedback and satisfaction.")
    incident_ids: list[str] = Field(default_factory=list)
    plan: PlanView | None = Field(default=None, description="(added 2026-12) The handling plan (处置方案).")
    timeline: list[TimelineEntry]


class ComplaintSummary(BaseModel):
    """One row of `GET /v1/complaints`."""

    complaint_id: str
    status: str
    channel: str
    channel_ref: str
    route: str | None = None
    product_line: str | None = None
    received_at: datetime
    due_at: datetime


class ComplaintPage(BaseModel):
    """A page of complaints; pass `next_cursor` as `cursor` for the next page."""

    items: list[ComplaintSummary]
    next_cursor: str | None = None


class IncidentView(BaseModel):
    """A group (群体性) or public-opinion (舆情) incident."""

    incident_id: str
    kind: str
    status: str
    major: bool
    queue: str
    matter_key: str
    product_type: str | None = None
    cause: str | None = None
    member_count: int
    complaint_ids: list[str]
    growth_per_day: float
    opened_at: datetime
    updated_at: datetime


class IncidentPage(BaseModel):
    """A page of incidents."""

    items: list[IncidentView]
    next_cursor: str | None = None


class FieldProblem(BaseModel):
    """One invalid field."""

    field: str = Field(description="Dotted path, e.g. `customer.phone`.")
    reason: str


class Problem(BaseModel):
    """RFC 9457 problem+json."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.PROBLEM_422]})

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldProblem] | None = None
