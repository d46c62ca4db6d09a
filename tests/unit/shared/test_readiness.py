"""`GET /readyz` names each dependency it is waiting for and why, in the problem+json it always had."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from tousu_shared.http import ReadyCheck, ops_router

pytestmark = pytest.mark.unit


async def _ok() -> None:
    return None


async def _reconnecting() -> None:
    raise ConnectionError("not connected to Kafka yet (reconnecting)")


async def _hangs() -> None:
    await asyncio.sleep(10)


async def _readyz(**checks: ReadyCheck) -> httpx.Response:
    app = FastAPI()
    app.include_router(ops_router(service="intake", registry=CollectorRegistry(), checks=checks, timeout_s=0.05))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        return await client.get("/readyz")


async def test_readyz_says_which_dependency_it_is_waiting_for_and_why() -> None:
    response = await _readyz(mongodb=_hangs, kafka=_reconnecting)
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["title"] == "Not ready" and body["service"] == "intake"
    assert body["waiting_for"] == [
        "mongodb: no answer within 0.05 s",
        "kafka: not connected to Kafka yet (reconnecting)",
    ]
    assert body["checks"] == {
        "mongodb": "TimeoutError: no answer within 0.05 s",
        "kafka": "ConnectionError: not connected to Kafka yet (reconnecting)",
    }
    assert "kafka: not connected to Kafka yet (reconnecting)" in body["detail"]


async def test_readyz_is_200_with_every_check_ok() -> None:
    response = await _readyz(mongodb=_ok, kafka=_ok)
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "service": "intake", "checks": {"mongodb": "ok", "kafka": "ok"}}
