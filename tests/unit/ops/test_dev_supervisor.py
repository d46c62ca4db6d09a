"""`tousu dev`'s supervisor restarts what exits after a doubling delay and gives up only on a crash loop."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from rich.console import Console

from tousu_tools.supervisor import RestartPolicy, Supervisor

pytestmark = pytest.mark.unit


@dataclass
class FakeProcess:
    """Stands in for a child process: `code` is set to make it exit."""

    name: str = "analysis"
    log_hint: str = "logs/analysis.log"
    pid: int = 100
    code: int | None = None
    refuse_to_start: bool = False

    def exit_code(self) -> int | None:
        return self.code

    def restart(self) -> None:
        if self.refuse_to_start:
            raise RuntimeError("port 8001 is taken")
        self.pid, self.code = self.pid + 1, None


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _supervisor(tmp_path: Path, *units: FakeProcess) -> tuple[Supervisor, Clock, io.StringIO]:
    clock, out = Clock(), io.StringIO()
    supervisor = Supervisor(
        list(units),
        console=Console(file=out, width=200),
        log_file=tmp_path / "dev.log",
        pid_file=tmp_path / "dev-pids.json",
        policy=RestartPolicy(),
        clock=clock,
    )
    return supervisor, clock, out


def _log(tmp_path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (tmp_path / "dev.log").read_text().splitlines()]


def _crash_and_restart(supervisor: Supervisor, clock: Clock, unit: FakeProcess, *, code: int = 1) -> float:
    """Make `unit` exit; return the delay the supervisor waited before it was running again."""
    unit.code, started = code, clock.now
    assert supervisor.step()
    while unit.code is not None:
        clock.now += 0.25
        assert supervisor.step()
    return clock.now - started


def test_a_killed_process_is_restarted_after_a_short_delay_with_a_console_line_and_a_log_entry(tmp_path: Path) -> None:
    unit = FakeProcess()
    supervisor, clock, out = _supervisor(tmp_path, unit)
    supervisor.write_pids()
    unit.code = -9
    assert supervisor.step()
    clock.now += 0.25
    assert supervisor.step() and unit.pid == 100, "not before the delay"
    clock.now += 0.25
    assert supervisor.step() and unit.pid == 101
    console = out.getvalue()
    assert "analysis was killed by SIGKILL; restarting in 0.5 s" in console
    assert "analysis restarted (pid 101, was 100)" in console
    events = [(e["event"], e["process"], e["pid"]) for e in _log(tmp_path)]
    assert events == [("process exited", "analysis", 100), ("process restarted", "analysis", 101)]
    assert json.loads((tmp_path / "dev-pids.json").read_text()) == {"analysis": 101}


def test_the_delay_doubles_and_it_gives_up_at_the_fifth_exit_within_a_minute(tmp_path: Path) -> None:
    unit = FakeProcess()
    supervisor, clock, out = _supervisor(tmp_path, unit)
    delays = [_crash_and_restart(supervisor, clock, unit) for _ in range(4)]
    assert delays == [0.5, 1.0, 2.0, 4.0]
    unit.code = 3
    assert not supervisor.step()
    assert supervisor.gave_up is not None
    assert "analysis exited with code 3: 5 exits within 60 s, giving up" in out.getvalue()
    assert "logs/analysis.log" in supervisor.gave_up
    assert _log(tmp_path)[-1]["event"] == "giving up"


def test_exits_a_minute_apart_are_restarted_for_ever_with_the_shortest_delay(tmp_path: Path) -> None:
    unit = FakeProcess()
    supervisor, clock, _ = _supervisor(tmp_path, unit)
    for _ in range(10):
        assert _crash_and_restart(supervisor, clock, unit) == 0.5
        clock.now += 61
    assert unit.pid == 110 and supervisor.gave_up is None


def test_a_restart_that_fails_counts_as_another_exit(tmp_path: Path) -> None:
    unit = FakeProcess(refuse_to_start=True)
    supervisor, clock, out = _supervisor(tmp_path, unit)
    unit.code = 1
    assert supervisor.step()  # exit 1
    for _ in range(3):  # exits 2 to 4: each restart fails
        clock.now += 10
        assert supervisor.step()
    clock.now += 10
    assert not supervisor.step(), "the fifth exit within a minute"
    assert "could not be restarted (port 8001 is taken); restarting in 2 s" in out.getvalue()
    assert supervisor.gave_up is not None


def test_only_the_process_that_exited_is_restarted(tmp_path: Path) -> None:
    kafka, intake = FakeProcess(name="kafka", pid=10), FakeProcess(name="intake", pid=20)
    supervisor, clock, _ = _supervisor(tmp_path, kafka, intake)
    _crash_and_restart(supervisor, clock, kafka, code=-9)
    assert (kafka.pid, intake.pid) == (11, 20)


def test_run_returns_0_when_asked_to_stop_and_1_after_giving_up(tmp_path: Path) -> None:
    unit = FakeProcess()
    supervisor, clock, _ = _supervisor(tmp_path, unit)
    rounds = iter(range(3))
    assert supervisor.run(stop=lambda: next(rounds, None) is None, sleep=lambda s: None) == 0
    unit.refuse_to_start, unit.code = True, 1

    def tick(seconds: float) -> None:
        clock.now += seconds

    assert supervisor.run(stop=lambda: False, interval_s=0.5, sleep=tick) == 1
    supervisor.close()
    assert not (tmp_path / "dev-pids.json").exists()
