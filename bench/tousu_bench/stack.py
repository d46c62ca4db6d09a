"""The four services as OS processes (the `tousu dev` helpers) on the bench's own topics and database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tousu_shared.settings import SERVICES, Topics
from tousu_tools.dev import ServiceProcess, load_secrets, start_service, stop_services, wait_healthy
from tousu_tools.embedded import free_port
from tousu_tools.endpoints import Backends

TOPIC_KEYS = ("intake", "analysis", "escalation", "followup", "deadletter")


@dataclass(frozen=True)
class Stack:
    """Running services, their URLs, the dev key and the bench's topic names."""

    services: list[ServiceProcess]
    api_key: str
    topics: Topics
    database: str

    @property
    def intake(self) -> str:
        """The intake API."""
        return next(s.url for s in self.services if s.name == "intake")

    def peak_rss_mb(self) -> dict[str, float]:
        """Peak resident memory of each service process so far (VmHWM, kept by the kernel)."""
        return {s.name: peak_rss_mb(s.proc.pid) for s in self.services}


def peak_rss_mb(pid: int) -> float:
    """VmHWM of a process in MiB (NaN if it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return float("nan")


def bench_env(tag: str, *, log_level: str) -> dict[str, str]:
    """Own topics and database per run; no per-key rate limit in the way of the load generator."""
    env = {f"TOUSU_KAFKA_TOPICS__{key.upper()}": f"tousu.{key}.v1.bench{tag}" for key in TOPIC_KEYS}
    return env | {
        "TOUSU_MONGODB_DATABASE": f"bench_{tag}",
        "TOUSU_RATE_LIMIT_PER_S": "1000000",
        "TOUSU_RATE_LIMIT_BURST": "1000000",
        "TOUSU_LOG_LEVEL": log_level,
        "TOUSU_ENVIRONMENT": "development",
    }


@contextmanager
def running_stack(found: Backends, data_dir: Path, *, tag: str, log_level: str) -> Iterator[Stack]:
    """Start intake, analysis, escalation and follow-up as processes; stop them on exit."""
    (data_dir / "logs").mkdir(parents=True, exist_ok=True)
    env = bench_env(tag, log_level=log_level)
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # start_service passes os.environ down to each process
    services: list[ServiceProcess] = []
    try:
        keys = load_secrets(data_dir)
        for name in SERVICES:
            services.append(start_service(found, name, free_port(), data_dir, keys))
        wait_healthy(services, timeout_s=120)
        topics = Topics(**{key: env[f"TOUSU_KAFKA_TOPICS__{key.upper()}"] for key in TOPIC_KEYS})
        yield Stack(services, keys["dev_api_key"], topics, env["TOUSU_MONGODB_DATABASE"])
    finally:
        stop_services(services)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
