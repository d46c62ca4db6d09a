"""The one API-key module: hashing, bearer parsing, scopes, the brief key cache and the per-key token bucket."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from tousu_shared.apikeys import (
    CHANNELS,
    SCOPES,
    ApiKey,
    TokenBucket,
    bearer_secret,
    dev_key,
    generate_key,
    hash_key,
)
from tousu_shared.auth import Authenticator, RateLimited, Unauthorized

pytestmark = pytest.mark.unit
SECRET = "tsk_a_secret_for_the_tests"
READER = ApiKey(key_id="key_r", name="r", channels=frozenset({"app"}), scopes=frozenset({"complaints:read"}))


@dataclass
class FakeKeys:
    """An in-memory key store that counts its lookups."""

    keys: dict[str, ApiKey] = field(default_factory=dict)
    lookups: int = 0

    async def by_hash(self, key_hash: str) -> ApiKey | None:
        self.lookups += 1
        return self.keys.get(key_hash)


@dataclass
class FakeClock:
    """Monotonic seconds the test moves."""

    at: float = 1000.0

    def __call__(self) -> float:
        return self.at


def authenticator(keys: FakeKeys, clock: FakeClock, *, rate: float = 100.0, burst: int = 100) -> Authenticator:
    return Authenticator(keys=keys, rate_per_s=rate, burst=burst, cache_s=5.0, clock=clock)


def test_keys_are_random_and_verified_by_their_sha256() -> None:
    (id1, k1), (id2, k2) = generate_key(), generate_key()
    assert id1 != id2 and k1 != k2 and k1.startswith("tsk_") and id1.startswith("key_")
    assert hash_key(k1) == hash_key(k1) != hash_key(k2)
    assert hash_key("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


@pytest.mark.parametrize(
    ("header", "secret"),
    [
        ("Bearer tsk_x", "tsk_x"),
        ("bearer   tsk_x  ", "tsk_x"),
        ("BEARER tsk_x", "tsk_x"),
        (None, None),
        ("", None),
        ("Bearer", None),
        ("Bearer    ", None),
        ("Basic dXNlcjpwYXNz", None),
        ("tsk_no_scheme", None),
    ],
)
def test_only_a_bearer_header_with_a_secret_yields_one(header: str | None, secret: str | None) -> None:
    assert bearer_secret(header) == secret


def test_admin_implies_every_scope_and_reading_everything() -> None:
    admin = ApiKey(key_id="a", name="a", channels=frozenset(), scopes=frozenset({"admin"}))
    auditor = ApiKey(key_id="x", name="x", channels=frozenset(), scopes=frozenset({"complaints:read"}), read_all=True)
    assert admin.has("complaints:act") and admin.reads_all and admin.sees_personal_data
    assert READER.has("complaints:read") and not READER.reads_all and not READER.sees_personal_data
    assert admin.visible_channels is None and auditor.visible_channels is None, "they see every channel"
    assert READER.visible_channels == frozenset({"app"})


def test_the_dev_key_has_every_scope_and_channel() -> None:
    key = dev_key()
    assert (key.key_id, key.reads_all) == ("key_dev", True)
    assert (key.scopes, key.channels) == (frozenset(SCOPES), frozenset(CHANNELS))


def test_the_token_bucket_allows_a_burst_then_refills_at_its_rate() -> None:
    bucket = TokenBucket(rate=2.0, burst=3)
    assert [bucket.take(now=10.0) for _ in range(3)] == [None, None, None]
    assert bucket.take(now=10.0) == pytest.approx(0.5)
    assert bucket.take(now=10.6) is None
    assert bucket.take(now=1000.0) is None and bucket.tokens == pytest.approx(2.0), "refills up to the burst only"


async def test_a_missing_unknown_or_revoked_key_is_unauthorized() -> None:
    revoked = ApiKey(key_id="key_x", name="x", channels=frozenset(), scopes=frozenset(), revoked=True)
    auth = authenticator(FakeKeys({hash_key("tsk_revoked"): revoked}), FakeClock())
    for header in (None, "Basic abc", "Bearer tsk_unknown", "Bearer tsk_revoked"):
        with pytest.raises(Unauthorized):
            await auth.authenticate(header)


async def test_a_verified_key_is_cached_until_the_cache_time_passes() -> None:
    keys, clock = FakeKeys({hash_key(SECRET): READER}), FakeClock()
    auth = authenticator(keys, clock)
    assert await auth.authenticate(f"Bearer {SECRET}") == READER
    clock.at += 4.9
    await auth.authenticate(f"Bearer {SECRET}")
    assert keys.lookups == 1, "within the cache time the store is not asked again"
    keys.keys.clear()  # revoked/deleted in the store: seen once the cached entry expires
    clock.at += 0.2
    with pytest.raises(Unauthorized):
        await auth.authenticate(f"Bearer {SECRET}")
    assert keys.lookups == 2


async def test_each_key_has_its_own_rate_limit_with_the_wait_until_the_next_token() -> None:
    other = ApiKey(key_id="key_o", name="o", channels=frozenset(), scopes=frozenset({"complaints:read"}))
    keys, clock = FakeKeys({hash_key(SECRET): READER, hash_key("tsk_other"): other}), FakeClock()
    auth = authenticator(keys, clock, rate=0.5, burst=2)
    for _ in range(2):
        await auth.authenticate(f"Bearer {SECRET}")
    with pytest.raises(RateLimited) as limited:
        await auth.authenticate(f"Bearer {SECRET}")
    assert limited.value.retry_after_s == pytest.approx(2.0)
    assert await auth.authenticate("Bearer tsk_other") == other, "the limit is per key"
    clock.at += 2.0
    assert await auth.authenticate(f"Bearer {SECRET}") == READER
