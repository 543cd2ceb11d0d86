"""Updates fed straight to the Dispatcher (as webhooks and polling do): a redelivered update
is handled once, and two quick answers from one member do not race."""

from __future__ import annotations

import asyncio
from datetime import date

from aiogram.types import Update
from sqlalchemy import func, select

from storage.models import AnswerRow, ParticipationRow
from tests.support.harness import oslo, running_refleks, seed_school

MONDAY = date(2026, 11, 23)
ANNE = 3001


def text_update(update_id: int, text: str, message_id: int = 100) -> Update:
    return Update.model_validate(
        {
            "update_id": update_id,
            "message": {
                "message_id": message_id,
                "date": 1795400000,
                "chat": {"id": ANNE, "type": "private", "first_name": "Anne"},
                "from": {"id": ANNE, "is_bot": False, "first_name": "Anne", "language_code": "nb"},
                "text": text,
            },
        }
    )


async def counts(refleks: object) -> tuple[int, int]:
    async with refleks.app.uow_factory() as uow:  # type: ignore[attr-defined]
        answers = await uow.session.scalar(select(func.count()).select_from(AnswerRow))
        taken = await uow.session.scalar(select(func.count()).select_from(ParticipationRow))
        return int(answers or 0), int(taken or 0)


async def test_a_redelivered_update_is_handled_once(database_url: str) -> None:
    async with running_refleks(database_url, oslo(MONDAY, 7)) as refleks:
        refleks.invites = await seed_school(refleks.app, start=MONDAY, modules="1")
        await refleks.join(ANNE)
        await refleks.tick(oslo(MONDAY, 8))  # module 1 opens with a text question
        update = text_update(900_001, "Vi hilser på alle i døra.")
        dispatcher, bot = refleks.app.dispatcher, refleks.app.bot
        before = len(refleks.api.sent_messages(ANNE))
        await dispatcher.feed_update(bot, update)
        await dispatcher.feed_update(bot, update)  # Telegram sends it again
        assert await counts(refleks) == (1, 1)
        assert len(refleks.api.sent_messages(ANNE)) == before + 1  # one "thank you"


async def test_two_quick_answers_from_one_member_store_one(database_url: str) -> None:
    async with running_refleks(database_url, oslo(MONDAY, 7)) as refleks:
        refleks.invites = await seed_school(refleks.app, start=MONDAY, modules="1")
        await refleks.join(ANNE)
        await refleks.tick(oslo(MONDAY, 8))
        dispatcher, bot = refleks.app.dispatcher, refleks.app.bot
        await asyncio.gather(
            dispatcher.feed_update(bot, text_update(900_010, "Første tanke", 201)),
            dispatcher.feed_update(bot, text_update(900_011, "Andre tanke", 202)),
        )
        assert await counts(refleks) == (1, 1)
