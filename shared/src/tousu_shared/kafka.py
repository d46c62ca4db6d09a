"""Kafka plumbing: the producer, topic creation and the FastStream broker factory."""

from __future__ import annotations

import contextlib
import logging

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from aiokafka.protocol.metadata import MetadataRequest
from faststream.kafka import KafkaBroker
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from prometheus_client import CollectorRegistry

from tousu_shared.settings import KafkaSettings


def create_producer(settings: KafkaSettings, *, client_id: str) -> AIOKafkaProducer:
    """`acks=all`; idempotence from settings (on for Apache Kafka, off for the embedded broker)."""
    return AIOKafkaProducer(
        bootstrap_servers=settings.bootstrap_servers,
        client_id=client_id,
        acks="all",
        enable_idempotence=settings.idempotence,
        request_timeout_ms=settings.request_timeout_ms,
        linger_ms=0,
        compression_type="gzip",
    )


async def ensure_topics(settings: KafkaSettings) -> list[str]:
    """Create every missing topic with the configured partition count; return the created ones."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.bootstrap_servers, request_timeout_ms=settings.request_timeout_ms
    )
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [t for t in settings.topics.all() if t not in existing]
        if wanted:
            new = [NewTopic(t, settings.partitions, settings.replication_factor) for t in wanted]
            with contextlib.suppress(TopicAlreadyExistsError):  # another instance was first
                await admin.create_topics(new)
        return wanted
    finally:
        await admin.close()


async def cluster_id(producer: AIOKafkaProducer) -> str | None:
    """The broker's cluster id (one metadata request for no topics), or None before the first connection.

    Apache Kafka keeps its id for the life of the cluster; the embedded broker gets a fresh one per
    process (its log is in memory), so a change means the log was lost.
    """
    client = producer.client
    node = client.get_random_node()
    if node is None:
        return None
    response = await client.send(node, MetadataRequest([], False))
    value = getattr(response, "cluster_id", None)
    return str(value) if value else None


def group_id(service: str, suffix: str = "") -> str:
    """The consumer group of a service: all its instances share partitions (`suffix`: TOUSU_KAFKA_GROUP_SUFFIX)."""
    return f"tousu-{service}{suffix}"


def create_broker(settings: KafkaSettings, *, service: str, registry: CollectorRegistry) -> KafkaBroker:
    """A FastStream broker with the Prometheus middleware on the service's own registry."""
    return KafkaBroker(
        settings.bootstrap_servers,
        client_id=f"tousu-{service}",
        acks="all",
        enable_idempotence=settings.idempotence,
        request_timeout_ms=settings.request_timeout_ms,
        middlewares=[KafkaPrometheusMiddleware(registry=registry, app_name=service, metrics_prefix="tousu_faststream")],
        logger=logging.getLogger(f"tousu.{service}.faststream"),
        log_level=logging.DEBUG,
        graceful_timeout=10.0,
    )
