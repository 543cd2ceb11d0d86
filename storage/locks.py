"""Only one instance plans a tick: several instances would find the same work and only waste the
database's time (the unique keys already stop them doubling it).

- PostgreSQL: a session advisory lock, tried (never waited for) on a connection of its own and
  released after the planning. A dead instance's connection closes and PostgreSQL frees its lock.
- SQLite: an flock on a file next to the database. SQLite has no row locks, so it stays
  single-instance; a second process on the same file is warned about at start-up.

Migrating the schema at start-up takes turns the same way (on PostgreSQL, waiting for its lock).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)

TICK_LOCK_KEY = int.from_bytes(b"Refleks", "big")  # any bigint all instances agree on
MIGRATION_KEY = int.from_bytes(b"Rfx:mig", "big")
SQLITE_SHARED = (
    "SQLite is single-instance: it has no row locks; use PostgreSQL to run several instances "
    "(another process holds %s)"
)


class TickLock(Protocol):
    def hold(self) -> AbstractAsyncContextManager[bool]:
        """Yields True when this instance got the lock (and holds it inside the block)."""
        ...

    def close(self) -> None: ...


class AdvisoryLock:
    def __init__(self, engine: AsyncEngine, key: int = TICK_LOCK_KEY) -> None:
        self.engine = engine
        self.key = key

    @contextlib.asynccontextmanager
    async def hold(self) -> AsyncIterator[bool]:
        # Autocommit: no transaction stays open (and idle) on this connection while we plan.
        async with self.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            tried = text("SELECT pg_try_advisory_lock(:key)")
            acquired = bool(await connection.scalar(tried, {"key": self.key}))
            try:
                yield acquired
            finally:
                if acquired:
                    await _unlock(connection, self.key)

    def close(self) -> None:
        pass


async def _unlock(connection: AsyncConnection, key: int) -> None:
    """Never back to the pool with the lock held: if the unlock fails (the database went away),
    the connection is thrown away, and PostgreSQL frees the lock with it."""
    try:
        await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
    except Exception:
        log.warning("could not release the tick lock; dropping its connection", exc_info=True)
        await connection.invalidate()


class FileLock:
    """An flock per tick on `path`; flock (unlike lockf) also excludes a second open of the same
    file in one process, so two apps in one test behave as two processes would."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextlib.asynccontextmanager
    async def hold(self) -> AsyncIterator[bool]:
        fd = _try_flock(self.path)
        try:
            yield fd is not None
        finally:
            if fd is not None:
                os.close(fd)  # closing the last descriptor releases the flock

    def close(self) -> None:
        pass


class SQLiteLocks(FileLock):
    """The tick lock, and for the process's lifetime a claim on `<database>.instance.lock`:
    a second process on the same database cannot take it and says so."""

    def __init__(self, database: Path) -> None:
        super().__init__(database.with_name(database.name + ".tick.lock"))
        self.instance_path = database.with_name(database.name + ".instance.lock")
        self.instance_fd = _try_flock(self.instance_path)
        if self.instance_fd is None:
            log.warning(SQLITE_SHARED, self.instance_path)

    @property
    def alone(self) -> bool:
        return self.instance_fd is not None

    def close(self) -> None:
        if self.instance_fd is not None:
            os.close(self.instance_fd)
            self.instance_fd = None


class ProcessLock:
    """An in-memory SQLite database: nobody else can see it, so one process-wide lock will do."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def hold(self) -> AsyncIterator[bool]:
        if self._lock.locked():
            yield False
            return
        async with self._lock:
            yield True

    def close(self) -> None:
        pass


@contextlib.asynccontextmanager
async def migrating(engine: AsyncEngine) -> AsyncIterator[None]:
    """Instances starting together migrate one after another: on PostgreSQL each waits for an
    advisory lock first (the first migrates, the others then find the schema current), where
    two at once would both create the same tables and one would fail to start."""
    if engine.dialect.name != "postgresql":
        yield
        return
    async with engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_KEY})
        try:
            yield
        finally:
            await _unlock(connection, MIGRATION_KEY)


def tick_lock(engine: AsyncEngine) -> TickLock:
    """The right lock for the engine's database (and, on SQLite, the start-up check)."""
    if engine.dialect.name == "postgresql":
        return AdvisoryLock(engine)
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and database != ":memory:":
        return SQLiteLocks(Path(database).resolve())
    return ProcessLock()


def _try_flock(path: Path) -> int | None:
    """An open descriptor holding an exclusive flock on `path`, or None if someone else has it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd
