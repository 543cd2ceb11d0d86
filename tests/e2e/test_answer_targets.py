"""Which step an answer lands on: the message replied to, else the newest open step that asks;
and a step whose rollout was cancelled takes no answer at all."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from dialogues.i18n import Texts
from domain.model import RolloutStatus
from storage.models import AnswerRow, DeliveryRow, ParticipationRow
from tests.support.harness import Refleks, oslo, running_refleks, seed_school

MONDAY = date(2026, 11, 23)
TUESDAY = date(2026, 11, 24)
ANNE = 3101
NB = Texts("nb")


async def step_messages(refleks: Refleks) -> dict[str, int]:
    """Anne's step deliveries: step id -> the message it became."""
    async with refleks.app.uow_factory() as uow:
        rows = await uow.session.execute(
            select(DeliveryRow.step_id, DeliveryRow.message_id).where(DeliveryRow.kind == "step")
        )
        return {str(step): int(message or 0) for step, message in rows}


async def answered(refleks: Refleks) -> tuple[int, list[str]]:
    """How many answers are stored, and which steps Anne took part in."""
    async with refleks.app.uow_factory() as uow:
        answers = await uow.session.scalar(select(func.count()).select_from(AnswerRow))
        steps = await uow.session.scalars(select(ParticipationRow.step_id))
        return int(answers or 0), sorted(steps)


async def test_a_reply_answers_the_step_replied_to_and_a_plain_text_the_newest(
    database_url: str,
) -> None:
    async with running_refleks(database_url, oslo(MONDAY, 7)) as refleks:
        refleks.invites = await seed_school(refleks.app, start=MONDAY, modules="0")
        await refleks.join(ANNE)
        await refleks.tick(oslo(MONDAY, 8))  # s0-1: a choice (buttons)
        await refleks.tick(oslo(TUESDAY, 8))  # s0-2: a text question
        monday = (await step_messages(refleks))["s0-1"]

        to_monday = await refleks.say(ANNE, "Vi ryddet gangen.", reply_to_message_id=monday)
        assert to_monday.text == NB("answer.use_buttons")  # Monday's asks for a button
        assert await answered(refleks) == (0, [])

        plain = await refleks.say(ANNE, "Vi hilste på hver elev i døra i dag.")
        assert plain.text == NB("answer.stored")
        assert await answered(refleks) == (1, ["s0-2"])  # Tuesday's: the newest that asks


async def test_a_cancelled_rollouts_step_takes_no_answer(database_url: str) -> None:
    async with running_refleks(database_url, oslo(MONDAY, 7)) as refleks:
        refleks.invites = await seed_school(refleks.app, start=MONDAY, modules="0")
        await refleks.join(ANNE)
        await refleks.tick(oslo(MONDAY, 8))
        monday = (await step_messages(refleks))["s0-1"]
        buttons = [
            b
            for b in refleks.messages(ANNE)[-1].buttons
            if str(b.get("callback_data", "")).startswith("a:")
        ]
        async with refleks.app.uow_factory() as uow:
            (rollout,) = await uow.rollouts.live()
            await uow.rollouts.set_status(rollout.id, RolloutStatus.CANCELLED)
            await uow.commit()

        toast = await refleks.callback(ANNE, monday, str(buttons[0]["callback_data"]))
        assert toast == NB("answer.not_yours")
        reply = await refleks.say(ANNE, "Vi prøvde likevel.", reply_to_message_id=monday)
        assert reply.text == NB("fallback.no_question")
        assert await answered(refleks) == (0, [])
