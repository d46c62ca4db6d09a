"""Every error as RFC 9457 problem+json: validation (422/400), auth (401/403/429, shared), 404, 409, 413, 503."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pymongo.errors import ConnectionFailure
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tousu_intake.domain.errors import ActionRejected, InvalidInput
from tousu_intake.service import ConcurrentUpdate, IdempotencyConflict, NotFound
from tousu_shared import auth
from tousu_shared.http import PROBLEM_JSON, problem

REASONS = {"extra_forbidden": "unknown field", "missing": "required"}


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc[1:]] if loc and loc[0] in ("body", "query", "path", "header") else list(map(str, loc))
    return ".".join(parts) or str(loc[0] if loc else "body")


def field_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    """Each invalid field as {field, reason}; never echoes the submitted value (it may be personal)."""
    return [
        {"field": _field(tuple(e.get("loc", ()))), "reason": REASONS.get(e.get("type", ""), e.get("msg", ""))}
        for e in exc.errors()
    ]


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    if any(e.get("type") == "json_invalid" for e in exc.errors()):
        return problem(
            400,
            "Malformed JSON",
            detail="the request body is not valid JSON",
            errors=[{"field": "body", "reason": "not valid JSON"}],
        )
    return problem(422, "Invalid request", detail="one or more fields are invalid", errors=field_errors(exc))


async def _invalid(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InvalidInput)
    errors = [{"field": e.field, "reason": e.reason} for e in exc.errors]
    return problem(422, "Invalid request", detail="one or more fields are invalid", errors=errors)


def _simple(status: int, title: str) -> Any:
    async def handler(request: Request, exc: Exception) -> JSONResponse:
        reason = getattr(exc, "reason", None) or str(exc)
        if status == 404:
            reason = "no such resource, or not one this API key may see"
        return problem(status, title, detail=reason)

    return handler


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """The database went away mid-request: nothing was acknowledged, so the client may retry (same Idempotency-Key)."""
    response = problem(
        503,
        "Service unavailable",
        detail="the database is unreachable; retry later with the same Idempotency-Key",
        retry_after=2,
    )
    response.headers["Retry-After"] = "2"
    return response


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    response = problem(exc.status_code, str(exc.detail) if exc.detail else "Error")
    response.headers.update(exc.headers or {})
    return response


def install(app: FastAPI) -> None:
    """Register the problem+json handlers on the app."""
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(InvalidInput, _invalid)
    auth.install(app)
    app.add_exception_handler(NotFound, _simple(404, "Not found"))
    app.add_exception_handler(ActionRejected, _simple(409, "Conflict with the complaint's state"))
    app.add_exception_handler(IdempotencyConflict, _simple(409, "Idempotency conflict"))
    app.add_exception_handler(ConcurrentUpdate, _simple(409, "Concurrent update"))
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(ConnectionFailure, _database_unavailable)


class BodyTooLarge(HTTPException):
    """The body exceeded the limit while streaming (no or false Content-Length)."""

    def __init__(self) -> None:
        super().__init__(413, "Request body too large")


class BodyLimit:
    """Pure ASGI middleware: 413 for bodies over the limit, by Content-Length or while streaming."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise BodyTooLarge()
            return message

        await self.app(scope, limited, send)

    async def _reject(self, send: Send) -> None:
        body = problem(413, "Request body too large", detail=f"the limit is {self.max_bytes} bytes").body
        headers = [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})
