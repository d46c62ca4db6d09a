"""Bearer API keys for the worklist, verified like intake's; 401/403 as problem+json."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tousu_followup.adapters.api_keys import ApiKeyReader, Caller
from tousu_shared.http import problem


class Unauthorized(Exception):
    """Missing, unknown or revoked API key (→ 401)."""


class Forbidden(Exception):
    """The key lacks the scope (→ 403)."""


async def authenticate(keys: ApiKeyReader, authorization: str | None) -> Caller:
    """The key behind an `Authorization: Bearer` header."""
    scheme, _, secret = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthorized("missing bearer API key")
    caller = await keys.by_secret(secret.strip())
    if caller is None:
        raise Unauthorized("unknown or revoked API key")
    return caller


def require(scope: str) -> Callable[[Request], Awaitable[Caller]]:
    """A dependency that authenticates the caller and demands `scope`."""

    async def dependency(request: Request) -> Caller:
        caller = await authenticate(request.app.state.followup.keys, request.headers.get("authorization"))
        if not caller.has(scope):
            raise Forbidden(f"this API key lacks the scope {scope}")
        return caller

    return dependency


async def _unauthorized(request: Request, exc: Exception) -> JSONResponse:
    response = problem(401, "Unauthorized", detail=str(exc))
    response.headers["WWW-Authenticate"] = 'Bearer realm="tousu"'
    return response


async def _forbidden(request: Request, exc: Exception) -> JSONResponse:
    return problem(403, "Forbidden", detail=str(exc))


def install(app: FastAPI) -> None:
    """Map the auth errors to problem+json."""
    app.add_exception_handler(Unauthorized, _unauthorized)
    app.add_exception_handler(Forbidden, _forbidden)
