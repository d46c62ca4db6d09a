"""A reopen starts a new regulatory clock in intake's view, as escalation starts one for the new cycle."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tousu_intake.projection import new_cycle_clock
from tousu_shared.deadlines import regulatory_due_at

pytestmark = pytest.mark.unit
CST = timezone(timedelta(hours=8))


def test_a_reopen_restarts_the_regulatory_clock_from_the_reopen_with_no_extensions_or_pause() -> None:
    reopen = datetime(2026, 12, 4, 10, tzinfo=CST)  # Fri: last day Sat 19 Dec → Mon 21 Dec, to 24:00
    fields = new_cycle_clock(started_at=reopen)
    assert (fields["clock_started_at"], fields["due_at"]) == (reopen, datetime(2026, 12, 22, tzinfo=CST))
    assert fields["due_at"] == regulatory_due_at(started_at=reopen)
    assert (fields["extensions"], fields["clock_paused"], fields["clock_paused_seconds"]) == (0, False, 0.0)
    assert fields["clock_paused_at"] is None
