"""The one deadline-scanning loop: claim a case past its no-response deadline, close it, release the claim."""

from __future__ import annotations

from datetime import datetime, timedelta

from tousu_followup.domain import lifecycle as lc
from tousu_followup.domain.rules import FollowupRules
from tousu_followup.metrics import FollowupMetrics
from tousu_followup.ports import Clock, DeadlineCases, Stored
from tousu_followup.service import FollowupService
from tousu_shared.scanner import DueScanner


class DeadlineScanner(DueScanner[Stored]):
    """Safe with several instances: a claim (lease) plus a revision check mean a deadline fires once."""

    def __init__(
        self,
        *,
        cases: DeadlineCases,
        service: FollowupService,
        rules: FollowupRules,
        metrics: FollowupMetrics,
        now: Clock,
        interval_s: float,
        batch: int,
        lease_s: float,
        gauge_interval_s: float,
    ) -> None:
        super().__init__(
            name="deadline",
            now=now,
            interval_s=interval_s,
            batch=batch,
            lease_s=lease_s,
            gauge_interval_s=gauge_interval_s,
        )
        self._cases, self._service, self._rules, self._metrics = cases, service, rules, metrics

    async def claim(self, *, now: datetime, owner: str, lease: timedelta) -> Stored | None:
        """Claim one case past its deadline."""
        return await self._cases.claim_due(now=now, owner=owner, lease=lease)

    async def fire(self, stored: Stored, *, now: datetime) -> None:
        """Close the case as the rules say (no response, unreachable); release the claim."""
        decision = lc.expire(stored.case, rules=self._rules, now=now)
        cause = f"deadline:{stored.case.cycle}:{stored.rev}"
        if not await self._service.commit(stored, decision=decision, cause=cause, release_claim=True):
            await self._cases.release(complaint_id=stored.case.complaint_id, owner=self.owner)  # changed meanwhile

    async def refresh_gauges(self) -> None:
        """Surveys due and overdue."""
        now = self._now()
        self._metrics.due.set(await self._cases.count_due(now=now))
        self._metrics.overdue.set(await self._cases.count_overdue(now=now))
