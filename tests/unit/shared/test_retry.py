"""Retry classification and bounded backoff."""

from __future__ import annotations

import pytest
from pymongo.errors import ServerSelectionTimeoutError

from tousu_shared.retry import Backoff, PermanentError, RetriesExhausted, classify, retry

pytestmark = pytest.mark.unit
FAST = Backoff(base_s=0.001, max_s=0.002)


def test_errors_are_classified_by_whose_fault_they_are() -> None:
    assert classify(PermanentError("bad")) == "permanent"
    assert classify(ServerSelectionTimeoutError("down")) == "infrastructure"
    assert classify(RuntimeError("flaky")) == "transient"


async def test_transient_errors_are_retried_then_given_up() -> None:
    calls = 0

    async def flaky() -> None:
        nonlocal calls
        calls += 1
        raise RuntimeError("flaky")

    with pytest.raises(RetriesExhausted) as info:
        await retry(flaky, attempts=3, backoff=FAST)
    assert calls == 3
    assert info.value.attempts == 3


async def test_infrastructure_errors_are_waited_out_beyond_the_attempt_budget() -> None:
    calls = 0

    async def recovers_late() -> str:
        nonlocal calls
        calls += 1
        if calls < 6:
            raise ServerSelectionTimeoutError("db down")
        return "ok"

    assert await retry(recovers_late, attempts=2, backoff=FAST) == "ok"
    assert calls == 6


async def test_permanent_errors_are_not_retried() -> None:
    calls = 0

    async def bad() -> None:
        nonlocal calls
        calls += 1
        raise PermanentError("invalid")

    with pytest.raises(PermanentError):
        await retry(bad, attempts=5, backoff=FAST)
    assert calls == 1


def test_backoff_grows_and_is_capped() -> None:
    backoff = Backoff(base_s=0.1, max_s=1.0)
    assert 0.05 <= backoff.delay(1) <= 0.1
    assert 0.5 <= backoff.delay(30) <= 1.0
