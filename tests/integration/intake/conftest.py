"""Intake fixtures: the app on a real port against the session's servers, keys and clients."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import TEST_SECRET, SettingsFactory
from tests.support.servers import serve_app
from tousu_intake.bootstrap import create_app
from tousu_intake.config import IntakeSettings
from tousu_shared.apikey_store import ApiKeyRepository
from tousu_shared.apikeys import ApiKey, generate_key, hash_key
from tousu_shared.kafka import ensure_topics
from tousu_shared.settings import KafkaSettings, MetricsSettings, MongoSettings, ServiceSettings, Settings, Topics
from tousu_tools.endpoints import Backends

DEV_KEY = "tsk_test_dev_key_0123456789abcdefghijklmnop"
PII_KEY = "test-pii-key-0123456789abcdef"


@dataclass
class RunningIntake:
    """The served app, its URL and a client holding the all-powerful dev key."""

    app: FastAPI
    url: str
    client: httpx.AsyncClient

    @property
    def db(self) -> Any:
        """The service's database (for assertions on stored state)."""
        return self.app.state.runtime.db

    async def new_key(self, *, channels: set[str], scopes: set[str], read_all: bool = False) -> str:
        """Create an API key directly in the key store; return its secret."""
        key_id, secret = generate_key()
        key = ApiKey(
            key_id=key_id, name="test", channels=frozenset(channels), scopes=frozenset(scopes), read_all=read_all
        )
        await ApiKeyRepository(self.db["intake_api_keys"]).save(key, key_hash=hash_key(secret))
        return secret

    def as_key(self, secret: str) -> httpx.AsyncClient:
        """A client authenticating with another key."""
        return httpx.AsyncClient(base_url=self.url, headers={"Authorization": f"Bearer {secret}"}, timeout=30)


def intake_config(**overrides: Any) -> IntakeSettings:
    """Intake settings for tests: fixed keys and a rate limit that does not get in the way."""
    values: dict[str, Any] = {
        "pii_key": PII_KEY,
        "dev_api_key": DEV_KEY,
        "rate_limit_per_s": 10_000.0,
        "rate_limit_burst": 10_000,
        **overrides,
    }
    return IntakeSettings(**values)


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[RunningIntake]:
    """Serve `app` on a free port with a client holding the dev key, for the duration of a `with` block."""
    async with (
        serve_app(app, ready_timeout_s=60) as url,
        httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {DEV_KEY}"}, timeout=60) as client,
    ):
        yield RunningIntake(app=app, url=url, client=client)


StartIntake = Callable[..., AbstractAsyncContextManager[RunningIntake]]


@pytest.fixture
def start_intake(make_settings: SettingsFactory) -> StartIntake:
    """Start an intake app (optionally with settings overrides) for the duration of a `with` block."""

    @asynccontextmanager
    async def start(**overrides: Any) -> AsyncIterator[RunningIntake]:
        async with running(create_app(make_settings("intake"), intake=intake_config(**overrides))) as served:
            yield served

    return start


@pytest.fixture
async def intake(start_intake: StartIntake) -> AsyncIterator[RunningIntake]:
    """A running intake with default test settings."""
    async with start_intake() as running:
        yield running


@pytest.fixture
def rng() -> random.Random:
    """Random data that differs per test run (fictitious personal data)."""
    return random.Random()


@pytest.fixture(scope="module")
async def module_intake(
    servers: Backends, tmp_path_factory: pytest.TempPathFactory, run_log_dir: Path
) -> AsyncIterator[RunningIntake]:
    """One intake for a whole module of request/response tests (its own topics and database)."""
    suffix = uuid.uuid4().hex[:8]
    topics = Topics(**{name: f"tousu.{name}.v1.{suffix}" for name in Topics.model_fields})
    await ensure_topics(KafkaSettings(bootstrap_servers=servers.kafka_bootstrap, partitions=6, topics=topics))
    settings = Settings(
        service=ServiceSettings(
            name="intake",
            environment="test",
            customer_key_secret=TEST_SECRET,
            data_dir=tmp_path_factory.mktemp("intake"),
            outbox_idle_interval_s=0.05,
            log_file=run_log_dir / "in-process.log",
        ),
        kafka=KafkaSettings(
            bootstrap_servers=servers.kafka_bootstrap,
            idempotence=servers.kafka_idempotence,
            topics=topics,
            group_suffix=f"-m{suffix}",
            session_timeout_ms=3000,
            heartbeat_interval_ms=300,
            request_timeout_ms=5000,
        ),
        mongo=MongoSettings(uri=servers.mongo_uri, database=f"t_{suffix}", server_selection_timeout_ms=2000),
        metrics=MetricsSettings(),
    )
    async with running(create_app(settings, intake=intake_config())) as served:
        yield served
