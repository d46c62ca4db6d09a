"""A service whose broker and database died still stops promptly on SIGTERM (no hanging orphan)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tousu_tools import embedded

pytestmark = pytest.mark.integration


def _ready(url: str, proc: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the service exited during start-up"
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("service not ready")


def test_sigterm_stops_a_service_whose_dependencies_were_killed(tmp_path: Path) -> None:
    kafka = embedded.start_kafka(port=embedded.free_port(), log_dir=tmp_path)
    mongo = embedded.start_mongo(port=embedded.free_port(), storage=tmp_path / "db", log_dir=tmp_path)
    port = embedded.free_port()
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{kafka.port}",
        "MONGODB_URI": embedded.mongo_uri(mongo.port),
        "TOUSU_KAFKA_IDEMPOTENCE": "false",
        "TOUSU_ENVIRONMENT": "test",
        "TOUSU_PORT": str(port),
        "TOUSU_KAFKA_SESSION_TIMEOUT_MS": "3000",
    }
    service = subprocess.Popen(
        [sys.executable, "-m", "tousu_tools.cli", "serve", "analysis"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _ready(f"http://127.0.0.1:{port}", service)
        kafka.proc.kill()
        mongo.proc.kill()
        started = time.monotonic()
        service.send_signal(signal.SIGTERM)
        code = service.wait(timeout=60)
        took = time.monotonic() - started
    finally:
        if service.poll() is None:
            service.kill()
        kafka.stop()
        mongo.stop()
    assert code in (0, -signal.SIGTERM), f"exit code {code}"  # uvicorn re-raises SIGTERM after a graceful stop
    assert took < 45, f"shutdown took {took:.0f} s"
