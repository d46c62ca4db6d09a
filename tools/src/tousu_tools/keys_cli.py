"""`tousu keys create|list|revoke`: manage channel API keys (only hashes are stored)."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from tousu_intake.adapters.api_keys import ApiKeyRepository
from tousu_intake.auth_model import CHANNELS, SCOPES, ApiKey, generate_key, hash_key
from tousu_shared.mongo import mongo_database
from tousu_shared.settings import MongoSettings

keys_app = typer.Typer(help="Manage intake API keys (one per channel system).", no_args_is_help=True)
console = Console()
COLLECTION = "intake_api_keys"


def _check(values: list[str], allowed: tuple[str, ...], what: str) -> frozenset[str]:
    if "all" in values:
        return frozenset(allowed)
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise typer.BadParameter(f"unknown {what}: {', '.join(unknown)}; one of {', '.join(allowed)} or all")
    return frozenset(values)


async def _create(key: ApiKey, secret: str) -> None:
    async with mongo_database(MongoSettings()) as db:
        repo = ApiKeyRepository(db[COLLECTION])
        await repo.ensure_indexes()
        await repo.save(key, key_hash=hash_key(secret))


@keys_app.command("create")
def create(
    name: Annotated[str, typer.Option("--name", help="Who uses the key, e.g. 'hotline CRM'.")],
    channel: Annotated[list[str], typer.Option("--channel", help="Channel it may post for (repeatable, or all).")],
    scope: Annotated[list[str], typer.Option("--scope", help="Scope (repeatable): " + ", ".join(SCOPES))],
    read_all: Annotated[bool, typer.Option("--read-all", help="Read every complaint, not only its own.")] = False,
) -> None:
    """Create a key and print it ONCE (only its hash is stored)."""
    key_id, secret = generate_key()
    key = ApiKey(
        key_id=key_id,
        name=name,
        channels=_check(channel, CHANNELS, "channel"),
        scopes=_check(scope, SCOPES, "scope"),
        read_all=read_all,
    )
    asyncio.run(_create(key, secret))
    console.print(f"created {key_id}; the key is shown only now:")
    typer.echo(secret)


async def _list() -> list[tuple[ApiKey, object]]:
    async with mongo_database(MongoSettings()) as db:
        return list(await ApiKeyRepository(db[COLLECTION]).all())


@keys_app.command("list")
def list_keys() -> None:
    """List keys (no secrets)."""
    table = Table(title="intake API keys")
    for column in ("id", "name", "channels", "scopes", "read all", "revoked", "created"):
        table.add_column(column)
    for key, created in asyncio.run(_list()):
        table.add_row(
            key.key_id,
            key.name,
            ",".join(sorted(key.channels)),
            ",".join(sorted(key.scopes)),
            "yes" if key.reads_all else "no",
            "yes" if key.revoked else "no",
            str(created or "-"),
        )
    console.print(table)


async def _revoke(key_id: str) -> bool:
    async with mongo_database(MongoSettings()) as db:
        return await ApiKeyRepository(db[COLLECTION]).revoke(key_id)


@keys_app.command("revoke")
def revoke(key_id: Annotated[str, typer.Argument(help="The key id shown by `tousu keys list`.")]) -> None:
    """Revoke a key (effective within the intake's key cache time, 5 s by default)."""
    if not asyncio.run(_revoke(key_id)):
        console.print(f"[red]no key {key_id}[/red]")
        raise typer.Exit(1)
    console.print(f"revoked {key_id}")
