"""A service's own API-key collection (`<service>_api_keys`): only hashes of keys are stored.

A rotation moves the current hash into `previous` with the end of its grace period (`until`): the old secret
keeps working until then, and is refused afterwards with its own reason. `expires_at` bounds the whole key.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from tousu_shared.apikeys import ApiKey, dev_key, hash_key
from tousu_shared.logging import get_logger
from tousu_shared.mongo import Document, journaled

if TYPE_CHECKING:
    from tousu_shared.runtime import Runtime

log = get_logger("tousu.apikeys")


class KeyConflict(Exception):
    """The key's hash is already stored here under another key id."""


@dataclass(frozen=True)
class StoredKey:
    """A key as stored, hash included: what `tousu keys sync` copies from one collection to another."""

    key: ApiKey
    key_hash: str
    created_at: datetime | None
    revoked_at: datetime | None
    previous: list[Document] = field(default_factory=list)  # [{hash, until, rotated_at}] of rotated-away secrets


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _key(doc: Document) -> ApiKey:
    return ApiKey(
        key_id=doc["_id"],
        name=doc.get("name", ""),
        channels=frozenset(doc.get("channels", [])),
        scopes=frozenset(doc.get("scopes", [])),
        read_all=bool(doc.get("read_all", False)),
        revoked=doc.get("revoked_at") is not None,
        expires_at=_aware(doc.get("expires_at")),
    )


def _superseded(doc: Document, key_hash: str) -> ApiKey:
    """The key as its rotated-away secret sees it: valid until the end of the grace (or the key's expiry)."""
    key = _key(doc)
    until = min(p["until"].replace(tzinfo=UTC) for p in doc.get("previous", []) if p.get("hash") == key_hash)
    expires = until if key.expires_at is None else min(until, key.expires_at)
    return replace(key, superseded=True, expires_at=expires)


def _fields(key: ApiKey, key_hash: str) -> Document:
    return {
        "hash": key_hash,
        "name": key.name,
        "channels": sorted(key.channels),
        "scopes": sorted(key.scopes),
        "read_all": key.read_all,
        "expires_at": key.expires_at,
    }


class ApiKeyRepository:
    """Stores API keys by id with a unique index on the key hash."""

    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._coll = journaled(collection)

    @property
    def collection(self) -> str:
        """The collection's name (for logs and CLI output)."""
        return self._coll.name

    async def ensure_indexes(self) -> None:
        """Lookup by hash is the hot path of every request."""
        await self._coll.create_index("hash", unique=True, name="hash")
        await self._coll.create_index("previous.hash", name="previous_hash")

    async def by_hash(self, key_hash: str) -> ApiKey | None:
        """The key with this hash, revoked or not; a rotated-away secret comes back `superseded`."""
        doc = await self._coll.find_one({"hash": key_hash})
        if doc is not None:
            return _key(doc)
        old = await self._coll.find_one({"previous.hash": key_hash})  # only for unknown or rotated secrets
        return _superseded(old, key_hash) if old else None

    async def save(self, key: ApiKey, *, key_hash: str) -> None:
        """Create or replace a key (by id); a saved key is live."""
        await self._coll.update_one(
            {"_id": key.key_id},
            {"$set": _fields(key, key_hash) | {"revoked_at": None}, "$setOnInsert": {"created_at": datetime.now(UTC)}},
            upsert=True,
        )

    async def all(self) -> list[tuple[ApiKey, datetime | None]]:
        """Every key with its creation time (no secrets)."""
        docs = await self._coll.find({}, {"hash": 0, "previous": 0}).sort("_id").to_list()
        return [(_key(d), d.get("created_at")) for d in docs]

    async def get(self, key_id: str) -> ApiKey | None:
        """One key by id (no secrets)."""
        doc = await self._coll.find_one({"_id": key_id}, {"hash": 0, "previous": 0})
        return _key(doc) if doc else None

    async def rotate(
        self, key_id: str, *, key_hash: str, grace_until: datetime, now: datetime, expires_at: datetime | None = None
    ) -> bool:
        """Replace the key's secret (and its expiry, when given); the current secret stays valid until
        `grace_until`. False when there is no live key with this id."""
        doc = await self._coll.find_one({"_id": key_id, "revoked_at": None})
        if doc is None:
            return False
        old = {"hash": doc["hash"], "until": grace_until, "rotated_at": now}
        changes: Document = {"hash": key_hash, "rotated_at": now}
        if expires_at is not None:
            changes["expires_at"] = expires_at
        result = await self._coll.update_one(
            {"_id": key_id, "hash": doc["hash"]},  # a concurrent rotation wins; this one reports failure
            {"$set": changes, "$push": {"previous": old}},
        )
        return result.matched_count == 1

    async def revoke(self, key_id: str) -> bool:
        """Revoke a key; False when it does not exist."""
        result = await self._coll.update_one({"_id": key_id}, {"$set": {"revoked_at": datetime.now(UTC)}})
        return result.matched_count == 1

    async def stored(self) -> list[StoredKey]:
        """Every key with its hash and times, for copying to another service's collection."""
        docs = await self._coll.find({}).sort("_id").to_list()
        return [
            StoredKey(_key(d), d["hash"], d.get("created_at"), d.get("revoked_at"), d.get("previous", [])) for d in docs
        ]

    async def adopt(self, stored: StoredKey) -> bool:
        """Copy a key in unless its id is here (True when copied); a revocation is carried over, never undone.

        The copy keeps the key's expiry and the grace periods of its rotated-away secrets."""
        times = {"created_at": stored.created_at, "revoked_at": stored.revoked_at, "previous": stored.previous}
        doc = _fields(stored.key, stored.key_hash) | times
        try:
            result = await self._coll.update_one({"_id": stored.key.key_id}, {"$setOnInsert": doc}, upsert=True)
        except DuplicateKeyError as exc:
            raise KeyConflict(f"{stored.key.key_id}: its hash is stored in {self.collection} under another id") from exc
        if result.upserted_id is None and stored.revoked_at is not None:
            await self._coll.update_one(
                {"_id": stored.key.key_id, "revoked_at": None}, {"$set": {"revoked_at": stored.revoked_at}}
            )
        return result.upserted_id is not None


async def upsert_dev_key(keys: ApiKeyRepository, *, secret: str) -> None:
    """Development/test: the key from TOUSU_DEV_API_KEY gets every scope and channel (stored hashed)."""
    key = dev_key()
    await keys.save(key, key_hash=hash_key(secret))
    log.info("development API key installed", key_id=key.key_id, collection=keys.collection)


async def open_key_store(runtime: Runtime, *, dev_api_key: str) -> ApiKeyRepository:
    """This service's own key collection, indexed, with the dev key installed outside production."""
    keys = ApiKeyRepository(runtime.db[runtime.collection_name("api_keys")])
    await keys.ensure_indexes()
    if dev_api_key and runtime.settings.service.environment != "production":
        await upsert_dev_key(keys, secret=dev_api_key)
    return keys
