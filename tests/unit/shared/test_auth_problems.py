"""`require(scope)` finds the authenticator on app.state; auth errors answer as 401/403/429 problem+json."""

from __future__ import annotations

from typing import Annotated

import httpx
import pytest
from fastapi import Depends, FastAPI

from tousu_shared import auth
from tousu_shared.apikeys import ApiKey

pytestmark = pytest.mark.unit
READER = ApiKey(key_id="key_r", name="r", channels=frozenset(), scopes=frozenset({"complaints:read"}))


class FakeAuthenticator:
    """Answers by header: the reader's key, a rate limit, or Unauthorized."""

    async def authenticate(self, authorization: str | None) -> ApiKey:
        if authorization == "Bearer reader":
            return READER
        if authorization == "Bearer busy":
            raise auth.RateLimited(1.2)
        raise auth.Unauthorized("missing bearer API key")


def app() -> FastAPI:
    api = FastAPI()
    api.state.authenticator = FakeAuthenticator()
    auth.install(api)

    @api.get("/read")
    async def read(key: Annotated[ApiKey, Depends(auth.require("complaints:read"))]) -> dict[str, str]:
        return {"key": key.key_id}

    @api.get("/write")
    async def write(key: Annotated[ApiKey, Depends(auth.require("complaints:write"))]) -> dict[str, str]:
        return {"key": key.key_id}

    return api


async def get(path: str, authorization: str | None = None) -> httpx.Response:
    headers = {"Authorization": authorization} if authorization else {}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app()), base_url="http://test") as client:
        return await client.get(path, headers=headers)


async def test_a_key_with_the_scope_passes_and_one_without_is_403() -> None:
    assert (await get("/read", "Bearer reader")).json() == {"key": "key_r"}
    forbidden = await get("/write", "Bearer reader")
    assert forbidden.status_code == 403
    assert forbidden.headers["content-type"] == "application/problem+json"
    assert forbidden.json() == {
        "type": "about:blank",
        "title": "Forbidden",
        "status": 403,
        "detail": "this API key lacks the scope complaints:write",
    }


async def test_no_key_is_401_with_www_authenticate() -> None:
    response = await get("/read")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="tousu"'
    assert response.json() == {
        "type": "about:blank",
        "title": "Unauthorized",
        "status": 401,
        "detail": "missing bearer API key",
    }


async def test_over_the_limit_is_429_with_the_wait_rounded_up() -> None:
    response = await get("/read", "Bearer busy")
    assert (response.status_code, response.headers["retry-after"]) == (429, "2")
    assert response.json() == {
        "type": "about:blank",
        "title": "Too many requests",
        "status": 429,
        "detail": "this API key is over its rate limit",
        "retry_after": 2,
    }
