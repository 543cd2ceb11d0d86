"""Storing an answer: anonymous for the group, participation for the member, once per step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.calendar import is_week_closed, local_date
from domain.masking import mask
from domain.model import QuestionKind
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


async def step_for(uow: UnitOfWork, member_id: int, delivery_id: int) -> Delivery | None:
    delivery = await uow.deliveries.get(delivery_id)
    if delivery is None or delivery.member_id != member_id or delivery.kind != Kind.STEP:
        return None
    return delivery


async def week_is_closed(uow: UnitOfWork, delivery: Delivery, now: datetime) -> bool:
    if delivery.group_id is None or delivery.week is None:
        return True
    group = await uow.groups.get(delivery.group_id)
    org = await uow.orgs.get(group.org_id)
    return is_week_closed(
        delivery.week, now, group.summary_weekday, group.summary_time, org.timezone
    )


async def open_steps(uow: UnitOfWork, member_id: int, now: datetime) -> list[Delivery]:
    """The member's sent, unanswered steps whose week is still open, newest first."""
    answered = await uow.participation.answered_steps(member_id)
    found = []
    for delivery in await uow.deliveries.steps_of_member(member_id):
        if delivery.status != "sent" or (delivery.rollout_id, delivery.step_id) in answered:
            continue
        if not await week_is_closed(uow, delivery, now):
            found.append(delivery)
    return found


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
    """Validates and stores one answer, then commits; refuses a second one or a late one."""
    if delivery.member_id != member_id or delivery.kind != Kind.STEP:
        return Answered(Outcome.NOT_YOURS)
    if await week_is_closed(uow, delivery, now):
        return Answered(Outcome.CLOSED)
    scale = choice = None
    text: str | None = None
    masked: tuple[str, ...] = ()
    if kind is QuestionKind.SCALE and isinstance(value, int) and 1 <= value <= 5:
        scale = value
    elif kind is QuestionKind.CHOICE and isinstance(value, int) and 0 <= value < options:
        choice = value
    elif kind is QuestionKind.TEXT and isinstance(value, str) and value.strip():
        result = mask(value.strip()[:TEXT_MAX])
        text, masked = result.text, result.masked
    else:
        return Answered(Outcome.INVALID)
    assert delivery.group_id and delivery.rollout_id and delivery.step_id and delivery.week
    org = await uow.orgs.get((await uow.groups.get(delivery.group_id)).org_id)
    first = await uow.participation.record(
        member_id,
        delivery.group_id,
        delivery.rollout_id,
        delivery.step_id,
        delivery.week,
        local_date(now, org.timezone),
    )
    if not first:
        await uow.rollback()
        return Answered(Outcome.ALREADY)
    await uow.answers.add(
        group_id=delivery.group_id,
        rollout_id=delivery.rollout_id,
        step_id=delivery.step_id,
        week=delivery.week,
        kind=kind.value,
        scale=scale,
        choice=choice,
        text=text,
    )
    await uow.commit()
    return Answered(Outcome.STORED, masked)
