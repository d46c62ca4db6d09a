"""The regulatory deadline as escalation's clock policy gives it (`complaint.deadline_set` on `tousu.escalation.v1`)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from tousu_shared.events.base import EventData

DeadlineChange = Literal["started", "extended", "paused", "resumed", "restarted", "reopened"]


class ComplaintDeadlineSet(EventData):
    """The regulatory decision deadline of the complaint's current cycle was set or changed by escalation's clock:
    started at routing, extended, paused, resumed, restarted on new facts (a same-matter complaint merged into
    this one) or started again on a reopen. It supersedes the `due_at` intake answered on receipt; per
    complaint the newest `set_at` wins. (added 2026-12)"""

    event_type: ClassVar[str] = "complaint.deadline_set"
    topic_key: ClassVar[str] = "escalation"

    cycle: int = Field(ge=1, description="Resolution cycle whose regulatory clock this is.")
    change: DeadlineChange = Field(
        description="What set it: started (first routing), extended, paused, resumed, restarted (new facts), "
        "reopened (new cycle)."
    )
    due_at: datetime = Field(
        description="The regulatory deadline (decision and notice due). While paused: as it stood at the pause; "
        "the resume moves it by the paused time."
    )
    started_at: datetime = Field(
        description="Start of the period: the receipt, the receipt of the new facts, or the reopen."
    )
    days: int | None = Field(
        default=None, ge=1, description="Length of the period in days after the extensions, e.g. 15, 30, 60."
    )
    extensions: int = Field(ge=0, description="Extensions granted in this period (a restart starts again at 0).")
    paused: bool = Field(description="True while the clock is paused (appraisal, testing, assessment, mediation).")
    paused_at: datetime | None = Field(default=None, description="When the current pause began; null when running.")
    paused_seconds: float = Field(
        ge=0, description="Paused time excluded so far (completed pauses; the current one counts on resume)."
    )
    counting: Literal["civil_code", "elapsed"] = Field(
        description="How the policy counts the days: civil_code (Civil Code arts. 201/203) or elapsed (wall time)."
    )
    basis: Literal["calendar", "working"] = Field(description="Calendar days or official working days.")
    restarted_by: str | None = Field(
        default=None, description="For `restarted`: the same-matter complaint whose new facts restarted the clock."
    )
    policy_version: str = Field(description="Version of the clock policy that counted it.")
    set_at: datetime = Field(description="When escalation set it (also `ce_time`).")
