"""Events produced by the intake service on `tousu.intake.v1`."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from tousu_shared.events.base import (
    Channel,
    EventData,
    Model,
    ProductLine,
    RepresentativeKind,
)

ActionType = Literal[
    "acknowledged",
    "contacted",
    "note",
    "resolution_proposed",
    "resolved",
    "extension_requested",
    "withdrawn",
    "review_requested",
    "clock_paused",
    "clock_resumed",
]
PAUSE_REASONS = ("appraisal", "testing", "assessment", "mediation")  # 鉴定 / 检测 / 评估 / 调解 (domain §6)
Satisfaction = Literal["satisfied", "basically_satisfied", "unsatisfied"]


class MaskedCustomer(Model):
    """The complainant as other services may see them: no personal data in clear."""

    name_masked: str | None = Field(default=None, description="Name with all but one character masked, e.g. `张*`.")
    phone_masked: str | None = Field(default=None, description="Phone masked, e.g. `138****5678`.")
    id_number_masked: str | None = Field(default=None, description="ID number masked, e.g. `1101**********1234`.")
    age_band: str | None = Field(default=None, description="Age band, e.g. `65+`, `45-64`, `unknown`.")
    vulnerable: bool = Field(default=False, description="Vulnerable consumer (age ≥ 65 or flagged by the channel).")


class Product(Model):
    """The product the complaint is about."""

    line: ProductLine = Field(description="Product line.")
    type: str | None = Field(default=None, description="Free-text product type, e.g. 重疾险, 信用卡.")
    policy_or_account_masked: str | None = Field(default=None, description="Policy or account number, masked.")


class MaskedRepresentative(Model):
    """Who speaks for the complainant, masked."""

    kind: RepresentativeKind = Field(description="self, family, lawyer, agent or organisation.")
    name_masked: str | None = Field(default=None, description="Representative name, masked.")
    phone_masked: str | None = Field(default=None, description="Representative phone, masked.")
    phone_key: str | None = Field(
        default=None,
        description="Keyed HMAC of the representative phone: equal across customers when the same agent acts.",
    )


class RegulatorInfo(Model):
    """Regulator transfer details."""

    ref: str | None = Field(default=None, description="The regulator's reference number.")
    forwarded_at: datetime | None = Field(default=None, description="When the regulator forwarded it.")


class MediaInfo(Model):
    """Where the complaint is already public."""

    platform: str | None = Field(default=None, description="Platform, e.g. 微博, 抖音, 黑猫投诉.")
    url: str | None = Field(default=None, description="Link to the public post.")
    reach: int | None = Field(default=None, description="Audience reach (views, followers) if known.")


class ComplaintReceived(EventData):
    """A complaint was registered by intake (durably stored, due date assigned)."""

    event_type: ClassVar[str] = "complaint.received"
    topic_key: ClassVar[str] = "intake"

    channel: Channel = Field(description="The channel the complaint came through.")
    channel_ref: str = Field(description="The channel system's own id for this complaint.")
    received_at: datetime = Field(description="When the complaint was received (regulatory clock start).")
    due_at: datetime = Field(
        description="Regulatory decision deadline: 15 days counted as the Civil Code counts (from the day after "
        "receipt in China time, to 24:00 of the last day, a rest day moved to the next working day)."
    )
    customer: MaskedCustomer = Field(description="The complainant, masked.")
    product: Product = Field(description="The product concerned.")
    category: str | None = Field(default=None, description="Category from the channel, if any.")
    content: str = Field(description="The complaint text (personal numbers inside it are masked).")
    demands: str | None = Field(default=None, description="What the customer asks for.")
    amount_in_dispute: float | None = Field(default=None, description="Amount in dispute (CNY).")
    representative: MaskedRepresentative | None = Field(default=None, description="Representative, masked.")
    regulator: RegulatorInfo | None = Field(default=None, description="Regulator transfer details.")
    media: MediaInfo | None = Field(default=None, description="Public exposure details.")
    complainant_count: int = Field(default=1, ge=1, description="Number of people in this complaint.")


class ComplaintActionRecorded(EventData):
    """A handler recorded an action on a complaint."""

    event_type: ClassVar[str] = "complaint.action_recorded"
    topic_key: ClassVar[str] = "intake"

    action_id: str = Field(description="Unique id of this action.")
    type: ActionType = Field(description="The kind of action.")
    actor: str = Field(description="Handler id or queue.")
    occurred_at: datetime = Field(description="When the action happened.")
    cycle: int = Field(default=1, ge=1, description="Resolution cycle the action belongs to.")
    note: str | None = Field(default=None, description="Free-text note.")
    decision: str | None = Field(default=None, description="The decision (for `resolved`).")
    remedy: str | None = Field(default=None, description="The remedy granted (for `resolved`).")
    root_cause: str | None = Field(default=None, description="Root cause (for `resolved`).")
    remediation: str | None = Field(default=None, description="Remediation of the root cause (for `resolved`).")
    reason: str | None = Field(
        default=None,
        description="Reason (for `extension_requested`); for `clock_paused` one of appraisal, testing, "
        "assessment, mediation — time the regulatory clock is paused for (domain §6).",
    )
    approver: str | None = Field(default=None, description="Senior approver (second extension).")
    due_at: datetime | None = Field(
        default=None,
        description="The regulatory due date after this action (an extension, or the resume after a pause, moves it).",
    )


class ComplaintFeedbackReceived(EventData):
    """The customer's follow-up (回访) answer, or a failed contact attempt."""

    event_type: ClassVar[str] = "complaint.feedback_received"
    topic_key: ClassVar[str] = "intake"

    feedback_id: str = Field(description="Unique id of this feedback.")
    cycle: int = Field(default=1, ge=1, description="Resolution cycle the feedback answers.")
    reached: bool = Field(default=True, description="False records a failed contact attempt.")
    satisfaction: Satisfaction | None = Field(default=None, description="The answer, when reached.")
    score: int | None = Field(default=None, ge=1, le=5, description="Score 1–5.")
    comment: str | None = Field(default=None, description="The customer's comment.")
    contacted_at: datetime = Field(description="When the contact (attempt) happened.")
