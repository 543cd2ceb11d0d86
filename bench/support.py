"""What the benchmarks share: the machine's description, a PostgreSQL database of their own,
bulk seeding with COPY (not through Telegram), peak memory, and a result line run_all reads.

Each benchmark is a script of its own, so `resource.getrusage` reports that benchmark's peak.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import resource
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine  # noqa: E402

from storage.db import make_engine, upgrade  # noqa: E402
from storage.models import Base  # noqa: E402

ADMIN_URL = os.environ.get(
    "REFLEKS_BENCH_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
RESULT_MARK = "BENCH-RESULT "
MONDAY = date(2026, 11, 23)
PACKAGE = "skolemiljo"


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def emit(name: str, **figures: Any) -> None:
    """One machine-readable line for run_all (the human-readable lines come before it)."""
    print(RESULT_MARK + json.dumps({"bench": name, **figures}), flush=True)


@contextmanager
def timed() -> Iterator[list[float]]:
    """with timed() as t: ...; t[0] is the seconds it took."""
    box: list[float] = []
    started = time.perf_counter()
    try:
        yield box
    finally:
        box.append(time.perf_counter() - started)


def machine() -> dict[str, str]:
    memory = "?"
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    cpu = platform.processor() or "?"
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "memory": memory,
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
    }


async def postgres_version() -> str:
    engine = make_engine(ADMIN_URL)
    try:
        async with engine.connect() as connection:
            return str(await connection.scalar(text("SHOW server_version")))
    finally:
        await engine.dispose()


@asynccontextmanager
async def sqlite_database() -> AsyncIterator[str]:
    """A freshly migrated SQLite file in a temporary folder, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="refleks-bench-") as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        engine = make_engine(url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()
        yield url


@asynccontextmanager
async def bench_database(name: str) -> AsyncIterator[str]:
    """A freshly migrated PostgreSQL database of this benchmark's own, dropped afterwards."""
    base = ADMIN_URL.rpartition("/")[0]
    url = f"{base}/{name}"

    async def admin(statement: str) -> None:
        engine = make_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as connection:
                await connection.execute(text(statement))
        finally:
            await engine.dispose()

    await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin(f'CREATE DATABASE "{name}"')
    engine = make_engine(url)
    await upgrade(engine)
    await engine.dispose()
    try:
        yield url
    finally:
        await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def copy_rows(
    engine: AsyncEngine, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> int:
    """COPY rows into a table over asyncpg (on SQLite, one executemany INSERT); returns how
    many."""
    records = list(rows)
    if engine.dialect.name == "sqlite":
        target = Base.metadata.tables[table]
        values = [dict(zip(columns, record, strict=True)) for record in records]
        async with engine.begin() as connection:
            await connection.execute(insert(target), values)
        return len(records)
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        await driver.copy_records_to_table(table, records=records, columns=list(columns))
        await connection.commit()
    return len(records)


async def reset_sequences(engine: AsyncEngine, tables: Iterable[str]) -> None:
    async with engine.begin() as connection:
        if engine.dialect.name == "sqlite":  # its ids follow the largest there: nothing to reset
            await connection.execute(text("ANALYZE"))
            return
        for table in tables:
            await connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                    f" (SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
                )
            )
        await connection.execute(text("ANALYZE"))


@dataclass(frozen=True)
class Units:
    """`units` schools, each one organisation with one staff group working through module 0-1
    of the school package, a step each weekday at 08:00 from `start`."""

    units: int
    staff: int  # per unit
    leaders: int = 1  # per unit
    start: date = MONDAY

    @property
    def per_unit(self) -> int:
        return self.staff + self.leaders

    @property
    def members(self) -> int:
        return self.units * self.staff

    def member_ids(self, unit: int) -> range:
        first = (unit - 1) * self.per_unit + 1
        return range(first, first + self.per_unit)

    def is_leader(self, member_id: int) -> bool:
        return (member_id - 1) % self.per_unit >= self.staff

    def unit_of(self, member_id: int) -> int:
        return (member_id - 1) // self.per_unit + 1

    def role_of(self, member_id: int) -> str:
        return "leader" if self.is_leader(member_id) else "staff"

    def telegram_id(self, member_id: int) -> int:
        return 10_000_000 + member_id


async def seed_units(engine: AsyncEngine, units: Units) -> None:
    now = datetime.now(UTC)
    r = range(1, units.units + 1)
    await copy_rows(
        engine,
        "organisations",
        ("id", "slug", "name", "kind", "timezone", "created_at"),
        ((u, f"skole-{u}", f"Skole {u}", "school", "Europe/Oslo", now) for u in r),
    )
    await copy_rows(
        engine,
        "groups",
        ("id", "org_id", "slug", "name", "summary_weekday", "summary_time"),
        ((u, u, "personalet", f"Personalet {u}", 4, clock_time(14)) for u in r),
    )
    await copy_rows(
        engine,
        "rollouts",
        (
            *("id", "group_id", "package_id", "modules", "start_date", "weekdays"),
            *("send_time", "status", "created_at"),
        ),
        ((u, u, PACKAGE, "0,1", units.start, "0,1,2,3,4", clock_time(8), "active", now) for u in r),
    )
    ids = [m for u in r for m in units.member_ids(u)]
    await copy_rows(
        engine,
        "members",
        ("id", "telegram_id", "language", "paused", "unreachable", "created_at"),
        ((m, units.telegram_id(m), "nb", False, False, now) for m in ids),
    )
    await copy_rows(
        engine,
        "memberships",
        ("id", "member_id", "group_id", "role", "joined_on"),
        ((m, m, units.unit_of(m), units.role_of(m), units.start - timedelta(days=7)) for m in ids),
    )
    await reset_sequences(engine, ("organisations", "groups", "rollouts", "members", "memberships"))


def _run_seeding(seed: Any, url: str, units: Units) -> None:
    async def both() -> None:
        engine = make_engine(url)
        try:
            await seed(engine, units)
        finally:
            await engine.dispose()

    asyncio.run(both())


def seed_elsewhere(seed: Any, url: str, units: Units) -> float:
    """Runs `await seed(engine, units)` in a child process, so the rows built for COPY do not
    count in this process's peak memory; returns the seconds it took."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    child = context.Process(target=_run_seeding, args=(seed, url, units))
    started = time.perf_counter()
    child.start()
    child.join()
    if child.exitcode != 0:
        raise RuntimeError(f"seeding failed (exit status {child.exitcode})")
    return time.perf_counter() - started
