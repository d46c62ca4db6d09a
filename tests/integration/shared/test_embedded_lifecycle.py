"""Embedded servers answer real protocol requests and never outlive their parent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tousu_tools import embedded

pytestmark = pytest.mark.integration


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(") ")[1].startswith("Z"))


def _wait_gone(pids: list[int], timeout_s: float = 20.0) -> list[int]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.1)
    return [p for p in pids if _alive(p)]


def test_servers_answer_protocol_requests_and_stop_cleanly(tmp_path: Path) -> None:
    kafka = embedded.start_kafka(port=embedded.free_port(), log_dir=tmp_path)
    mongo = embedded.start_mongo(port=embedded.free_port(), storage=tmp_path / "db", log_dir=tmp_path)
    try:
        assert embedded.kafka_api_versions("127.0.0.1", kafka.port)
        assert embedded.mongo_ping(embedded.mongo_uri(mongo.port))
    finally:
        kafka.stop()
        mongo.stop()
    assert not embedded.kafka_api_versions("127.0.0.1", kafka.port)
    assert _wait_gone([kafka.proc.pid, mongo.proc.pid]) == []


def test_a_killed_parent_leaves_no_orphan_server(tmp_path: Path) -> None:
    script = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from tousu_tools import embedded
        k = embedded.start_kafka(port=embedded.free_port(), log_dir=Path({str(tmp_path)!r}))
        m = embedded.start_mongo(port=embedded.free_port(), storage=Path({str(tmp_path)!r}) / "db",
                                 log_dir=Path({str(tmp_path)!r}))
        print(k.proc.pid, m.proc.pid, flush=True)
        time.sleep(600)
    """)
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    pids = [int(p) for p in parent.stdout.readline().split()]
    assert len(pids) == 2 and all(_alive(p) for p in pids)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    assert _wait_gone(pids) == [], "servers must die with a crashed parent"


def test_startup_fails_with_a_clear_message_when_the_port_is_taken(tmp_path: Path) -> None:
    first = embedded.start_kafka(port=embedded.free_port(), log_dir=tmp_path)
    try:
        with pytest.raises(embedded.EmbeddedServerError, match="tansu"):
            embedded.start_kafka(port=first.port + 0, log_dir=tmp_path / "second", timeout_s=3)
    finally:
        first.stop()
