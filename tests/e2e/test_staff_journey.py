"""A staff member's week with Refleks, end to end: the real aiogram bot over HTTP against the
local Bot API server, real polling, a real database, and a clock the test moves."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import inspect, select

from bot.local_api import LocalBotAPI
from storage.models import AnswerRow, ParticipationRow
from tests.support.harness import Refleks, oslo, running_refleks, seed_school

MONDAY = date(2026, 11, 23)
ANNE, BJORN, CARL = 1001, 1002, 1003


def answer_buttons(message: object) -> list[dict[str, str]]:
    return [b for b in message.buttons if str(b.get("callback_data", "")).startswith("a:")]  # type: ignore[attr-defined]


async def steps_sent(refleks: Refleks, chat_id: int) -> list[str]:
    async with refleks.app.uow_factory() as uow:
        return [
            d.step_id or ""
            for d in await uow.deliveries.steps_of_member(
                (await uow.members.find(chat_id)).id  # type: ignore[union-attr]
            )
        ]


async def test_a_member_joins_gets_the_step_at_send_time_and_answers_once(
    database_url: str,
) -> None:
    async with running_refleks(database_url, oslo(MONDAY, 7)) as refleks:
        refleks.invites = await seed_school(refleks.app, start=MONDAY)
        await refleks.join(ANNE)
        assert (await refleks.tick(oslo(MONDAY, 7, 59))).sent.sent == 0  # not before 08:00

        assert (await refleks.tick(oslo(MONDAY, 8, 0))).sent.sent == 1
        step = refleks.messages(ANNE)[-1]
        first = refleks.app.catalogue["skolemiljo"].module(0).steps[0]
        assert first.title in (step.visible_text or "")
        assert (await refleks.tick(oslo(MONDAY, 8, 5))).sent.sent == 0  # never twice

        buttons = answer_buttons(step)
        if buttons:
            toast = await refleks.press(ANNE, buttons[0]["text"], step.message_id)
            assert toast
            again = await refleks.callback(ANNE, step.message_id, buttons[0]["callback_data"])
            assert again != toast  # "already answered"
            bjorn = await refleks.join(BJORN)  # joins late; crafts a press of Anne's button
            crafted = await refleks.callback(BJORN, bjorn.message_id, buttons[0]["callback_data"])
            assert crafted not in (toast, again)  # someone else's button: not theirs
        async with refleks.app.uow_factory() as uow:
            rows = (await uow.session.scalars(select(AnswerRow))).all()
            taken = (await uow.session.scalars(select(ParticipationRow))).all()
        assert len(rows) == (1 if buttons else 0)
        assert len(taken) == (1 if buttons else 0)


async def test_an_answer_row_holds_no_member_no_chat_and_no_time_of_day(database_url: str) -> None:
    async with running_refleks(database_url, oslo(MONDAY, 7)) as refleks:
        refleks.invites = await seed_school(refleks.app, start=MONDAY)
        for user in (ANNE, BJORN):
            await refleks.join(user)
        for offset in range(3):
            await refleks.tick(oslo(MONDAY + timedelta(days=offset), 8))
            for user in (ANNE, BJORN):
                step = refleks.messages(user)[-1]
                if answer_buttons(step):
                    await refleks.press(user, answer_buttons(step)[-1]["text"], step.message_id)
                else:
                    await refleks.say(
                        user,
                        "Vi prøver dette, ring meg på 41234567",
                        reply_to_message_id=step.message_id,
                    )
        async with refleks.app.engine.connect() as connection:
            columns = await connection.run_sync(
                lambda sync: [c["name"] for c in inspect(sync).get_columns("answers")]
            )
        assert not {"member_id", "chat_id", "telegram_id", "user_id", "created_at"} & set(columns)
        async with refleks.app.uow_factory() as uow:
            rows = (await uow.session.scalars(select(AnswerRow))).all()
            await uow.session.close()  # keep the loaded values: nothing more is read
        assert len(rows) == 6
        assert len({row.id for row in rows}) == 6
        for row in rows:
            # The key is 32 random hex digits, so it may contain "1001" by chance: it is checked
            # for shape, every other column for any trace of who answered.
            assert len(row.id) == 32 and int(row.id, 16) >= 0
            values = " ".join(str(getattr(row, c)) for c in columns if c != "id")
            assert str(ANNE) not in values and str(BJORN) not in values
            assert type(row.week) is date  # a day, never a time
            assert row.week.weekday() == 0
            assert row.text is None or "41234567" not in row.text  # the phone number was masked


async def test_bad_input_gets_a_clear_answer_and_breaks_nothing(database_url: str) -> None:
    async with running_refleks(database_url, oslo(MONDAY, 7)) as refleks:
        refleks.invites = await seed_school(refleks.app, start=MONDAY)
        no_invite = await refleks.say(CARL, "/start")
        unknown = await refleks.say(CARL, "/start not-a-real-code")
        assert no_invite.text and unknown.text and no_invite.text != unknown.text
        await refleks.join(ANNE)
        replies = []
        for push in (
            lambda: refleks.api.push_sticker(ANNE),
            lambda: refleks.api.push_photo(ANNE),
            lambda: refleks.api.push_voice(ANNE),
            lambda: refleks.api.push_document(
                ANNE, file_name="x.pdf", mime_type="application/pdf", data=b"%PDF"
            ),
            lambda: refleks.api.push_command(ANNE, "frobnicate"),
            lambda: refleks.api.push_message(ANNE, "x" * 4096),
            lambda: refleks.api.push_message(ANNE, "<b>bold</b> & <script>"),
        ):
            replies += await refleks.push(push)
        assert all(reply.text for reply in replies)
        sticker, photo, voice, document, command, *_ = (reply.text for reply in replies)
        assert photo == document  # pictures and files: one explanation
        assert len({sticker, photo, voice, command}) == 4  # each kind its own
        assert len(replies) == 7  # every one of them got an answer
        await refleks.tick(oslo(MONDAY, 8))
        assert (
            await steps_sent(refleks, ANNE) == ["s0-1"] or len(await steps_sent(refleks, ANNE)) == 1
        )


async def test_telegram_errors_lose_nothing_and_double_nothing(database_url: str) -> None:
    async with running_refleks(database_url, oslo(MONDAY, 7)) as refleks:
        refleks.invites = await seed_school(refleks.app, start=MONDAY)
        for user in (ANNE, BJORN, CARL):
            await refleks.join(user)
        refleks.api.fail_next("sendMessage", 429, retry_after=1)
        refleks.api.fail_next("sendMessage", 500, chat_id=BJORN, count=5)
        refleks.api.blocked_users.add(CARL)
        blocked_from = refleks.api.call_count
        report = await refleks.tick(oslo(MONDAY, 8))
        assert report.sent.sent == 1 and report.sent.deferred == 1 and report.sent.blocked == 1
        report = await refleks.tick(oslo(MONDAY, 8, 30))  # the back-off has passed
        assert report.sent.sent == 1
        for offset in range(1, 3):
            await refleks.tick(oslo(MONDAY + timedelta(days=offset), 8))
        async with refleks.app.uow_factory() as uow:
            carl = await uow.members.find(CARL)
        assert carl is not None and carl.unreachable
        for user in (ANNE, BJORN):
            ids = await steps_sent(refleks, user)
            assert sorted(ids) == sorted(set(ids)) and len(ids) == 3
        to_carl = [
            c
            for c in refleks.api.calls[blocked_from:]
            if c.method == "sendMessage" and c.params.get("chat_id") == CARL
        ]
        assert len(to_carl) == 1  # the one refused with 403; nothing after it


async def test_a_crash_between_claim_and_send_is_retried_after_the_lease(database_url: str) -> None:
    async with running_refleks(database_url, oslo(MONDAY, 7)) as refleks:
        refleks.invites = await seed_school(refleks.app, start=MONDAY)
        await refleks.join(ANNE)
        from functools import partial

        from content.outline import outline
        from services.planning import plan_due

        now = oslo(MONDAY, 8)
        await plan_due(refleks.app.uow_factory, partial(outline, refleks.app.catalogue), now)
        async with refleks.app.uow_factory() as uow:  # an instance claims, then dies
            claimed = await uow.deliveries.claim_due(now, timedelta(minutes=2), 10)
            await uow.commit()
        assert len(claimed) == 1
        assert (await refleks.tick(oslo(MONDAY, 8, 1))).sent.sent == 0  # the lease still holds
        assert (await refleks.tick(oslo(MONDAY, 8, 3))).sent.sent == 1  # taken up again
        assert (await refleks.tick(oslo(MONDAY, 8, 10))).sent.sent == 0
        assert len(await steps_sent(refleks, ANNE)) == 1


async def test_a_restart_mid_week_sends_each_step_once(database_url: str) -> None:
    async with LocalBotAPI() as telegram:  # Telegram stays up while the bot restarts
        for day in range(5):
            morning = oslo(MONDAY + timedelta(days=day), 7)
            async with running_refleks(database_url, morning, api=telegram) as refleks:
                if day == 0:
                    refleks.invites = await seed_school(refleks.app, start=MONDAY)
                    await refleks.join(ANNE)
                await refleks.tick(oslo(MONDAY + timedelta(days=day), 8))
                await refleks.tick(oslo(MONDAY + timedelta(days=day), 9))
                ids = await steps_sent(refleks, ANNE)
                assert len(ids) == len(set(ids)) == day + 1
