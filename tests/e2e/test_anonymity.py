"""Anonymity that holds against people in the school, end to end: the real bot over HTTP against
the local Bot API server, on SQLite and PostgreSQL, with a threshold of 5.

- A text is shown only among enough people who could have written it: those who answered its
  own question. A lone writer's text never comes back, however many others answer other texts.
- One person, one answer per step, also after /forget and rejoining with the same link.

The school runs module 0-1 of Trygt og godt skolemiljø from Monday 23 November 2026, a step each
weekday at 08:00 and the summary on Fridays at 14:00. Tuesday of week 1 asks a text; so does
Tuesday of week 2 (module 1's first step).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from dialogues.i18n import Texts
from domain.model import QuestionKind
from domain.telegram_html import visible_text
from storage.models import AnswerRow, ParticipationRow
from tests.support.harness import Refleks, oslo, running_refleks, seed_school

THRESHOLD = 5
MONDAY = date(2026, 11, 23)
LEADER = 2001
LONE = 1001
OTHERS = (1002, 1003, 1004, 1005)
NB = Texts("nb")
LONE_TEXT = "Det var jeg alene som svarte på dette"


async def step_of_the_day(refleks: Refleks, day: date) -> dict[int, int]:
    """08:00: the day's step goes out; the message id each member got it in."""
    before = len(refleks.api.sent_messages())
    await refleks.tick(oslo(day, 8))
    return {m.chat_id: m.message_id for m in refleks.api.sent_messages()[before:]}


async def test_a_lone_writers_text_is_never_shown_to_anyone(database_url: str) -> None:
    async with running_refleks(database_url, oslo(MONDAY, 7), threshold=THRESHOLD) as refleks:
        refleks.invites = await seed_school(refleks.app, start=MONDAY, modules="0-1")
        await refleks.join(LEADER, "leader")
        for user in (LONE, *OTHERS):
            await refleks.join(user)
        catalogue = refleks.app.catalogue["skolemiljo"]
        week_1_text = catalogue.module(0).steps[1].question
        week_2_text = catalogue.module(1).steps[0].question
        assert week_1_text.kind is week_2_text.kind is QuestionKind.TEXT
        assert (week_1_text.pool or "") != (week_2_text.pool or "x")  # two questions
        mark = len(refleks.api.sent_messages())

        tuesday = MONDAY + timedelta(days=1)
        sent = await step_of_the_day(refleks, tuesday)
        await refleks.say(LONE, LONE_TEXT, reply_to_message_id=sent[LONE])
        await refleks.tick(oslo(MONDAY + timedelta(days=4), 14))  # week 1 closes

        sent = await step_of_the_day(refleks, tuesday + timedelta(weeks=1))
        others_said = [f"Uke to, svar fra {user}" for user in OTHERS]
        for user, said in zip(OTHERS, others_said, strict=True):
            await refleks.say(user, said, reply_to_message_id=sent[user])
        # Week 2 and two more: five texts by five people in all, but the lone text's question
        # has one writer, and the other question four.
        for weeks in (1, 2, 3):
            await refleks.tick(oslo(MONDAY + timedelta(weeks=weeks, days=4), 14))
            async with refleks.app.uow_factory() as uow:
                shown = select(func.count()).where(
                    AnswerRow.kind == "text", AnswerRow.shown_in_week.is_not(None)
                )
                assert await uow.session.scalar(shown) == 0

        seen = refleks.api.sent_messages()[mark:]
        header = visible_text(NB("summary.header_leader", group="Lærerne", week=49))
        to_leader = "\n".join(m.visible_text or "" for m in seen if m.chat_id == LEADER)
        assert header in to_leader  # the leader did get the summaries
        for message in seen:
            assert LONE_TEXT not in (message.visible_text or "")
            assert not any(said in (message.visible_text or "") for said in others_said)
        assert LONE_TEXT not in await export_of(refleks)


async def export_of(refleks: Refleks) -> str:
    """What the leader's /export sends, as text."""
    sent = await refleks.push(lambda: refleks.api.push_command(LEADER, "export"))
    files = [m.document for m in sent if m.chat_id == LEADER and m.document is not None]
    assert files
    return "\n".join(file.data.decode("utf-8-sig") for file in files)


async def answers_and_participation(refleks: Refleks) -> tuple[int, int]:
    async with refleks.app.uow_factory() as uow:
        answers = await uow.session.scalar(select(func.count()).select_from(AnswerRow))
        taken = await uow.session.scalar(select(func.count()).select_from(ParticipationRow))
    return int(answers or 0), int(taken or 0)


async def test_leaving_and_rejoining_cannot_answer_a_step_twice(database_url: str) -> None:
    async with running_refleks(database_url, oslo(MONDAY, 7), threshold=THRESHOLD) as refleks:
        refleks.invites = await seed_school(refleks.app, start=MONDAY)
        await refleks.join(LONE)
        first = catalogue_step(refleks)
        sent = await step_of_the_day(refleks, MONDAY)
        step = next(m for m in refleks.messages(LONE) if m.message_id == sent[LONE])
        button = next(b for b in step.buttons if str(b.get("callback_data", "")).startswith("a:"))
        assert await refleks.press(LONE, button["text"], step.message_id) == NB("answer.stored")
        assert await answers_and_participation(refleks) == (1, 1)

        for _ in range(2):  # and once more: it is not a one-off
            confirm = await refleks.say(LONE, "/forget")
            await refleks.press(LONE, NB("forget.yes"), confirm.message_id)
            assert await answers_and_participation(refleks) == (1, 0)
            await refleks.join(LONE)  # the same link
            before = len(refleks.api.sent_messages())
            await refleks.tick(oslo(MONDAY, 9))
            again = [m for m in refleks.api.sent_messages()[before:] if m.chat_id == LONE]
            assert again and first.title in (again[-1].visible_text or "")  # the same step
            toast = await refleks.press(LONE, button["text"], again[-1].message_id)
            assert toast == NB("answer.already")
            assert await answers_and_participation(refleks) == (1, 0)


def catalogue_step(refleks: Refleks) -> object:
    step = refleks.app.catalogue["skolemiljo"].module(0).steps[0]
    assert step.question.kind is not QuestionKind.TEXT
    return step
