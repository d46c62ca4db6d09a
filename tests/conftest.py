"""Fixtures: servers by the resolution order (env → containers → embedded), per-test topics and DB."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tousu_shared.kafka import ensure_topics
from tousu_shared.settings import (
    KafkaSettings,
    MetricsSettings,
    MongoSettings,
    ServiceName,
    ServiceSettings,
    Settings,
    Topics,
)
from tousu_tools.endpoints import Backends, backends

TEST_SECRET = "test-customer-key-secret-0123456789"


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backends]:
    """The Kafka-protocol broker and MongoDB-protocol server for the whole session."""
    with backends(data_dir=tmp_path_factory.mktemp("servers")) as found:
        yield found


@pytest.fixture(scope="session")
def kafka_bootstrap(servers: Backends) -> str:
    """Bootstrap address of the session's broker."""
    return servers.kafka_bootstrap


@pytest.fixture(scope="session")
def mongo_uri(servers: Backends) -> str:
    """URI of the session's MongoDB."""
    return servers.mongo_uri


@pytest.fixture
def database_name() -> str:
    """A database of this test's own."""
    return f"t_{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def topics(servers: Backends) -> Topics:
    """Topic names of this test's own, created with 6 partitions."""
    suffix = uuid.uuid4().hex[:8]
    names = Topics(
        intake=f"tousu.intake.v1.{suffix}",
        analysis=f"tousu.analysis.v1.{suffix}",
        escalation=f"tousu.escalation.v1.{suffix}",
        followup=f"tousu.followup.v1.{suffix}",
        deadletter=f"tousu.deadletter.v1.{suffix}",
    )
    await ensure_topics(KafkaSettings(bootstrap_servers=servers.kafka_bootstrap, partitions=6, topics=names))
    return names


SettingsFactory = Callable[..., Settings]


@pytest.fixture(scope="session")
def run_log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where in-process services append their log lines; scanned for personal data at the end of the run."""
    return tmp_path_factory.getbasetemp() / "run-logs"


@pytest.fixture
def make_settings(
    servers: Backends, topics: Topics, database_name: str, tmp_path: Path, run_log_dir: Path
) -> SettingsFactory:
    """Settings for a service under test, pointed at this test's topics and database."""

    # Consumer groups of this test's own: a group shared with an earlier test's member that never said goodbye
    # makes every join wait for that member (up to max.poll.interval on the embedded broker).
    group_suffix = f"-t{uuid.uuid4().hex[:8]}"

    def factory(name: ServiceName, **service: object) -> Settings:
        return Settings(
            service=ServiceSettings(
                name=name,
                environment="test",
                customer_key_secret=TEST_SECRET,
                data_dir=tmp_path,
                log_json=True,
                log_file=run_log_dir / "in-process.log",
                retry_base_delay_s=0.05,
                retry_max_delay_s=0.5,
                outbox_idle_interval_s=0.05,
                **service,  # type: ignore[arg-type]
            ),
            kafka=KafkaSettings(
                bootstrap_servers=servers.kafka_bootstrap,
                idempotence=servers.kafka_idempotence,
                topics=topics,
                group_suffix=group_suffix,
                session_timeout_ms=3000,
                heartbeat_interval_ms=300,
                request_timeout_ms=5000,
            ),
            mongo=MongoSettings(uri=servers.mongo_uri, database=database_name, server_selection_timeout_ms=2000),
            metrics=MetricsSettings(),
        )

    return factory
