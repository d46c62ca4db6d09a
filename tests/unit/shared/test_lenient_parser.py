"""A record whose header is not UTF-8 still reaches tousu's consumer, untouched, so it can be dead-lettered."""

from __future__ import annotations

import re

import pytest
from aiokafka import ConsumerRecord
from faststream.kafka.message import KafkaMessage
from faststream.kafka.parser import AioKafkaBatchParser

from tousu_shared.consumer import _lenient_parser, failed_record

pytestmark = pytest.mark.unit


def record(headers: list[tuple[str, bytes]]) -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord(
        topic="tousu.intake.v1",
        partition=3,
        offset=42,
        timestamp=1_700_000_000_000,
        timestamp_type=0,
        key=b"k",
        value=b'{"a": 1}',
        checksum=None,
        serialized_key_size=1,
        serialized_value_size=8,
        headers=headers,
    )


async def test_faststreams_own_parser_raises_on_a_non_utf8_header() -> None:
    parser = AioKafkaBatchParser(KafkaMessage, re.compile(".*"))
    with pytest.raises(UnicodeDecodeError):
        await parser.parse_batch((record([("ce_source", b"\xc3\x28")]),))


async def test_the_lenient_parser_keeps_the_original_bytes_for_the_dead_letter() -> None:
    parser = AioKafkaBatchParser(KafkaMessage, re.compile(".*"))
    bad = record([("ce_source", b"\xc3\x28"), ("ce_type", b"complaint.received")])
    good = record([("ce_type", b"complaint.received")])
    message = await _lenient_parser((good, bad), parser.parse_batch)
    kept = [failed_record(raw) for raw in message.raw_message]
    assert kept[1].headers == [("ce_source", b"\xc3\x28"), ("ce_type", b"complaint.received")]
    assert kept[0].headers == [("ce_type", b"complaint.received")], "the batch's good records are kept too"
    assert (kept[1].topic, kept[1].offset) == ("tousu.intake.v1", 42)


async def test_a_clean_batch_is_parsed_as_before() -> None:
    parser = AioKafkaBatchParser(KafkaMessage, re.compile(".*"))
    message = await _lenient_parser((record([("ce_type", b"complaint.received")]),), parser.parse_batch)
    assert message.headers == {"ce_type": "complaint.received"}
