"""Engines, sessions and migrations. SQLite is the embedded default; PostgreSQL is production."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

MIGRATIONS = Path(__file__).with_name("migrations")
OLDER_TRANSACTIONS_WAIT = 10.0  # seconds that compaction waits for transactions still running


def normalise_url(url: str) -> str:
    """Accept the URLs people write and give the async driver SQLAlchemy needs."""
    for plain, driver in (
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
        ("sqlite:///", "sqlite+aiosqlite:///"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    # hide_parameters: SQLAlchemy's errors would carry the statement's values (answer text).
    url = normalise_url(url)
    if url.startswith("sqlite"):
        _ensure_sqlite_folder(url)
        engine = create_async_engine(
            url, connect_args={"timeout": 30}, hide_parameters=True, **kwargs
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, pool_pre_ping=True, hide_parameters=True, **kwargs)


def make_sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def _ensure_sqlite_folder(url: str) -> None:
    path = url.split(":///", 1)[1].split("?", 1)[0]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    # Deleted and overwritten rows are zeroed in the file, not left in its free space: what the
    # freeze (storage.repositories.answers.rewrite_week) and the retention remove is gone.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


async def compact_answers(engine: AsyncEngine) -> None:
    """After a freeze or the retention: the answers' old row versions out of the files.

    PostgreSQL keeps a deleted or updated row's old version (with its transaction id) in the
    table's pages until a vacuum, and a plain VACUUM leaves their bytes in the pages' free space:
    VACUUM FULL writes the table and its indexes into new files and drops the old ones. It locks
    the answers table meanwhile (answers wait, they are not lost), so the clock calls this once a
    tick, after all the tick's freezes. SQLite zeroes what it deletes (secure_delete, set on every
    connection); what remains is the write-ahead log, which holds the old pages until it is
    checkpointed, so it is checkpointed and truncated here."""
    if engine.dialect.name == "postgresql":
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await _wait_for_transactions_begun_before(connection, OLDER_TRANSACTIONS_WAIT)
            await connection.execute(text("VACUUM (FULL, ANALYZE) answers"))
    elif engine.dialect.name == "sqlite":
        async with engine.connect() as connection:
            await connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))


async def ping(engine: AsyncEngine) -> None:
    """Raises unless the database answers (the health check)."""
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


async def _wait_for_transactions_begun_before(connection: AsyncConnection, seconds: float) -> None:
    """VACUUM FULL keeps the old versions a transaction still running may see: one that began
    before the freeze committed (a reply being handled, a send being written down) would keep
    the frozen answers' old keys in the new files. So wait, briefly, until every transaction
    that was running now has ended; one running longer only delays the old versions' end to
    the next compaction."""
    began_after = await connection.scalar(text("SELECT pg_snapshot_xmax(pg_current_snapshot())"))
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        oldest = await connection.scalar(text("SELECT pg_snapshot_xmin(pg_current_snapshot())"))
        if int(oldest) >= int(began_after):
            return
        await asyncio.sleep(0.02)


def _alembic_upgrade(connection: Connection, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema to `revision` with Alembic (the app does this at every start)."""
    async with engine.begin() as connection:
        await connection.run_sync(_alembic_upgrade, revision)


def upgrade_sync(url: str, revision: str = "head") -> None:
    async def run() -> None:
        engine = make_engine(url)
        try:
            await upgrade(engine, revision)
        finally:
            await engine.dispose()

    asyncio.run(run())
