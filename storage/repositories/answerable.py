"""Finding the step an answer is for, in one query: the delivery with its group's summary
moment, its organisation's time zone and its live rollout, so that answering only has to write."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Row, Select, and_, bindparam, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.answerable import Answerable
from domain.deliveries import Kind
from domain.model import RolloutStatus
from storage.models import (
    DeliveryRow,
    GroupRow,
    MemberRow,
    MembershipRow,
    OrganisationRow,
    ParticipationRow,
    RolloutRow,
)

_COLUMNS = (
    DeliveryRow.id,
    DeliveryRow.kind,
    DeliveryRow.member_id,
    DeliveryRow.group_id,
    DeliveryRow.rollout_id,
    DeliveryRow.step_id,
    DeliveryRow.week,
    OrganisationRow.timezone,
    GroupRow.summary_weekday,
    GroupRow.summary_time,
    RolloutRow.package_id,
    RolloutRow.modules,
    MemberRow.telegram_id,
)


def _answerable_query(*where: ColumnElement[bool]) -> Select[Any]:
    live_rollout = and_(
        RolloutRow.id == DeliveryRow.rollout_id,
        RolloutRow.group_id == DeliveryRow.group_id,
        RolloutRow.status != RolloutStatus.CANCELLED.value,
    )
    # only a member of the step's group answers it: someone taken out of the group (or who
    # left it) is refused like a stranger, so their old step messages add nothing to it
    in_group = exists().where(
        MembershipRow.member_id == DeliveryRow.member_id,
        MembershipRow.group_id == DeliveryRow.group_id,
    )
    return (
        select(*_COLUMNS)
        .outerjoin(GroupRow, GroupRow.id == DeliveryRow.group_id)
        .outerjoin(OrganisationRow, OrganisationRow.id == GroupRow.org_id)
        .outerjoin(RolloutRow, live_rollout)
        .outerjoin(MemberRow, MemberRow.id == DeliveryRow.member_id)
        .where(*where, in_group)
    )


# Built once (building a statement costs more Python than running a cached one): the values
# come as parameters.
_BY_ID = _answerable_query(
    DeliveryRow.id == bindparam("delivery_id"),
    DeliveryRow.member_id == bindparam("member_id"),
    DeliveryRow.kind == Kind.STEP,
)
_BY_MESSAGE = _answerable_query(
    DeliveryRow.chat_id == bindparam("chat_id"),
    DeliveryRow.message_id == bindparam("message_id"),
    DeliveryRow.member_id == bindparam("member_id"),
)
_OPEN = _answerable_query(
    DeliveryRow.member_id == bindparam("member_id"),
    DeliveryRow.kind == Kind.STEP,
    DeliveryRow.status == "sent",
    ~exists().where(
        ParticipationRow.member_id == DeliveryRow.member_id,
        ParticipationRow.rollout_id == DeliveryRow.rollout_id,
        ParticipationRow.step_id == DeliveryRow.step_id,
    ),
).order_by(DeliveryRow.due_at.desc(), DeliveryRow.id.desc())


def _answerable(row: Row[Any]) -> Answerable:
    modules: str | None = row.modules
    return Answerable(
        delivery_id=row.id,
        kind=row.kind,
        member_id=row.member_id,
        group_id=row.group_id,
        rollout_id=row.rollout_id,
        step_id=row.step_id,
        week=row.week,
        timezone=row.timezone,
        summary_weekday=row.summary_weekday,
        summary_time=row.summary_time,
        package_id=row.package_id,
        modules=tuple(int(n) for n in modules.split(",") if n) if modules else (),
        telegram_id=row.telegram_id,
    )


class AnswerableSteps:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_id(self, member_id: int, delivery_id: int) -> Answerable | None:
        """The member's own step delivery with that id (what an answer button names)."""
        found = {"delivery_id": delivery_id, "member_id": member_id}
        row = (await self.session.execute(_BY_ID, found)).first()
        return None if row is None else _answerable(row)

    async def by_message(self, member_id: int, chat_id: int, message_id: int) -> Answerable | None:
        """The member's delivery that became this message, of any kind."""
        found = {"chat_id": chat_id, "message_id": message_id, "member_id": member_id}
        row = (await self.session.execute(_BY_MESSAGE, found)).first()
        return None if row is None else _answerable(row)

    async def unanswered(self, member_id: int) -> list[Answerable]:
        """The member's sent, unanswered steps, newest first."""
        rows = await self.session.execute(_OPEN, {"member_id": member_id})
        return [_answerable(row) for row in rows]
