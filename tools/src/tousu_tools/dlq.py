"""`tousu dlq list|replay`: inspect and re-drive dead-lettered records."""

from __future__ import annotations

from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition

from tousu_escalation.adapters.pages import PageRepository
from tousu_escalation.pager import DLQ_TOPIC_PREFIX
from tousu_shared.clock import utc_now
from tousu_shared.deadletter import DLQ_PREFIX
from tousu_shared.kafka import create_producer
from tousu_shared.mongo import mongo_database
from tousu_shared.settings import KafkaSettings, MongoSettings

PAGES_COLLECTION = "escalation_pages"  # escalation's `pages` collection (collections are prefixed by owner)


@dataclass(frozen=True)
class DeadLetter:
    """One dead-lettered record as read back from the topic."""

    dlq_id: str
    topic: str
    partition: int
    offset: int
    service: str
    error: str
    attempts: int
    failed_at: str
    event_type: str | None
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]

    def original_headers(self) -> list[tuple[str, bytes]]:
        """The record's headers without the dead-letter annotations."""
        return [(k, v) for k, v in self.headers if not k.startswith(DLQ_PREFIX)]

    @property
    def is_page(self) -> bool:
        """An on-call page escalation gave up on (`dlq_topic` `webhook:<queue>`): re-armed, never published."""
        return self.topic.startswith(DLQ_TOPIC_PREFIX)

    @property
    def page_id(self) -> str | None:
        """The id of a dead-lettered page (None for other records and for pages dead-lettered before page ids)."""
        if not self.is_page:
            return None
        return next((v.decode() for k, v in self.headers if k == "page_id"), None)


def _parse(key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]]) -> DeadLetter:
    h = {k: v.decode(errors="replace") for k, v in headers}
    return DeadLetter(
        dlq_id=h.get("dlq_id", "?"),
        topic=h.get("dlq_topic", "?"),
        partition=int(h.get("dlq_partition", -1)),
        offset=int(h.get("dlq_offset", -1)),
        service=h.get("dlq_service", "?"),
        error=h.get("dlq_error", ""),
        attempts=int(h.get("dlq_attempts", 0)),
        failed_at=h.get("dlq_failed_at", ""),
        event_type=h.get("ce_type"),
        key=key,
        value=value,
        headers=list(headers),
    )


async def read_all(settings: KafkaSettings, *, idle_ms: int = 1500) -> list[DeadLetter]:
    """Every record on the dead-letter topic (reads until the topic stays quiet for `idle_ms`)."""
    topic = settings.topics.deadletter
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.bootstrap_servers, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        found: list[DeadLetter] = []
        while True:
            batch = await consumer.getmany(timeout_ms=idle_ms)
            if not batch:
                return found
            for records in batch.values():
                found += [_parse(r.key, r.value, list(r.headers or [])) for r in records]
    finally:
        await consumer.stop()


async def replay(settings: KafkaSettings, letters: list[DeadLetter]) -> int:
    """Re-publish records to their original topics (consumers dedupe on `ce_id`)."""
    producer = create_producer(settings, client_id="tousu-dlq-replay")
    await producer.start()
    try:
        for letter in letters:
            await producer.send_and_wait(
                letter.topic, value=letter.value, key=letter.key, headers=letter.original_headers()
            )
    finally:
        await producer.stop()
    return len(letters)


async def redrive_pages(settings: MongoSettings, letters: list[DeadLetter]) -> int:
    """Arm dead-lettered pages again (status pending, a fresh attempt budget, same page id); escalation sends them.

    Returns how many were re-armed; a page already re-armed or sent is left alone.
    """
    armed = 0
    async with mongo_database(settings) as db:
        pages = PageRepository(db[PAGES_COLLECTION])
        for letter in letters:
            if letter.page_id and await pages.redrive(page_id=letter.page_id, now=utc_now()):
                armed += 1
    return armed
