"""Through the public API, services as processes: the handling plan (处置方案) made at routing, its steps done by
handler actions, one step going overdue when the services' clock moves on (the injected clock), a reopen
re-planning the new cycle, the metrics counting the breach, and the report counting adherence."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Stack, running_stack, stack_env
from tests.e2e.journeys import RESOLVED, client, plain_complaint, poll, view, when_status
from tousu_tools.endpoints import Backends

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]
OFFSET_FILE = "clock-offset-seconds"


@pytest.fixture(scope="module")
def clocked(servers: Backends, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The four services reading one clock-offset file: the test moves every service's time forward."""
    data_dir = tmp_path_factory.mktemp("e2e-plan")
    (data_dir / "logs").mkdir()
    (data_dir / OFFSET_FILE).write_text("0", encoding="utf-8")
    env = stack_env(uuid.uuid4().hex[:8]) | {"TOUSU_CLOCK_OFFSET_FILE": str(data_dir / OFFSET_FILE)}
    with running_stack(servers, data_dir, env=env) as running:
        yield running


@pytest.fixture
def api(clocked: Stack) -> Iterator[httpx.Client]:
    """The intake API with the dev key."""
    with client(clocked.intake, clocked.api_key) as c:
        yield c


def move_clock_to(stack: Stack, moment: datetime) -> None:
    """Every service's clock now reads `moment` (give or take the time the test takes)."""
    offset = (moment - datetime.now(UTC)).total_seconds()
    (stack.data_dir / OFFSET_FILE).write_text(f"{offset:.3f}", encoding="utf-8")


def plan_of(api: httpx.Client, complaint_id: str, *, cycle: int = 1) -> dict[str, Any]:
    """The view's plan once the plan of `cycle` is there."""
    found: dict[str, Any] = poll(
        lambda: (p := view(api, complaint_id).get("plan")) and p["cycle"] == cycle and p,
        what=f"the plan of cycle {cycle} of {complaint_id}",
        timeout_s=90,
    )
    return found


def steps_when(api: httpx.Client, complaint_id: str, want: dict[int, str], *, cycle: int = 1) -> dict[str, Any]:
    """Poll the view until the plan's steps have these states."""

    def check() -> dict[str, Any] | None:
        p = view(api, complaint_id).get("plan")
        ok = p and p["cycle"] == cycle and all(p["steps"][n - 1]["state"] == s for n, s in want.items())
        return p if ok else None

    found: dict[str, Any] = poll(check, what=f"steps {want} of {complaint_id}", timeout_s=90)
    return found


def act(api: httpx.Client, complaint_id: str, kind: str, **fields: Any) -> str:
    """Record an action; return the `ce_id` of its event as the timeline shows it."""
    posted = api.post(f"/v1/complaints/{complaint_id}/actions", json={"type": kind, "actor": "handler-e2e", **fields})
    assert posted.status_code == 201, posted.text
    entries = [e for e in view(api, complaint_id)["timeline"] if e["detail"].get("action") == kind]
    return str(entries[-1]["event_id"])


def work_through(api: httpx.Client, complaint_id: str, *, cycle: int) -> None:
    """Steps 1–5 done by the actions the plan names, each waited for."""
    act(api, complaint_id, "acknowledged")
    act(api, complaint_id, "contacted", note="与客户确认诉求：恢复手机银行验证")
    act(api, complaint_id, "note", note="调取人脸识别日志与开户资料")
    act(api, complaint_id, "resolution_proposed", note="提供视频核验")
    act(api, complaint_id, "resolved", **{k: v for k, v in RESOLVED.items() if k not in ("type", "actor")})
    steps_when(api, complaint_id, dict.fromkeys(range(1, 6), "done"), cycle=cycle)


def second_complaint() -> dict[str, Any]:
    """Another customer's plain complaint in other words (the same text would look like an agent's template)."""
    tag = uuid.uuid4().hex[:10]
    return {
        "channel": "app",
        "channel_ref": f"E2E-{tag}",
        "customer": {"ref": f"CUST-E2E-{tag}", "name": "骆文静", "phone": "13912345678"},
        "product": {"line": "banking", "type": "信用卡"},
        "content": "客户反映本月信用卡账单出现一笔年费扣款，办卡时客户经理告知首年免年费，请核实并说明收费依据。",
        "demands": "说明收费依据",
    }


def metric(stack: Stack, service: str, name: str, **labels: str) -> float:
    """One sample of a service's /metrics (0 when absent)."""
    text = httpx.get(f"{stack.urls[service]}/metrics", timeout=10).text
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        match = re.match(rf"^{name}\{{(.*)\}} (\S+)$", line)
        if match and ",".join(sorted(match.group(1).split(","))) == want:
            return float(match.group(2))
    return 0.0


def test_a_plan_is_followed_breached_re_planned_and_counted_in_the_report(clocked: Stack, api: httpx.Client) -> None:
    body = {k: v for k, v in plain_complaint().items() if k != "received_at"}  # received now, by the services' clock
    created = api.post("/v1/complaints", json=body)
    assert created.status_code == 201, created.text
    cid = created.json()["complaint_id"]

    # made at routing: six steps, the route's queue, guidance with reasons
    plan = plan_of(api, cid)
    assert [s["step"] for s in plan["steps"]] == [1, 2, 3, 4, 5, 6]
    assert {s["state"] for s in plan["steps"]} == {"pending"} and plan["queue"] == "frontline"
    decision_due = datetime.fromisoformat(view(api, cid)["due_at"])
    assert datetime.fromisoformat(plan["steps"][4]["due_at"]) == decision_due, "step 5 is the regulatory deadline"
    guidance = {g["id"]: g for g in plan["guidance"]}
    assert guidance["taboo.shirking"]["reason"] == "every complaint"
    assert plan["rules_version"]

    # steps done by actions, each pointing at its event on the timeline
    ack = act(api, cid, "acknowledged")
    call = act(api, cid, "contacted", note="与客户确认诉求：恢复手机银行验证")
    plan = steps_when(api, cid, {1: "done", 2: "done", 3: "pending"})
    assert (plan["steps"][0]["done_by"], plan["steps"][1]["done_by"]) == (ack, call)
    assert plan["steps"][1]["done_with"] == "contacted+note"

    # the services' clock passes the investigation step's due time: it goes overdue, in the view and the metrics
    step3_due = datetime.fromisoformat(plan["steps"][2]["due_at"])
    move_clock_to(clocked, step3_due + timedelta(hours=1))
    plan = steps_when(api, cid, {3: "overdue", 4: "pending"})
    assert plan["overdue_steps"] == [3]
    poll(
        lambda: metric(clocked, "escalation", "tousu_plan_steps_overdue", route="standard", step="3") >= 1,
        what="the overdue-steps gauge",
        timeout_s=60,
    )

    # done late; the rest on time; the follow-up schedule times step 6
    act(api, cid, "note", note="调取人脸识别日志与开户资料")
    act(api, cid, "resolution_proposed", note="提供视频核验")
    act(api, cid, "resolved", **{k: v for k, v in RESOLVED.items() if k not in ("type", "actor")})
    plan = steps_when(api, cid, dict.fromkeys(range(1, 6), "done"))
    assert [s["outcome"] for s in plan["steps"][:5]] == ["on_time", "on_time", "late", "on_time", "on_time"]
    plan = poll(
        lambda: (p := view(api, cid)["plan"])["steps"][5]["due_from"] == "followup" and p,
        what="step 6 timed by the survey",
    )
    assert any(r["reason"].startswith("follow-up (回访) scheduled") for r in plan["replans"])
    poll(
        lambda: (
            metric(clocked, "escalation", "tousu_plan_steps_total", route="standard", step="3", outcome="late") == 1
        ),
        what="the late step counted",
    )

    # unsatisfied: the reopen re-plans a new cycle and says why
    when_status(api, cid, "followup_pending")
    assert (
        api.post(f"/v1/complaints/{cid}/feedback", json={"satisfaction": "unsatisfied", "score": 2}).status_code == 201
    )
    plan = plan_of(api, cid, cycle=2)
    assert plan["replans"][0]["reason"].startswith("reopened (unsatisfied)")
    assert {s["state"] for s in plan["steps"]} == {"pending"} and plan["earlier_cycles"] == [1]

    # cycle 2 followed on time and closed; a second complaint followed on time and closed
    work_through(api, cid, cycle=2)
    when_status(api, cid, "followup_pending")
    assert api.post(f"/v1/complaints/{cid}/feedback", json={"satisfaction": "satisfied", "score": 5}).status_code == 201
    other = api.post("/v1/complaints", json=second_complaint())
    assert other.status_code == 201, other.text
    oid = other.json()["complaint_id"]
    plan_of(api, oid)
    work_through(api, oid, cycle=1)
    when_status(api, oid, "followup_pending")
    assert api.post(f"/v1/complaints/{oid}/feedback", json={"satisfaction": "satisfied", "score": 5}).status_code == 201
    for complaint in (cid, oid):
        when_status(api, complaint, "closed")
        steps_when(api, complaint, {6: "done"}, cycle=2 if complaint == cid else 1)

    # the report counts adherence: one of two closed complaints had every step on time; step 3 was the overdue one
    def adherence() -> dict[str, Any] | None:
        report = api.get("/v1/reports/summary").json()
        part = report.get("plan_adherence") or {}
        return part if part.get("closed") == 2 else None

    part = poll(adherence, what="both closed complaints in the report's adherence", timeout_s=60)
    assert (part["adherent"], part["share"]) == (1, 0.5)
    assert part["by_route"] == [{"key": "standard", "closed": 2, "adherent": 1, "share": 0.5}]
    assert part["most_overdue_step"]["step"] == 3
    assert sum(q["closed"] for q in part["by_queue"]) == 2
    assert {q["key"] for q in part["by_queue"]} <= {"frontline", "specialist", "management"}
    assert sum(p["closed"] for p in part["by_profile"]) >= 2, "each complaint counts under each of its labels"
