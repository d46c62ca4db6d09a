"""The four services as separate OS processes against the session's servers, own database and topics."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tousu_shared.settings import SERVICES
from tousu_tools.dev import ServiceProcess, load_secrets, start_service, stop_services, wait_healthy
from tousu_tools.embedded import free_port
from tousu_tools.endpoints import Backends

TOPICS = ("intake", "analysis", "escalation", "followup", "deadletter")


@dataclass(frozen=True)
class Stack:
    """Base URLs of the running services and the development API key."""

    urls: dict[str, str]
    api_key: str
    data_dir: Path

    @property
    def intake(self) -> str:
        """The intake API."""
        return self.urls["intake"]


def stack_env(suffix: str) -> dict[str, str]:
    """A database and topics of this session's own, and no rate limit in the way."""
    env = {f"TOUSU_KAFKA_TOPICS__{t.upper()}": f"tousu.{t}.v1.e2e{suffix}" for t in TOPICS}
    return env | {
        "TOUSU_KAFKA_GROUP_SUFFIX": f"-e2e{suffix}",
        "TOUSU_MONGODB_DATABASE": f"e2e_{suffix}",
        "TOUSU_RATE_LIMIT_PER_S": "1000",
        "TOUSU_MAX_RECEIVED_AGE_DAYS": "36500",  # the samples keep their own 2026 dates, whenever the suite runs
        "TOUSU_LOG_JSON": "true",
    }


@pytest.fixture(scope="module")  # no services linger into other modules
def stack(servers: Backends, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Start intake, analysis, escalation and follow-up; yield their URLs; stop them all."""
    data_dir = tmp_path_factory.mktemp("e2e-stack")
    (data_dir / "logs").mkdir()
    with running_stack(servers, data_dir, env=stack_env(uuid.uuid4().hex[:8])) as running:
        yield running


@contextmanager
def running_stack(servers: Backends, data_dir: Path, *, env: dict[str, str]) -> Iterator[Stack]:
    """The four services as processes with `env` set, healthy; stopped on exit."""
    keys = load_secrets(data_dir)
    services: list[ServiceProcess] = []
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        try:
            for name in SERVICES:
                services.append(start_service(servers, name, free_port(), data_dir, keys))
            wait_healthy(services, timeout_s=90)
            yield Stack({s.name: s.url for s in services}, keys["dev_api_key"], data_dir)
        finally:
            stop_services(services)


def service_logs(stack: Stack) -> str:
    """The tail of every service log, for a failure message."""
    tails = []
    for path in sorted((stack.data_dir / "logs").glob("*.log")):
        tails.append(f"== {path.name}\n" + path.read_text(errors="replace")[-1500:])
    return "\n".join(tails) if os.environ.get("TOUSU_E2E_LOGS") else "(set TOUSU_E2E_LOGS=1 for service logs)"
