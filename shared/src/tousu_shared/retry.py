"""Error classification and bounded retry with exponential backoff (never a tight re-seek loop)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from aiokafka.errors import KafkaError
from pydantic import ValidationError
from pymongo.errors import ConnectionFailure, NetworkTimeout, ServerSelectionTimeoutError

from tousu_shared.codec import MalformedRecord

T = TypeVar("T")


class PermanentError(Exception):
    """The event itself is wrong (bad payload, impossible state): dead-letter it, do not retry."""


class ConcurrentChange(Exception):
    """A document kept changing between read and revision-checked write (transient: retried with backoff)."""


INFRASTRUCTURE_ERRORS: tuple[type[BaseException], ...] = (
    ConnectionFailure,
    ServerSelectionTimeoutError,
    NetworkTimeout,
    KafkaError,
    TimeoutError,
    ConnectionError,
)


def classify(exc: BaseException) -> str:
    """'permanent' (dead-letter now), 'infrastructure' (wait for the dependency) or 'transient'."""
    if isinstance(exc, PermanentError | MalformedRecord | ValidationError):
        return "permanent"
    if isinstance(exc, INFRASTRUCTURE_ERRORS):
        return "infrastructure"
    return "transient"


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter, capped."""

    base_s: float = 0.2
    max_s: float = 5.0

    def delay(self, attempt: int) -> float:
        """Delay before retry number `attempt` (1-based)."""
        ceiling = min(self.max_s, self.base_s * 2.0 ** (attempt - 1))
        return float(ceiling / 2 + random.uniform(0, ceiling / 2))


class RetriesExhausted(Exception):
    """A transient error persisted past the attempt budget."""

    def __init__(self, attempts: int, last: BaseException) -> None:
        super().__init__(f"gave up after {attempts} attempts: {type(last).__name__}: {last}")
        self.attempts = attempts
        self.last = last


async def retry(
    operation: Callable[[], Awaitable[T]],
    *,
    attempts: int,
    backoff: Backoff,
    on_retry: Callable[[str, int, BaseException], None] | None = None,
) -> T:
    """Run `operation`; retry transient errors up to `attempts`, infrastructure errors until it recovers.

    Permanent errors propagate at once. Infrastructure errors (database or broker unreachable)
    are not the message's fault, so they are retried without limit with capped backoff: every
    other message would fail the same way. Cancellation always propagates.
    """
    attempt = 0
    while True:
        attempt += 1
        try:
            return await operation()
        except Exception as exc:
            kind = classify(exc)
            if kind == "permanent":
                raise
            if kind == "transient" and attempt >= attempts:
                raise RetriesExhausted(attempt, exc) from exc
            if on_retry is not None:
                on_retry(kind, attempt, exc)
            await asyncio.sleep(backoff.delay(min(attempt, 16)))
