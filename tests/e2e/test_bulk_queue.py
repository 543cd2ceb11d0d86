"""A morning's bulk into the delivery queue, on SQLite and on PostgreSQL (where from
`COPY_FROM` rows on it goes in by COPY): every row once, however often the tick writes it, and
an instant without a time zone refused as everywhere else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import StatementError

from storage.repositories.deliveries import COPY_FROM
from storage.uow import UnitOfWorkFactory

EIGHT = datetime(2026, 11, 23, 7, tzinfo=UTC)


def notes(first: int, count: int, due: datetime = EIGHT) -> list[dict[str, object]]:
    return [
        {"kind": "note", "dedupe_key": f"note:{n}", "chat_id": 10_000 + n, "due_at": due}
        for n in range(first, first + count)
    ]


async def test_a_bulk_is_written_once_whatever_the_tick_writes_again(
    uow_factory: UnitOfWorkFactory,
) -> None:
    bulk = COPY_FROM + 200
    async with uow_factory() as uow:
        assert await uow.deliveries.enqueue(notes(0, bulk)) == bulk
        await uow.commit()
    async with uow_factory() as uow:  # a second tick, and a second instance, write it again
        assert await uow.deliveries.enqueue(notes(0, bulk) + notes(bulk, 300)) == 300
        assert await uow.deliveries.enqueue(notes(0, bulk)) == 0  # twice in one transaction
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.deliveries.count_due(EIGHT) == bulk + 300
        assert await uow.deliveries.count_due(EIGHT - timedelta(seconds=1)) == 0
        first = await uow.deliveries.get(1)
    assert first is not None and first.due_at == EIGHT and first.status == "pending"


async def test_a_bulk_with_an_instant_without_a_time_zone_is_refused_whole(
    uow_factory: UnitOfWorkFactory,
) -> None:
    rows = notes(0, COPY_FROM) + notes(COPY_FROM, 1, due=EIGHT.replace(tzinfo=None))
    async with uow_factory() as uow:
        with pytest.raises((ValueError, StatementError), match="naive"):
            await uow.deliveries.enqueue(rows)
    async with uow_factory() as uow:
        assert await uow.deliveries.count_due(EIGHT) == 0
