"""Run a service app on a real socket in the test's event loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import uvicorn
from fastapi import FastAPI

from tousu_tools.embedded import free_port


@asynccontextmanager
async def serve_app(app: FastAPI, *, ready_timeout_s: float = 30.0) -> AsyncIterator[str]:
    """Start uvicorn on a free loopback port, wait for /readyz, yield the base URL, shut down."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False))
    task = asyncio.create_task(server.serve())
    url = f"http://127.0.0.1:{port}"
    try:
        await wait_ready(url, timeout_s=ready_timeout_s)
        yield url
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=30)


async def wait_ready(url: str, *, timeout_s: float) -> None:
    """Poll /readyz until it answers 200."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    last = "no answer"
    async with httpx.AsyncClient() as client:
        while loop.time() < deadline:
            try:
                response = await client.get(f"{url}/readyz", timeout=2.0)
                if response.status_code == 200:
                    return
                last = f"{response.status_code} {response.text[:300]}"
            except httpx.HTTPError as exc:
                last = f"{type(exc).__name__}: {exc}"
            await asyncio.sleep(0.1)
    raise AssertionError(f"{url} not ready within {timeout_s} s (last /readyz: {last})")


async def eventually(check: object, *, timeout_s: float = 20.0, interval_s: float = 0.1) -> object:
    """Poll an async `check()` until it returns a truthy value; return it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    last: object = None
    while loop.time() < deadline:
        last = await check()  # type: ignore[operator]
        if last:
            return last
        await asyncio.sleep(interval_s)
    raise AssertionError(f"condition not met within {timeout_s} s (last: {last!r})")
