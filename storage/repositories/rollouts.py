"""Rollouts: which modules of which package a group works through, when, and their pauses."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.model import Pause, Rollout, RolloutStatus
from storage.models import GroupRow, PauseRow, RolloutRow
from storage.repositories import IDS_PER_QUERY, NotFound
from storage.repositories.replan import replan


class RolloutRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self,
        group_id: int,
        package_id: str,
        modules: tuple[int, ...],
        start: date,
        weekdays: frozenset[int],
        send_time: time,
    ) -> Rollout:
        row = RolloutRow(
            group_id=group_id,
            package_id=package_id,
            modules=_ints(modules),
            start_date=start,
            weekdays=_ints(sorted(weekdays)),
            send_time=send_time,
            status=RolloutStatus.ACTIVE.value,
            created_at=datetime.now(UTC),
        )
        self.session.add(row)
        await self.session.flush()
        await self._replan(row.id)
        return await self.get(row.id)

    async def get(self, rollout_id: int) -> Rollout:
        row = await self.session.get(RolloutRow, rollout_id)
        if row is None:
            raise NotFound(f"no rollout #{rollout_id}")
        return (await self._to_domain([row]))[0]

    async def of_group(self, group_id: int, *, include_cancelled: bool = False) -> list[Rollout]:
        query = select(RolloutRow).where(RolloutRow.group_id == group_id)
        if not include_cancelled:
            query = query.where(RolloutRow.status != RolloutStatus.CANCELLED.value)
        rows = list(
            await self.session.scalars(query.order_by(RolloutRow.start_date, RolloutRow.id))
        )
        return await self._to_domain(rows)

    async def of_groups(self, group_ids: list[int]) -> list[Rollout]:
        """The groups' rollouts, a page of ids a query (a national tick asks for thousands)."""
        found = []
        for start in range(0, len(group_ids), IDS_PER_QUERY):
            rows = await self.session.scalars(
                select(RolloutRow)
                .where(RolloutRow.group_id.in_(group_ids[start : start + IDS_PER_QUERY]))
                .order_by(RolloutRow.group_id, RolloutRow.start_date, RolloutRow.id)
            )
            found += await self._to_domain(list(rows))
        return found

    async def live(self) -> list[Rollout]:
        """Every rollout that is not cancelled: the clock's work list."""
        rows = list(
            await self.session.scalars(
                select(RolloutRow)
                .where(RolloutRow.status != RolloutStatus.CANCELLED.value)
                .order_by(RolloutRow.id)
            )
        )
        return await self._to_domain(rows)

    async def reschedule(
        self, rollout_id: int, *, start: date, weekdays: frozenset[int], send_time: time
    ) -> None:
        row = await self.session.get_one(RolloutRow, rollout_id)
        row.start_date, row.weekdays, row.send_time = start, _ints(sorted(weekdays)), send_time
        await self._replan(rollout_id)

    async def set_status(self, rollout_id: int, status: RolloutStatus) -> None:
        await self.session.execute(
            update(RolloutRow).where(RolloutRow.id == rollout_id).values(status=status.value)
        )
        await self._replan(rollout_id)

    async def add_pause(self, rollout_id: int, start: date) -> None:
        self.session.add(PauseRow(rollout_id=rollout_id, start_date=start, end_date=None))
        await self.session.flush()
        await self._replan(rollout_id)

    async def end_pause(self, rollout_id: int, last_day: date) -> None:
        """Closes the open pause on `last_day`; the plan goes on from the next open day."""
        await self.session.execute(
            update(PauseRow)
            .where(PauseRow.rollout_id == rollout_id, PauseRow.end_date.is_(None))
            .values(end_date=last_day)
        )
        await self._replan(rollout_id)

    async def _replan(self, rollout_id: int) -> None:
        """The rollout's group is planned again at the next tick."""
        group = select(RolloutRow.group_id).where(RolloutRow.id == rollout_id)
        await replan(self.session, GroupRow.id.in_(group))

    async def _to_domain(self, rows: list[RolloutRow]) -> list[Rollout]:
        if not rows:
            return []
        pauses: dict[int, list[Pause]] = {}
        pause_rows = await self.session.scalars(
            select(PauseRow)
            .where(PauseRow.rollout_id.in_([row.id for row in rows]))
            .order_by(PauseRow.start_date, PauseRow.id)
        )
        for p in pause_rows:
            pauses.setdefault(p.rollout_id, []).append(Pause(p.start_date, p.end_date))
        return [
            Rollout(
                id=row.id,
                group_id=row.group_id,
                package_id=row.package_id,
                modules=tuple(_parse_ints(row.modules)),
                start=row.start_date,
                weekdays=frozenset(_parse_ints(row.weekdays)),
                send_time=row.send_time,
                status=RolloutStatus(row.status),
                pauses=tuple(pauses.get(row.id, ())),
            )
            for row in rows
        ]


def _ints(values: tuple[int, ...] | list[int]) -> str:
    return ",".join(str(v) for v in values)


def _parse_ints(text: str) -> list[int]:
    return [int(v) for v in text.split(",") if v]
