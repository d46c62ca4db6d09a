"""Key expiry and rotation as the authenticator sees them: refused on time even from the cache, with a reason."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tousu_shared.apikeys import ApiKey, hash_key
from tousu_shared.auth import Authenticator, Unauthorized
from tousu_tools.moments import parse_duration, parse_moment

pytestmark = pytest.mark.unit
NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
KEY = ApiKey(key_id="key_r", name="r", channels=frozenset({"app"}), scopes=frozenset({"complaints:read"}))


class OneKey:
    """A store holding one key under the hash of `tsk_secret`."""

    def __init__(self, key: ApiKey) -> None:
        self.key = key

    async def by_hash(self, key_hash: str) -> ApiKey | None:
        return self.key if key_hash == hash_key("tsk_secret") else None


def test_a_key_without_expiry_is_never_refused_for_time() -> None:
    assert KEY.refusal(now=NOW + timedelta(days=10_000)) is None


def test_a_key_is_refused_from_its_expiry_on() -> None:
    key = replace(KEY, expires_at=NOW)
    assert key.refusal(now=NOW - timedelta(seconds=1)) is None
    assert key.refusal(now=NOW) == f"this API key expired at {NOW.isoformat()}"


def test_a_rotated_away_secret_says_so_once_its_grace_is_over() -> None:
    old = replace(KEY, expires_at=NOW, superseded=True)
    assert old.refusal(now=NOW - timedelta(minutes=1)) is None
    assert "rotated" in (old.refusal(now=NOW) or "") and "use the new secret" in (old.refusal(now=NOW) or "")


def test_revocation_wins_over_everything() -> None:
    assert replace(KEY, revoked=True).refusal(now=NOW) == "unknown or revoked API key"


async def test_the_authenticator_refuses_a_cached_key_once_it_expires() -> None:
    wall = [NOW - timedelta(seconds=1)]
    auth = Authenticator(
        keys=OneKey(replace(KEY, expires_at=NOW)), rate_per_s=100, burst=100, cache_s=3600, now=lambda: wall[0]
    )
    assert (await auth.authenticate("Bearer tsk_secret")).key_id == "key_r"
    wall[0] = NOW
    with pytest.raises(Unauthorized) as refused:
        await auth.authenticate("Bearer tsk_secret")
    assert refused.value.reason == "expired"


@pytest.mark.parametrize(
    ("text", "expected"), [("30m", timedelta(minutes=30)), ("24h", timedelta(hours=24)), ("2w", timedelta(days=14))]
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "1.5h", "24", "h", "-1d", "1y"])
def test_not_durations(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


def test_moments_from_durations_days_and_rfc3339() -> None:
    assert parse_moment("90d", now=NOW, ago=False) == NOW + timedelta(days=90)
    assert parse_moment("24h", now=NOW, ago=True) == NOW - timedelta(hours=24)
    assert parse_moment("2027-03-01", now=NOW, ago=False) == datetime(2027, 2, 28, 16, 0, tzinfo=UTC), "China day"
    assert parse_moment("2027-03-01T08:00:00+08:00", now=NOW, ago=False) == datetime(2027, 3, 1, 0, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="offset"):
        parse_moment("2027-03-01T08:00:00", now=NOW, ago=False)
