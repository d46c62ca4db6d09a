"""`tousu keys create|list|rotate|revoke|sync`: channel API keys in every service that serves an API (hashes only).

Each service owns its key collection (`<service>_api_keys`): intake's for the complaint API, follow-up's for
the worklist. A key is written to both with the same id and hash, so one secret works on both APIs; its expiry
and rotations are written to both alike. Creating, rotating and revoking a key is appended to intake's audit trail.
"""

from __future__ import annotations

import asyncio
import getpass
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, TypeVar

import typer
from pymongo.asynchronous.database import AsyncDatabase
from rich.console import Console
from rich.table import Table

from tousu_intake.adapters.audit import COLLECTION, AuditRepository, AuditTrail
from tousu_shared.apikey_store import ApiKeyRepository, KeyConflict
from tousu_shared.apikeys import CHANNELS, SCOPES, ApiKey, generate_key, hash_key
from tousu_shared.clock import utc_now
from tousu_shared.mongo import Document, mongo_database
from tousu_shared.settings import MongoSettings
from tousu_tools.moments import parse_duration, parse_moment

keys_app = typer.Typer(
    help="Manage API keys (one per channel system) in intake's and follow-up's key collections.",
    no_args_is_help=True,
)
console = Console()
OWNERS = ("intake", "followup")  # the services with an API; each owns `<service>_api_keys`
SOURCE, TARGET = "intake", "followup"  # before follow-up had its own collection, keys lived only in intake's
T = TypeVar("T")
EXPIRES_HELP = "When the key stops working: a duration from now (90d, 24h), a day (YYYY-MM-DD, China time) or RFC 3339."


class Stores(dict[str, ApiKeyRepository]):
    """Each service's key collection, and intake's audit trail (this run's own chain)."""

    audit: AuditTrail


def _stores(db: AsyncDatabase[Document]) -> Stores:
    stores = Stores({owner: ApiKeyRepository(db[f"{owner}_api_keys"]) for owner in OWNERS})
    stores.audit = AuditTrail(repository=AuditRepository(db[COLLECTION]), writer="tousu-keys", secret="")
    return stores


def _run(work: Callable[[Stores], Awaitable[T]]) -> T:
    async def go() -> T:
        async with mongo_database(MongoSettings()) as db:
            return await work(_stores(db))

    return asyncio.run(go())


def _operator() -> str:
    """Who ran the command (the OS account), recorded with key administration."""
    return f"{getpass.getuser()}@{socket.gethostname()}"


async def _audit(stores: Stores, *, action: str, key: ApiKey, detail: dict[str, Any]) -> None:
    await stores.audit.repository.ensure_indexes()
    await stores.audit.record(action=action, key_id=key.key_id, key_name=key.name, by=_operator(), detail=detail)


def _moment(text: str | None, option: str) -> datetime | None:
    try:
        return None if text is None else parse_moment(text, now=utc_now(), ago=False)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=option) from exc


def _check(values: list[str], allowed: tuple[str, ...], what: str) -> frozenset[str]:
    if "all" in values:
        return frozenset(allowed)
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise typer.BadParameter(f"unknown {what}: {', '.join(unknown)}; one of {', '.join(allowed)} or all")
    return frozenset(values)


async def _create(stores: Stores, key: ApiKey, secret: str) -> None:
    for repo in stores.values():
        await repo.ensure_indexes()
        await repo.save(key, key_hash=hash_key(secret))
    scopes = {"scopes": sorted(key.scopes), "channels": sorted(key.channels), "read_all": key.read_all}
    await _audit(stores, action="key.created", key=key, detail=scopes | {"expires_at": key.expires_at})


@keys_app.command("create")
def create(
    name: Annotated[str, typer.Option("--name", help="Who uses the key, e.g. 'hotline CRM'.")],
    channel: Annotated[list[str], typer.Option("--channel", help="Channel it may post for (repeatable, or all).")],
    scope: Annotated[list[str], typer.Option("--scope", help="Scope (repeatable): " + ", ".join(SCOPES))],
    read_all: Annotated[bool, typer.Option("--read-all", help="Read every complaint, not only its own.")] = False,
    expires: Annotated[str | None, typer.Option("--expires", help=EXPIRES_HELP)] = None,
) -> None:
    """Create a key in every service's collection and print it ONCE (only its hash is stored)."""
    key_id, secret = generate_key()
    key = ApiKey(
        key_id=key_id,
        name=name,
        channels=_check(channel, CHANNELS, "channel"),
        scopes=_check(scope, SCOPES, "scope"),
        read_all=read_all,
        expires_at=_moment(expires, "--expires"),
    )
    _run(lambda stores: _create(stores, key, secret))
    until = f", expires {key.expires_at.isoformat()}" if key.expires_at else ""
    console.print(f"created {key_id} for {', '.join(OWNERS)}{until}; the key is shown only now:")
    typer.echo(secret)


Listing = dict[str, dict[str, tuple[ApiKey, datetime | None]]]


async def _list(stores: Stores) -> Listing:
    return {owner: {k.key_id: (k, created) for k, created in await repo.all()} for owner, repo in stores.items()}


def _state(found: tuple[ApiKey, datetime | None] | None, *, now: datetime) -> str:
    if found is None:
        return "missing"
    return "revoked" if found[0].revoked else "expired" if found[0].refusal(now=now) else "live"


@keys_app.command("list")
def list_keys() -> None:
    """List keys (no secrets) and their state in each service's collection."""
    listing = _run(_list)
    table = Table(title="API keys")
    for column in ("id", "name", "channels", "scopes", "read all", *OWNERS, "created", "expires"):
        table.add_column(column)
    ids = sorted({key_id for keys in listing.values() for key_id in keys})
    now = utc_now()
    for key_id in ids:
        key, created = next(keys[key_id] for keys in listing.values() if key_id in keys)
        states = [_state(listing[owner].get(key_id), now=now) for owner in OWNERS]
        row = [key.key_id, key.name, ",".join(sorted(key.channels)), ",".join(sorted(key.scopes))]
        expiry = str(key.expires_at or "never")
        table.add_row(*row, "yes" if key.reads_all else "no", *states, str(created or "-"), expiry)
    console.print(table)
    if any(key_id not in listing[TARGET] for key_id in listing[SOURCE]):
        console.print(f"[yellow]some keys are missing from {TARGET}_api_keys: run `tousu keys sync`[/yellow]")


async def _revoke(stores: Stores, key_id: str) -> list[str]:
    revoked = [owner for owner, repo in stores.items() if await repo.revoke(key_id)]
    key = await stores[SOURCE].get(key_id) or await stores[TARGET].get(key_id)
    if revoked and key is not None:
        await _audit(stores, action="key.revoked", key=key, detail={"in": revoked})
    return revoked


@keys_app.command("revoke")
def revoke(key_id: Annotated[str, typer.Argument(help="The key id shown by `tousu keys list`.")]) -> None:
    """Revoke a key in every service (effective within each service's key cache time, 5 s by default)."""
    revoked = _run(lambda stores: _revoke(stores, key_id))
    if not revoked:
        console.print(f"[red]no key {key_id}[/red]")
        raise typer.Exit(1)
    console.print(f"revoked {key_id} in {', '.join(revoked)}")


@dataclass(frozen=True)
class Rotation:
    """What `tousu keys rotate` changes: the new secret's hash, the old one's last moment, a new expiry if any."""

    key_id: str
    key_hash: str
    grace_until: datetime
    expires_at: datetime | None
    now: datetime


async def _rotate(stores: Stores, rotation: Rotation) -> list[str]:
    rotated = []
    for owner, repo in stores.items():
        await repo.ensure_indexes()
        done = await repo.rotate(
            rotation.key_id,
            key_hash=rotation.key_hash,
            grace_until=rotation.grace_until,
            now=rotation.now,
            expires_at=rotation.expires_at,
        )
        if done:
            rotated.append(owner)
    key = await stores[SOURCE].get(rotation.key_id) or await stores[TARGET].get(rotation.key_id)
    if rotated and key is not None:
        detail = {"in": rotated, "old_secret_until": rotation.grace_until, "expires_at": key.expires_at}
        await _audit(stores, action="key.rotated", key=key, detail=detail)
    return rotated


@keys_app.command("rotate")
def rotate(
    key_id: Annotated[str, typer.Argument(help="The key id shown by `tousu keys list`.")],
    grace: Annotated[
        str, typer.Option("--grace", help="How long the old secret keeps working (0h: not at all).")
    ] = "24h",
    expires: Annotated[str | None, typer.Option("--expires", help="A new expiry. " + EXPIRES_HELP)] = None,
) -> None:
    """Issue a new secret for a live key (same id, scopes and channels) and print it ONCE; the old secret keeps
    working for the grace period, then is refused with 401 (reason `rotated`)."""
    try:
        period = parse_duration(grace)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--grace") from exc
    _, secret = generate_key()
    now = utc_now()
    rotation = Rotation(key_id, hash_key(secret), now + period, _moment(expires, "--expires"), now)
    rotated = _run(lambda stores: _rotate(stores, rotation))
    if not rotated:
        console.print(f"[red]no live key {key_id}[/red]")
        raise typer.Exit(1)
    console.print(f"rotated {key_id} in {', '.join(rotated)}; the old secret works until {rotation.grace_until}")
    console.print("the new key is shown only now:")
    typer.echo(secret)


async def _sync(stores: Stores) -> tuple[int, int, list[str]]:
    await stores[TARGET].ensure_indexes()
    copied, present, conflicts = 0, 0, []
    for stored in await stores[SOURCE].stored():
        try:
            if await stores[TARGET].adopt(stored):
                copied += 1
            else:
                present += 1
        except KeyConflict as exc:
            conflicts.append(str(exc))
    return copied, present, conflicts


@keys_app.command("sync")
def sync() -> None:
    """Copy intake's keys (same id and hash) into follow-up's collection once, after upgrading; safe to repeat."""
    copied, present, conflicts = _run(_sync)
    console.print(f"copied {copied} key(s) from {SOURCE}_api_keys to {TARGET}_api_keys; {present} already there")
    for conflict in conflicts:
        console.print(f"[red]skipped {conflict}[/red]")
    if conflicts:
        raise typer.Exit(1)
