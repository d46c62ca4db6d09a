"""`tousu dev` brings back each service, the database and the broker after a `kill -9`, and complaints keep flowing.

Complaints acknowledged while services and the database were killed are all routed. The restarted
broker is empty (memory storage): what it held when it died is issue 14 item 1, so only complaints
posted once the stack is ready again are checked after its restart.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.dev_stack import SERVICES, DevRun, alive, descendants, free_ports, start_dev, stop_dev, wait_ready
from tests.e2e.journeys import client, plain_complaint

pytestmark = pytest.mark.e2e
POST_INTERVAL_S = 0.4  # a steady trickle; the embedded database is slow on a loaded 2-core machine


def _until(check: Callable[[], Any], *, what: str, run: DevRun, timeout_s: float) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert run.proc.poll() is None, f"tousu dev exited while waiting for {what}:\n{run.output()[-3000:]}"
        if result := check():
            return result
        time.sleep(0.3)
    raise AssertionError(f"{what}: not within {timeout_s:.0f} s\n{run.output()[-3000:]}")


class Poster:
    """Posts a complaint every POST_INTERVAL_S while `running()`; keeps (posted_at, complaint_id) of each 201/200."""

    def __init__(self, api: httpx.Client) -> None:
        self.api = api
        self.acked: list[tuple[float, str]] = []
        self._stop = threading.Event()

    def _loop(self) -> None:
        while not self._stop.is_set():
            posted_at = time.monotonic()
            try:
                response = self.api.post("/v1/complaints", json=plain_complaint(), timeout=10)
            except httpx.HTTPError:  # intake is down or restarting
                response = None
            if response is not None and response.status_code in (200, 201):
                self.acked.append((posted_at, response.json()["complaint_id"]))
            self._stop.wait(POST_INTERVAL_S)

    @contextmanager
    def running(self) -> Iterator[Poster]:
        """Post in the background for the duration of the block."""
        self._stop.clear()
        thread = threading.Thread(target=self._loop, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join(timeout=30)


def _kill_and_wait_back(run: DevRun, names: tuple[str, ...], *, timeout_s: float) -> dict[str, int]:
    """`kill -9` each named process, wait for new pids and every service ready; return the old pids."""
    old = run.pids()
    for name in names:
        os.kill(old[name], signal.SIGKILL)
    back = _until(
        lambda: all(run.pids().get(n) not in (None, old[n]) for n in names) and run.pids(),
        what=f"{', '.join(names)} restarted",
        run=run,
        timeout_s=timeout_s,
    )
    for name in names:
        assert alive(back[name]) and back[name] in descendants(run.proc.pid), f"{name}: new pid {back[name]} running"
        assert f"{name} was killed by SIGKILL; restarting in" in run.output()
        assert f"{name} restarted (pid {back[name]}, was {old[name]})" in run.output()
    wait_ready(run, timeout_s=timeout_s)
    return old


def _routed(api: httpx.Client, complaint_id: str) -> bool:
    response = api.get(f"/v1/complaints/{complaint_id}", timeout=10)
    return response.status_code == 200 and any(e["type"] == "complaint.routed" for e in response.json()["timeline"])


def _all_routed(api: httpx.Client, ids: list[str], *, run: DevRun, what: str, timeout_s: float) -> None:
    pending = set(ids)

    def check() -> bool:
        pending.difference_update({i for i in list(pending) if _routed(api, i)})
        return not pending

    try:
        _until(check, what=what, run=run, timeout_s=timeout_s)
    except AssertionError as exc:
        raise AssertionError(f"{len(pending)} of {len(ids)} not routed, e.g. {sorted(pending)[:5]}: {exc}") from None


def test_dev_restarts_every_killed_process_and_complaints_keep_being_routed(tmp_path: Path) -> None:
    run = start_dev(tmp_path / "tousu-data", free_ports(), {"TOUSU_RATE_LIMIT_PER_S": "1000"})
    try:
        wait_ready(run)
        _until(lambda: set(run.pids()) == {"kafka", "mongodb", *SERVICES}, what="the pid file", run=run, timeout_s=30)
        key = (run.data_dir / "dev-api-key").read_text().strip()
        api, poster = client(run.url("intake"), key), Poster(client(run.url("intake"), key))

        with poster.running():  # services, then the database, killed while complaints flow
            _until(lambda: len(poster.acked) >= 5, what="complaints flowing", run=run, timeout_s=30)
            _kill_and_wait_back(run, SERVICES, timeout_s=90)
            _until(lambda: len(poster.acked) >= 15, what="complaints flowing again", run=run, timeout_s=30)
            _kill_and_wait_back(run, ("mongodb",), timeout_s=60)
            _until(lambda: len(poster.acked) >= 25, what="complaints after the database restart", run=run, timeout_s=30)
        before_broker = [cid for _, cid in poster.acked]
        _all_routed(api, before_broker, run=run, what="complaints acknowledged around the kills", timeout_s=90)

        poster.acked.clear()
        with poster.running():
            _kill_and_wait_back(run, ("kafka",), timeout_s=60)
            settled_at = time.monotonic()
            _until(
                lambda: sum(t >= settled_at for t, _ in poster.acked) >= 10,
                what="complaints after the broker restart",
                run=run,
                timeout_s=45,
            )
        after_broker = [cid for t, cid in poster.acked if t >= settled_at]
        _all_routed(api, after_broker, run=run, what="complaints posted after the broker restart", timeout_s=90)
    finally:
        code, left = stop_dev(run)
    assert code == 0, run.output()[-3000:]
    assert left == set(), f"processes left behind: {left}"
