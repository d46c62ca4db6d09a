"""The audit trail's pure parts: which fields a view disclosed, and the per-writer hash chain that shows tampering."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from tousu_intake.domain.audit import Chain, disclosed_fields, entry_hash, verify

pytestmark = pytest.mark.unit
AT = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


def chain_of(count: int) -> list[dict[str, object]]:
    chain = Chain("intake-test")
    return [chain.link({"_id": f"AUD-{n}", "at": AT, "action": "admin.used", "fields": []}) for n in range(count)]


def test_only_the_personal_fields_present_in_clear_are_named() -> None:
    view = {
        "customer": {"ref": "C1", "name": "王伟", "phone": None, "id_number": "110101199001011234", "age_band": "60+"},
        "representative": None,
        "product": {"line": "banking", "policy_or_account": ""},
        "content": "投诉内容",
        "demands": None,
    }
    assert disclosed_fields(view) == ["customer.ref", "customer.name", "customer.id_number", "content"]


def test_a_whole_chain_verifies() -> None:
    links = chain_of(4)
    assert [e["seq"] for e in links] == [0, 1, 2, 3] and links[0]["prev"] == ""
    assert all(b["prev"] == a["hash"] for a, b in itertools.pairwise(links))
    assert verify(reversed(links)) == [], "order of reading does not matter"


def test_an_altered_entry_is_reported() -> None:
    links = chain_of(3)
    links[1] = {**links[1], "fields": ["customer.id_number"]}
    assert verify(links) == ["chain intake-test entry AUD-1: its content does not match its hash (altered)"]


def test_a_removed_entry_is_reported() -> None:
    links = chain_of(3)
    assert verify([links[0], links[2]]) == ["chain intake-test: entry seq 1 is missing (removed?)"]


def test_a_resealed_entry_still_breaks_the_link_after_it() -> None:
    links = chain_of(3)
    forged = {**links[1], "key_id": "key_someone_else"}
    forged["hash"] = entry_hash(forged)
    problems = verify([links[0], forged, links[2]])
    assert problems == ["chain intake-test entry AUD-2: does not follow the entry before it"]


def test_the_hash_reads_back_equal_from_a_store_without_time_zones() -> None:
    [entry] = chain_of(1)
    naive = {**entry, "at": AT.replace(tzinfo=None)}
    assert entry_hash(naive) == entry["hash"]
