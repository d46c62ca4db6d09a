"""Drive `tousu dev` as a subprocess: free ports, its console captured, its process tree, a clean stop."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tousu_tools.embedded import free_port

SERVICES = ("intake", "analysis", "escalation", "followup")


@dataclass
class DevRun:
    """One `tousu dev` process; `lines` collects its console output as it comes."""

    proc: subprocess.Popen[str]
    ports: dict[str, int]
    data_dir: Path
    lines: list[str] = field(default_factory=list)

    def output(self) -> str:
        """Everything printed so far."""
        return "".join(self.lines)

    def pids(self) -> dict[str, int]:
        """`{name: pid}` from the pid file `tousu dev` keeps current (empty before it is written)."""
        try:
            return {k: int(v) for k, v in json.loads((self.data_dir / "dev-pids.json").read_text()).items()}
        except (OSError, ValueError):
            return {}

    def url(self, service: str) -> str:
        """A service's base URL."""
        return f"http://127.0.0.1:{self.ports[service]}"


def free_ports() -> dict[str, int]:
    """A free port for every service and both embedded servers."""
    return {n: free_port() for n in (*SERVICES, "kafka", "mongo")}


def start_dev(data_dir: Path, ports: dict[str, int], extra_env: dict[str, str] | None = None) -> DevRun:
    """`tousu dev --data-dir DATA_DIR` on these ports, on embedded servers of its own."""
    env = {k: v for k, v in os.environ.items() if k not in ("KAFKA_BOOTSTRAP_SERVERS", "MONGODB_URI")}
    env.update({f"TOUSU_{n.upper()}_PORT": str(ports[n]) for n in SERVICES})
    env.update({"TOUSU_DEV_KAFKA_PORT": str(ports["kafka"]), "TOUSU_DEV_MONGODB_PORT": str(ports["mongo"])})
    env.update({"COLUMNS": "250", **(extra_env or {})})  # console lines unwrapped
    proc = subprocess.Popen(
        [sys.executable, "-m", "tousu_tools.cli", "dev", "--data-dir", str(data_dir)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    run = DevRun(proc, ports, data_dir)
    threading.Thread(target=_drain, args=(run,), daemon=True).start()
    return run


def _drain(run: DevRun) -> None:
    assert run.proc.stdout is not None
    for line in run.proc.stdout:
        run.lines.append(line)


def ready(run: DevRun, service: str) -> bool:
    """True when the service's /readyz answers 200."""
    try:
        return httpx.get(f"{run.url(service)}/readyz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def wait_ready(run: DevRun, timeout_s: float = 90) -> None:
    """Until every service is ready; fail with the console's tail if `tousu dev` exits or time runs out."""
    deadline = time.monotonic() + timeout_s
    pending = set(SERVICES)
    while pending and time.monotonic() < deadline:
        assert run.proc.poll() is None, run.output()[-2000:]
        pending -= {name for name in pending if ready(run, name)}
        time.sleep(0.3)
    assert not pending, f"not ready: {pending}\n{run.output()[-2000:]}"


def descendants(pid: int) -> set[int]:
    """Every process below `pid`."""
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


def alive(pid: int) -> bool:
    """Running (not gone, not a zombie)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1][0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def stop_dev(run: DevRun) -> tuple[int, set[int]]:
    """Ctrl-C; return the exit code and whatever of its process tree is still alive 15 s later."""
    family = descendants(run.proc.pid)
    run.proc.send_signal(signal.SIGINT)
    try:
        code = run.proc.wait(timeout=60)
    except subprocess.TimeoutExpired:  # leave nothing running, then fail
        for pid in (run.proc.pid, *family):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        raise
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(alive(p) for p in family):
        time.sleep(0.2)
    return code, {p for p in family if alive(p)}
