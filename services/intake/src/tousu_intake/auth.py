"""The scope-checked callers of intake's routes (the key stack itself is `tousu_shared.auth`).

Every request an `admin` key makes is appended to the audit trail (`admin.used`), except registration (the hot
path, which discloses nothing the caller did not send) and the complaint view, which records what it disclosed
instead (`PersonalReader`). Other keys write nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from tousu_intake.requestids import request_id
from tousu_shared.apikeys import ApiKey
from tousu_shared.auth import require


def route_of(request: Request) -> str:
    """`METHOD /route/{template}`, never the raw path."""
    template = getattr(request.scope.get("route"), "path", None) or "unmatched"
    return f"{request.method} {template}"


def audited(scope: str) -> Callable[[Request], Awaitable[ApiKey]]:
    """`require(scope)`, and an `admin.used` entry when the key is an admin key."""
    check = require(scope)

    async def dependency(request: Request) -> ApiKey:
        key = await check(request)
        if key.sees_personal_data:
            await request.app.state.audit.admin_used(
                key=key,
                request_id=request_id(request),
                route=route_of(request),
                complaint_id=request.path_params.get("complaint_id"),
            )
        return key

    return dependency


Writer = Annotated[ApiKey, Depends(require("complaints:write"))]
Reader = Annotated[ApiKey, Depends(audited("complaints:read"))]
Actor = Annotated[ApiKey, Depends(audited("complaints:act"))]
PersonalReader = Annotated[ApiKey, Depends(require("complaints:read"))]  # the route records its disclosure
Admin = Annotated[ApiKey, Depends(audited("admin"))]
