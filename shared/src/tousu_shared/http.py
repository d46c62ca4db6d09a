"""`/healthz`, `/readyz` and `/metrics` for every service, plus the problem+json error shape."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry

from tousu_shared.metrics import CONTENT_TYPE_LATEST, exposition

ReadyCheck = Callable[[], Awaitable[object]]
PROBLEM_JSON = "application/problem+json"


def problem(status: int, title: str, *, detail: str | None = None, **extra: object) -> JSONResponse:
    """An RFC 9457 problem+json response."""
    body: dict[str, object] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


async def _run_check(check: ReadyCheck, timeout_s: float) -> Exception | None:
    try:
        await asyncio.wait_for(check(), timeout=timeout_s)
    except TimeoutError:
        return TimeoutError(f"no answer within {timeout_s:g} s")
    except Exception as exc:
        return exc
    return None


def _reason(exc: Exception) -> str:
    """What a failed check is waiting for, e.g. `not connected to Kafka yet (reconnecting)`."""
    return (str(exc) or type(exc).__name__)[:200]


def ops_router(
    *, service: str, registry: CollectorRegistry, checks: Mapping[str, ReadyCheck], timeout_s: float = 2.0
) -> APIRouter:
    """Liveness, readiness (every dependency answers) and the Prometheus exposition."""
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", summary="Liveness")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": service}

    @router.get("/readyz", summary="Readiness: broker and database reachable")
    async def readyz() -> Response:
        names = list(checks)
        results = await asyncio.gather(*(_run_check(checks[n], timeout_s) for n in names))
        failed = {n: exc for n, exc in zip(names, results, strict=True) if exc is not None}
        if failed:
            waiting_for = [f"{n}: {_reason(exc)}" for n, exc in failed.items()]
            reasons = {n: f"{type(exc).__name__}: {_reason(exc)}"[:200] for n, exc in failed.items()}
            detail = "waiting for " + "; ".join(waiting_for)
            return problem(503, "Not ready", detail=detail, service=service, checks=reasons, waiting_for=waiting_for)
        return JSONResponse({"status": "ready", "service": service, "checks": dict.fromkeys(names, "ok")})

    @router.get("/metrics", summary="Prometheus exposition", include_in_schema=False)
    async def metrics() -> Response:
        return Response(exposition(registry), media_type=CONTENT_TYPE_LATEST)

    return router
