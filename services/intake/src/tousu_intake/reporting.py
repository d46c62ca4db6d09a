"""The report use case: resolve the period, aggregate the read model, roll it up."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from tousu_intake.adapters.reports import ReportRepository
from tousu_intake.domain.period import period
from tousu_intake.domain.report import summarize


class Reports:
    """Builds the periodic report (投诉处理工作分析报告) from the read model."""

    def __init__(self, *, repository: ReportRepository, clock: Callable[[], datetime]) -> None:
        self._repository = repository
        self._clock = clock

    async def summary(self, *, start: str | None, end: str | None) -> dict[str, Any]:
        """The report of complaints received in the period (default: the last 30 days)."""
        now = self._clock()
        lower, upper = period(start=start, end=end, now=now)
        facts = await self._repository.facts(start=lower, end=upper)
        return summarize(facts, start=lower, end=upper, generated_at=now)
