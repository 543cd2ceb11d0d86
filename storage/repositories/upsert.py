"""INSERT ... ON CONFLICT DO NOTHING for both dialects we run on."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


async def insert_ignoring_conflicts(
    session: AsyncSession, table: Table, rows: list[dict[str, Any]]
) -> int:
    """Inserts the rows that do not collide with a unique key; returns how many went in."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).values(rows).on_conflict_do_nothing()
    result = await session.execute(statement)
    return int(getattr(result, "rowcount", 0) or 0)
