"""`promtool check metrics` accepts every service's real /metrics, alone and after a complaint went through."""

from __future__ import annotations

import random
import shutil
import subprocess
from contextlib import AsyncExitStack

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import SettingsFactory
from tests.integration.intake.bodies import complaint
from tests.integration.intake.conftest import DEV_KEY, intake_config
from tests.support.servers import eventually, serve_app
from tousu_shared.settings import SERVICES, MetricsSettings, ServiceName

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool not installed (apt-get install prometheus)"),
]


def create_app(make_settings: SettingsFactory, name: ServiceName) -> FastAPI:
    """The service's app from its own composition root, on this test's topics and database."""
    settings = make_settings(name).model_copy(update={"metrics": MetricsSettings(consumer_lag_interval_s=0.2)})
    if name == "intake":
        from tousu_intake.bootstrap import create_app as intake_app

        return intake_app(settings, intake=intake_config())
    module = __import__(f"tousu_{name}.bootstrap", fromlist=["create_app"])
    app: FastAPI = module.create_app(settings)
    return app


def promtool_check(exposition: str) -> subprocess.CompletedProcess[str]:
    """promtool's linter over one exposition (stdin); non-zero on a format error or a lint problem."""
    return subprocess.run(
        ["promtool", "check", "metrics"], input=exposition, capture_output=True, text=True, timeout=30, check=False
    )


async def scrape(url: str) -> str:
    """GET /metrics exactly as Prometheus would."""
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{url}/metrics", follow_redirects=False)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


def test_promtool_lint_rejects_a_badly_named_counter() -> None:
    bad = "# HELP tousu_things Things.\n# TYPE tousu_things counter\ntousu_things 1\n"
    result = promtool_check(bad)
    assert result.returncode != 0 and "_total" in result.stdout + result.stderr


@pytest.mark.parametrize("name", SERVICES)
async def test_a_fresh_service_exposes_lint_clean_metrics(make_settings: SettingsFactory, name: ServiceName) -> None:
    async with serve_app(create_app(make_settings, name), ready_timeout_s=60) as url:
        text = await scrape(url)
    assert "tousu_events_processed_total" in text or "# TYPE tousu_events_processed_total" in text
    result = promtool_check(text)
    assert result.returncode == 0, result.stdout + result.stderr


async def test_metrics_stay_lint_clean_once_a_complaint_has_gone_through_the_pipeline(
    make_settings: SettingsFactory,
) -> None:
    async with AsyncExitStack() as stack:
        urls = {
            name: await stack.enter_async_context(serve_app(create_app(make_settings, name), ready_timeout_s=60))
            for name in SERVICES
        }
        api = await stack.enter_async_context(
            httpx.AsyncClient(base_url=urls["intake"], headers={"Authorization": f"Bearer {DEV_KEY}"}, timeout=30)
        )
        assert (await api.post("/v1/complaints", json=complaint(random.Random()))).status_code == 201

        async def routed() -> bool:
            return "tousu_routed_total{" in await scrape(urls["escalation"])

        await eventually(routed, timeout_s=60)
        texts = {name: await scrape(url) for name, url in urls.items()}
    assert 'tousu_http_request_duration_seconds_bucket{le="0.005",method="POST"' in texts["intake"]
    assert "tousu_faststream_received_messages_total{" in texts["analysis"]
    assert "tousu_consumer_lag{" in texts["escalation"]
    for name, text in texts.items():
        result = promtool_check(text)
        assert result.returncode == 0, f"{name}: {result.stdout}{result.stderr}"
