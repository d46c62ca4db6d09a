"""Bearer API-key authentication, scope checks and the per-key rate limit (FastAPI dependencies)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from tousu_intake.adapters.api_keys import ApiKeyRepository
from tousu_intake.auth_model import ApiKey, TokenBucket, hash_key


class Unauthorized(Exception):
    """Missing, unknown or revoked API key (→ 401)."""


class Forbidden(Exception):
    """The key lacks the scope or channel (→ 403)."""


class RateLimited(Exception):
    """The key is over its rate limit (→ 429 with Retry-After)."""

    def __init__(self, retry_after_s: float) -> None:
        super().__init__(f"retry after {retry_after_s:.2f} s")
        self.retry_after_s = retry_after_s


class Authenticator:
    """Verifies keys against their stored hashes (cached briefly) and meters each key."""

    def __init__(self, *, keys: ApiKeyRepository, rate_per_s: float, burst: int, cache_s: float) -> None:
        self._keys = keys
        self._rate, self._burst, self._cache_s = rate_per_s, burst, cache_s
        self._cache: dict[str, tuple[float, ApiKey | None]] = {}
        self._buckets: dict[str, TokenBucket] = {}

    async def authenticate(self, authorization: str | None) -> ApiKey:
        """The key behind an `Authorization: Bearer` header, rate-limited."""
        scheme, _, secret = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise Unauthorized("missing bearer API key")
        key = await self._lookup(hash_key(secret.strip()))
        if key is None or key.revoked:
            raise Unauthorized("unknown or revoked API key")
        self._meter(key)
        return key

    async def _lookup(self, key_hash: str) -> ApiKey | None:
        now = time.monotonic()
        cached = self._cache.get(key_hash)
        if cached is not None and now - cached[0] < self._cache_s:
            return cached[1]
        key = await self._keys.by_hash(key_hash)
        if len(self._cache) > 10_000:
            self._cache.clear()  # bounded: unknown keys must not grow memory without limit
        self._cache[key_hash] = (now, key)
        return key

    def _meter(self, key: ApiKey) -> None:
        bucket = self._buckets.setdefault(key.key_id, TokenBucket(rate=self._rate, burst=self._burst))
        wait = bucket.take(now=time.monotonic())
        if wait is not None:
            raise RateLimited(wait)


def require(scope: str) -> Callable[[Request], Awaitable[ApiKey]]:
    """A dependency that authenticates the caller and demands `scope`."""

    async def dependency(request: Request) -> ApiKey:
        authenticator: Authenticator = request.app.state.intake.authenticator
        key = await authenticator.authenticate(request.headers.get("authorization"))
        if not key.has(scope):
            raise Forbidden(f"this API key lacks the scope {scope}")
        return key

    return dependency


Writer = Annotated[ApiKey, Depends(require("complaints:write"))]
Reader = Annotated[ApiKey, Depends(require("complaints:read"))]
Actor = Annotated[ApiKey, Depends(require("complaints:act"))]
