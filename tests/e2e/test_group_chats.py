"""The staff's group chat, end to end: a member who writes, replies or presses there while a
step is open has nothing stored, nothing confirmed and nothing in the summary; `/start CODE`
there points to the private chat; member commands there do nothing. The leader's /linkchat and
the summary posted to the linked chat still work (tests/e2e/test_leader_summaries.py).

The school runs module 0 and 1 from Monday 23 November 2026: Mon a choice, Tue a text, Wed a
scale, Thu a choice, Fri a text; week 2 opens with a text. The summary is Friday 14:00.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import partial

from sqlalchemy import func, select

from bot.local_api import SentMessage
from dialogues.i18n import Texts
from storage.models import AnswerRow, MemberRow, ParticipationRow
from tests.support.harness import Refleks, oslo, running_refleks, seed_school

MONDAY = date(2026, 11, 23)
FRIDAY = MONDAY + timedelta(days=4)
LEADER = 2001
ANNE, BJORN, CARL, DINA = STAFF = (1001, 1002, 1003, 1004)
NEWCOMER = 1009
STAFF_CHAT = -1001234567890
NB = Texts("nb")
THRESHOLD = 3
MARK = "kvitrefugl"  # in every text written in the group, and nowhere else
IN_GROUP = f"Anne om {MARK}en i skolegården"


def answer_buttons(message: SentMessage) -> list[dict[str, str]]:
    return [b for b in message.buttons if str(b.get("callback_data", "")).startswith("a:")]


async def stored(refleks: Refleks) -> tuple[int, int, list[str]]:
    """How many answers and participation rows there are, and every answer text."""
    async with refleks.app.uow_factory() as uow:
        answers = await uow.session.scalar(select(func.count()).select_from(AnswerRow))
        taken = await uow.session.scalar(select(func.count()).select_from(ParticipationRow))
        texts = list(await uow.session.scalars(select(AnswerRow.text)))
    return int(answers or 0), int(taken or 0), [t for t in texts if t]


async def in_group(refleks: Refleks, push: Callable[[], int]) -> list[SentMessage]:
    """A push from the group chat; returns every message the bot sent while handling it,
    to the group or to anyone else."""
    return await refleks.push(push)


async def morning(refleks: Refleks, day: date) -> dict[int, SentMessage]:
    before = len(refleks.api.sent_messages())
    await refleks.tick(oslo(day, 8))
    sent = refleks.api.sent_messages()[before:]
    return {user: [m for m in sent if m.chat_id == user][-1] for user in STAFF}


async def everyone_answers(refleks: Refleks, steps: dict[int, SentMessage], text: str) -> None:
    for index, (user, step) in enumerate(steps.items()):
        buttons = answer_buttons(step)
        if buttons:
            await refleks.press(user, buttons[index % len(buttons)]["text"], step.message_id)
        else:
            reply = await refleks.say(
                user, f"{text} ({index})", reply_to_message_id=step.message_id
            )
            assert reply.text == NB("answer.stored")


async def join_and_link(refleks: Refleks) -> None:
    refleks.invites = await seed_school(refleks.app, start=MONDAY, modules="0-1")
    await refleks.join(LEADER, "leader")
    for user in STAFF:
        await refleks.join(user)
    linked = await refleks.push(
        lambda: refleks.api.push_command(LEADER, "linkchat", chat_id=STAFF_CHAT)
    )
    assert [m.text for m in linked] == [NB("leader.linked", group="Lærerne")]


def summary_text(refleks: Refleks, mark: int) -> str:
    return "\n".join(m.visible_text or "" for m in refleks.api.sent_messages()[mark:])


async def test_what_a_member_writes_or_presses_in_the_group_is_never_an_answer(
    database_url: str,
) -> None:
    async with running_refleks(database_url, oslo(MONDAY, 7), threshold=THRESHOLD) as refleks:
        await join_and_link(refleks)
        await everyone_answers(refleks, await morning(refleks, MONDAY), "")

        # Tuesday: a text step is open for everyone. Anne writes in the group first.
        steps = await morning(refleks, MONDAY + timedelta(days=1))
        before = await stored(refleks)
        sent = await in_group(
            refleks, lambda: refleks.api.push_message(ANNE, IN_GROUP, chat_id=STAFF_CHAT)
        )
        assert sent == []  # nothing confirmed, in the group or privately
        assert await stored(refleks) == before  # nothing stored
        await everyone_answers(refleks, steps, "Privat svar")  # Anne's step was still open
        assert (await stored(refleks))[:2] == (before[0] + len(STAFF), before[1] + len(STAFF))

        # Wednesday: a scale step. A bare "2" in the group, and Anne's own button pressed there.
        steps = await morning(refleks, MONDAY + timedelta(days=2))
        before = await stored(refleks)
        assert (
            await in_group(
                refleks, lambda: refleks.api.push_message(BJORN, "2", chat_id=STAFF_CHAT)
            )
            == []
        )
        group_message = refleks.messages(STAFF_CHAT)[-1].message_id  # "linked", the bot's own
        button = answer_buttons(steps[ANNE])[1]["callback_data"]
        since = refleks.api.call_count
        sent = await in_group(
            refleks,
            lambda: refleks.api.push_callback(ANNE, group_message, button, chat_id=STAFF_CHAT),
        )
        toast = await refleks.api.wait_for("answerCallbackQuery", since=since)
        assert sent == [] and not toast.params.get("text")  # the spinner stops; nothing said
        assert await stored(refleks) == before
        await everyone_answers(refleks, steps, "")
        for day in (3, 4):
            await everyone_answers(
                refleks, await morning(refleks, MONDAY + timedelta(days=day)), "Fredag"
            )

        mark = len(refleks.api.sent_messages())
        await refleks.tick(oslo(FRIDAY, 14))
        week_one = summary_text(refleks, mark)
        posted = [m for m in refleks.api.sent_messages()[mark:] if m.chat_id == STAFF_CHAT]
        assert posted and "Privat svar (0)" in week_one  # the summary shows private answers
        assert MARK not in week_one

        # Week 2 opens with a text: replies in the group to the posted summary.
        steps = await morning(refleks, MONDAY + timedelta(days=7))
        before = await stored(refleks)
        summary_message = [m for m in posted if m.method == "sendMessage"][-1].message_id
        for user, text in ((ANNE, f"Svar i gruppa: {IN_GROUP}"), (BJORN, "2")):
            sent = await in_group(
                refleks,
                partial(
                    refleks.api.push_message,
                    user,
                    text,
                    chat_id=STAFF_CHAT,
                    reply_to_message_id=summary_message,
                ),
            )
            assert sent == []
        assert await stored(refleks) == before
        await everyone_answers(refleks, steps, "Uke to")
        for day in range(8, 12):
            await everyone_answers(
                refleks, await morning(refleks, MONDAY + timedelta(days=day)), "Uke to"
            )
        mark = len(refleks.api.sent_messages())
        await refleks.tick(oslo(FRIDAY + timedelta(days=7), 14))
        week_two = summary_text(refleks, mark)
        assert "Uke to (0)" in week_two and MARK not in week_two
        assert not any(MARK in text for text in (await stored(refleks))[2])


async def test_start_with_a_code_in_the_group_points_to_the_private_chat(
    database_url: str,
) -> None:
    async with running_refleks(database_url, oslo(MONDAY, 7), threshold=THRESHOLD) as refleks:
        await join_and_link(refleks)
        code = refleks.invites["staff"]
        bot_name = (await refleks.app.bot.me()).username
        expected = NB("group.open_private", bot=bot_name)
        for user, command in (
            (NEWCOMER, "start"),
            (NEWCOMER, f"start@{bot_name}"),
            (ANNE, "start"),  # a member already: not "welcome back" in the group either
        ):
            sent = await in_group(
                refleks,
                partial(refleks.api.push_command, user, command, code, chat_id=STAFF_CHAT),
            )
            assert [(m.chat_id, m.text) for m in sent] == [(STAFF_CHAT, expected)]
            assert code not in (sent[0].text or "")
        async with refleks.app.uow_factory() as uow:
            assert await uow.members.find(NEWCOMER) is None  # joined nothing
            members = await uow.session.scalar(select(func.count()).select_from(MemberRow))
        assert members == 1 + len(STAFF)
        joined = await refleks.join(NEWCOMER)  # the same code, in the private chat: it works
        assert joined.text == NB("join.welcome", group="Lærerne", org="Nordby skole")


async def test_member_and_leader_commands_in_the_group_do_nothing(database_url: str) -> None:
    async with running_refleks(database_url, oslo(MONDAY, 7), threshold=THRESHOLD) as refleks:
        await join_and_link(refleks)
        await morning(refleks, MONDAY)
        for user, command in (
            (ANNE, "today"),
            (ANNE, "progress"),
            (ANNE, "pause"),
            (ANNE, "time 09:00"),
            (ANNE, "language"),
            (ANNE, "mydata"),
            (ANNE, "forget"),
            (ANNE, "help"),
            (ANNE, "frobnicate"),
            (LEADER, "summary"),
            (LEADER, "export"),
            (LEADER, "note Hei alle i gruppa"),
            (LEADER, "admin"),
        ):
            name, _, args = command.partition(" ")
            sent = await in_group(
                refleks,
                partial(refleks.api.push_command, user, name, args, chat_id=STAFF_CHAT),
            )
            assert sent == [], command
        async with refleks.app.uow_factory() as uow:
            anne = await uow.members.find(ANNE)
            memberships = await uow.members.memberships(anne.id) if anne else []
        assert anne is not None and not anne.paused and anne.send_time is None  # not /forget
        assert memberships  # nor /pause, /time or /forget
        today = await refleks.say(ANNE, "/today")  # still a member, with the step waiting
        assert answer_buttons(today)
