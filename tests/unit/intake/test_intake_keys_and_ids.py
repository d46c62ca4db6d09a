"""Customer keys are stable and secret-bound; complaint ids sort by creation time; PII round-trips.

API keys (hashing, scopes, the token bucket) are tested with their module in tests/unit/shared/test_apikeys.py.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

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
