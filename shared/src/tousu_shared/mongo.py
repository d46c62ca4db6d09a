"""AsyncMongoClient lifecycle and write-concern helpers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from pymongo import AsyncMongoClient, WriteConcern
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from tousu_shared.settings import MongoSettings

Document = dict[str, Any]
JOURNALED = WriteConcern(w=1, j=True)


def create_client(settings: MongoSettings) -> AsyncMongoClient[Document]:
    """A client with short timeouts so outages surface as errors, not hangs."""
    return AsyncMongoClient(
        settings.uri,
        serverSelectionTimeoutMS=settings.server_selection_timeout_ms,
        connectTimeoutMS=settings.server_selection_timeout_ms,
        tz_aware=True,
        uuidRepresentation="standard",
    )


@asynccontextmanager
async def mongo_database(settings: MongoSettings) -> AsyncIterator[AsyncDatabase[Document]]:
    """Open the client, yield the configured database, close on exit."""
    client = create_client(settings)
    try:
        yield client[settings.database]
    finally:
        await client.close()


def journaled(collection: AsyncCollection[Document]) -> AsyncCollection[Document]:
    """The collection with a journaled write concern: for anything acknowledged or outboxed."""
    return collection.with_options(write_concern=JOURNALED)


async def ping(database: AsyncDatabase[Document]) -> None:
    """Raise if the server does not answer a ping."""
    await database.client.admin.command("ping")
