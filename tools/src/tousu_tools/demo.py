"""`tousu demo`: post the sample complaints, wait for routing, simulate handling and 回访, print a summary."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tousu_tools.apiclient import ApiError, IntakeApi
from tousu_tools.demo_plan import WINDOW, action_body, feedback_body, load_samples, retimed, step_for

console = Console()
ROUTED = frozenset({"routed", "in_progress", "resolved", "followup_pending", "closed", "reopened", "withdrawn"})
SETTLED = frozenset({"closed", "reopened"})
Stop = Callable[[], bool]


@dataclass
class Posted:
    """One complaint the demo registered."""

    complaint_id: str
    index: int
    cause: str | None
    status: str = "received"
    route: str | None = None
    answered: str | None = None
    errors: list[str] = field(default_factory=list)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    )


def post_samples(api: IntakeApi, *, count: int, now: datetime) -> list[Posted]:
    """Register `count` sample complaints (re-timed to now) with a progress bar."""
    samples = load_samples()[:count]
    bodies = retimed(samples, now=now, run_tag=now.strftime("%m%d%H%M%S"))
    posted = []
    with _progress() as progress:
        task = progress.add_task("posting complaints", total=len(bodies))
        for i, (sample, body) in enumerate(zip(samples, bodies, strict=True)):
            headers = {"Idempotency-Key": body["channel_ref"]}
            created = api.post("/v1/complaints", body, headers=headers)
            posted.append(Posted(created["complaint_id"], i, sample.get("expect", {}).get("cause")))
            progress.advance(task)
    return posted


def refresh(api: IntakeApi, posted: Iterable[Posted], *, since: str) -> None:
    """Update status and route of every posted complaint from the list endpoint (one page per 200)."""
    by_id = {p.complaint_id: p for p in posted}
    cursor: str | None = None
    while True:
        page = api.get("/v1/complaints", **{"from": since, "limit": 200, "cursor": cursor})
        for item in page["items"]:
            if item["complaint_id"] in by_id:
                by_id[item["complaint_id"]].status, by_id[item["complaint_id"]].route = item["status"], item["route"]
        cursor = page.get("next_cursor")
        if not cursor:
            return


def wait_for(
    api: IntakeApi,
    posted: list[Posted],
    *,
    what: str,
    done: Callable[[Posted], bool],
    since: str,
    stop: Stop,
    timeout_s: float,
) -> None:
    """Poll until every complaint satisfies `done` (or the timeout), with a progress bar."""
    deadline = time.monotonic() + timeout_s
    with _progress() as progress:
        task = progress.add_task(what, total=len(posted))
        while time.monotonic() < deadline and not stop():
            refresh(api, posted, since=since)
            finished = sum(1 for p in posted if done(p))
            progress.update(task, completed=finished)
            if finished == len(posted):
                return
            time.sleep(1.0)
    console.print(f"[yellow]{what}: {sum(1 for p in posted if not done(p))} not there yet; going on[/yellow]")


def act(api: IntakeApi, posted: list[Posted], *, stop: Stop) -> None:
    """Each routed complaint's scripted handler actions (acknowledged, contacted, resolved, extension)."""
    with _progress() as progress:
        task = progress.add_task("handler actions", total=len(posted))
        for p in posted:
            if stop():
                return
            for kind in step_for(p.index).actions if p.status in ROUTED else ():
                try:
                    api.post(f"/v1/complaints/{p.complaint_id}/actions", action_body(kind, cause=p.cause))
                except ApiError as exc:
                    p.errors.append(str(exc))
            progress.advance(task)


def answer(api: IntakeApi, posted: list[Posted]) -> None:
    """The follow-up (回访) answers of the resolved complaints that have their survey scheduled."""
    for p in posted:
        satisfaction = step_for(p.index).satisfaction
        if satisfaction and p.status in ("resolved", "followup_pending"):
            try:
                api.post(f"/v1/complaints/{p.complaint_id}/feedback", feedback_body(satisfaction))
                p.answered = satisfaction
            except ApiError as exc:
                p.errors.append(str(exc))


def _table(title: str, counts: Counter[str]) -> Table:
    table = Table(title=title)
    table.add_column(title.split()[-1])
    table.add_column("complaints", justify="right")
    for key, n in counts.most_common():
        table.add_row(key, str(n))
    return table


def print_summary(posted: list[Posted]) -> None:
    """Tables by route, by status and by satisfaction answer."""
    console.print(_table("by route", Counter(p.route or "unrouted" for p in posted)))
    console.print(_table("by status", Counter(p.status for p in posted)))
    console.print(_table("by satisfaction", Counter(p.answered or "not surveyed" for p in posted)))
    errors = [e for p in posted for e in p.errors]
    if errors:
        console.print(f"[yellow]{len(errors)} request(s) refused, e.g. {errors[0]}[/yellow]")


def _answered_settled(p: Posted) -> bool:
    return p.answered is None or p.status in SETTLED


def run_demo(api: IntakeApi, *, count: int, stop: Stop = lambda: False, timeout_s: float = 120.0) -> list[Posted]:
    """The whole life cycle for the sample complaints; returns what was posted with its final state."""
    now = datetime.now(UTC)
    posted = post_samples(api, count=count, now=now)
    since = (now - WINDOW - timedelta(days=1)).isoformat(timespec="seconds")  # the samples are re-timed into WINDOW
    poll = partial(wait_for, api, since=since, stop=stop)
    poll(posted, what="waiting for routing", done=lambda p: p.status in ROUTED, timeout_s=timeout_s)
    act(api, posted, stop=stop)
    resolved = [p for p in posted if step_for(p.index).satisfaction]
    poll(resolved, what="waiting for 回访 surveys", done=lambda p: p.status != "resolved", timeout_s=timeout_s / 2)
    answer(api, resolved)
    poll(resolved, what="waiting for closure / reopen", done=_answered_settled, timeout_s=timeout_s)
    refresh(api, posted, since=since)
    print_summary(posted)
    return posted
