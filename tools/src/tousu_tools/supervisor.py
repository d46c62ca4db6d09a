"""`tousu dev`'s supervisor: restart whatever exits, with bounded backoff, and give up on a crash loop."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TextIO

import structlog
from rich.console import Console
from rich.markup import escape


@dataclass(frozen=True)
class RestartPolicy:
    """Wait `base_delay_s` doubling per recent exit (at most `max_delay_s`); give up at `max_exits` in `window_s`."""

    base_delay_s: float = 0.5
    max_delay_s: float = 10.0
    max_exits: int = 5
    window_s: float = 60.0


@dataclass
class ExitHistory:
    """The recent exits of one process; pure (times are passed in)."""

    policy: RestartPolicy
    exits: list[float] = field(default_factory=list)

    def record(self, now: float) -> None:
        """Note an exit at `now`, forgetting those older than the window."""
        self.exits = [t for t in self.exits if now - t < self.policy.window_s] + [now]

    @property
    def exhausted(self) -> bool:
        """Too many exits within the window: a crash loop, not a crash."""
        return len(self.exits) >= self.policy.max_exits

    def delay_s(self) -> float:
        """How long to wait before the next start."""
        return float(min(self.policy.base_delay_s * 2 ** (len(self.exits) - 1), self.policy.max_delay_s))


class Supervised(Protocol):
    """A process the supervisor can watch and start again."""

    name: str
    log_hint: str

    @property
    def pid(self) -> int:
        """The current process id."""
        ...

    def exit_code(self) -> int | None:
        """None while running, else the exit code (negative: killed by that signal)."""
        ...

    def restart(self) -> None:
        """Start the process again (and whatever must follow, e.g. topics); raise when it cannot."""
        ...


@dataclass
class ProcessUnit:
    """A child process found through `process()` (it changes on every start) and started by `start_again()`."""

    name: str
    log_hint: str
    process: Callable[[], subprocess.Popen[bytes]]
    start_again: Callable[[], None]

    @property
    def pid(self) -> int:
        """The current process id."""
        return self.process().pid

    def exit_code(self) -> int | None:
        """None while running (reaps the process once it has exited)."""
        return self.process().poll()

    def restart(self) -> None:
        """Start it again."""
        self.start_again()


def describe_exit(code: int) -> str:
    """`exited with code 3` or `was killed by SIGKILL`."""
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


@dataclass
class _Watch:
    unit: Supervised
    history: ExitHistory
    restart_at: float | None = None


class Supervisor:
    """Polls every unit; restarts an exited one after its backoff; reports each step on the console and in a log."""

    def __init__(
        self,
        units: list[Supervised],
        *,
        console: Console,
        log_file: Path,
        pid_file: Path,
        policy: RestartPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._watches = [_Watch(u, ExitHistory(policy or RestartPolicy())) for u in units]
        self._console = console
        self._log_stream: TextIO = log_file.open("a", encoding="utf-8")
        self._log = _json_logger(self._log_stream)
        self._pid_file = pid_file
        self._clock = clock
        self.gave_up: str | None = None

    def run(
        self, *, stop: Callable[[], bool], interval_s: float = 0.3, sleep: Callable[[float], None] = time.sleep
    ) -> int:
        """Until `stop()` or a crash loop: 0 when stopped, 1 when it gave up."""
        self.write_pids()
        while not stop():
            if not self.step():
                return 1
            sleep(interval_s)
        return 0

    def step(self) -> bool:
        """One round over every unit; False once a unit has exhausted its restarts."""
        return all(self._step(w) for w in self._watches)

    def close(self) -> None:
        """Remove the pid file and close the log."""
        self._pid_file.unlink(missing_ok=True)
        self._log_stream.close()

    def write_pids(self) -> None:
        """`{name: pid}` of every unit, replaced atomically (tests and operators find processes here)."""
        tmp = self._pid_file.with_suffix(".tmp")
        tmp.write_text(json.dumps({w.unit.name: w.unit.pid for w in self._watches}) + "\n")
        os.replace(tmp, self._pid_file)

    def _step(self, watch: _Watch) -> bool:
        now = self._clock()
        if watch.restart_at is None:
            code = watch.unit.exit_code()
            return code is None or self._exited(watch, describe_exit(code), exit_code=code)
        if now >= watch.restart_at:
            return self._restart(watch)
        return True

    def _exited(self, watch: _Watch, how: str, **fields: object) -> bool:
        unit, history = watch.unit, watch.history
        history.record(self._clock())
        count, policy = len(history.exits), history.policy
        if history.exhausted:
            self.gave_up = (
                f"{unit.name} {how}: {count} exits within {policy.window_s:.0f} s, giving up; "
                f"stopping everything (see {unit.log_hint})"
            )
            self._console.print(f"[bold red]{escape(self.gave_up)}[/bold red]")
            self._log.error("giving up", process=unit.name, pid=unit.pid, exits=count, reason=how, **fields)
            return False
        delay = history.delay_s()
        watch.restart_at = self._clock() + delay
        self._console.print(
            f"[yellow]{unit.name} {escape(how)}; restarting in {delay:g} s "
            f"(exit {count} within {policy.window_s:.0f} s; gives up at {policy.max_exits})[/yellow]"
        )
        self._log.warning(
            "process exited", process=unit.name, pid=unit.pid, reason=how, exits=count, restart_in_s=delay, **fields
        )
        return True

    def _restart(self, watch: _Watch) -> bool:
        unit, old_pid = watch.unit, watch.unit.pid
        watch.restart_at = None
        try:
            unit.restart()
        except Exception as exc:  # a failed start counts as one more exit
            return self._exited(watch, f"could not be restarted ({exc})"[:300])
        self.write_pids()
        self._console.print(f"[green]{unit.name} restarted (pid {unit.pid}, was {old_pid})[/green]")
        self._log.info("process restarted", process=unit.name, pid=unit.pid, previous_pid=old_pid)
        return True


def _json_logger(stream: TextIO) -> structlog.BoundLogger:
    """A JSON-lines logger of its own (the supervisor does not reconfigure global logging)."""
    logger: structlog.BoundLogger = structlog.wrap_logger(
        structlog.WriteLogger(stream),
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ],
        wrapper_class=structlog.BoundLogger,
    )
    return logger.bind(logger="tousu.dev")
