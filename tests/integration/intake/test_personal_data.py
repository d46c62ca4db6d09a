"""No name, phone or ID number leaves intake in clear: not on any topic, not in any log line, not at rest."""

from __future__ import annotations

import io
import json
import logging
import random
from collections.abc import Iterator
from typing import Any

import pytest
import structlog

from tests.integration.intake.bodies import complaint, personal_values
from tests.integration.intake.conftest import RunningIntake
from tests.support.kafka import Record, consume_until
from tousu_shared.settings import Topics

pytestmark = pytest.mark.integration


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """Every log line the process writes, rendered exactly as the service renders it."""
    root = logging.getLogger()
    rendering = next(h for h in root.handlers if isinstance(h.formatter, structlog.stdlib.ProcessorFormatter))
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(rendering.formatter)
    handler.setLevel(logging.DEBUG)
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.DEBUG)
    try:
        yield buffer
    finally:
        root.setLevel(previous)
        root.removeHandler(handler)


def _record_text(record: Record) -> str:
    return " ".join(
        [
            (record.key or b"").decode(errors="replace"),
            (record.value or b"").decode(errors="replace"),
            json.dumps(record.headers, ensure_ascii=False),
        ]
    )


async def _post_everything(intake: RunningIntake, body: dict[str, Any]) -> str:
    created = await intake.client.post("/v1/complaints", json=body)
    assert created.status_code == 201
    cid = created.json()["complaint_id"]
    customer = body["customer"]
    note = f"已联系{customer['name']}，电话{customer['phone']}，核实身份证{customer['id_number']}"
    actions = [
        {"type": "contacted", "actor": "h1", "note": note},
        {
            "type": "resolved",
            "actor": "h1",
            "decision": f"{customer['name']}的年费予以退还",
            "remedy": "退款",
            "root_cause": "话术",
            "remediation": f"回访{customer['phone']}",
        },
    ]
    for action in actions:
        assert (await intake.client.post(f"/v1/complaints/{cid}/actions", json=action)).status_code == 201
    feedback = {"satisfaction": "satisfied", "comment": f"{customer['name']}满意，{customer['id_number']}"}
    assert (await intake.client.post(f"/v1/complaints/{cid}/feedback", json=feedback)).status_code == 201
    return str(cid)


async def test_no_personal_value_reaches_a_topic_a_log_line_or_the_stored_view(
    intake: RunningIntake,
    topics: Topics,
    kafka_bootstrap: str,
    rng: random.Random,
    log_lines: io.StringIO,
    caplog: pytest.LogCaptureFixture,
) -> None:
    bodies = [complaint(rng) for _ in range(10)]
    ids = [await _post_everything(intake, body) for body in bodies]
    invalid = {**bodies[0], "channel_ref": "bad", "customer": {**bodies[0]["customer"], "phone": "x"}}
    assert (await intake.client.post("/v1/complaints", json=invalid)).status_code == 422
    records = await consume_until(kafka_bootstrap, topics.intake, lambda rs: len(rs) >= 40, timeout_s=60)
    secrets = [value for body in bodies for value in personal_values(body)]
    published = "\n".join(_record_text(r) for r in records)
    logged = log_lines.getvalue() + caplog.text
    assert "complaint registered" in logged and len(records) == 40
    stored = [await intake.db["intake_complaints"].find_one({"_id": cid}, {"pii": 0, "outbox": 0}) for cid in ids]
    at_rest = json.dumps(stored, default=str, ensure_ascii=False)
    for value in secrets:
        assert value not in published, "personal data on a topic"
        assert value not in logged, "personal data in a log line"
        assert value not in at_rest, "personal data stored outside the encrypted field"
    first = json.loads(next(r.value for r in records if r.headers["ce_type"] == "complaint.received") or b"{}")
    assert first["customer"]["phone_masked"].count("*") == 4
    assert first["customer"]["age_band"] == "65+" and first["customer"]["vulnerable"] is True
