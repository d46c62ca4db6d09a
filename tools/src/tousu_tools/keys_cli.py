"""`tousu keys create|list|revoke|sync`: channel API keys in every service that serves an API (only hashes stored).

Each service owns its key collection (`<service>_api_keys`): intake's for the complaint API, follow-up's for
the worklist. A key is written to both with the same id and hash, so one secret works on both APIs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, TypeVar

import typer
from pymongo.asynchronous.database import AsyncDatabase
from rich.console import Console
from rich.table import Table

from tousu_shared.apikey_store import ApiKeyRepository, KeyConflict
from tousu_shared.apikeys import CHANNELS, SCOPES, ApiKey, generate_key, hash_key
from tousu_shared.mongo import Document, mongo_database
from tousu_shared.settings import MongoSettings

keys_app = typer.Typer(
    help="Manage API keys (one per channel system) in intake's and follow-up's key collections.",
    no_args_is_help=True,
)
console = Console()
OWNERS = ("intake", "followup")  # the services with an API; each owns `<service>_api_keys`
SOURCE, TARGET = "intake", "followup"  # before follow-up had its own collection, keys lived only in intake's
T = TypeVar("T")
Stores = dict[str, ApiKeyRepository]


def _stores(db: AsyncDatabase[Document]) -> Stores:
    return {owner: ApiKeyRepository(db[f"{owner}_api_keys"]) for owner in OWNERS}


def _run(work: Callable[[Stores], Awaitable[T]]) -> T:
    async def go() -> T:
        async with mongo_database(MongoSettings()) as db:
            return await work(_stores(db))

    return asyncio.run(go())


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


@keys_app.command("create")
def create(
    name: Annotated[str, typer.Option("--name", help="Who uses the key, e.g. 'hotline CRM'.")],
    channel: Annotated[list[str], typer.Option("--channel", help="Channel it may post for (repeatable, or all).")],
    scope: Annotated[list[str], typer.Option("--scope", help="Scope (repeatable): " + ", ".join(SCOPES))],
    read_all: Annotated[bool, typer.Option("--read-all", help="Read every complaint, not only its own.")] = False,
) -> None:
    """Create a key in every service's collection and print it ONCE (only its hash is stored)."""
    key_id, secret = generate_key()
    key = ApiKey(
        key_id=key_id,
        name=name,
        channels=_check(channel, CHANNELS, "channel"),
        scopes=_check(scope, SCOPES, "scope"),
        read_all=read_all,
    )
    _run(lambda stores: _create(stores, key, secret))
    console.print(f"created {key_id} for {', '.join(OWNERS)}; the key is shown only now:")
    typer.echo(secret)


Listing = dict[str, dict[str, tuple[ApiKey, datetime | None]]]


async def _list(stores: Stores) -> Listing:
    return {owner: {k.key_id: (k, created) for k, created in await repo.all()} for owner, repo in stores.items()}


def _state(found: tuple[ApiKey, datetime | None] | None) -> str:
    return "missing" if found is None else "revoked" if found[0].revoked else "live"


@keys_app.command("list")
def list_keys() -> None:
    """List keys (no secrets) and their state in each service's collection."""
    listing = _run(_list)
    table = Table(title="API keys")
    for column in ("id", "name", "channels", "scopes", "read all", *OWNERS, "created"):
        table.add_column(column)
    ids = sorted({key_id for keys in listing.values() for key_id in keys})
    for key_id in ids:
        key, created = next(keys[key_id] for keys in listing.values() if key_id in keys)
        states = [_state(listing[owner].get(key_id)) for owner in OWNERS]
        row = [key.key_id, key.name, ",".join(sorted(key.channels)), ",".join(sorted(key.scopes))]
        table.add_row(*row, "yes" if key.reads_all else "no", *states, str(created or "-"))
    console.print(table)
    if any(key_id not in listing[TARGET] for key_id in listing[SOURCE]):
        console.print(f"[yellow]some keys are missing from {TARGET}_api_keys: run `tousu keys sync`[/yellow]")


async def _revoke(stores: Stores, key_id: str) -> list[str]:
    return [owner for owner, repo in stores.items() if await repo.revoke(key_id)]


@keys_app.command("revoke")
def revoke(key_id: Annotated[str, typer.Argument(help="The key id shown by `tousu keys list`.")]) -> None:
    """Revoke a key in every service (effective within each service's key cache time, 5 s by default)."""
    revoked = _run(lambda stores: _revoke(stores, key_id))
    if not revoked:
        console.print(f"[red]no key {key_id}[/red]")
        raise typer.Exit(1)
    console.print(f"revoked {key_id} in {', '.join(revoked)}")


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
