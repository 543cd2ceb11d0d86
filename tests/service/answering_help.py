"""Steps owed by the clock, sent, and answered: what the summary tests start from."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

from content.loader import load_packages
from content.outline import outline
from domain.model import Member, QuestionKind
from services.answering import Answered, answer_step
from services.planning import plan_due
from tests.service.fakes import MemoryDatabase

CATALOGUE = load_packages()
OUTLINE = partial(outline, CATALOGUE)


async def owe_and_send(uows: MemoryDatabase, at: datetime) -> None:
    """The clock's tick at `at`, and every step it owed marked sent."""
    await plan_due(uows, OUTLINE, at)
    async with uows() as uow:
        for delivery in await uow.deliveries.claim_due(
            at, lease=timedelta(minutes=1), limit=10_000
        ):
            await uow.deliveries.mark_sent(delivery.id, 1000 + delivery.id, at)
        await uow.commit()


def value_for(kind: QuestionKind, text: str) -> int | str:
    return {QuestionKind.SCALE: 4, QuestionKind.CHOICE: 0}.get(kind, text)


async def answer_all(
    uows: MemoryDatabase, member: Member, at: datetime, text: str = "Vi hilser i døra."
) -> list[Answered]:
    """The member answers every open step they were sent."""
    done = []
    async with uows() as uow:
        open_steps = await uow.answerable.unanswered(member.id)
    for found in open_steps:
        _, step = CATALOGUE.step(found.package_id or "", found.step_id or "")
        kind = step.question.kind
        async with uows() as uow:
            done.append(
                await answer_step(
                    uow,
                    member.id,
                    found,
                    kind,
                    value_for(kind, text),
                    at,
                    options=len(step.question.options or []),
                )
            )
    return done
