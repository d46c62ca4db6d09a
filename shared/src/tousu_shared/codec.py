"""The one encoder/decoder between CloudEvents envelopes and Kafka records (binary mode)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError

from tousu_shared.events.base import EventData
from tousu_shared.events.envelope import CONTENT_TYPE, SPEC_VERSION, Envelope
from tousu_shared.events.registry import model_for

Headers = list[tuple[str, bytes]]
REQUIRED_HEADERS = ("ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "ce_subject")


class MalformedRecord(ValueError):
    """A Kafka record that is not a valid tousu CloudEvent (a permanent error)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class KafkaRecord:
    """What goes on the wire: key, JSON value and `ce_*` headers."""

    key: bytes
    value: bytes
    headers: Headers


def encode(envelope: Envelope[EventData]) -> KafkaRecord:
    """Encode an envelope as a binary-mode CloudEvents Kafka record."""
    headers: Headers = [
        ("ce_specversion", envelope.specversion.encode()),
        ("ce_id", envelope.id.encode()),
        ("ce_source", envelope.source.encode()),
        ("ce_type", envelope.type.encode()),
        ("ce_time", envelope.time.isoformat().encode()),
        ("ce_subject", envelope.subject.encode()),
        ("content-type", CONTENT_TYPE.encode()),
    ]
    value = envelope.data.model_dump_json().encode()
    return KafkaRecord(key=envelope.key.encode(), value=value, headers=headers)


def header_map(headers: Sequence[tuple[str, bytes]] | Mapping[str, bytes | str]) -> dict[str, str]:
    """Headers as a str→str mapping; undecodable header values are a malformed record."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    out: dict[str, str] = {}
    for name, raw in items:
        try:
            out[name] = raw.decode() if isinstance(raw, bytes | bytearray) else str(raw)
        except UnicodeDecodeError as exc:
            raise MalformedRecord(f"header {name!r} is not UTF-8") from exc
    return out


def decode(
    headers: Sequence[tuple[str, bytes]] | Mapping[str, bytes | str],
    value: bytes | None,
    *,
    accept: frozenset[str] | None = None,
) -> Envelope[EventData]:
    """Decode a Kafka record into a typed envelope or raise MalformedRecord with the reason."""
    h = header_map(headers)
    missing = [name for name in REQUIRED_HEADERS if not h.get(name)]
    if missing:
        raise MalformedRecord(f"missing CloudEvents header(s): {', '.join(missing)}")
    if h["ce_specversion"] != SPEC_VERSION:
        raise MalformedRecord(f"unsupported ce_specversion {h['ce_specversion']!r}")
    model = model_for(h["ce_type"])
    if model is None or (accept is not None and h["ce_type"] not in accept):
        raise MalformedRecord(f"unexpected ce_type {h['ce_type']!r}")
    data = _parse_data(model, value)
    try:
        time = datetime.fromisoformat(h["ce_time"])
    except ValueError as exc:
        raise MalformedRecord(f"ce_time is not RFC 3339: {h['ce_time']!r}") from exc
    return Envelope[EventData](
        id=h["ce_id"],
        source=h["ce_source"],
        type=h["ce_type"],
        time=time,
        subject=h["ce_subject"],
        specversion=h["ce_specversion"],
        data=data,
    )


def _parse_data(model: type[EventData], value: bytes | None) -> EventData:
    if not value:
        raise MalformedRecord("empty value")
    try:
        payload = json.loads(value)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedRecord(f"value is not JSON: {exc}") from exc
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"]) or "<root>"
        raise MalformedRecord(
            f"{model.event_type} schema mismatch at {loc}: {first['msg']} ({exc.error_count()} error(s))"
        ) from exc
