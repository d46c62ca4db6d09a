"""`tousu audit list|verify`: read intake's personal-data access trail from the database (like `tousu keys`).

Answers "who saw this customer's ID number, and when": `tousu audit list --customer-ref C123 --field
customer.id_number`. Entries name keys, complaints and fields, never the personal data itself.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import typer
from pymongo.asynchronous.database import AsyncDatabase
from rich.console import Console
from rich.table import Table

from tousu_intake.adapters.audit import COLLECTION, AuditRepository, audit_query, entry_view
from tousu_intake.domain.audit import ACTIONS, PERSONAL_FIELDS, verify
from tousu_shared.clock import utc_now
from tousu_shared.mongo import Document, mongo_database
from tousu_shared.settings import MongoSettings, ServiceSettings
from tousu_tools.moments import parse_moment

audit_app = typer.Typer(help="Read and verify the personal-data access audit trail.", no_args_is_help=True)
console = Console()
T = TypeVar("T")
WHEN = "A duration back from now (24h, 7d), a day (YYYY-MM-DD, China time) or an RFC 3339 time."


def _run(work: Callable[[AuditRepository], Awaitable[T]]) -> T:
    async def go() -> T:
        async with mongo_database(MongoSettings()) as db:
            return await work(_repository(db))

    return asyncio.run(go())


def _repository(db: AsyncDatabase[Document]) -> AuditRepository:
    return AuditRepository(db[COLLECTION])


def _when(text: str | None, option: str) -> Any:
    try:
        return None if text is None else parse_moment(text, now=utc_now(), ago=True)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=option) from exc


def _one_of(value: str | None, allowed: tuple[str, ...], option: str) -> str | None:
    if value is not None and value not in allowed:
        raise typer.BadParameter("one of " + ", ".join(allowed), param_hint=option)
    return value


def _row(entry: dict[str, Any]) -> list[str]:
    who = f"{entry.get('key_id') or '-'} ({entry.get('key_name') or '-'})"
    what = ",".join(entry.get("fields") or []) or "-"
    return [
        str(entry["at"]),
        entry["action"],
        who,
        entry.get("complaint_id") or "-",
        what,
        entry.get("request_id") or "-",
    ]


@audit_app.command("list")
def list_entries(
    since: Annotated[str | None, typer.Option("--since", help="From (inclusive). " + WHEN)] = None,
    until: Annotated[str | None, typer.Option("--until", help="Until (exclusive). " + WHEN)] = None,
    complaint: Annotated[str | None, typer.Option("--complaint", help="Only this complaint id.")] = None,
    key: Annotated[str | None, typer.Option("--key", help="Only this key id (used or administered).")] = None,
    customer_ref: Annotated[str | None, typer.Option("--customer-ref", help="Only this customer's data.")] = None,
    field: Annotated[
        str | None, typer.Option("--field", help="Only disclosures of: " + ", ".join(PERSONAL_FIELDS))
    ] = None,
    action: Annotated[str | None, typer.Option("--action", help="Only: " + ", ".join(ACTIONS))] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many, newest first.")] = 200,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines instead of a table.")] = False,
) -> None:
    """Audit entries, newest first (`--customer-ref` needs TOUSU_CUSTOMER_KEY_SECRET, as the services do)."""
    filters = {"complaint_id": complaint, "key_id": key, "customer_ref": customer_ref}
    filters |= {"field": _one_of(field, PERSONAL_FIELDS, "--field"), "action": _one_of(action, ACTIONS, "--action")}
    filters |= {"since": _when(since, "--since"), "until": _when(until, "--until")}
    query = audit_query(filters, secret=ServiceSettings().customer_key_secret if customer_ref else "")
    docs = _run(lambda repo: repo.page(query=query, before=None, limit=limit))
    entries = [entry_view(d) for d in docs]
    if as_json:
        for entry in entries:
            typer.echo(json.dumps(entry, default=str, ensure_ascii=False))
        return
    table = Table(title=f"audit trail: {len(entries)} entr{'y' if len(entries) == 1 else 'ies'}")
    for column in ("at", "action", "key", "complaint", "fields disclosed", "request id"):
        table.add_column(column)
    for entry in entries:
        table.add_row(*_row(entry))
    console.print(table)


async def _verify(repo: AuditRepository) -> tuple[int, list[str]]:
    entries = [doc async for doc in repo.every()]
    return len(entries), verify(entries)


@audit_app.command("verify")
def verify_chains() -> None:
    """Check every writer's hash chain: an entry altered or removed in the database is reported (exit 1)."""
    count, problems = _run(_verify)
    for problem in problems:
        console.print(f"[red]{problem}[/red]")
    if problems:
        raise typer.Exit(1)
    console.print(f"{count} audit entries; every chain is intact")
