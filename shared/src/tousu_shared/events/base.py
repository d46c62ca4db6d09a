"""Common building blocks of every event payload (the CloudEvents `data`)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

Channel = Literal[
    "hotline",
    "app",
    "web",
    "wechat",
    "branch",
    "letter",
    "email",
    "regulator_transfer",
    "hotline_12378",
    "social_media",
    "other",
]
ProductLine = Literal["insurance", "banking", "wealth", "payment", "other"]
RepresentativeKind = Literal["self", "family", "lawyer", "agent", "organisation"]
Level = Literal["low", "medium", "high", "critical"]
Band = Literal["low", "medium", "high"]


class Model(BaseModel):
    """Strict wire model: unknown fields are rejected, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class EventData(Model):
    """Base of every event payload; subclasses name their CloudEvents type."""

    event_type: ClassVar[str]
    topic_key: ClassVar[str]

    complaint_id: str = Field(description="The complaint this event is about (also `ce_subject`).")
    customer_key: str = Field(description="Keyed HMAC-SHA256 of the customer's ref; the Kafka message key.")


class Evidence(Model):
    """Why a signal fired: a text span, an intake field, or a history fact."""

    kind: Literal["text", "field", "history"] = Field(description="What the evidence points at.")
    start: int | None = Field(default=None, description="Start offset (characters) into `content` for `text` evidence.")
    end: int | None = Field(default=None, description="End offset (exclusive) into `content` for `text` evidence.")
    text: str | None = Field(default=None, description="The matched text, for `text` evidence.")
    field: str | None = Field(default=None, description="The intake field, for `field` evidence.")
    fact: str | None = Field(default=None, description="A history fact, for `history` evidence.")


class TimeStamped(Model):
    """Mixin-like base for payloads that record when the fact happened."""

    occurred_at: datetime = Field(description="When the fact happened (RFC 3339).")
