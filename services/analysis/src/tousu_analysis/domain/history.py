"""A customer's complaint history (keyed by customer_key): what repeat risk is computed from."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tousu_shared.events import ComplaintAnalyzed

Satisfaction = Literal["satisfied", "basically_satisfied", "unsatisfied"]


class HistoryItem(BaseModel):
    """One earlier complaint of this customer, as the analysis service stores it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    complaint_id: str = Field(description="The earlier complaint.")
    received_at: datetime = Field(description="When it was received.")
    channel: str = Field(description="Intake channel.")
    product_line: str = Field(description="Product line.")
    product_type: str | None = Field(default=None, description="Normalised product type.")
    cause: str = Field(description="Cause category.")
    contract_key: str | None = Field(default=None, description="Digest of the masked policy/account.")
    signature: list[str] = Field(default_factory=list, description="LSH band keys of its text.")
    emotion_intensity: float = Field(default=0.0, ge=0.0, le=1.0, description="Emotion 0..1.")
    ladder_rank: int = Field(default=1, description="Escalation-ladder rank (channel or pressure).")
    third_party: bool = Field(default=False, description="A professional agent was involved.")
    unsatisfied_followups: int = Field(default=0, ge=0, description="Unsatisfied follow-up answers.")
    reopens: int = Field(default=0, ge=0, description="Times it was reopened.")
    decisions_not_accepted: int = Field(default=0, ge=0, description="Review requests after a decision.")
    remediated: bool | None = Field(default=None, description="Root cause remediated at closure.")


class CustomerHistory(BaseModel):
    """This customer's earlier complaints (any order; the analysis sorts and filters)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    customer_key: str = Field(description="Keyed HMAC of the customer's ref.")
    items: list[HistoryItem] = Field(default_factory=list, description="Earlier complaints.")


def ladder_rank(*, channel: str, signals: list[str], ladder: dict[str, int], pressure: dict[str, int]) -> int:
    """Highest escalation-ladder rank reached: channel, or outside pressure named in the text."""
    ranks = [ladder.get(channel, 1), *(pressure.get(s, 0) for s in signals)]
    return max(ranks)


def history_item_from(analysis: ComplaintAnalyzed, *, ladder_rank_value: int | None = None) -> HistoryItem:
    """What the service stores per analysed complaint, to feed the customer's later analyses."""
    names = [s.name for s in analysis.signals]
    return HistoryItem(
        complaint_id=analysis.complaint_id,
        received_at=analysis.received_at,
        channel=analysis.channel,
        product_line=analysis.matter.product_line,
        product_type=analysis.matter.product_type,
        cause=analysis.matter.cause,
        contract_key=analysis.matter.contract_key,
        signature=list(analysis.matter.signature),
        emotion_intensity=analysis.emotion_intensity or 0.0,
        ladder_rank=ladder_rank_value if ladder_rank_value is not None else _rank_of(analysis),
        third_party="agent_involved" in names,
    )


def _rank_of(analysis: ComplaintAnalyzed) -> int:
    for factor in analysis.repeat_risk.factors:
        if factor.factor == "ladder_rank":
            return int(factor.value)
    return 1


def with_feedback(item: HistoryItem, *, satisfaction: Satisfaction | None) -> HistoryItem:
    """The item after a follow-up answer (an unsatisfied answer counts against the outcome)."""
    if satisfaction != "unsatisfied":
        return item
    return item.model_copy(update={"unsatisfied_followups": item.unsatisfied_followups + 1})


def with_reopen(item: HistoryItem) -> HistoryItem:
    """The item after `complaint.reopened`."""
    return item.model_copy(update={"reopens": item.reopens + 1})


def with_action(item: HistoryItem, *, action_type: str, remediation: str | None = None) -> HistoryItem:
    """The item after a handler action: a review request is a decision not accepted."""
    if action_type == "review_requested":
        return item.model_copy(update={"decisions_not_accepted": item.decisions_not_accepted + 1})
    if action_type == "resolved":
        return item.model_copy(update={"remediated": bool(remediation and remediation.strip())})
    return item
