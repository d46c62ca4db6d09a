"""Public-API helpers for the e2e journeys: a client, polling with a timeout, timeline checks."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

TIERS = ("L1", "L2", "L3")


def client(url: str, api_key: str) -> httpx.Client:
    """A client with the dev key."""
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {api_key}"}, timeout=30)


def poll(check: Callable[[], Any], *, what: str, timeout_s: float = 60.0) -> Any:
    """Call `check()` until it returns something truthy; fail naming `what` and the last value."""
    deadline = time.monotonic() + timeout_s
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.3)
    raise AssertionError(f"{what}: not within {timeout_s} s (last: {last!r})")


def plain_complaint() -> dict[str, Any]:
    """A plain, first-time banking complaint that routes standard L1."""
    tag = uuid.uuid4().hex[:10]
    return {
        "channel": "hotline",
        "channel_ref": f"E2E-{tag}",
        "received_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(timespec="seconds"),
        "customer": {"ref": f"CUST-E2E-{tag}", "name": "宣晓辉", "phone": "19854510870"},
        "product": {"line": "banking", "type": "借记卡"},
        "content": "客户来电称，其借记卡绑定的手机号已变更，在手机银行修改预留手机号时一直提示“人脸识别失败”，"
        "尝试多次未成功，客户人在外地无法到网点办理，要求提供其他验证方式。",
        "demands": "提供其他验证方式",
    }


RESOLVED = {
    "type": "resolved",
    "actor": "handler-e2e",
    "decision": "协助远程办理",
    "remedy": "提供视频核验渠道",
    "root_cause": "人脸识别阈值过严",
    "remediation": "调整识别阈值并增加备用核验方式",
}


def view(api: httpx.Client, complaint_id: str) -> dict[str, Any]:
    """GET the complaint's view (200 asserted)."""
    response = api.get(f"/v1/complaints/{complaint_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def when_status(api: httpx.Client, complaint_id: str, status: str, *, timeout_s: float = 60.0) -> dict[str, Any]:
    """Poll the view until it has this status."""
    found: dict[str, Any] = poll(
        lambda: (v := view(api, complaint_id))["status"] == status and v,
        what=f"{complaint_id} to be {status}",
        timeout_s=timeout_s,
    )
    return found


def types(timeline: list[dict[str, Any]]) -> list[str]:
    """The event types of a timeline, in its order."""
    return [e["type"] for e in timeline]


def in_order(timeline: list[dict[str, Any]], expected: list[str]) -> bool:
    """True when `expected` is a subsequence of the timeline's event types (other events may interleave)."""
    remaining = iter(types(timeline))
    return all(any(t == want for t in remaining) for want in expected)


def tier_rank(tier: str | None) -> int:
    """L1 → 0, L2 → 1, L3 → 2."""
    assert tier in TIERS, tier
    return TIERS.index(tier)
