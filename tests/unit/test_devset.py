"""The labelled sets of our own are well-formed: intake accepts every body, labels use the samples' vocabulary.

`devset.jsonl` is the development set; `holdout.jsonl` and `blind2.jsonl` were written blind (from
domain.md only, without reading the rules) to measure how the rules generalise; blind2 has one complaint
per customer, so no group or entangled route.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.support.samples import samples_path
from tousu_intake.schemas import ComplaintCreate

pytestmark = pytest.mark.unit

DATA = Path(__file__).resolve().parents[1] / "data"
MINIMUM = {"devset.jsonl": 120, "holdout.jsonl": 100, "blind2.jsonl": 100}
ROUTES = {
    "safety",
    "public_opinion",
    "group",
    "petition",
    "regulator",
    "legal",
    "professional_agent",
    "entangled",
    "standard",
}
EXPECT_KEYS = {"route", "flags", "repeat_band", "profile", "cause", "scenario"}


def _read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module", params=sorted(MINIMUM))
def devset(request: pytest.FixtureRequest) -> list[dict[str, Any]]:
    records = _read(DATA / request.param)
    assert len(records) >= MINIMUM[request.param]
    return records


def _routes_expected(records: list[dict[str, Any]]) -> set[str]:
    one_each = len({r["body"]["customer"]["ref"] for r in records}) == len(records)
    return ROUTES - {"group", "entangled"} if one_each else ROUTES


@pytest.fixture(scope="module")
def vocabulary() -> dict[str, set[str]]:
    """Every label value the labelled samples use, per field."""
    expects = [r["expect"] for r in _read(samples_path())]
    return {
        "route": {e["route"] for e in expects},
        "flags": {f for e in expects for f in e["flags"]},
        "repeat_band": {e["repeat_band"] for e in expects},
        "profile": {e["profile"] for e in expects},
        "cause": {e["cause"] for e in expects},
        "tier": {e["tier"] for e in expects if "tier" in e},
    }


def test_the_set_is_big_enough_and_covers_every_route(devset: list[dict[str, Any]]) -> None:
    assert {r["expect"]["route"] for r in devset} == _routes_expected(devset)


def test_every_body_is_a_valid_intake_request(devset: list[dict[str, Any]]) -> None:
    for i, record in enumerate(devset):
        create = ComplaintCreate.model_validate(record["body"])
        assert create.received_at is not None, i
        assert create.received_at.year == 2026, i
        assert record["body"]["received_at"].endswith("+08:00"), i


def test_every_label_is_in_the_samples_vocabulary(
    devset: list[dict[str, Any]], vocabulary: dict[str, set[str]]
) -> None:
    for i, record in enumerate(devset):
        expect = record["expect"]
        assert EXPECT_KEYS <= set(expect) <= EXPECT_KEYS | {"tier"}, i
        assert expect["route"] in vocabulary["route"], (i, expect["route"])
        assert set(expect["flags"]) <= vocabulary["flags"], (i, expect["flags"])
        assert expect["flags"] == sorted(set(expect["flags"])), i
        assert expect["repeat_band"] in vocabulary["repeat_band"], (i, expect["repeat_band"])
        assert expect["profile"] in vocabulary["profile"], (i, expect["profile"])
        assert expect["cause"] in vocabulary["cause"], (i, expect["cause"])
        assert isinstance(expect["scenario"], str) and expect["scenario"], i
        if expect["route"] == "standard":
            assert expect.get("tier") in vocabulary["tier"], (i, expect.get("tier"))
        else:
            assert "tier" not in expect, i


def test_records_replay_in_time_order_with_their_own_customers(devset: list[dict[str, Any]]) -> None:
    times = [datetime.fromisoformat(r["body"]["received_at"]) for r in devset]
    assert times == sorted(times)
    sample_refs = {r["body"]["customer"]["ref"] for r in _read(samples_path())}
    assert not sample_refs & {r["body"]["customer"]["ref"] for r in devset}
    refs = [(r["body"]["channel"], r["body"]["channel_ref"]) for r in devset]
    assert len(refs) == len(set(refs))


def test_a_repeat_band_above_low_has_history_in_the_file(devset: list[dict[str, Any]]) -> None:
    """`repeat_band` counts the customer's earlier records in the file (samples/README): 0 low, 1 medium, ≥ 2 high."""
    seen: dict[str, int] = {}
    for i, record in enumerate(devset):
        ref = record["body"]["customer"]["ref"]
        band = record["expect"]["repeat_band"]
        earlier = seen.get(ref, 0)
        if band == "medium":
            assert earlier >= 1, i
        if band == "high":
            assert earlier >= 2, i
        seen[ref] = earlier + 1
