"""The personal-data access trail: which fields a response disclosed, and a hash chain per writer (no I/O).

An entry names what was disclosed, never the data. Each writer (an intake process, one `tousu keys` run)
keeps its own chain: entry `seq` n carries the hash of entry n-1 (`prev`) and its own `hash` over every
field, so an entry changed or removed in the database breaks its chain, and `verify` says where.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

ACTIONS = (
    "personal_data.disclosed",  # a response carried personal data in clear (admin read of a complaint)
    "admin.used",  # any other request made with an `admin` key (registration excepted: it discloses nothing)
    "key.created",
    "key.rotated",
    "key.revoked",
)
PERSONAL_FIELDS = (
    "customer.ref",
    "customer.name",
    "customer.id_number",
    "customer.phone",
    "customer.age",
    "representative.name",
    "representative.phone",
    "product.policy_or_account",
    "content",
    "demands",
)


def _at(view: dict[str, Any], path: str) -> Any:
    value: Any = view
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def disclosed_fields(intake_view: dict[str, Any]) -> list[str]:
    """The personal fields an unmasked `intake` view carries in clear (names only, in a fixed order)."""
    return [path for path in PERSONAL_FIELDS if _at(intake_view, path) not in (None, "")]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat(timespec="milliseconds")
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def entry_hash(entry: dict[str, Any]) -> str:
    """SHA-256 over the entry's canonical JSON (every field but `hash`; times at millisecond precision)."""
    body = {k: v for k, v in entry.items() if k != "hash"}
    canonical = json.dumps(_plain(body), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class Chain:
    """One writer's chain: `link` numbers an entry, points it at its predecessor and seals it."""

    def __init__(self, chain_id: str) -> None:
        self.chain_id, self.seq, self.head = chain_id, 0, ""

    def link(self, entry: dict[str, Any]) -> dict[str, Any]:
        """The entry with `chain`, `seq`, `prev` and `hash`; the chain moves on to it."""
        linked = {**entry, "chain": self.chain_id, "seq": self.seq, "prev": self.head}
        linked["hash"] = entry_hash(linked)
        self.seq, self.head = self.seq + 1, linked["hash"]
        return linked


def verify(entries: Iterable[dict[str, Any]]) -> list[str]:
    """What is wrong with the stored entries, chain by chain (empty when every chain is whole)."""
    chains: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        chains.setdefault(str(entry.get("chain")), []).append(entry)
    problems: list[str] = []
    for chain_id, links in sorted(chains.items()):
        problems.extend(_verify_chain(chain_id, sorted(links, key=lambda e: int(e.get("seq", -1)))))
    return problems


def _verify_chain(chain_id: str, links: list[dict[str, Any]]) -> list[str]:
    problems, head = [], ""
    for expected, entry in enumerate(links):
        where = f"chain {chain_id} entry {entry.get('_id')}"
        if entry.get("seq") != expected:
            problems.append(f"chain {chain_id}: entry seq {expected} is missing (removed?)")
            return problems
        if entry.get("prev") != head:
            problems.append(f"{where}: does not follow the entry before it")
        if entry.get("hash") != entry_hash(entry):
            problems.append(f"{where}: its content does not match its hash (altered)")
        head = str(entry.get("hash"))
    return problems
