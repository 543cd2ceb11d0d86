"""Pooled answers need enough people, not just enough answers, end to end: the real bot over
HTTP against the local Bot API server, on SQLite and PostgreSQL, with a threshold of 5.

Two staff who answer every question write plenty of answers, and pooling them across questions
and weeks soon makes sets of 5 or more. Each such set would still be the two of them, and a
leader who knows who answers could read their answers off it. So nothing of theirs is shown
until at least 5 different people stand behind a set.

The school runs modules 0-1 of Trygt og godt skolemiljø from Monday 23 November 2026, a step
each weekday at 08:00 and the summary on Fridays at 14:00. Week 1 asks a choice, a text, a
scale, a choice and a text; week 2 opens with the pooled `trygghet` scale, then module 1 (a text
first); week 3 asks module 1's text and then its own `trygghet` scale.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from bot.local_api import SentMessage
from dialogues.i18n import Texts
from domain.model import QuestionKind
from domain.telegram_html import visible_text
from services import admin
from tests.support.harness import Refleks, oslo, running_refleks, seed_school

THRESHOLD = 5
MONDAY = date(2026, 11, 23)
WEEKS = [MONDAY + timedelta(weeks=n) for n in range(3)]
LEADER = 2001
PAIR = (1001, 1002)  # the two who answer everything
COLLEAGUES = (1003, 1004, 1005)  # silent at first
NEWCOMER = 1006
NB = Texts("nb")


def shown(key: str, **values: object) -> str:
    return visible_text(NB(key, **values))


def secret(user: int, day: date) -> str:
    return f"Bare to av oss svarer, sier {user} den {day:%d.%m}"


async def morning(refleks: Refleks, day: date, users: Iterable[int]) -> None:
    """08:00: the day's step goes out, and each of `users` answers it: the second button of a
    scale or choice, or a text of their own."""
    before = len(refleks.api.sent_messages())
    await refleks.tick(oslo(day, 8))
    sent = refleks.api.sent_messages()[before:]
    for user in users:
        step = [m for m in sent if m.chat_id == user][-1]
        buttons = [b for b in step.buttons if str(b.get("callback_data", "")).startswith("a:")]
        if buttons:
            await refleks.press(user, buttons[1]["text"], step.message_id)
        else:
            await refleks.say(user, secret(user, day), reply_to_message_id=step.message_id)


async def summary_of_week(refleks: Refleks, monday: date) -> tuple[str, list[SentMessage]]:
    """Friday 14:00: the week closes; the leader's summary as text, and all it was sent."""
    mark = len(refleks.api.sent_messages())
    await refleks.tick(oslo(monday + timedelta(days=4), 14))
    to_leader = [m for m in refleks.api.sent_messages()[mark:] if m.chat_id == LEADER]
    week = monday.isocalendar().week
    header = shown("summary.header_leader", group="Lærerne", week=week)
    text = "\n".join(m.visible_text or "" for m in to_leader)
    assert header in text
    return text, to_leader


async def test_two_people_answering_everything_stay_hidden_until_five_people_stand_behind_a_set(
    database_url: str,
) -> None:
    async with running_refleks(database_url, oslo(MONDAY, 7), threshold=THRESHOLD) as refleks:
        refleks.invites = await seed_school(refleks.app, start=MONDAY, modules="0-1")
        await refleks.join(LEADER, "leader")
        for user in (*PAIR, *COLLEAGUES):
            await refleks.join(user)
        module_0 = refleks.app.catalogue["skolemiljo"].module(0)
        module_1 = refleks.app.catalogue["skolemiljo"].module(1)
        trygghet = module_0.steps[5].question
        assert trygghet.pool == module_1.steps[5].question.pool == "trygghet"
        assert trygghet.prompt

        written: list[str] = []
        for monday in WEEKS[:2]:
            for offset in range(5):
                day = monday + timedelta(days=offset)
                await morning(refleks, day, PAIR)
                written += [secret(user, day) for user in PAIR]
            text, to_leader = await summary_of_week(refleks, monday)
            # By week 2 the pair has written 6 texts, but only two people stand behind them.
            assert shown("summary.nothing_shown", threshold=THRESHOLD) in text
            assert "▇" not in text
            assert not any(said in text for said in written)
            assert not any(m.method == "sendPhoto" for m in to_leader)

        # Week 3: three colleagues answer module 1's text and its trygghet scale; the pair, who
        # answered module 0's trygghet in week 2, stays silent.
        third = WEEKS[2]
        await morning(refleks, third, COLLEAGUES)
        await morning(refleks, third + timedelta(days=1), COLLEAGUES)
        fresh = [secret(user, third) for user in COLLEAGUES]
        text, to_leader = await summary_of_week(refleks, third)

        # Nine texts by five people, but each question's by two or three: each text says which
        # question it answers, so none is shown.
        assert not any(said in text for said in written + fresh)
        # The trygghet pool: two answers from week 2 and three from week 3, five people.
        assert f"{trygghet.prompt} (+1)" in text
        assert shown("summary.answers", count=5) in text
        assert any(m.method == "sendPhoto" for m in to_leader)
        # The pair's other answers still wait: two people, whatever their number.
        first_choice = module_0.steps[0].question.prompt
        assert first_choice and first_choice not in text


async def test_respondents_are_opaque_tokens_of_waiting_answers_only(database_url: str) -> None:
    """What the count of people rests on: a token per person, the same for each of their steps;
    none for a (step, week) a summary has shown already, nor for someone who used /forget."""
    async with running_refleks(database_url, oslo(MONDAY, 7), threshold=THRESHOLD) as refleks:
        refleks.invites = await seed_school(refleks.app, start=MONDAY, modules="0")
        for user in (*PAIR, *COLLEAGUES, NEWCOMER):
            await refleks.join(user)
        steps = refleks.app.catalogue["skolemiljo"].module(0).steps
        choice, text = steps[0].id, steps[1].id
        assert steps[1].question.kind is QuestionKind.TEXT
        await morning(refleks, MONDAY, (*PAIR, *COLLEAGUES))  # five choose
        await morning(refleks, MONDAY + timedelta(days=1), PAIR)  # two write
        keys = {(choice, MONDAY), (text, MONDAY), (choice, MONDAY + timedelta(weeks=1))}

        async with refleks.app.uow_factory() as uow:
            _, group = await admin.group_at(uow, "nordby/laerere")
            found = await uow.participation.respondents(group.id, keys)
        assert set(found) == {(choice, MONDAY), (text, MONDAY)}
        assert len(found[(choice, MONDAY)]) == 5
        assert found[(text, MONDAY)] < found[(choice, MONDAY)]  # the same two, the same tokens

        await refleks.tick(oslo(MONDAY + timedelta(days=4), 14))  # the choice is shown
        async with refleks.app.uow_factory() as uow:
            # An answer slips in just as the week closes (the newcomer's, for the same step):
            # it waits alone, so the five who were shown must not be counted behind it.
            newcomer = await uow.members.find(NEWCOMER)
            [rollout] = await uow.rollouts.of_group(group.id)
            assert newcomer is not None
            await uow.participation.record(
                newcomer.id, group.id, rollout.id, choice, MONDAY, MONDAY + timedelta(days=4)
            )
            await uow.commit()
            await uow.answers.add(
                group_id=group.id,
                rollout_id=rollout.id,
                step_id=choice,
                week=MONDAY,
                kind="choice",
                choice=0,
            )
            await uow.commit()
            found = await uow.participation.respondents(group.id, keys)
        assert set(found) == {(text, MONDAY)}

        confirm = await refleks.say(PAIR[0], "/forget")
        await refleks.press(PAIR[0], NB("forget.yes"), confirm.message_id)
        async with refleks.app.uow_factory() as uow:
            found = await uow.participation.respondents(group.id, keys)
        assert len(found[(text, MONDAY)]) == 1  # the one who stayed
