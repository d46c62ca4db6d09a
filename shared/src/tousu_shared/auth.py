"""Bearer API-key authentication for the services' HTTP APIs: cached lookup, per-key rate limit, `require(scope)`.

A service builds one `Authenticator` over its own key collection, puts it on `app.state.authenticator`
in its lifespan, calls `install(app)` for the 401/403/429 problem+json answers, and guards each route
with `Depends(require(scope))`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Protocol

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tousu_shared.apikeys import ApiKey, TokenBucket, bearer_secret, hash_key
from tousu_shared.http import problem

CACHE_MAX = 10_000  # bounded: unknown keys must not grow memory without limit


class Unauthorized(Exception):
    """Missing, unknown, revoked or expired API key, or a rotated-away secret (→ 401)."""

    def __init__(self, detail: str, *, reason: str | None = None) -> None:
        super().__init__(detail)
        self.reason = reason  # a stable code beside the wording: `expired` or `rotated`


class Forbidden(Exception):
    """The key lacks the scope or channel (→ 403)."""


class RateLimited(Exception):
    """The key is over its rate limit (→ 429 with Retry-After)."""

    def __init__(self, retry_after_s: float) -> None:
        super().__init__(f"retry after {retry_after_s:.2f} s")
        self.retry_after_s = retry_after_s


class KeyLookup(Protocol):
    """The one read the authenticator needs from a key store."""

    async def by_hash(self, key_hash: str) -> ApiKey | None:
        """The key with this hash, revoked or not."""
        ...


class Authenticates(Protocol):
    """What `require()` finds on `app.state.authenticator`."""

    async def authenticate(self, authorization: str | None) -> ApiKey:
        """The live key behind an `Authorization` header, or Unauthorized / RateLimited."""
        ...


class Authenticator:
    """Verifies keys against their stored hashes (cached briefly) and meters each key with a token bucket."""

    def __init__(
        self,
        *,
        keys: KeyLookup,
        rate_per_s: float,
        burst: int,
        cache_s: float,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._keys, self._clock, self._now = keys, clock, now
        self._rate, self._burst, self._cache_s = rate_per_s, burst, cache_s
        self._cache: dict[str, tuple[float, ApiKey | None]] = {}
        self._buckets: dict[str, TokenBucket] = {}

    async def authenticate(self, authorization: str | None) -> ApiKey:
        """The key behind an `Authorization: Bearer` header, rate-limited."""
        secret = bearer_secret(authorization)
        if secret is None:
            raise Unauthorized("missing bearer API key")
        key = await self._lookup(hash_key(secret))
        if key is None:
            raise Unauthorized("unknown or revoked API key")
        refusal = key.refusal(now=self._now())  # checked on every call: a cached key still expires on time
        if refusal is not None:
            raise Unauthorized(refusal, reason=_reason(key))
        self._meter(key)
        return key

    async def _lookup(self, key_hash: str) -> ApiKey | None:
        now = self._clock()
        cached = self._cache.get(key_hash)
        if cached is not None and now - cached[0] < self._cache_s:
            return cached[1]
        key = await self._keys.by_hash(key_hash)
        if len(self._cache) > CACHE_MAX:
            self._cache.clear()
        self._cache[key_hash] = (now, key)
        return key

    def _meter(self, key: ApiKey) -> None:
        bucket = self._buckets.setdefault(key.key_id, TokenBucket(rate=self._rate, burst=self._burst))
        wait = bucket.take(now=self._clock())
        if wait is not None:
            raise RateLimited(wait)


def _reason(key: ApiKey) -> str | None:
    return None if key.revoked else "rotated" if key.superseded else "expired"


def require(scope: str) -> Callable[[Request], Awaitable[ApiKey]]:
    """A dependency that authenticates the caller (via `app.state.authenticator`) and demands `scope`."""

    async def dependency(request: Request) -> ApiKey:
        authenticator: Authenticates = request.app.state.authenticator
        key = await authenticator.authenticate(request.headers.get("authorization"))
        if not key.has(scope):
            raise Forbidden(f"this API key lacks the scope {scope}")
        return key

    return dependency


async def _unauthorized(request: Request, exc: Exception) -> JSONResponse:
    reason = getattr(exc, "reason", None)
    response = problem(401, "Unauthorized", detail=str(exc), **({"reason": reason} if reason else {}))
    response.headers["WWW-Authenticate"] = 'Bearer realm="tousu"'
    return response


async def _forbidden(request: Request, exc: Exception) -> JSONResponse:
    return problem(403, "Forbidden", detail=str(exc))


async def _rate_limited(request: Request, exc: Exception) -> JSONResponse:
    wait = exc.retry_after_s if isinstance(exc, RateLimited) else 1.0
    retry_after = max(1, math.ceil(wait))
    response = problem(429, "Too many requests", detail="this API key is over its rate limit", retry_after=retry_after)
    response.headers["Retry-After"] = str(retry_after)
    return response


def install(app: FastAPI) -> None:
    """Answer Unauthorized/Forbidden/RateLimited as 401 (WWW-Authenticate), 403 and 429 (Retry-After) problem+json."""
    app.add_exception_handler(Unauthorized, _unauthorized)
    app.add_exception_handler(Forbidden, _forbidden)
    app.add_exception_handler(RateLimited, _rate_limited)
