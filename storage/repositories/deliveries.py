"""The delivery queue: every message owed to a chat, claimed with a lease before it is sent.

Exactly once: a unique `dedupe_key` per message; a claim (status `claimed`, `lease_until`) before
the send; `sent` with Telegram's message id after it. A claim whose lease ran out (the process
died mid-send) is claimed again: nothing is lost. Only a death between Telegram accepting the
message and the `sent` mark can double a message: Telegram has no idempotency key.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import (
    and_,
    bindparam,
    delete,
    exists,
    func,
    or_,
    select,
    text,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain.deliveries import Delivery, Kind
from domain.model import Role
from storage.models import (
    DeliveryRow,
    MemberRow,
    MembershipRow,
    ParticipationRow,
    RolloutRow,
    SummaryRow,
    UTCDateTime,
)
from storage.repositories import IDS_PER_QUERY
from storage.repositories.upsert import conflict_free_insert

T = TypeVar("T")
ROWS_PER_INSERT = 500  # x 10 columns: well under PostgreSQL's 32,767 parameters
COPY_FROM = 1_000  # rows enqueued at once from which PostgreSQL gets them by COPY


@dataclass(frozen=True)
class Recipient:
    member_id: int
    chat_id: int
    send_time: Any  # datetime.time | None: the member's own send time


class DeliveryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def enqueue(self, rows: list[dict[str, Any]]) -> int:
        """Adds deliveries (dicts of DeliveryRow columns, `dedupe_key` and `due_at` required)
        unless they exist already; returns how many are new. One cached statement executed
        for many rows (SQLAlchemy sends them in pages), so a morning's 200,000 steps are not
        compiled into SQL one by one."""
        if not rows:
            return 0
        columns = sorted({key for row in rows for key in row} | {"status", "attempts", "paced"})
        defaults = {"status": "pending", "attempts": 0, "paced": False}
        dialect = self.session.get_bind().dialect.name
        if dialect == "postgresql" and len(rows) >= COPY_FROM:
            return await self._copy_in(columns, rows, defaults)
        values = [{c: row.get(c, defaults.get(c)) for c in columns} for row in rows]
        table = DeliveryRow.__table__
        # a Table: the plain Core insert
        statement = conflict_free_insert(self.session, table).returning(table.c.id)  # type: ignore[arg-type]
        added = 0
        for chunk in _chunks(values, ROWS_PER_INSERT * 10):
            added += len((await self.session.execute(statement, list(chunk))).all())
        return added

    async def _copy_in(
        self, columns: list[str], rows: list[dict[str, Any]], defaults: dict[str, Any]
    ) -> int:
        """A morning's bulk on PostgreSQL: COPY into a scratch table, then one INSERT ... SELECT
        that leaves out the rows already there (COPY itself cannot), a fraction of the cost of
        binding 200,000 rows' parameters."""
        connection = await self.session.connection()
        dialect = connection.dialect
        table = DeliveryRow.__table__
        pairs = [(c, defaults.get(c)) for c in columns]
        records = [[row.get(c, default) for c, default in pairs] for row in rows]
        for index, column in enumerate(columns):  # the UTC checks, as for any other write
            process = table.c[column].type.bind_processor(dialect)
            if process is not None:
                for record in records:
                    record[index] = process(record[index])
        names = ", ".join(columns)  # the table's own column names, never input
        await connection.execute(
            text(
                f"CREATE TEMPORARY TABLE owed_deliveries ON COMMIT DROP"
                f" AS SELECT {names} FROM deliveries WITH NO DATA"
            )
        )
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None
        await driver.copy_records_to_table("owed_deliveries", records=records, columns=columns)
        result = await connection.execute(
            text(
                f"INSERT INTO deliveries ({names}) SELECT {names} FROM owed_deliveries"
                " ON CONFLICT DO NOTHING"
            )
        )
        await connection.execute(text("DROP TABLE owed_deliveries"))
        return int(getattr(result, "rowcount", 0) or 0)

    async def lacking(
        self, kind: str, role: Role, step_id: str, rollout_ids: Collection[int]
    ) -> list[tuple[int, Recipient]]:
        """(rollout id, member) for every reachable member in `role` of each rollout's group who
        has no `kind` delivery of `step_id` in that rollout yet (steps: unpaused ones too).
        Set-based: one query for many groups, and a tick that finds nothing new reads nothing."""
        already = exists().where(
            DeliveryRow.member_id == MemberRow.id,
            DeliveryRow.kind == kind,
            DeliveryRow.rollout_id == RolloutRow.id,
            DeliveryRow.step_id == step_id,
        )
        found = []
        for chunk in _chunks(sorted(rollout_ids), IDS_PER_QUERY):
            query = (
                select(RolloutRow.id, MemberRow.id, MemberRow.telegram_id, MemberRow.send_time)
                .join(MembershipRow, MembershipRow.group_id == RolloutRow.group_id)
                .join(MemberRow, MemberRow.id == MembershipRow.member_id)
                .where(
                    RolloutRow.id.in_(chunk),
                    MembershipRow.role == role.value,
                    MemberRow.unreachable.is_(False),
                    MemberRow.paused.is_(False) if kind == Kind.STEP else true(),
                    ~already,
                )
                .order_by(RolloutRow.id, MemberRow.id)
            )
            found += [
                (r, Recipient(m, chat, own))
                for r, m, chat, own in await self.session.execute(query)
            ]
        return found

    async def reminders_owed(
        self, rollout_ids: Collection[int], step_id: str, sent_before: datetime, due_at: datetime
    ) -> list[dict[str, Any]]:
        """A reminder, due at `due_at`, of `step_id` in each of the rollouts (rows for `enqueue`)
        to every reachable, unpaused member it was sent to before `sent_before` (the reminder's
        day) who has neither answered it nor been reminded of it. Read rather than written here,
        so the planner books them with the morning's steps and writes everything once."""
        answered = exists().where(
            ParticipationRow.member_id == DeliveryRow.member_id,
            ParticipationRow.rollout_id == DeliveryRow.rollout_id,
            ParticipationRow.step_id == step_id,
        )
        # only staff still in the group: someone taken out of it (or made its leader) since the
        # step went out is not reminded of it
        still_staff = exists().where(
            MembershipRow.member_id == DeliveryRow.member_id,
            MembershipRow.group_id == DeliveryRow.group_id,
            MembershipRow.role == Role.STAFF.value,
        )
        reminder = aliased(DeliveryRow)
        reminded = exists().where(
            reminder.kind == Kind.REMINDER,
            reminder.member_id == DeliveryRow.member_id,
            reminder.rollout_id == DeliveryRow.rollout_id,
            reminder.step_id == step_id,
        )
        found: list[dict[str, Any]] = []
        for chunk in _chunks(sorted(rollout_ids), IDS_PER_QUERY):
            owed = (
                select(
                    DeliveryRow.id,
                    DeliveryRow.chat_id,
                    DeliveryRow.member_id,
                    DeliveryRow.group_id,
                    DeliveryRow.rollout_id,
                    DeliveryRow.week,
                )
                .join(MemberRow, MemberRow.id == DeliveryRow.member_id)
                .where(
                    MemberRow.paused.is_(False),  # a pause means no messages, reminders included
                    MemberRow.unreachable.is_(False),
                    DeliveryRow.kind == Kind.STEP,
                    DeliveryRow.rollout_id.in_(chunk),
                    DeliveryRow.step_id == step_id,
                    DeliveryRow.status == "sent",
                    DeliveryRow.sent_at < sent_before,
                    ~answered,
                    ~reminded,
                    still_staff,
                )
            )
            found += [
                {
                    "kind": Kind.REMINDER,
                    "dedupe_key": f"rem:{sent}",
                    "chat_id": chat,
                    "member_id": member,
                    "group_id": group,
                    "rollout_id": rollout,
                    "step_id": step_id,
                    "week": week,
                    "due_at": due_at,
                }
                for sent, chat, member, group, rollout, week in await self.session.execute(owed)
            ]
        return found

    async def weeks_summarised(
        self, group_ids: Collection[int], since: date
    ) -> set[tuple[int, date]]:
        """(group, week) for every week from `since` whose summary is frozen, and so owed."""
        found: set[tuple[int, date]] = set()
        for chunk in _chunks(sorted(group_ids), IDS_PER_QUERY):
            query = select(SummaryRow.group_id, SummaryRow.week).where(
                SummaryRow.group_id.in_(chunk), SummaryRow.week >= since
            )
            found.update((g, w) for g, w in await self.session.execute(query))
        return found

    async def count_due(self, now: datetime) -> int:
        """Deliveries due by `now` and not sent yet (the queue an operator watches)."""
        return int(
            await self.session.scalar(
                select(func.count())
                .select_from(DeliveryRow)
                .where(DeliveryRow.status == "pending", DeliveryRow.due_at <= now)
            )
            or 0
        )

    async def claim_due(self, now: datetime, lease: timedelta, limit: int) -> list[Delivery]:
        """Claims up to `limit` due deliveries, skipping rows another instance holds: first
        claims whose lease ran out (their instance died), then pending ones, oldest first.
        Two queries, each walking the (status, due_at, id) index and stopping at `limit`: one
        with an OR would sort the whole due queue (200,000 rows on a morning) for every batch."""
        ids: list[int] = []
        for status, ready in (
            ("claimed", DeliveryRow.lease_until < now),
            ("pending", DeliveryRow.due_at <= now),
        ):
            if len(ids) >= limit:
                break
            ids += await self.session.scalars(
                select(DeliveryRow.id)
                .where(DeliveryRow.status == status, ready)
                .order_by(DeliveryRow.due_at, DeliveryRow.id)
                .limit(limit - len(ids))
                .with_for_update(skip_locked=True)
            )
        if not ids:
            return []
        due = or_(
            and_(DeliveryRow.status == "pending", DeliveryRow.due_at <= now),
            and_(DeliveryRow.status == "claimed", DeliveryRow.lease_until < now),
        )
        # RETURNING plain columns: no third query, and no ORM objects to build for a batch
        # that is read once (the fields are in Delivery's order).
        rows = await self.session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.id.in_(ids), due)
            .values(status="claimed", lease_until=now + lease, attempts=DeliveryRow.attempts + 1)
            .returning(*CLAIMED_COLUMNS)
            .execution_options(synchronize_session=False)
        )
        return sorted((Delivery(*row) for row in rows), key=lambda d: (d.due_at, d.id))

    async def unpaced(self) -> list[tuple[int, int | None, datetime, str]]:
        """(id, group id, due_at, kind) of every pending delivery not booked into a minute yet:
        what the last tick enqueued (the partial index holds only these)."""
        rows = await self.session.execute(
            select(DeliveryRow.id, DeliveryRow.group_id, DeliveryRow.due_at, DeliveryRow.kind)
            .where(DeliveryRow.paced.is_(False), DeliveryRow.status == "pending")
            .order_by(DeliveryRow.id)
        )
        return [(i, group, due, kind) for i, group, due, kind in rows]

    async def booked_from(self, since: datetime) -> list[tuple[int | None, datetime, str, int]]:
        """(group id, minute, kind, how many) of the booked deliveries still waiting from
        `since` on: what each minute already holds."""
        rows = await self.session.execute(
            select(DeliveryRow.group_id, DeliveryRow.due_at, DeliveryRow.kind, func.count())
            .where(
                DeliveryRow.status == "pending",
                DeliveryRow.due_at >= since,
                DeliveryRow.paced.is_(True),
            )
            .group_by(DeliveryRow.group_id, DeliveryRow.due_at, DeliveryRow.kind)
        )
        return [(group, due, kind, count) for group, due, kind, count in rows]

    async def book(self, bookings: list[tuple[int, datetime]]) -> None:
        """Books deliveries into their minutes: (delivery id, the minute it goes out in). One
        UPDATE per minute and chunk of ids, not one per row: a morning is a few hundred
        statements, not 200,000."""
        by_minute: dict[datetime, list[int]] = {}
        for delivery, minute in bookings:
            by_minute.setdefault(minute, []).append(delivery)
        for minute, ids in by_minute.items():
            for chunk in _chunks(sorted(ids), IDS_PER_QUERY):
                await self.session.execute(
                    update(DeliveryRow)
                    .where(DeliveryRow.id.in_(chunk), DeliveryRow.status == "pending")
                    .values(due_at=minute, paced=True)
                    .execution_options(synchronize_session=False)
                )

    async def release(self, delivery_ids: list[int]) -> None:
        """Claims given back unsent (a batch taken ahead at shutdown): due again at once."""
        await self.session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.id.in_(delivery_ids), DeliveryRow.status == "claimed")
            .values(status="pending", lease_until=None, attempts=DeliveryRow.attempts - 1)
        )

    async def mark_sent(self, delivery_id: int, message_id: int | None, at: datetime) -> None:
        await self.session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.id == delivery_id)
            .values(status="sent", message_id=message_id, sent_at=at, lease_until=None, error=None)
        )

    async def mark_many_sent(self, marks: list[tuple[int, int | None, datetime]]) -> None:
        """Marks several deliveries sent: (delivery id, Telegram's message id, when)."""
        table = DeliveryRow.__table__
        statement = (
            update(table)  # type: ignore[arg-type]  # a Table: plain Core, executed for many
            .where(table.c.id == bindparam("b_id"))
            .values(
                status="sent",
                message_id=bindparam("b_message_id"),
                sent_at=bindparam("b_sent_at", type_=UTCDateTime),
                lease_until=None,
                error=None,
            )
        )
        await self.session.execute(
            statement,
            [{"b_id": d, "b_message_id": m, "b_sent_at": at} for d, m, at in marks],
        )

    async def mark_part_sent(self, delivery_id: int, parts_sent: int, message_id: int) -> None:
        """Progress through a message in several parts, so a retry does not repeat them."""
        await self.session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.id == delivery_id)
            .values(parts_sent=parts_sent, message_id=message_id)
        )

    async def retry_later(self, delivery_id: int, at: datetime, error: str) -> None:
        await self.session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.id == delivery_id)
            .values(status="pending", due_at=at, lease_until=None, error=error[:200])
        )

    async def give_up(self, delivery_id: int, error: str) -> None:
        await self.session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.id == delivery_id)
            .values(status="failed", lease_until=None, error=error[:200])
        )

    async def get(self, delivery_id: int) -> Delivery | None:
        row = await self.session.get(DeliveryRow, delivery_id)
        return None if row is None else _delivery(row)

    async def by_message(self, chat_id: int, message_id: int) -> Delivery | None:
        row = await self.session.scalar(
            select(DeliveryRow).where(
                DeliveryRow.chat_id == chat_id, DeliveryRow.message_id == message_id
            )
        )
        return None if row is None else _delivery(row)

    async def find_step(self, member_id: int, rollout_id: int, step_id: str) -> Delivery | None:
        row = await self.session.scalar(
            select(DeliveryRow).where(
                DeliveryRow.kind == Kind.STEP,
                DeliveryRow.member_id == member_id,
                DeliveryRow.rollout_id == rollout_id,
                DeliveryRow.step_id == step_id,
            )
        )
        return None if row is None else _delivery(row)

    async def steps_had(self, member_ids: Sequence[int]) -> dict[int, set[str]]:
        """The steps each member has been given (any rollout), in one query per page of ids."""
        had: dict[int, set[str]] = {}
        for page in _chunks(list(member_ids), IDS_PER_QUERY):
            rows = await self.session.execute(
                select(DeliveryRow.member_id, DeliveryRow.step_id).where(
                    DeliveryRow.member_id.in_(page), DeliveryRow.kind == Kind.STEP
                )
            )
            for member, step in rows:
                if member is not None and step is not None:
                    had.setdefault(member, set()).add(step)
        return had

    async def steps_of_member(self, member_id: int) -> list[Delivery]:
        """The member's step deliveries, newest first."""
        rows = await self.session.scalars(
            select(DeliveryRow)
            .where(DeliveryRow.member_id == member_id, DeliveryRow.kind == Kind.STEP)
            .order_by(DeliveryRow.due_at.desc(), DeliveryRow.id.desc())
        )
        return [_delivery(row) for row in rows]

    async def of_member(self, member_id: int) -> list[Delivery]:
        rows = await self.session.scalars(
            select(DeliveryRow).where(DeliveryRow.member_id == member_id).order_by(DeliveryRow.id)
        )
        return [_delivery(row) for row in rows]

    async def drop_pending(
        self, member_id: int, group_id: int, kinds: Collection[str] | None = None
    ) -> int:
        """Deletes the member's deliveries for the group that have not gone out (of `kinds`;
        None: of every kind): someone taken out of a group is owed nothing more from it.
        A claimed row is dropped too: its send finds no row to mark, and nothing retries it."""
        query = delete(DeliveryRow).where(
            DeliveryRow.member_id == member_id,
            DeliveryRow.group_id == group_id,
            DeliveryRow.status.in_(("pending", "claimed")),
        )
        if kinds is not None:
            query = query.where(DeliveryRow.kind.in_(list(kinds)))
        result = await self.session.execute(query)
        return int(getattr(result, "rowcount", 0) or 0)

    async def stop_for_chat(self, chat_id: int, error: str) -> int:
        """A chat that blocked the bot gets nothing more: its pending deliveries fail."""
        result = await self.session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.chat_id == chat_id, DeliveryRow.status.in_(("pending", "claimed")))
            .values(status="failed", lease_until=None, error=error[:200])
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def counts(
        self,
        *,
        group_id: int | None = None,
        rollout_id: int | None = None,
        kind: str | None = None,
    ) -> dict[str, int]:
        """Deliveries by status, of everything or of one group, rollout or kind."""
        query = select(DeliveryRow.status, func.count()).group_by(DeliveryRow.status)
        if group_id is not None:
            query = query.where(DeliveryRow.group_id == group_id)
        if rollout_id is not None:
            query = query.where(DeliveryRow.rollout_id == rollout_id)
        if kind is not None:
            query = query.where(DeliveryRow.kind == kind)
        rows = await self.session.execute(query)
        return {status: int(count) for status, count in rows}


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


CLAIMED_COLUMNS = (
    *(DeliveryRow.id, DeliveryRow.kind, DeliveryRow.chat_id, DeliveryRow.member_id),
    *(DeliveryRow.group_id, DeliveryRow.rollout_id, DeliveryRow.step_id, DeliveryRow.week),
    *(DeliveryRow.status, DeliveryRow.due_at, DeliveryRow.attempts, DeliveryRow.sent_at),
    *(DeliveryRow.message_id, DeliveryRow.parts_sent),
)


def _delivery(row: DeliveryRow) -> Delivery:
    return Delivery(
        id=row.id,
        kind=row.kind,
        chat_id=row.chat_id,
        member_id=row.member_id,
        group_id=row.group_id,
        rollout_id=row.rollout_id,
        step_id=row.step_id,
        week=row.week,
        status=row.status,
        due_at=row.due_at,
        attempts=row.attempts,
        sent_at=row.sent_at,
        message_id=row.message_id,
        parts_sent=row.parts_sent,
    )
