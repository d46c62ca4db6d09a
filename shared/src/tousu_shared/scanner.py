"""The loop behind every stored deadline: claim one due item at a time, fire it, back off on errors.

Deadlines (SLA clocks, follow-up due dates) are documents with an indexed `next_due_at`.
A subclass claims one due document atomically (`find_one_and_update` with a lease), fires
it and releases the claim, so a restart loses no timer and two instances never fire the
same timer twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from tousu_shared.logging import get_logger
from tousu_shared.retry import Backoff

T = TypeVar("T")
log = get_logger("tousu.scanner")


class DueScanner(ABC, Generic[T]):
    """Scan until cancelled; a failed pass backs off and loses nothing (the deadlines are data)."""

    def __init__(
        self,
        *,
        name: str,
        now: Callable[[], datetime],
        interval_s: float,
        batch: int,
        lease_s: float,
        gauge_interval_s: float,
    ) -> None:
        self._name, self._now = name, now
        self._interval, self._batch, self._lease = interval_s, batch, timedelta(seconds=lease_s)
        self._gauge_interval, self._gauges_at = gauge_interval_s, 0.0
        self.owner = f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"
        self._nudged = asyncio.Event()

    def notify(self) -> None:
        """Scan now instead of after the idle pause (something due was just stored)."""
        self._nudged.set()

    @abstractmethod
    async def claim(self, *, now: datetime, owner: str, lease: timedelta) -> T | None:
        """Atomically claim one item due at `now`, or None when nothing is due."""

    @abstractmethod
    async def fire(self, item: T, *, now: datetime) -> None:
        """Act on a claimed item and release its claim."""

    async def refresh_gauges(self) -> None:
        """Update gauges (called at most every `gauge_interval_s`)."""

    async def run(self) -> None:
        """Scan until cancelled."""
        failures = 0
        while True:
            try:
                claimed = await self.scan_once()
                failures = 0
            except Exception as exc:
                failures += 1
                log.warning(f"{self._name} scan failed", error=f"{type(exc).__name__}: {exc}"[:300], failures=failures)
                await asyncio.sleep(Backoff(self._interval, 30.0).delay(min(failures, 8)))
                continue
            if claimed < self._batch:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._nudged.wait(), self._interval)
                self._nudged.clear()

    async def scan_once(self) -> int:
        """Handle up to `batch` due items; return how many were claimed."""
        claimed = 0
        while claimed < self._batch:
            now = self._now()
            item = await self.claim(now=now, owner=self.owner, lease=self._lease)
            if item is None:
                break
            claimed += 1
            await self.fire(item, now=now)
        if time.monotonic() - self._gauges_at >= self._gauge_interval:
            self._gauges_at = time.monotonic()
            await self.refresh_gauges()
        return claimed
