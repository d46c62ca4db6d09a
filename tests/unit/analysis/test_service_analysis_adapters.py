"""Pure parts of the analysis adapters: the stored document shape and the widening look-up windows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tousu_analysis.adapters.documents import history_item_of, pack_minhash, unpack_minhash
from tousu_analysis.adapters.templates import MATTER_SPANS, window_starts

pytestmark = pytest.mark.unit

T0 = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)


def test_minhash_values_round_trip_in_four_bytes_each() -> None:
    values = [0, 1, 2**32 - 1, 123456789]
    packed = pack_minhash(values)
    assert len(packed) == 16
    assert unpack_minhash(packed) == values
    assert unpack_minhash(None) is None


def test_minhash_values_wider_than_32_bits_are_refused() -> None:
    with pytest.raises(ValueError, match="32 bits"):
        pack_minhash([2**40])


def test_a_stored_item_comes_back_with_its_facts_applied_in_time_order() -> None:
    doc = {
        "_id": "C-1",
        "received_at": T0,
        "band_keys": ["b00:aa", "b01:bb"],
        "item": {"channel": "app", "product_line": "banking", "cause": "fees", "ladder_rank": 2},
        "facts": [
            {"kind": "action", "occurred_at": T0 + timedelta(days=9), "action_type": "resolved", "remediation": "改"},
            {"kind": "feedback", "occurred_at": T0 + timedelta(days=3), "satisfaction": "unsatisfied"},
            {"kind": "reopen", "occurred_at": T0 + timedelta(days=4)},
            {"kind": "action", "occurred_at": T0 + timedelta(days=2), "action_type": "resolved"},
        ],
    }
    item = history_item_of(doc)
    assert item.complaint_id == "C-1"
    assert item.signature == ["b00:aa", "b01:bb"]
    assert (item.unsatisfied_followups, item.reopens, item.remediated) == (1, 1, True)


def test_a_look_up_widens_from_the_newest_window_to_the_whole_one() -> None:
    starts = window_starts(since=T0 - timedelta(days=7), until=T0, spans=MATTER_SPANS)
    assert starts == [T0 - timedelta(hours=6), T0 - timedelta(days=7)]


def test_a_short_window_is_read_once() -> None:
    assert window_starts(since=T0 - timedelta(hours=5), until=T0, spans=MATTER_SPANS) == [T0 - timedelta(hours=5)]
    assert window_starts(since=T0 - timedelta(days=365), until=T0, spans=()) == [T0 - timedelta(days=365)]
