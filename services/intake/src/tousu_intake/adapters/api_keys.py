"""The API-key collection: only hashes of keys are stored."""

from __future__ import annotations

from datetime import UTC, datetime

from pymongo.asynchronous.collection import AsyncCollection

from tousu_intake.auth_model import ApiKey
from tousu_shared.mongo import Document, journaled


def _key(doc: Document) -> ApiKey:
    return ApiKey(
        key_id=doc["_id"],
        name=doc.get("name", ""),
        channels=frozenset(doc.get("channels", [])),
        scopes=frozenset(doc.get("scopes", [])),
        read_all=bool(doc.get("read_all", False)),
        revoked=doc.get("revoked_at") is not None,
    )


class ApiKeyRepository:
    """Stores API keys by id with a unique index on the key hash."""

    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._coll = journaled(collection)

    async def ensure_indexes(self) -> None:
        """Lookup by hash is the hot path of every request."""
        await self._coll.create_index("hash", unique=True, name="hash")

    async def by_hash(self, key_hash: str) -> ApiKey | None:
        """The key with this hash, revoked or not."""
        doc = await self._coll.find_one({"hash": key_hash})
        return _key(doc) if doc else None

    async def save(self, key: ApiKey, *, key_hash: str) -> None:
        """Create or replace a key (by id)."""
        await self._coll.update_one(
            {"_id": key.key_id},
            {
                "$set": {
                    "hash": key_hash,
                    "name": key.name,
                    "channels": sorted(key.channels),
                    "scopes": sorted(key.scopes),
                    "read_all": key.read_all,
                    "revoked_at": None,
                },
                "$setOnInsert": {"created_at": datetime.now(UTC)},
            },
            upsert=True,
        )

    async def all(self) -> list[tuple[ApiKey, datetime | None]]:
        """Every key with its creation time (no secrets)."""
        docs = await self._coll.find({}, {"hash": 0}).sort("_id").to_list()
        return [(_key(d), d.get("created_at")) for d in docs]

    async def revoke(self, key_id: str) -> bool:
        """Revoke a key; False when it does not exist."""
        result = await self._coll.update_one({"_id": key_id}, {"$set": {"revoked_at": datetime.now(UTC)}})
        return result.matched_count == 1
