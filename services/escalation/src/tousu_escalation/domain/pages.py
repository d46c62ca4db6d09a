"""Pages to the on-call queues, pure: which queues are paged, a page's id from its cause, retry scheduling."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict

from tousu_shared.clock import stable_event_id

PageKind = Literal["routed", "incident_opened", "incident_major", "sla_breached"]
PAGE_SOURCE = "tousu/escalation/page"


class Page(BaseModel):
    """One page: what happened, for which queue, and the JSON body the receiver gets."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    page_id: str
    kind: PageKind
    queue: str
    complaint_id: str
    customer_key: str
    body: str
    created_at: datetime


def page_id(*, kind: PageKind, cause: str) -> str:
    """The page's id from the id of the event that caused it: re-processing the same input gives the same id."""
    return stable_event_id(PAGE_SOURCE, kind, cause)


@dataclass(frozen=True)
class PageRules:
    """Which queues are paged: those with a webhook URL (`*` pages every queue); none when paging is off."""

    queues: frozenset[str]

    def pages(self, queue: str | None) -> bool:
        """Whether a page for this queue would be sent anywhere."""
        return bool(queue) and (queue in self.queues or "*" in self.queues)

    def page(
        self,
        *,
        kind: PageKind,
        queue: str | None,
        complaint_id: str,
        customer_key: str,
        body: str,
        cause: str,
        now: datetime,
    ) -> list[Page]:
        """The page to store with the change that caused it (none when the queue is not paged)."""
        if not queue or not self.pages(queue):
            return []
        pid = page_id(kind=kind, cause=cause)
        return [
            Page(
                page_id=pid,
                kind=kind,
                queue=queue,
                complaint_id=complaint_id,
                customer_key=customer_key,
                body=body,
                created_at=now,
            )
        ]


@dataclass(frozen=True)
class Retry:
    """Try again at `at`."""

    at: datetime


@dataclass(frozen=True)
class GiveUp:
    """The attempt budget is spent: dead-letter the page."""


@dataclass(frozen=True)
class RetrySchedule:
    """Bounded attempts with exponential backoff (capped, jittered like `tousu_shared.retry.Backoff`)."""

    attempts: int
    base_s: float
    max_s: float

    def delay(self, attempt: int, *, jitter: float) -> timedelta:
        """The pause after failed attempt number `attempt` (1-based); `jitter` in [0, 1] picks within the upper half."""
        ceiling = min(self.max_s, self.base_s * 2.0 ** (min(attempt, 62) - 1))
        return timedelta(seconds=ceiling / 2 + jitter * ceiling / 2)

    def after_failure(self, *, attempts: int, now: datetime, jitter: float) -> Retry | GiveUp:
        """What follows the `attempts`-th failed attempt."""
        if attempts >= self.attempts:
            return GiveUp()
        return Retry(at=now + self.delay(attempts, jitter=jitter))

    def exhausted(self, attempts: int) -> bool:
        """No attempt left (a give-up that was interrupted is finished without sending again)."""
        return attempts >= self.attempts
