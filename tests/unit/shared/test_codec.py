"""The CloudEvents binary-mode codec."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tousu_shared.codec import MalformedRecord, decode, encode
from tousu_shared.events import ComplaintReceived, Envelope, EventData, MaskedCustomer, Product

pytestmark = pytest.mark.unit


def _received() -> Envelope[EventData]:
    data = ComplaintReceived(
        complaint_id="TS-20261123-000001",
        customer_key="ck1",
        channel="app",
        channel_ref="APP-1",
        received_at=datetime(2026, 11, 23, 9, tzinfo=UTC),
        due_at=datetime(2026, 12, 8, 9, tzinfo=UTC),
        customer=MaskedCustomer(phone_masked="138****5678"),
        product=Product(line="insurance", type="重疾险"),
        content="理赔被拒，要求重新审核。",
    )
    return Envelope[EventData].wrap(data, source="tousu/intake")


def test_round_trip_keeps_id_type_subject_and_payload() -> None:
    envelope = _received()
    record = encode(envelope)
    decoded = decode(record.headers, record.value)
    assert (decoded.id, decoded.type, decoded.subject) == (envelope.id, "complaint.received", "TS-20261123-000001")
    assert decoded.data == envelope.data
    assert record.key == b"ck1"


def test_headers_are_cloudevents_binary_mode() -> None:
    names = [name for name, _ in encode(_received()).headers]
    assert names == ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "ce_subject", "content-type"]


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda h, v: (h, b"not json"), "not JSON"),
        (lambda h, v: (h, b""), "empty value"),
        (lambda h, v: ([x for x in h if x[0] != "ce_id"], v), "missing CloudEvents header(s): ce_id"),
        (lambda h, v: ([(k, b"complaint.exploded" if k == "ce_type" else x) for k, x in h], v), "unexpected ce_type"),
        (lambda h, v: (h, b'{"complaint_id": "x"}'), "schema mismatch"),
        (lambda h, v: ([(k, b"\xff\xfe" if k == "ce_id" else x) for k, x in h], v), "not UTF-8"),
        (lambda h, v: ([(k, b"yesterday" if k == "ce_time" else x) for k, x in h], v), "ce_time"),
    ],
)
def test_malformed_records_are_rejected_with_a_reason(mutate: object, reason: str) -> None:
    record = encode(_received())
    headers, value = mutate(record.headers, record.value)  # type: ignore[operator]
    with pytest.raises(MalformedRecord, match=reason.replace("(", r"\(").replace(")", r"\)")):
        decode(headers, value)


def test_decode_can_restrict_the_accepted_types() -> None:
    record = encode(_received())
    with pytest.raises(MalformedRecord, match="unexpected ce_type"):
        decode(record.headers, record.value, accept=frozenset({"complaint.analyzed"}))


def test_unknown_payload_fields_are_rejected() -> None:
    record = encode(_received())
    value = record.value.replace(b'"content"', b'"surprise": 1, "content"')
    with pytest.raises(MalformedRecord, match="schema mismatch"):
        decode(record.headers, value)
