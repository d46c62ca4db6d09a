"""API keys as every service with an HTTP API sees them: scopes, expiry, hashing, bearer parsing, rate (no I/O)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import get_args

from tousu_shared.events.base import Channel

SCOPES = ("complaints:write", "complaints:read", "complaints:act", "admin")
CHANNELS: tuple[str, ...] = get_args(Channel)
KEY_PREFIX = "tsk_"
DEV_KEY_ID = "key_dev"


@dataclass(frozen=True)
class ApiKey:
    """One channel system's credentials: the channels it may post for and its scopes."""

    key_id: str
    name: str
    channels: frozenset[str]
    scopes: frozenset[str]
    read_all: bool = False
    revoked: bool = False
    expires_at: datetime | None = None
    superseded: bool = False  # the secret presented is the one a rotation replaced; it lapses at `expires_at`

    def has(self, scope: str) -> bool:
        """`admin` implies every scope."""
        return scope in self.scopes or "admin" in self.scopes

    @property
    def reads_all(self) -> bool:
        """May read every complaint, not only those it submitted."""
        return "admin" in self.scopes or (self.read_all and self.has("complaints:read"))

    @property
    def sees_personal_data(self) -> bool:
        """Only `admin` sees personal data in clear."""
        return "admin" in self.scopes

    def refusal(self, *, now: datetime) -> str | None:
        """Why this key is refused at `now` (revoked, expired, or a rotated-away secret past its grace), else None."""
        if self.revoked:
            return "unknown or revoked API key"
        if self.expires_at is None or now < self.expires_at:
            return None
        when = self.expires_at.isoformat()
        if self.superseded:
            return f"this API key was rotated: its previous secret stopped working at {when}; use the new secret"
        return f"this API key expired at {when}"

    @property
    def visible_channels(self) -> frozenset[str] | None:
        """None = every channel (admin or read_all); otherwise only the key's own channels."""
        return None if self.reads_all else self.channels


def dev_key() -> ApiKey:
    """The development key (`TOUSU_DEV_API_KEY`): every scope and channel, reads everything."""
    return ApiKey(
        key_id=DEV_KEY_ID,
        name="development key (tousu dev)",
        channels=frozenset(CHANNELS),
        scopes=frozenset(SCOPES),
        read_all=True,
    )


def hash_key(secret: str) -> str:
    """Keys are high-entropy random strings, so a plain SHA-256 is a safe verifier."""
    return hashlib.sha256(secret.encode()).hexdigest()


def generate_key() -> tuple[str, str]:
    """A new (key id, secret key); the secret is shown once and only its hash is stored."""
    key_id = f"key_{secrets.token_hex(6)}"
    return key_id, f"{KEY_PREFIX}{secrets.token_urlsafe(32)}"


def bearer_secret(authorization: str | None) -> str | None:
    """The secret of an `Authorization: Bearer <key>` header; None when missing or of another scheme."""
    scheme, _, secret = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


@dataclass
class TokenBucket:
    """`rate` tokens per second up to `burst`; `take` returns the wait in seconds when empty."""

    rate: float
    burst: int
    tokens: float = field(init=False)
    at: float = field(default=0.0)

    def __post_init__(self) -> None:
        self.tokens = float(self.burst)

    def take(self, *, now: float) -> float | None:
        """Take one token: None when allowed, else seconds until the next token."""
        self.tokens = min(float(self.burst), self.tokens + (now - self.at) * self.rate) if self.at else self.tokens
        self.at = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return None
        return (1.0 - self.tokens) / self.rate
