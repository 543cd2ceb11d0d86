"""The rest of a staff member's days: reminders, catching up, commands, languages, the week's
close, and logs that never pair answer text with a person."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest

from bot.command_menus import register_commands
from content.loader import localized
from dialogues.i18n import Texts
from dialogues.menus import menu_commands
from tests.support.harness import Refleks, oslo, running_refleks, seed_school

MONDAY = date(2026, 11, 23)
ANNE, BJORN = 2001, 2002
EN = Texts("en")


def reminders(refleks: Refleks, chat_id: int) -> list[str]:
    title = "reminder"
    return [
        m.text or ""
        for m in refleks.messages(chat_id)
        if title in (m.text or "").lower()
        or (m.text or "").startswith(EN("reminder.body", title="")[:10])
    ]


async def test_one_reminder_the_next_school_morning_and_never_on_the_weekend(
    database_url: str,
) -> None:
    async with running_refleks(database_url, oslo(MONDAY, 7)) as refleks:
        refleks.invites = await seed_school(refleks.app, start=MONDAY)
        await refleks.join(ANNE, language="en")
        await refleks.say(ANNE, "/language")
        await refleks.press(ANNE, "English")
        thursday = MONDAY + timedelta(days=3)
        report = await refleks.tick(oslo(thursday, 8))  # Thursday's step (Monday-Wednesday missed)
        assert report.sent.sent == 1
        before = len(refleks.messages(ANNE))
        assert (await refleks.tick(oslo(thursday, 20))).planned.reminders == 0
        friday = thursday + timedelta(days=1)
        first = await refleks.tick(oslo(friday, 8))
        assert first.planned.reminders == 1
        again = await refleks.tick(oslo(friday, 9))
        assert again.planned.reminders == 0 and again.sent.sent == 0
        sent = refleks.messages(ANNE)[before:]
        assert sum("still waiting for your answer" in (m.text or "") for m in sent) == 1
        await refleks.tick(oslo(friday, 15))  # the week's summary goes out at the close
        saturday = friday + timedelta(days=1)  # and nothing at the weekend
        assert (await refleks.tick(oslo(saturday, 8))).sent.sent == 0
        assert (await refleks.tick(oslo(saturday + timedelta(days=1), 12))).sent.sent == 0


async def test_missed_days_are_offered_as_catch_up_not_as_a_flood(database_url: str) -> None:
    async with running_refleks(database_url, oslo(MONDAY, 7)) as refleks:
        refleks.invites = await seed_school(refleks.app, start=MONDAY)
        await refleks.join(ANNE, language="en")
        await refleks.say(ANNE, "/language")
        await refleks.press(ANNE, "English")
        wednesday = MONDAY + timedelta(days=2)  # the bot was down Monday and Tuesday
        report = await refleks.tick(oslo(wednesday, 9))
        assert report.sent.sent == 1  # only today's step
        step = refleks.messages(ANNE)[-1]
        catch_up = [b for b in step.buttons if str(b.get("callback_data", "")).startswith("c:")]
        assert catch_up and "2" in catch_up[0]["text"]
        await refleks.press(ANNE, catch_up[0]["text"], step.message_id)
        earlier = refleks.messages(ANNE)[-1]
        first = refleks.app.catalogue["skolemiljo"].module(0).steps[0]
        assert localized(first, "en").title in (earlier.visible_text or "")  # in her language
        assert (await refleks.tick(oslo(wednesday, 10))).sent.sent == 0


async def test_staff_commands_do_what_they_say(database_url: str) -> None:
    async with running_refleks(database_url, oslo(MONDAY, 7)) as refleks:
        refleks.invites = await seed_school(refleks.app, start=MONDAY)
        await refleks.join(ANNE)
        await refleks.say(ANNE, "/language")
        assert await refleks.press(ANNE, "English") == EN("language.set")
        assert "/today" in (await refleks.say(ANNE, "/help")).text
        usage = EN("time.usage", current=EN("time.group_default"))
        assert (await refleks.say(ANNE, "/time 23:00")).text == usage  # outside 07-21: usage
        assert (await refleks.say(ANNE, "/time 06:45")).text == usage  # pacing would not send it
        ok = await refleks.say(ANNE, "/time 09:30")
        assert "09:30" in ok.text
        assert (await refleks.tick(oslo(MONDAY, 8, 30))).sent.sent == 0  # her own time: 09:30
        assert (await refleks.tick(oslo(MONDAY, 9, 30))).sent.sent == 1
        today = await refleks.say(ANNE, "/today")
        first = refleks.app.catalogue["skolemiljo"].module(0).steps[0]
        assert localized(first, "en").title in (today.visible_text or "")
        progress = await refleks.say(ANNE, "/progress")
        assert "1" in progress.text
        paused = await refleks.say(ANNE, "/pause 2026-11-25")
        assert "25.11.2026" in paused.text
        assert (await refleks.tick(oslo(MONDAY + timedelta(days=1), 10))).sent.sent == 0
        assert (await refleks.tick(oslo(MONDAY + timedelta(days=2), 10))).sent.sent == 0
        assert (await refleks.tick(oslo(MONDAY + timedelta(days=3), 10))).sent.sent == 1  # back
        privacy = await refleks.say(ANNE, "/privacy")
        assert "3" in privacy.text  # the threshold this test runs with
        mydata = await refleks.say(ANNE, "/mydata")
        assert str(ANNE) in mydata.text and "Lærerne" in mydata.text
        confirm = await refleks.say(ANNE, "/forget")
        assert confirm.buttons
        await refleks.press(ANNE, confirm.buttons[0]["text"], confirm.message_id)
        async with refleks.app.uow_factory() as uow:
            assert await uow.members.find(ANNE) is None
            assert await uow.deliveries.counts() == {}  # her deliveries went with her
        assert (await refleks.tick(oslo(MONDAY + timedelta(days=4), 10))).sent.sent == 0


async def test_invites_that_cannot_be_used_join_nothing(database_url: str) -> None:
    from datetime import UTC, datetime

    from domain.model import Role
    from services import admin

    async with running_refleks(database_url, oslo(MONDAY, 7)) as refleks:
        refleks.invites = await seed_school(refleks.app, start=MONDAY)
        async with refleks.app.uow_factory() as uow:
            once = await admin.make_invite(
                uow, "nordby/laerere", Role.STAFF, datetime.now(UTC), max_uses=1
            )
            old = await admin.make_invite(
                uow, "nordby/laerere", Role.STAFF, datetime(2020, 1, 1, tzinfo=UTC), expires_days=1
            )
            revoked = await admin.make_invite(uow, "nordby/laerere", Role.STAFF, datetime.now(UTC))
            await uow.invites.revoke(revoked.code)
            await uow.commit()
        replies = {
            "used": (await refleks.say(ANNE, f"/start {once.code}")).text,
            "used_up": (await refleks.say(BJORN, f"/start {once.code}")).text,
            "expired": (await refleks.say(BJORN, f"/start {old.code}")).text,
            "revoked": (await refleks.say(BJORN, f"/start {revoked.code}")).text,
            "unknown": (await refleks.say(BJORN, "/start AAAAAAAAAAAAAAAA")).text,
        }
        assert len(set(replies.values())) == 5
        async with refleks.app.uow_factory() as uow:
            assert await uow.members.find(ANNE) is not None
            bjorn = await uow.members.find(BJORN)
            assert bjorn is None or not await uow.members.memberships(bjorn.id)


async def test_the_menu_lists_the_commands_in_every_language(database_url: str) -> None:
    async with running_refleks(
        database_url, oslo(MONDAY, 7), admin_ids=frozenset({BJORN})
    ) as refleks:
        await register_commands(refleks.app)
        for code, language in (("", "nb"), ("nn", "nn"), ("en", "en")):
            menu = refleks.api.commands(language_code=code)
            assert [c["command"] for c in menu] == menu_commands(language)
        assert "bekymring" in menu_commands("nn") and "concern" in menu_commands("en")
        admin_menu = refleks.api.commands(scope={"type": "chat", "chat_id": BJORN})
        assert [c["command"] for c in admin_menu] == [*menu_commands("nb"), "admin"]
        assert "/admin" in (await refleks.say(BJORN, "/help")).text  # an admin, not yet a member
        assert "/admin" not in (await refleks.say(ANNE, "/help")).text


async def test_a_late_answer_after_the_week_closed_is_refused_and_changes_nothing(
    database_url: str,
) -> None:
    async with running_refleks(database_url, oslo(MONDAY, 7)) as refleks:
        refleks.invites = await seed_school(refleks.app, start=MONDAY)
        await refleks.join(ANNE, language="en")
        await refleks.say(ANNE, "/language")
        await refleks.press(ANNE, "English")
        await refleks.tick(oslo(MONDAY, 8))
        step = refleks.messages(ANNE)[-1]
        await refleks.tick(oslo(MONDAY + timedelta(days=4), 14))  # Friday 14:00: the week closes
        async with refleks.app.uow_factory() as uow:
            frozen = await uow.summaries.get(1, MONDAY)
        late = await refleks.say(ANNE, "A late thought", reply_to_message_id=step.message_id)
        assert late.text == EN("answer.closed") or "closed" in late.text.lower()
        await refleks.tick(oslo(MONDAY + timedelta(days=4), 15))
        async with refleks.app.uow_factory() as uow:
            assert await uow.summaries.get(1, MONDAY) == frozen
            assert await uow.answers.count(1) == 0


async def test_logs_never_pair_answer_text_with_a_person(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "Min hemmelige refleksjon om kollegaen"
    async with running_refleks(database_url, oslo(MONDAY, 7)) as refleks:
        refleks.invites = await seed_school(refleks.app, start=MONDAY)
        await refleks.join(ANNE)
        for day in range(5):
            await refleks.tick(oslo(MONDAY + timedelta(days=day), 8))
            step = refleks.messages(ANNE)[-1]
            buttons = [b for b in step.buttons if str(b.get("callback_data", "")).startswith("a:")]
            if buttons:
                await refleks.press(ANNE, buttons[0]["text"], step.message_id)
            else:
                await refleks.say(ANNE, f"{secret} {day}", reply_to_message_id=step.message_id)
        await refleks.tick(oslo(MONDAY + timedelta(days=4), 14))
    lines = [record.getMessage() for record in caplog.records]
    assert lines  # the journey did log
    for line in lines:
        assert secret not in line, line


async def test_someone_who_never_joined_gets_one_clear_refusal_per_command(
    database_url: str,
) -> None:
    async with running_refleks(database_url, oslo(MONDAY, 7)) as refleks:
        refleks.invites = await seed_school(refleks.app, start=MONDAY)
        nb = Texts("nb")
        for command in ("/today", "/pause", "/resume", "/time 08:00"):
            assert (await refleks.say(BJORN, command)).text == nb("start.no_invite"), command
        for command in ("/mydata", "/forget"):
            assert (await refleks.say(BJORN, command)).text == nb("mydata.nothing"), command
        assert (await refleks.say(BJORN, "/privacy")).text.startswith("<b>")  # open to anyone
        async with refleks.app.uow_factory() as uow:
            assert await uow.members.find(BJORN) is None  # and nothing was stored of them
