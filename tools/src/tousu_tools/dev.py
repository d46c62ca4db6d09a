"""`tousu dev`: embedded servers plus the four services as separate processes, supervised, stopped cleanly."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import httpx
from rich.console import Console
from rich.table import Table

from tousu_shared.settings import DEFAULT_PORTS, SERVICES, ServiceName
from tousu_tools import embedded
from tousu_tools.endpoints import Backends, backends, create_topics
from tousu_tools.supervisor import ProcessUnit, Supervised, Supervisor

console = Console()
PID_FILE = "dev-pids.json"  # {name: pid} of every process `tousu dev` supervises, kept current


@dataclass
class ServiceProcess:
    """One running service."""

    name: ServiceName
    port: int
    proc: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        """Base URL."""
        return f"http://127.0.0.1:{self.port}"


def load_secrets(data_dir: Path) -> dict[str, str]:
    """Development secrets, created once and kept in the data directory (mode 0600)."""
    path = data_dir / "secrets.json"
    if path.exists():
        return dict(json.loads(path.read_text()))
    values = {
        "customer_key_secret": secrets.token_urlsafe(32),
        "pii_key": secrets.token_urlsafe(32),
        "dev_api_key": "tsk_dev_" + secrets.token_urlsafe(24),
    }
    path.write_text(json.dumps(values))
    path.chmod(0o600)
    return values


def service_port(name: ServiceName) -> int:
    """Port from TOUSU_<SERVICE>_PORT or the contract default."""
    return int(os.environ.get(f"TOUSU_{name.upper()}_PORT", DEFAULT_PORTS[name]))


def service_env(found: Backends, name: ServiceName, port: int, data_dir: Path, keys: dict[str, str]) -> dict[str, str]:
    """The environment of one service process."""
    env = {**os.environ, **found.env()}
    env.update(
        {
            "TOUSU_NAME": name,
            "TOUSU_PORT": str(port),
            "TOUSU_HOST": os.environ.get("TOUSU_HOST", "127.0.0.1"),
            "TOUSU_ENVIRONMENT": os.environ.get("TOUSU_ENVIRONMENT", "development"),
            "TOUSU_DATA_DIR": str(data_dir),
            "TOUSU_CUSTOMER_KEY_SECRET": os.environ.get("TOUSU_CUSTOMER_KEY_SECRET", keys["customer_key_secret"]),
            "TOUSU_PII_KEY": os.environ.get("TOUSU_PII_KEY", keys["pii_key"]),
            "TOUSU_DEV_API_KEY": keys["dev_api_key"],
        }
    )
    return env


def start_service(
    found: Backends, name: ServiceName, port: int, data_dir: Path, keys: dict[str, str]
) -> ServiceProcess:
    """Spawn `tousu serve NAME` as its own process."""
    if embedded.port_in_use(port):
        raise SystemExit(f"port {port} for {name} is in use; set TOUSU_{name.upper()}_PORT")
    return ServiceProcess(name, port, spawn_service(found, name, port, data_dir, keys))


def spawn_service(
    found: Backends, name: ServiceName, port: int, data_dir: Path, keys: dict[str, str]
) -> subprocess.Popen[bytes]:
    """The `tousu serve NAME` process, appending to `DATA_DIR/logs/NAME.log`."""
    with (data_dir / "logs" / f"{name}.log").open("ab") as log:  # the child keeps its own descriptor
        return embedded.spawn(
            [sys.executable, "-m", "tousu_tools.cli", "serve", name],
            log=log,
            env=service_env(found, name, port, data_dir, keys),
        )


def wait_healthy(services: list[ServiceProcess], timeout_s: float = 60.0) -> None:
    """Poll every /readyz until ready, or fail naming the service and its log."""
    deadline = time.monotonic() + timeout_s
    pending = list(services)
    while pending and time.monotonic() < deadline:
        for svc in list(pending):
            if svc.proc.poll() is not None:
                raise SystemExit(f"{svc.name} exited with code {svc.proc.returncode}; see its log")
            try:
                if httpx.get(f"{svc.url}/readyz", timeout=1.0).status_code == 200:
                    pending.remove(svc)
            except httpx.HTTPError:
                pass
        time.sleep(0.2)
    if pending:
        raise SystemExit(f"not ready after {timeout_s:.0f} s: {', '.join(s.name for s in pending)}")


def stop_services(services: list[ServiceProcess], timeout_s: float = 15.0) -> None:
    """SIGTERM every service, wait, SIGKILL stragglers."""
    for svc in services:
        if svc.proc.poll() is None:
            svc.proc.terminate()
    deadline = time.monotonic() + timeout_s
    for svc in services:
        try:
            svc.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            svc.proc.kill()
            svc.proc.wait()


def print_table(found: Backends, services: list[ServiceProcess], data_dir: Path, api_key: str) -> None:
    """The URLs, ports, dev key and data location."""
    table = Table(title="tousu dev", show_lines=False)
    table.add_column("what")
    table.add_column("where")
    for svc in services:
        table.add_row(svc.name, f"{svc.url}  (/healthz /readyz /metrics)")
    table.add_row("intake API docs", f"{services[0].url}/docs")
    table.add_row(f"Kafka ({found.kind})", found.kafka_bootstrap)
    table.add_row(f"MongoDB ({found.kind})", found.mongo_uri)
    table.add_row("dev API key", f"{api_key}  (also in {data_dir / 'dev-api-key'})")
    table.add_row("data", f"{data_dir.resolve()}  (logs in {data_dir / 'logs'})")
    console.print(table)
    console.print("Press Ctrl-C to stop everything.")


class _Stop:
    requested = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.requested = True


def run_dev(data_dir: Path, *, demo: bool = False) -> int:
    """Start everything, restart what exits until Ctrl-C/SIGTERM or a crash loop, stop everything."""
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "logs").mkdir(exist_ok=True)
    keys = load_secrets(data_dir)
    key_file = data_dir / "dev-api-key"
    key_file.write_text(keys["dev_api_key"] + "\n")
    key_file.chmod(0o600)
    stop = _Stop()
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    kafka_port = int(os.environ.get("TOUSU_DEV_KAFKA_PORT", "9092"))
    mongo_port = int(os.environ.get("TOUSU_DEV_MONGODB_PORT", "27017"))
    for port, what in ((kafka_port, "TOUSU_DEV_KAFKA_PORT"), (mongo_port, "TOUSU_DEV_MONGODB_PORT")):
        if port and embedded.port_in_use(port) and not os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
            raise SystemExit(f"port {port} is in use (another tousu dev?); set {what}")
    with backends(data_dir=data_dir, kafka_port=kafka_port, mongo_port=mongo_port) as found:
        services: list[ServiceProcess] = []
        try:
            for name in SERVICES:
                services.append(start_service(found, name, service_port(name), data_dir, keys))
            wait_healthy(services)
            print_table(found, services, data_dir, keys["dev_api_key"])
            if demo:  # beside the supervisor, so what crashes during the demo is restarted too
                _start_demo(services[0].url, api_key=keys["dev_api_key"], stop=stop)
            code = _supervise(found, services, data_dir, keys, stop)
            stop.requested = True  # ends a demo still running
            return code
        finally:
            console.print("stopping services…")
            stop_services(services)
            console.print("stopping servers…")
    return 0


def _start_demo(url: str, *, api_key: str, stop: _Stop) -> None:
    """Run the demo in a thread of its own."""
    threading.Thread(target=_run_demo, args=(url,), kwargs={"api_key": api_key, "stop": stop}, daemon=True).start()


def _run_demo(url: str, *, api_key: str, stop: _Stop) -> None:
    """`tousu dev --demo`: the demo against the stack just started (Ctrl-C cuts it short)."""
    from tousu_tools.apiclient import ApiError, IntakeApi
    from tousu_tools.demo import run_demo

    api = IntakeApi(url=url, api_key=api_key)
    try:
        run_demo(api, count=96, stop=lambda: stop.requested)
    except (ApiError, httpx.HTTPError) as exc:
        console.print(f"[red]demo failed: {exc}[/red]")
    finally:
        api.close()


def _supervise(
    found: Backends, services: list[ServiceProcess], data_dir: Path, keys: dict[str, str], stop: _Stop
) -> int:
    """Restart whatever exits until Ctrl-C/SIGTERM (0) or a crash loop (1)."""
    supervisor = Supervisor(
        _units(found, services, data_dir, keys),
        console=console,
        log_file=data_dir / "logs" / "dev.log",
        pid_file=data_dir / PID_FILE,
    )
    try:
        return supervisor.run(stop=lambda: stop.requested)
    finally:
        supervisor.close()


def _units(found: Backends, services: list[ServiceProcess], data_dir: Path, keys: dict[str, str]) -> list[Supervised]:
    """The embedded servers we started (if any), then the four services."""
    units: list[Supervised] = []
    if found.kafka is not None:
        units.append(_server_unit(found.kafka, after=lambda: create_topics(found)))
    if found.mongo is not None:  # restarted on the same storage directory: the data is kept
        units.append(_server_unit(found.mongo, after=lambda: None))
    units += [_service_unit(found, svc, data_dir, keys) for svc in services]
    return units


def _service_unit(found: Backends, svc: ServiceProcess, data_dir: Path, keys: dict[str, str]) -> ProcessUnit:
    """A service: the same command, port and environment again."""

    def respawn() -> None:
        svc.proc = spawn_service(found, svc.name, svc.port, data_dir, keys)

    return ProcessUnit(svc.name, str(data_dir / "logs" / f"{svc.name}.log"), lambda: svc.proc, respawn)


def _server_unit(server: embedded.EmbeddedServer, *, after: Callable[[], None]) -> ProcessUnit:
    """An embedded server: the same command on the same port; `after` runs once it answers again.

    The memory-only broker comes back empty, so `after` re-creates the topics (services create them
    only at start-up). What the old broker held is not re-published here.
    """

    def start_again() -> None:
        server.restart()
        after()

    return ProcessUnit(server.name, str(server.log_path), lambda: server.proc, start_again)
