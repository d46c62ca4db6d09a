"""The committed event documentation is what the code generates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tousu_shared.events import EVENT_TYPES
from tousu_shared.settings import Topics
from tousu_tools.docs import asyncapi_yaml, event_schema, write_docs

pytestmark = pytest.mark.unit
DOCS = Path(__file__).resolve().parents[3] / "docs"


def test_committed_docs_match_the_code(tmp_path: Path) -> None:
    for generated in write_docs(tmp_path):
        committed = DOCS / generated.relative_to(tmp_path)
        assert committed.exists(), f"{committed} is missing: run `tousu docs`"
        assert committed.read_text(encoding="utf-8") == generated.read_text(encoding="utf-8"), (
            f"{committed} drifted from the code: run `tousu docs`"
        )
    assert sorted(p.name for p in (DOCS / "events").iterdir()) == sorted(f"{t}.schema.json" for t in EVENT_TYPES)


def test_every_event_field_is_described() -> None:
    for event_type in EVENT_TYPES:
        schema = event_schema(event_type, topics=Topics())
        for name, prop in schema["properties"].items():
            assert prop.get("description"), f"{event_type}.{name} has no description"


def test_asyncapi_lists_every_event_on_its_topic() -> None:
    document = yaml.safe_load(asyncapi_yaml())
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert addresses == {"tousu.intake.v1", "tousu.analysis.v1", "tousu.escalation.v1", "tousu.followup.v1"}
    assert len(document["channels"]) == len(EVENT_TYPES)
    assert asyncapi_yaml() == asyncapi_yaml(), "generation is deterministic"


def test_schemas_are_valid_json_with_the_topic() -> None:
    schema = json.loads(json.dumps(event_schema("complaint.routed", topics=Topics())))
    assert schema["x-tousu-topic"] == "tousu.escalation.v1"
    assert "route" in schema["required"]
