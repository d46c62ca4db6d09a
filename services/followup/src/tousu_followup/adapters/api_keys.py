"""Intake's API-key collection, read only: follow-up verifies the same keys and never writes them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from pymongo.asynchronous.collection import AsyncCollection

from tousu_shared.mongo import Document


def hash_key(secret: str) -> str:
    """The verifier intake stores (`tousu_intake.auth_model.hash_key`): SHA-256 hex of the secret key."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Caller:
    """A verified API key as follow-up needs it."""

    key_id: str
    scopes: frozenset[str]
    channels: frozenset[str]
    read_all: bool

    def has(self, scope: str) -> bool:
        """`admin` implies every scope (as in intake)."""
        return scope in self.scopes or "admin" in self.scopes

    @property
    def visible_channels(self) -> frozenset[str] | None:
        """None = every channel (admin or read_all); otherwise only the key's own channels."""
        return None if "admin" in self.scopes or self.read_all else self.channels


class ApiKeyReader:
    """Looks a key up by its hash in intake's collection (shape: `tousu_intake.adapters.api_keys`)."""

    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._coll = collection

    async def by_secret(self, secret: str) -> Caller | None:
        """The live (not revoked) key with this secret, or None."""
        doc = await self._coll.find_one({"hash": hash_key(secret)}, {"hash": 0})
        if doc is None or doc.get("revoked_at") is not None:
            return None
        return Caller(
            key_id=str(doc["_id"]),
            scopes=frozenset(doc.get("scopes", [])),
            channels=frozenset(doc.get("channels", [])),
            read_all=bool(doc.get("read_all", False)),
        )
