"""Shared fixtures. Every test that takes `database_url` runs on SQLite and on PostgreSQL.

PostgreSQL (127.0.0.1:5432, trust auth) and Redis (127.0.0.1:6379) are there on the development
and CI machines. Where they are not running, their tests skip; under CI (`CI=true`) they fail
instead, so that CI can never pass by skipping them.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import make_engine, make_sessions, upgrade
from storage.models import Base
from storage.uow import UnitOfWorkFactory

PG_HOST, PG_PORT = "127.0.0.1", 5432
PG_ADMIN_URL = os.environ.get(
    "REFLEKS_TEST_PG_URL", f"postgresql+asyncpg://postgres@{PG_HOST}:{PG_PORT}/test"
)
REDIS_URL = os.environ.get("REFLEKS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    if _reachable(host, port):
        return
    message = f"{name} is not running on {host}:{port}"
    if IN_CI:
        pytest.fail(message + " (CI must run every storage test on it)", pytrace=False)
    pytest.skip(message)


def run_outside_loop(coroutine: Coroutine[Any, Any, None]) -> None:
    """Session set-up may be reached from inside a running event loop: run it in a thread."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coroutine).result()


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: the end-to-end tests spend most of their time waiting (on HTTP, polling and
    the database), so two workers a core keep the cores busy."""
    return 2 * (os.cpu_count() or 1)


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("REFLEKS_LOG_FORMAT", "plain")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file; each test gets a copy (migrating is the slow part)."""
    path = tmp_path_factory.mktemp("template") / "template.db"

    async def build() -> None:
        engine = make_engine(f"sqlite+aiosqlite:///{path}")
        await upgrade(engine)
        await engine.dispose()

    run_outside_loop(build())
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of this test run's own, migrated once; tests empty it before use."""
    require_service("PostgreSQL", PG_HOST, PG_PORT)
    name = f"refleks_test_{os.getpid()}"
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    url = f"{base}/{name}"

    async def admin(statement: str) -> None:
        engine = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        async with engine.connect() as connection:
            await connection.execute(text(statement))
        await engine.dispose()

    async def create() -> None:
        await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin(f'CREATE DATABASE "{name}"')
        engine = make_engine(url)
        await upgrade(engine)
        await engine.dispose()

    run_outside_loop(create())
    yield url
    run_outside_loop(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def empty_postgres(url: str) -> None:
    engine = make_engine(url)
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    async with engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    await engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> str:
    """A migrated, empty database: a SQLite file, or the run's PostgreSQL database."""
    if request.param == "sqlite":
        path = tmp_path / "refleks.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    await empty_postgres(url)
    return url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def uow_factory(engine: AsyncEngine) -> UnitOfWorkFactory:
    return UnitOfWorkFactory(make_sessions(engine))
