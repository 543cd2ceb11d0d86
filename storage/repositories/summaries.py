"""Frozen weekly summaries, leaders' notes, and the log of updates already handled."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import UTC, date, datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import LeaderNoteRow, ProcessedUpdateRow, SummaryRow
from storage.repositories.upsert import conflict_free_insert, insert_ignoring_conflicts


class SummaryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, group_id: int, week: date) -> str | None:
        query = select(SummaryRow.snapshot).where(
            SummaryRow.group_id == group_id, SummaryRow.week == week
        )
        snapshot: str | None = await self.session.scalar(query)
        return snapshot

    async def of_week(self, group_ids: Collection[int], week: date) -> dict[int, str]:
        """The week's snapshots of those groups that have one, in one query."""
        rows = await self.session.execute(
            select(SummaryRow.group_id, SummaryRow.snapshot).where(
                SummaryRow.group_id.in_(group_ids), SummaryRow.week == week
            )
        )
        return {group_id: snapshot for group_id, snapshot in rows}

    async def closed(self, group_ids: Collection[int], week: date) -> set[int]:
        """Which of the groups have the week's snapshot already."""
        rows = await self.session.scalars(
            select(SummaryRow.group_id).where(
                SummaryRow.group_id.in_(group_ids), SummaryRow.week == week
            )
        )
        return set(rows)

    async def freeze(self, group_id: int, week: date, snapshot: str) -> bool:
        """Stores the week's summary once; False when another tick or instance was first."""
        return group_id in await self.freeze_many(week, {group_id: snapshot})

    async def freeze_many(self, week: date, snapshots: Mapping[int, str]) -> set[int]:
        """Stores each group's summary of the week once, in one statement; returns the groups
        whose snapshot went in (not those another tick or instance stored first)."""
        if not snapshots:
            return set()
        now = datetime.now(UTC)
        rows = [
            {"group_id": group_id, "week": week, "snapshot": snapshot, "created_at": now}
            for group_id, snapshot in snapshots.items()
        ]
        table = SummaryRow.__table__
        statement = conflict_free_insert(self.session, table).values(rows)  # type: ignore[arg-type]
        result = await self.session.execute(statement.returning(table.c.group_id))
        return set(result.scalars())

    async def with_texts_before(self, week: date) -> list[tuple[int, date, str]]:
        """Snapshots of weeks before `week` that still hold an answer text (retention).

        A text list is JSON `"texts":["...`; once blanked it is `"texts":["",""]`, which the
        replace() takes out before the match, so a blanked snapshot is not read again."""
        blanked = func.replace(SummaryRow.snapshot, 'texts":[""', "")
        query = select(SummaryRow.group_id, SummaryRow.week, SummaryRow.snapshot).where(
            SummaryRow.week < week, blanked.like('%texts":["%')
        )
        return [
            (group_id, day, snapshot)
            for group_id, day, snapshot in await self.session.execute(query)
        ]

    async def replace(self, group_id: int, week: date, snapshot: str) -> None:
        await self.session.execute(
            update(SummaryRow)
            .where(SummaryRow.group_id == group_id, SummaryRow.week == week)
            .values(snapshot=snapshot)
        )

    async def weeks(self, group_id: int) -> list[date]:
        query = (
            select(SummaryRow.week).where(SummaryRow.group_id == group_id).order_by(SummaryRow.week)
        )
        return list(await self.session.scalars(query))

    async def add_note(self, group_id: int, week: date, text: str) -> int:
        row = LeaderNoteRow(group_id=group_id, week=week, text=text, created_at=datetime.now(UTC))
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def note(self, note_id: int) -> str | None:
        row = await self.session.get(LeaderNoteRow, note_id)
        return None if row is None else row.text


class UpdateLog:
    """Telegram may deliver an update again (a crash before the offset was confirmed, a webhook
    retry): the first handling records its id, and a repeat is recognised."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def first_time(self, bot_id: int, update_id: int, today: date) -> bool:
        row = {"bot_id": bot_id, "update_id": update_id, "handled_on": today}
        table = ProcessedUpdateRow.__table__
        return await insert_ignoring_conflicts(self.session, table, [row]) == 1  # type: ignore[arg-type]

    async def prune(self, before: date) -> None:
        await self.session.execute(
            delete(ProcessedUpdateRow).where(ProcessedUpdateRow.handled_on < before)
        )
