"""A small client of the intake API for the CLI (`tousu demo`, `tousu report`): key lookup, 429 back-off."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import httpx

from tousu_shared.settings import DEFAULT_PORTS

RETRIES = 8


class ApiError(Exception):
    """The intake API answered with an error (its problem+json detail in the message)."""

    def __init__(self, response: httpx.Response) -> None:
        detail = response.text[:500]
        super().__init__(f"{response.request.method} {response.request.url.path} → {response.status_code}: {detail}")
        self.status_code = response.status_code


def default_url() -> str:
    """The local intake URL (TOUSU_INTAKE_PORT or 8000)."""
    return f"http://127.0.0.1:{os.environ.get('TOUSU_INTAKE_PORT', DEFAULT_PORTS['intake'])}"


def resolve_key(*, explicit: str | None, data_dir: Path) -> str:
    """--api-key / TOUSU_API_KEY, else the development key `tousu dev` wrote into the data directory."""
    if explicit:
        return explicit
    path = data_dir / "dev-api-key"
    if path.exists():
        return path.read_text().strip()
    raise SystemExit(f"no API key: pass --api-key, set TOUSU_API_KEY, or run `tousu dev` (writes {path})")


class IntakeApi:
    """JSON calls with the bearer key; waits out rate limits (429 Retry-After) and brief outages."""

    def __init__(self, *, url: str, api_key: str, timeout_s: float = 30.0) -> None:
        headers = {"Authorization": f"Bearer {api_key}"}
        self._client = httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=timeout_s)

    def close(self) -> None:
        """Release the connection pool."""
        self._client.close()

    def call(self, method: str, path: str, *, ok: tuple[int, ...] = (200, 201), **kwargs: Any) -> Any:
        """Send one request; return the JSON body of an expected status, else raise ApiError."""
        response = self._send(method, path, **kwargs)
        if response.status_code not in ok:
            raise ApiError(response)
        return response.json()

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        for attempt in range(RETRIES):
            try:
                response = self._client.request(method, path, **kwargs)
            except httpx.TransportError:
                if attempt == RETRIES - 1:
                    raise
                time.sleep(min(2.0, 0.2 * 2**attempt))
                continue
            if response.status_code != 429:
                return response
            time.sleep(float(response.headers.get("Retry-After", "1")))
        return response

    def get(self, path: str, **params: Any) -> Any:
        """GET with query parameters (None values dropped)."""
        return self.call("GET", path, params={k: v for k, v in params.items() if v is not None})

    def post(self, path: str, body: dict[str, Any], *, headers: dict[str, str] | None = None) -> Any:
        """POST a JSON body."""
        return self.call("POST", path, json=body, headers=headers or {})
