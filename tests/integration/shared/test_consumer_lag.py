"""Consumer lag is exported per service, topic and partition (not exact on the embedded broker)."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import SettingsFactory
from tests.support.servers import eventually, serve_app
from tousu_shared.runtime import Runtime, build_app
from tousu_shared.settings import MetricsSettings, Topics

pytestmark = pytest.mark.integration


async def test_every_assigned_partition_reports_its_lag(make_settings: SettingsFactory, topics: Topics) -> None:
    async def setup(runtime: Runtime) -> None:
        runtime.consume(topics=[topics.analysis], handlers={})

    settings = make_settings("escalation").model_copy(update={"metrics": MetricsSettings(consumer_lag_interval_s=0.2)})

    async def lag_lines(url: str) -> list[str]:
        async with httpx.AsyncClient() as client:
            text = (await client.get(f"{url}/metrics")).text
        return [line for line in text.splitlines() if line.startswith("tousu_consumer_lag{")]

    async with serve_app(build_app(settings, title="probe", setup=setup)) as url:
        lines = await eventually(lambda: _all_partitions(url, lag_lines), timeout_s=30)
    assert all(f'topic="{topics.analysis}"' in line and 'service="escalation"' in line for line in lines)  # type: ignore[union-attr]


async def _all_partitions(url: str, lag_lines) -> list[str] | None:  # type: ignore[no-untyped-def]
    lines = await lag_lines(url)
    return lines if len(lines) == 6 else None
