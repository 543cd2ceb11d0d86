"""Storing an answer: anonymous for the group, participation for the member, once per step.

The answer path reads once: `answerable` / `open_to_answer` find the delivery with its group's
summary moment, its organisation's time zone and its rollout in one query, so that `answer_step`
only has to write (the participation record, then the answer).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, and_, bindparam, exists, select

from domain.calendar import is_week_closed, local_date
from domain.masking import mask
from domain.model import QuestionKind, RolloutStatus
from domain.text import without_control_characters
from storage.models import (
    DeliveryRow,
    GroupRow,
    MemberRow,
    MembershipRow,
    OrganisationRow,
    ParticipationRow,
    RolloutRow,
)
from storage.repositories.deliveries import Delivery, Kind
from storage.uow import UnitOfWork

TEXT_MAX = 4096


class Outcome(StrEnum):
    STORED = "stored"
    ALREADY = "already"  # answered this step before
    CLOSED = "closed"  # the step's week has closed: its summary is out
    NOT_YOURS = "not_yours"  # no such step for this member (a stale or crafted button)
    INVALID = "invalid"  # a value the question does not take


@dataclass(frozen=True)
class Answered:
    outcome: Outcome
    masked: tuple[str, ...] = ()  # what was masked in a text answer: "national_id", "phone", ...


@dataclass(frozen=True)
class Answerable:
    """A delivery to a member, with what answering it needs: when its week closes and which
    live rollout it belongs to (`package_id` None when the rollout was cancelled or is gone)."""

    delivery_id: int
    kind: str
    member_id: int | None
    group_id: int | None
    rollout_id: int | None
    step_id: str | None
    week: date | None
    timezone: str | None
    summary_weekday: int | None
    summary_time: time | None
    package_id: str | None
    modules: tuple[int, ...]
    telegram_id: int | None = None  # the member's, for the answer mark

    def week_closed(self, now: datetime) -> bool:
        if self.week is None or self.timezone is None:  # no group (or no week): nothing to add to
            return True
        assert self.summary_weekday is not None and self.summary_time is not None
        return is_week_closed(
            self.week, now, self.summary_weekday, self.summary_time, self.timezone
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


async def answerable(uow: UnitOfWork, member_id: int, delivery_id: int) -> Answerable | None:
    """The member's own step delivery with that id (what an answer button names)."""
    found = {"delivery_id": delivery_id, "member_id": member_id}
    row = (await uow.session.execute(_BY_ID, found)).first()
    return None if row is None else _answerable(row)


async def answerable_message(
    uow: UnitOfWork, member_id: int, chat_id: int, message_id: int
) -> Answerable | None:
    """The member's delivery that became this message (of any kind: a reply to a reminder is
    answered as not theirs to answer, as before)."""
    found = {"chat_id": chat_id, "message_id": message_id, "member_id": member_id}
    row = (await uow.session.execute(_BY_MESSAGE, found)).first()
    return None if row is None else _answerable(row)


async def open_to_answer(uow: UnitOfWork, member_id: int, now: datetime) -> list[Answerable]:
    """The member's sent, unanswered steps whose week is still open, newest first."""
    rows = await uow.session.execute(_OPEN, {"member_id": member_id})
    found = (_answerable(row) for row in rows)
    return [step for step in found if not step.week_closed(now)]


async def answer_step(
    uow: UnitOfWork,
    member_id: int,
    step: Answerable,
    kind: QuestionKind,
    value: int | str,
    now: datetime,
    *,
    options: int = 0,
) -> Answered:
    """Validates and stores one answer, then commits; refuses a second one or a late one."""
    if step.member_id != member_id or step.kind != Kind.STEP:
        return Answered(Outcome.NOT_YOURS)
    if step.week_closed(now):
        return Answered(Outcome.CLOSED)
    scale = choice = None
    text: str | None = None
    masked: tuple[str, ...] = ()
    if kind is QuestionKind.SCALE and isinstance(value, int) and 1 <= value <= 5:
        scale = value
    elif kind is QuestionKind.CHOICE and isinstance(value, int) and 0 <= value < options:
        choice = value
    elif kind is QuestionKind.TEXT and isinstance(value, str) and value.strip():
        written = without_control_characters(value).strip()
        if not written:
            return Answered(Outcome.INVALID)
        result = mask(written[:TEXT_MAX])
        text, masked = result.text, result.masked
    else:
        return Answered(Outcome.INVALID)
    assert step.group_id and step.rollout_id and step.step_id and step.week and step.timezone
    assert step.telegram_id is not None
    rollout_id, step_id, telegram_id = step.rollout_id, step.step_id, step.telegram_id
    first = await uow.participation.record(
        member_id, step.group_id, rollout_id, step_id, step.week, local_date(now, step.timezone)
    )
    if not first or not await uow.marks.claim(rollout_id, step_id, telegram_id):
        await uow.rollback()
        return Answered(Outcome.ALREADY)
    await uow.commit()
    # The answer in a transaction of its own: on PostgreSQL a row carries the id of the
    # transaction that wrote it, so sharing one would tie the answer to its participation row.
    # (Neighbouring ids still do, until the week's freeze rewrites its answers: bot/summaries.py.)
    try:
        await uow.answers.add(
            group_id=step.group_id,
            rollout_id=rollout_id,
            step_id=step_id,
            week=step.week,
            kind=kind.value,
            scale=scale,
            choice=choice,
            text=text,
        )
        await uow.commit()
    except BaseException:
        await uow.rollback()
        await _take_back(uow, member_id, rollout_id, step_id, telegram_id)
        raise
    return Answered(Outcome.STORED, masked)


async def _take_back(
    uow: UnitOfWork, member_id: int, rollout_id: int, step_id: str, telegram_id: int
) -> None:
    """The answer could not be stored: the step is open to answer again."""
    await uow.participation.forget_step(member_id, rollout_id, step_id)
    await uow.marks.release(rollout_id, step_id, telegram_id)
    await uow.commit()


async def answer(
    uow: UnitOfWork,
    member_id: int,
    delivery: Delivery,
    kind: QuestionKind,
    value: int | str,
    now: datetime,
    *,
    options: int = 0,
) -> Answered:
    """`answer_step` for a caller that holds a Delivery (the handlers use `answerable`)."""
    step = await answerable(uow, member_id, delivery.id)
    if step is None:
        return Answered(Outcome.NOT_YOURS)
    return await answer_step(uow, member_id, step, kind, value, now, options=options)
