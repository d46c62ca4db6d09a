"""Hand-written in-memory fakes of intake's ports: the Mongo adapters' semantics without a server."""

from __future__ import annotations

import copy
import json
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tousu_intake.ports import DuplicateComplaint
from tousu_shared.mongo import Document

HIDDEN_FROM_PAGES = ("outbox", "pii", "timeline", "analysis")  # as the repository's list projection
ORIGINAL_FIELDS = ("_id", "response", "request_hash", "idempotency_scope", "channel_ref")


OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "$gte": operator.ge,
    "$lt": operator.lt,
    "$in": lambda value, bound: value in bound,
}


def _matches(doc: Document, query: Document) -> bool:
    """Equality per field, or the `$gte` / `$lt` / `$in` bounds the views and read model use."""
    for name, wanted in query.items():
        value = doc.get(name)
        if not isinstance(wanted, dict):
            if value != wanted:
                return False
        elif value is None or not all(OPERATORS[op](value, bound) for op, bound in wanted.items()):
            return False
    return True


def apply_update(doc: Document, update: Mapping[str, Any]) -> None:
    """The update operators intake writes: `$set`, `$push` (with `$each`), `$min`, `$inc`; no dotted paths."""
    for op, fields in update.items():
        for name, value in fields.items():
            if "." in name:
                raise ValueError(f"the fake does not resolve dotted paths: {name}")
            if op == "$set":
                doc[name] = copy.deepcopy(value)
            elif op == "$push":
                each = value["$each"] if isinstance(value, dict) and "$each" in value else [value]
                doc.setdefault(name, []).extend(copy.deepcopy(each))
            elif op == "$min":
                doc[name] = value if doc.get(name) is None else min(doc[name], value)
            elif op == "$inc":
                doc[name] = doc.get(name, 0) + value
            else:
                raise ValueError(f"the fake does not implement {op}")


@dataclass
class FakeComplaints:
    """`ComplaintStore`: unique idempotency scope and channel reference, revision-checked updates, a write log."""

    docs: dict[str, Document] = field(default_factory=dict)
    writes: list[str] = field(default_factory=list)  # the complaint id of every accepted write, in order
    conflicts: int = 0  # updates still to lose as if another instance wrote first
    refused: int = 0  # updates refused for a stale revision

    @classmethod
    def holding(cls, *docs: Document) -> FakeComplaints:
        """A store already holding these documents (copied)."""
        return cls(docs={d["_id"]: copy.deepcopy(d) for d in docs})

    async def insert(self, document: Document) -> None:
        for other in self.docs.values():
            if _same_complaint(other, document):
                raise DuplicateComplaint(f"{document['_id']} collides with {other['_id']}")
        self.docs[document["_id"]] = copy.deepcopy(document)
        self.writes.append(document["_id"])

    async def find_original(self, *, idempotency_scope: str | None, channel: str, channel_ref: str) -> Document | None:
        by_scope = [
            d for d in self.docs.values() if idempotency_scope and d.get("idempotency_scope") == idempotency_scope
        ]
        by_ref = [d for d in self.docs.values() if (d["channel"], d["channel_ref"]) == (channel, channel_ref)]
        found = [*by_scope, *by_ref]
        return {k: copy.deepcopy(v) for k, v in found[0].items() if k in ORIGINAL_FIELDS} if found else None

    async def get(self, complaint_id: str, *, with_outbox: bool = False) -> Document | None:
        doc = self.docs.get(complaint_id)
        if doc is None:
            return None
        return {k: copy.deepcopy(v) for k, v in doc.items() if with_outbox or k != "outbox"}

    async def many(self, complaint_ids: list[str]) -> dict[str, Document]:
        return {cid: found for cid in complaint_ids if (found := await self.get(cid)) is not None}

    async def update_if_unchanged(self, *, complaint_id: str, rev: int, update: Mapping[str, Any]) -> bool:
        doc = self.docs.get(complaint_id)
        if doc is not None and self.conflicts:
            self.conflicts -= 1
            doc["rev"] += 1  # someone else's write in between
        if doc is None or doc["rev"] != rev:
            self.refused += 1
            return False
        apply_update(doc, update)
        doc["rev"] += 1
        self.writes.append(complaint_id)
        return True

    async def page(self, *, query: Document, before: str | None, limit: int) -> list[Document]:
        if before is not None:
            query = {**query, "_id": {"$lt": before}}
        found = sorted((d for d in self.docs.values() if _matches(d, query)), key=lambda d: d["_id"], reverse=True)
        return [{k: copy.deepcopy(v) for k, v in d.items() if k not in HIDDEN_FROM_PAGES} for d in found[:limit]]

    def outbox(self, complaint_id: str) -> list[Document]:
        """The pending events stored with the complaint, oldest first."""
        return list(self.docs[complaint_id].get("outbox", []))


def _same_complaint(stored: Document, new: Document) -> bool:
    """The unique indexes: `_id`, (channel, channel_ref) and a string `idempotency_scope`."""
    scope = new.get("idempotency_scope")
    return (
        stored["_id"] == new["_id"]
        or (stored["channel"], stored["channel_ref"]) == (new["channel"], new["channel_ref"])
        or (isinstance(scope, str) and stored.get("idempotency_scope") == scope)
    )


@dataclass
class FakeIncidents:
    """`IncidentStore`: the newest snapshot per incident by `updated_at`."""

    docs: dict[str, Document] = field(default_factory=dict)
    saved: list[Document] = field(default_factory=list)  # every snapshot offered, stored or not

    async def save_if_newer(self, snapshot: Document) -> bool:
        self.saved.append(copy.deepcopy(snapshot))
        stored = self.docs.get(snapshot["_id"])
        if (
            stored is not None
            and stored.get("updated_at") is not None
            and stored["updated_at"] >= snapshot["updated_at"]
        ):
            return False
        self.docs[snapshot["_id"]] = {**(stored or {}), **copy.deepcopy(snapshot)}
        return True

    async def get(self, incident_id: str) -> Document | None:
        return copy.deepcopy(self.docs.get(incident_id))

    async def page(self, *, query: Document, before: str | None, limit: int) -> list[Document]:
        if before is not None:
            query = {**query, "_id": {"$lt": before}}
        found = sorted((d for d in self.docs.values() if _matches(d, query)), key=lambda d: d["_id"], reverse=True)
        return copy.deepcopy(found[:limit])


@dataclass
class FakeCipher:
    """`Cipher` that keeps values in a vault and stores only `pii:<n>` tokens, so nothing personal is in clear."""

    vault: dict[str, str] = field(default_factory=dict)

    def encrypt(self, value: Any) -> str:
        token = f"pii:{len(self.vault)}"
        self.vault[token] = json.dumps(value, ensure_ascii=False)
        return token

    def decrypt(self, token: str) -> Any:
        return json.loads(self.vault[token])


@dataclass
class FakePublisher:
    """`Publisher`: counts the wake-ups (the events themselves stay in the complaint's outbox)."""

    notified: int = 0

    def notify(self) -> None:
        self.notified += 1


@dataclass
class Clock:
    """A settable clock: `clock()` is now; `advance` moves it on."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)
