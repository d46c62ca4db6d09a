"""The CloudEvents 1.0 envelope around every payload (Kafka binary mode)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from tousu_shared.events.base import EventData

T = TypeVar("T", bound=EventData)

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"


class Envelope(BaseModel, Generic[T]):
    """A CloudEvent: the attributes travel as `ce_*` headers, `data` as the JSON value."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="`ce_id`: unique and stable across re-deliveries.")
    source: str = Field(description="`ce_source`: the producing service, e.g. `tousu/intake`.")
    type: str = Field(description="`ce_type`: the event type, e.g. `complaint.received`.")
    time: datetime = Field(description="`ce_time`: when the fact happened.")
    subject: str = Field(description="`ce_subject`: the complaint id.")
    specversion: str = Field(default=SPEC_VERSION, description="`ce_specversion`: 1.0.")
    data: T = Field(description="The payload.")

    @property
    def key(self) -> str:
        """The Kafka message key: the customer key, so a customer's events stay ordered."""
        return self.data.customer_key

    @classmethod
    def wrap(
        cls,
        data: T,
        *,
        source: str,
        event_id: str | None = None,
        time: datetime | None = None,
    ) -> Envelope[T]:
        """Wrap a payload with fresh (or given) id and time."""
        return cls(
            id=event_id or str(uuid.uuid4()),
            source=source,
            type=data.event_type,
            time=time or datetime.now(UTC),
            subject=data.complaint_id,
            data=data,
        )
