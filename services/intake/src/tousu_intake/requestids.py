"""Request ids: the caller's `X-Request-ID` when it is a sane token, else a new one; echoed on every response.

The id is on `request.state.request_id` (the audit trail records it) and bound into every log line of the request.
"""

from __future__ import annotations

import re
import uuid

import structlog
from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "x-request-id"
_SANE = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def request_id_from(header: bytes | None) -> str:
    """The caller's id when it is 1–128 characters of [A-Za-z0-9._:-], else a fresh `req_<hex>`."""
    text = header.decode("latin-1") if header else ""
    return text if _SANE.fullmatch(text) else f"req_{uuid.uuid4().hex}"


def request_id(request: Request) -> str:
    """The current request's id (set by `RequestIds`; a fresh one if the middleware is absent)."""
    return str(getattr(request.state, "request_id", None) or request_id_from(None))


class RequestIds:
    """Pure ASGI middleware: assigns the id, exposes it to routes and logs, returns it as `X-Request-ID`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id_from(dict(scope.get("headers") or []).get(HEADER.encode()))
        scope.setdefault("state", {})["request_id"] = rid

        async def with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (HEADER.encode(), rid.encode())]
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=rid):
            await self.app(scope, receive, with_header)
