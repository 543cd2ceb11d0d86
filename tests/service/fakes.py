"""The service tier's unit of work: the real repositories on a SQLite database held in memory.

Chosen over hand-written fake repositories: the use cases lean on about a hundred repository
methods, and where exactly-once and anonymity are decided is in their SQL, which fakes would
have to imitate and could silently drift from. Here nothing touches a file, a server or
Telegram, and each test gets a fresh database in milliseconds. Like cosmicpython's fake unit of
work it counts what the use case did with the transaction, so a test can say that a refused
request committed nothing."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import StaticPool

from storage.db import make_engine, make_sessions
from storage.models import Base
from storage.uow import UnitOfWork

MARK_KEY = b"service-tests-answer-mark-key-32"


class FakeUnitOfWork(UnitOfWork):
    """One transaction on the shared in-memory database; counts commits and rollbacks."""

    def __init__(self, memory: MemoryDatabase) -> None:
        super().__init__(memory.sessions, MARK_KEY)
        self.memory = memory

    async def commit(self) -> None:
        self.memory.commits += 1
        await super().commit()

    async def rollback(self) -> None:
        self.memory.rollbacks += 1
        await super().rollback()


class MemoryDatabase:
    """A factory of units of work on one in-memory database (the `uow_factory` of the app)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessions = make_sessions(engine)
        self.commits = 0
        self.rollbacks = 0  # explicit ones: leaving a unit of work always rolls back the rest

    def __call__(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self)

    @classmethod
    async def create(cls) -> MemoryDatabase:
        # StaticPool: one connection, so every session sees the same in-memory database
        engine = make_engine("sqlite+aiosqlite:///:memory:", poolclass=StaticPool)
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        return cls(engine)
