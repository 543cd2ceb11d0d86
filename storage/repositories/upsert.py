"""INSERT ... ON CONFLICT DO NOTHING for both dialects we run on."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Insert, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


async def insert_ignoring_conflicts(
    session: AsyncSession, table: Table, rows: list[dict[str, Any]]
) -> int:
    """Inserts the rows that do not collide with a unique key; returns how many went in."""
    if not rows:
        return 0
    result = await session.execute(conflict_free_insert(session, table).values(rows))
    return int(getattr(result, "rowcount", 0) or 0)


def conflict_free_insert(session: AsyncSession, table: Table) -> Insert:
    """An INSERT into `table` that skips the rows colliding with a unique key."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(table).on_conflict_do_nothing()
