"""Customer keys are stable and secret-bound; complaint ids sort by creation time; PII round-trips."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from tousu_intake.auth_model import ApiKey, TokenBucket, generate_key, hash_key
from tousu_intake.domain.ids import complaint_id, ulid
from tousu_intake.domain.keys import customer_key, phone_key
from tousu_intake.pii import PiiCipher

pytestmark = pytest.mark.unit
SECRET = "a-secret-of-sufficient-length"


def test_the_customer_key_is_stable_and_depends_on_the_secret() -> None:
    assert customer_key(ref="CUST-1", secret=SECRET) == customer_key(ref=" CUST-1 ", secret=SECRET)
    assert customer_key(ref="CUST-1", secret=SECRET) != customer_key(ref="CUST-2", secret=SECRET)
    assert customer_key(ref="CUST-1", secret=SECRET) != customer_key(ref="CUST-1", secret=SECRET + "x")
    expected = hmac.new(SECRET.encode(), b"CUST-1", hashlib.sha256).hexdigest()
    assert customer_key(ref="CUST-1", secret=SECRET) == expected, "plain HMAC-SHA256: reproducible elsewhere"


def test_the_same_agent_phone_gives_the_same_key_whatever_the_format() -> None:
    assert phone_key(phone="+86 138-1234-5678", secret=SECRET) == phone_key(phone="13812345678", secret=SECRET)


def test_complaint_ids_sort_by_creation_time() -> None:
    t = datetime(2026, 11, 22, 9, tzinfo=UTC)
    first = complaint_id(now=t, entropy=b"\xff" * 10)
    second = complaint_id(now=t + timedelta(milliseconds=1), entropy=b"\x00" * 10)
    assert first.startswith("TS-20261122-") and first < second
    assert len(ulid(now=t, entropy=b"\x01" * 10)) == 26


def test_personal_data_round_trips_and_survives_key_rotation() -> None:
    old = PiiCipher("old-key-0123456789")
    token = old.encrypt({"name": "张三"})
    assert "张三" not in token
    assert PiiCipher("new-key-0123456789,old-key-0123456789").decrypt(token) == {"name": "张三"}


def test_keys_are_random_and_verified_by_hash() -> None:
    (id1, k1), (id2, k2) = generate_key(), generate_key()
    assert id1 != id2 and k1 != k2 and k1.startswith("tsk_")
    assert hash_key(k1) == hash_key(k1) != hash_key(k2)


def test_admin_implies_every_scope_and_read_all() -> None:
    admin = ApiKey(key_id="a", name="a", channels=frozenset(), scopes=frozenset({"admin"}))
    reader = ApiKey(key_id="r", name="r", channels=frozenset(), scopes=frozenset({"complaints:read"}))
    assert admin.has("complaints:act") and admin.reads_all and admin.sees_personal_data
    assert reader.has("complaints:read") and not reader.reads_all and not reader.sees_personal_data


def test_the_token_bucket_allows_a_burst_then_refills_at_its_rate() -> None:
    bucket = TokenBucket(rate=2.0, burst=3)
    assert [bucket.take(now=10.0) for _ in range(3)] == [None, None, None]
    wait = bucket.take(now=10.0)
    assert wait == pytest.approx(0.5)
    assert bucket.take(now=10.6) is None
