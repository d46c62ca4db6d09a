"""Dead-letter publisher for `tousu.deadletter.v1`: the original record plus why it failed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer

DLQ_PREFIX = "dlq_"


@dataclass(frozen=True, slots=True)
class FailedRecord:
    """A consumed record that could not be processed."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]


class DeadLetterPublisher:
    """Publishes failed records unchanged (key, value, headers) with `dlq_*` headers that say why."""

    def __init__(self, *, producer: AIOKafkaProducer, topic: str, service: str) -> None:
        self._producer = producer
        self._topic = topic
        self._service = service

    async def publish(self, record: FailedRecord, *, error: str, attempts: int) -> str:
        """Send the record to the dead-letter topic and return the dead-letter id."""
        dlq_id = str(uuid.uuid4())
        extra = {
            "id": dlq_id,
            "topic": record.topic,
            "partition": str(record.partition),
            "offset": str(record.offset),
            "error": error[:2000],
            "service": self._service,
            "attempts": str(attempts),
            "failed_at": datetime.now(UTC).isoformat(),
        }
        original = [(k, v) for k, v in record.headers if not k.startswith(DLQ_PREFIX)]
        headers = original + [(DLQ_PREFIX + k, v.encode()) for k, v in extra.items()]
        await self._producer.send_and_wait(self._topic, value=record.value, key=record.key, headers=headers)
        return dlq_id
