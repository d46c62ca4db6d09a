"""`tousu dev` starts everything, stops everything on Ctrl-C, and reuses its data directory."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from pymongo import MongoClient

from tousu_tools.embedded import free_port

pytestmark = pytest.mark.e2e
SERVICES = ("intake", "analysis", "escalation", "followup")


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(") ", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found: set[int] = set()
    stack = [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.add(child)
            stack.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1][0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _start(data_dir: Path, ports: dict[str, int]) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in ("KAFKA_BOOTSTRAP_SERVERS", "MONGODB_URI")}
    env.update({f"TOUSU_{n.upper()}_PORT": str(ports[n]) for n in SERVICES})
    env.update({"TOUSU_DEV_KAFKA_PORT": str(ports["kafka"]), "TOUSU_DEV_MONGODB_PORT": str(ports["mongo"])})
    return subprocess.Popen(
        [sys.executable, "-m", "tousu_tools.cli", "dev", "--data-dir", str(data_dir)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _wait_ready(ports: dict[str, int], proc: subprocess.Popen[bytes], timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    pending = set(SERVICES)
    while pending and time.monotonic() < deadline:
        assert proc.poll() is None, (proc.stdout.read() if proc.stdout else b"").decode()[-2000:]
        for name in list(pending):
            try:
                if httpx.get(f"http://127.0.0.1:{ports[name]}/readyz", timeout=1).status_code == 200:
                    pending.discard(name)
            except httpx.HTTPError:
                pass
        time.sleep(0.3)
    assert not pending, f"not ready: {pending}"


def _stop(proc: subprocess.Popen[bytes]) -> tuple[int, set[int]]:
    family = _descendants(proc.pid)
    proc.send_signal(signal.SIGINT)
    code = proc.wait(timeout=60)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(_alive(p) for p in family):
        time.sleep(0.2)
    return code, {p for p in family if _alive(p)}


def test_dev_runs_four_services_stops_cleanly_and_keeps_its_data(tmp_path: Path) -> None:
    ports = {n: free_port() for n in (*SERVICES, "kafka", "mongo")}
    data_dir = tmp_path / "tousu-data"
    proc = _start(data_dir, ports)
    try:
        _wait_ready(ports, proc)
        assert len(_descendants(proc.pid)) >= 6, "broker, database and four service processes"
        key = (data_dir / "dev-api-key").read_text().strip()
        assert key.startswith("tsk_dev_")
        with MongoClient(f"mongodb://127.0.0.1:{ports['mongo']}/?directConnection=true") as client:
            client["tousu_e2e_probe"]["marks"].insert_one({"_id": "kept", "run": 1})
    finally:
        code, left = _stop(proc)
    assert code == 0
    assert left == set(), f"processes left behind: {left}"

    second = _start(data_dir, ports)
    try:
        _wait_ready(ports, second)
        assert (data_dir / "dev-api-key").read_text().strip() == key, "the dev key is reused"
        with MongoClient(f"mongodb://127.0.0.1:{ports['mongo']}/?directConnection=true") as client:
            assert client["tousu_e2e_probe"]["marks"].find_one({"_id": "kept"}) == {"_id": "kept", "run": 1}
    finally:
        code, left = _stop(second)
    assert code == 0 and left == set()
