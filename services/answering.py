"""Storing an answer: anonymous for the group, participation for the member, once per step.

The answer path reads once: `answerable` / `open_to_answer` find the delivery with its group's
summary moment, its organisation's time zone and its rollout in one query, so that `answer_step`
only has to write (the participation record, then the answer).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.answerable import Answerable
from domain.calendar import local_date
from domain.deliveries import Delivery, Kind
from domain.masking import mask
from domain.model import QuestionKind
from domain.text import without_control_characters
from services.unit_of_work import UnitOfWork

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


async def answerable(uow: UnitOfWork, member_id: int, delivery_id: int) -> Answerable | None:
    """The member's own step delivery with that id (what an answer button names)."""
    return await uow.answerable.by_id(member_id, delivery_id)


async def answerable_message(
    uow: UnitOfWork, member_id: int, chat_id: int, message_id: int
) -> Answerable | None:
    """The member's delivery that became this message (of any kind: a reply to a reminder is
    answered as not theirs to answer, as before)."""
    return await uow.answerable.by_message(member_id, chat_id, message_id)


async def open_to_answer(uow: UnitOfWork, member_id: int, now: datetime) -> list[Answerable]:
    """The member's sent, unanswered steps whose week is still open, newest first."""
    return [
        step for step in await uow.answerable.unanswered(member_id) if not step.week_closed(now)
    ]


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
    # The answer in a transaction of its own (answers.add commits it by itself): on PostgreSQL
    # a row carries the id of the transaction that wrote it, so sharing one would tie the
    # answer to its participation row. (Neighbouring ids still do, until the week's freeze
    # rewrites them: services/weekly.py.)
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
