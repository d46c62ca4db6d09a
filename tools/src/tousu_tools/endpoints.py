"""Where the servers are: env vars → testcontainers (when asked and Docker runs) → embedded pair."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from tousu_shared.kafka import ensure_topics
from tousu_shared.settings import KafkaSettings
from tousu_tools import embedded

BackendKind = Literal["external", "containers", "embedded"]


@dataclass
class Backends:
    """Resolved Kafka and MongoDB endpoints, and the handles of what we started."""

    kind: BackendKind
    kafka_bootstrap: str
    mongo_uri: str
    kafka_idempotence: bool
    kafka: embedded.EmbeddedServer | None = None
    mongo: embedded.EmbeddedServer | None = None
    extra: dict[str, object] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        """Environment variables that point a service process at these servers."""
        return {
            "KAFKA_BOOTSTRAP_SERVERS": self.kafka_bootstrap,
            "MONGODB_URI": self.mongo_uri,
            "TOUSU_KAFKA_IDEMPOTENCE": str(self.kafka_idempotence).lower(),
        }


def docker_available() -> bool:
    """True when a Docker engine answers (the containers path is possible)."""
    try:
        import docker

        docker.from_env(timeout=3).ping()
    except Exception:
        return False
    return True


@contextmanager
def backends(*, data_dir: Path, kafka_port: int = 0, mongo_port: int = 0, partitions: int = 6) -> Iterator[Backends]:
    """Resolve (and if needed start) both servers; stop what was started on exit."""
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS") and os.environ.get("MONGODB_URI"):
        idem = os.environ.get("TOUSU_KAFKA_IDEMPOTENCE", "true").lower() in ("1", "true", "yes")
        yield Backends("external", os.environ["KAFKA_BOOTSTRAP_SERVERS"], os.environ["MONGODB_URI"], idem)
        return
    if os.environ.get("TOUSU_TEST_BACKEND") == "containers" and docker_available():
        with _containers() as found:
            create_topics(found, partitions)
            yield found
        return
    with _embedded(data_dir=data_dir, kafka_port=kafka_port, mongo_port=mongo_port) as found:
        create_topics(found, partitions)
        yield found


def create_topics(found: Backends, partitions: int = 6) -> None:
    """Create every missing topic (names from TOUSU_KAFKA_TOPICS__*) on the resolved broker."""
    settings = KafkaSettings(bootstrap_servers=found.kafka_bootstrap, partitions=partitions)
    asyncio.run(ensure_topics(settings))


@contextmanager
def _embedded(*, data_dir: Path, kafka_port: int, mongo_port: int) -> Iterator[Backends]:
    logs = data_dir / "logs"
    with ExitStack() as stack:
        kafka = embedded.start_kafka(port=kafka_port or embedded.free_port(), log_dir=logs)
        stack.callback(kafka.stop)
        mongo = embedded.start_mongo(
            port=mongo_port or embedded.free_port(), storage=data_dir / "mongodb", log_dir=logs
        )
        stack.callback(mongo.stop)
        yield Backends("embedded", f"127.0.0.1:{kafka.port}", embedded.mongo_uri(mongo.port), False, kafka, mongo)


@contextmanager
def _containers() -> Iterator[Backends]:  # pragma: no cover - needs a Docker engine
    from testcontainers.community.kafka import KafkaContainer
    from testcontainers.community.mongodb import MongoDbContainer

    # testcontainers' KafkaContainer drives Confluent's entrypoint scripts: cp-kafka 7.9 is Apache Kafka 3.9.
    with KafkaContainer("confluentinc/cp-kafka:7.9.0").with_kraft() as kafka, MongoDbContainer("mongo:7.0") as mongo:
        uri = mongo.get_connection_url()
        yield Backends("containers", kafka.get_bootstrap_server(), uri, True, extra={"kafka": kafka, "mongo": mongo})
