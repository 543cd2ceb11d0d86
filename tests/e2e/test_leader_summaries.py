"""A leader's week with Refleks, end to end: the real aiogram bot over HTTP against the local Bot
API server, real polling, a real database (SQLite and PostgreSQL), and a clock the test moves.

The school runs Trygt og godt skolemiljø from Monday 23 November 2026, a step each weekday at
08:00. Module 0's first week asks: Mon a choice, Tue a text, Wed a scale, Thu a choice, Fri a text.
Its second week opens with the pooled `trygghet` scale. The weekly summary is Friday 14:00.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, partial

from sqlalchemy import select

from bot.app import build_app
from bot.clock import tick
from bot.local_api import LocalBotAPI, SentMessage
from content.loader import load_packages
from content.outline import outline
from dialogues.callbacks import WeekButton
from dialogues.i18n import Texts
from domain.markdown import escape_markdown
from domain.model import Role
from domain.schedule_text import parse_modules, parse_weekdays
from domain.telegram_html import visible_text
from services import admin
from services.planning import plan_due
from storage.models import AnswerRow, SummaryRow
from tests.conftest import empty_postgres
from tests.support.harness import Refleks, oslo, running_refleks, seed_school

MONDAY = date(2026, 11, 23)
FRIDAY = MONDAY + timedelta(days=4)
NEXT_MONDAY = MONDAY + timedelta(days=7)
LEADER, OTHER_LEADER = 2001, 2002
STAFF = (1001, 1002, 1003, 1004)
OTHER_STAFF = (3001, 3002, 3003)
STAFF_CHAT = -1001234567890
NB = Texts("nb")
THRESHOLD = 3


def shown(key: str, **values: object) -> str:
    """A text as the member reads it (tags stripped), in bokmål."""
    return visible_text(NB(key, **values))


TOO_FEW = shown("summary.too_few", threshold=THRESHOLD)
STARTERS = shown("summary.starters")
LEADER_HEADER = shown("summary.header_leader", group="Lærerne", week=48)
STAFF_HEADER = shown("summary.header_staff", group="Lærerne", week=48)


# --- driving the bot ---------------------------------------------------------------------------


def answer_buttons(message: SentMessage) -> list[dict[str, str]]:
    return [b for b in message.buttons if str(b.get("callback_data", "")).startswith("a:")]


Answers = dict[int, tuple[int, str]]


@cache
def headings(key: str) -> dict[int, tuple[str, ...]]:
    """Per module of the school package: how its steps ("step.header") or its kick-off
    ("kickoff.header") begin, as the member reads it."""
    package = load_packages()["skolemiljo"]
    found = {}
    for module in package.modules:
        n = len(module.steps)
        if key == "step.header":
            found[module.number] = tuple(
                shown(key, module=module.number, title=module.title, number=i, total=n)
                for i in range(1, n + 1)
            )
        else:
            found[module.number] = (
                shown(key, module=module.number, title=module.title, group="Lærerne"),
            )
    return found


def is_step(message: SentMessage, module: int | None = None) -> bool:
    starts = headings("step.header")
    wanted = [h for number, hs in starts.items() if module in (None, number) for h in hs]
    text = message.visible_text or ""
    return message.method == "sendMessage" and any(text.startswith(h) for h in wanted)


def is_kickoff(message: SentMessage, module: int) -> bool:
    [start] = headings("kickoff.header")[module]
    return (message.visible_text or "").startswith(start)


async def morning(refleks: Refleks, day: date, answers: Answers | None = None) -> None:
    """08:00: the day's step goes out; each member in `answers` answers it with a button (the
    given index) or, for a text question, with the given text."""
    before = len(refleks.api.sent_messages())
    await refleks.tick(oslo(day, 8))
    sent = refleks.api.sent_messages()[before:]
    for user, (button, text) in (answers or {}).items():
        step = [m for m in sent if m.chat_id == user and is_step(m)][-1]
        buttons = answer_buttons(step)
        if buttons:
            await refleks.press(user, buttons[button % len(buttons)]["text"], step.message_id)
        else:
            await refleks.say(user, text, reply_to_message_id=step.message_id)


def everyone(users: Iterable[int], text: str = "Vi snakker mer sammen i friminuttene") -> Answers:
    return {user: (index, f"{text} ({index})") for index, user in enumerate(users)}


async def join_school(refleks: Refleks, *, modules: str = "0", start: date = MONDAY) -> None:
    refleks.invites = await seed_school(refleks.app, start=start, modules=modules)
    await refleks.join(LEADER, "leader")
    for user in STAFF:
        await refleks.join(user)


async def add_second_group(refleks: Refleks) -> None:
    """Another staff group of the same school, with its own leader and staff."""
    packages = {p.id: tuple(m.number for m in p.modules) for p in refleks.app.catalogue.values()}
    now = datetime.now(UTC)
    async with refleks.app.uow_factory() as uow:
        await admin.add_group(uow, "nordby/assistenter", "Assistentene")
        request = admin.RolloutRequest(
            "nordby/assistenter",
            "skolemiljo",
            parse_modules("0"),
            MONDAY,
            parse_weekdays("mon-fri"),
            time(8),
        )
        await admin.add_rollout(uow, request, packages)
        staff = await admin.make_invite(uow, "nordby/assistenter", Role.STAFF, now)
        leader = await admin.make_invite(uow, "nordby/assistenter", Role.LEADER, now)
        await uow.commit()
    refleks.invites |= {"b-staff": staff.code, "b-leader": leader.code}
    await refleks.join(OTHER_LEADER, "b-leader")
    for user in OTHER_STAFF:
        await refleks.join(user, "b-staff")


async def group_id(refleks: Refleks, slug: str) -> int:
    async with refleks.app.uow_factory() as uow:
        _, group = await admin.group_at(uow, slug)
        return group.id


def sent_since(refleks: Refleks, mark: int, chat_id: int | None = None) -> list[SentMessage]:
    return [m for m in refleks.api.sent_messages()[mark:] if chat_id in (None, m.chat_id)]


def text_of(messages: Iterable[SentMessage]) -> str:
    return "\n".join(m.visible_text or "" for m in messages)


def headers(messages: Iterable[SentMessage], week: int = 48) -> list[str]:
    """The week's summaries among the messages, by their first line."""
    versions = [
        shown(f"summary.header_{v}", group="Lærerne", week=week) for v in ("leader", "staff")
    ]
    firsts = [(m.visible_text or "").split("\n")[0] for m in messages if m.method == "sendMessage"]
    return [line for line in firsts if line in versions]


def is_note(message: SentMessage) -> bool:
    return (message.visible_text or "").startswith(shown("note.header"))


def png_size(message: SentMessage) -> tuple[int, int]:
    full = message.message["photo"][-1]
    return int(full["width"]), int(full["height"])


# --- the weekly summary ------------------------------------------------------------------------


async def test_a_group_above_the_threshold_gets_the_full_summary_with_its_photo_on_friday_at_14(
    database_url: str,
) -> None:
    async with running_refleks(database_url, oslo(MONDAY, 7), threshold=THRESHOLD) as refleks:
        await join_school(refleks)
        await refleks.join(LEADER)  # the leader answers as staff too
        for offset in range(5):
            await morning(refleks, MONDAY + timedelta(days=offset), everyone(STAFF))
        early = await refleks.tick(oslo(FRIDAY, 13, 59))
        assert early.planned.summaries == 0 and early.sent.sent == 0  # not before 14:00

        mark = len(refleks.api.sent_messages())
        report = await refleks.tick(oslo(FRIDAY, 14))
        assert report.planned.summaries == 1 + len(STAFF)  # one each: the leader only once

        to_leader = sent_since(refleks, mark, LEADER)
        photos = [m for m in to_leader if m.method == "sendPhoto"]
        assert photos and to_leader[0].method == "sendPhoto"  # the chart opens the summary
        for photo in photos:
            assert photo.photo is not None and photo.photo.data.startswith(b"\x89PNG")
            width, height = png_size(photo)
            assert width == 1080 and height <= 1280  # what Telegram keeps sharp on a phone
        leader_text = text_of(m for m in to_leader if m.method == "sendMessage")
        assert headers(to_leader) == [LEADER_HEADER]
        scale = refleks.app.catalogue["skolemiljo"].module(0).steps[2].question
        assert scale.prompt and scale.prompt in leader_text
        assert "▇" in leader_text  # distributions
        assert shown("summary.mean", mean="2,5") in leader_text  # 1+2+3+4 over 4, in bokmål
        assert "Vi snakker mer sammen i friminuttene (3)" in leader_text  # the texts, anonymous
        assert shown("summary.step_answered", title="Velkommen", count=4) in leader_text
        assert STARTERS in leader_text  # discussion starters for the meeting
        assert TOO_FEW not in leader_text

        for user in STAFF:  # the staff version: the same figures, no leader notes
            to_staff = sent_since(refleks, mark, user)
            staff_text = text_of(to_staff)
            assert headers(to_staff) == [STAFF_HEADER]
            assert [m.method for m in to_staff].count("sendPhoto") == len(photos)
            assert "▇" in staff_text and "Vi snakker mer sammen i friminuttene (0)" in staff_text
            assert STARTERS not in staff_text
            assert shown("summary.footer_leader", threshold=THRESHOLD) not in staff_text

        # Each chart page went up once; the rest of the group got it by its file_id.
        everyone_photos = [m for m in refleks.api.sent_messages()[mark:] if m.method == "sendPhoto"]
        assert len(everyone_photos) == len(photos) * (1 + len(STAFF))
        assert len({m.photo.file_id for m in everyone_photos if m.photo}) == len(photos)


async def test_a_group_below_the_threshold_gets_counts_only(database_url: str) -> None:
    async with running_refleks(database_url, oslo(MONDAY, 7), threshold=THRESHOLD) as refleks:
        await join_school(refleks)
        two = everyone(STAFF[:2], "Dette skal ingen leder se")
        for offset in range(4):  # Friday's text unanswered: two texts in all, not enough to
            await morning(refleks, MONDAY + timedelta(days=offset), two)  # show even pooled
        await morning(refleks, FRIDAY)
        mark = len(refleks.api.sent_messages())
        await refleks.tick(oslo(FRIDAY, 14))

        to_leader = sent_since(refleks, mark, LEADER)
        text = text_of(to_leader)
        assert headers(to_leader) == [LEADER_HEADER]
        assert all(m.method == "sendMessage" for m in to_leader)  # no chart: nothing to draw
        assert shown("summary.members", members=len(STAFF)) in text
        assert shown("summary.step_few", title="Velkommen", threshold=THRESHOLD) in text
        assert TOO_FEW in text
        assert "▇" not in text and "Snitt" not in text  # no distributions
        assert "Dette skal ingen leder se" not in text  # no texts
        assert " 2 svar" not in text  # and no count below the threshold
        assert STARTERS in text  # the meeting still gets its conversation starters


async def test_answer_text_with_markup_and_emoji_arrives_intact_and_escaped(
    database_url: str,
) -> None:
    tricky = "Vi bør <b>ikke</b> rope & true 🙈 <script>"
    async with running_refleks(database_url, oslo(MONDAY, 7), threshold=THRESHOLD) as refleks:
        await join_school(refleks)
        await morning(refleks, MONDAY)
        await morning(refleks, MONDAY + timedelta(days=1), everyone(STAFF[:3], tricky))
        mark = len(refleks.api.sent_messages())
        await refleks.tick(oslo(FRIDAY, 14))

        for user in (LEADER, *STAFF):
            summary = [m for m in sent_since(refleks, mark, user) if m.method == "sendMessage"]
            source = "\n".join(m.text or "" for m in summary)
            assert "Vi bør &lt;b&gt;ikke&lt;/b&gt; rope &amp; true 🙈 &lt;script&gt; (2)" in source
            assert f"{tricky} (2)" in text_of(summary)  # what they read: the text, literally


# --- who sees what ----------------------------------------------------------------------------


async def test_a_leader_of_one_group_cannot_get_another_group_by_any_command_or_button(
    database_url: str,
) -> None:
    secret = "Hemmelig svar fra assistentene"
    async with running_refleks(database_url, oslo(MONDAY, 7), threshold=THRESHOLD) as refleks:
        await join_school(refleks)
        await add_second_group(refleks)
        group_a = await group_id(refleks, "nordby/laerere")
        group_b = await group_id(refleks, "nordby/assistenter")
        answers = everyone(STAFF) | everyone(OTHER_STAFF, secret)
        for offset in range(5):
            await morning(refleks, MONDAY + timedelta(days=offset), answers)
        mark = len(refleks.api.sent_messages())
        await refleks.tick(oslo(FRIDAY, 14))
        assert secret in text_of(sent_since(refleks, mark, OTHER_LEADER))  # B's leader has it

        await refleks.tick(oslo(NEXT_MONDAY, 9))
        mark = len(refleks.api.sent_messages())
        picker = await refleks.say(LEADER, "/summary")
        await refleks.say(LEADER, "/summary last")
        assert picker.buttons  # the closed week, to pick
        for button in picker.buttons:
            await refleks.press(LEADER, button["text"], picker.message_id)
        crafted = WeekButton(group=group_b, week=MONDAY.isoformat()).pack()
        refused = await refleks.callback(LEADER, picker.message_id, crafted)
        assert refused == NB("leader.not_yours")
        for week in ("2026-11-24", "not-a-date", "1-1-1"):  # payloads no button of ours carries
            odd = WeekButton(group=group_a, week=week).pack()
            assert await refleks.callback(LEADER, picker.message_id, odd) == refused
        await refleks.say(LEADER, "/export")
        await refleks.say(LEADER, "/note Takk for svarene")
        await refleks.push(lambda: refleks.api.push_command(LEADER, "linkchat", chat_id=STAFF_CHAT))
        await refleks.tick(oslo(NEXT_MONDAY, 9, 1))  # the note goes out

        to_a = sent_since(refleks, mark, LEADER) + sent_since(refleks, mark, STAFF_CHAT)
        assert len(headers(to_a)) == 2  # /summary last and the week button: group A's week
        documents = b"".join(m.document.data for m in to_a if m.document is not None)
        assert b"Vi snakker mer sammen" in documents  # the export came, for group A
        assert secret not in text_of(to_a) and secret.encode() not in documents
        assert "Assistentene" not in text_of(to_a) and b"Assistentene" not in documents
        to_b = [m for m in sent_since(refleks, mark) if m.chat_id in (OTHER_LEADER, *OTHER_STAFF)]
        assert to_b == []  # not the note either

        staff_b = await refleks.say(OTHER_STAFF[0], "/summary")  # staff never get a leader view
        assert staff_b.text == NB("leader.not_leader")
        by_staff = await refleks.callback(OTHER_STAFF[0], staff_b.message_id, crafted)
        assert by_staff == NB("leader.not_yours")
        async with refleks.app.uow_factory() as uow:
            assert (await uow.groups.get(group_a)).linked_chat_id == STAFF_CHAT
            assert (await uow.groups.get(group_b)).linked_chat_id is None


async def test_export_files_open_and_hold_only_what_the_summaries_showed(
    database_url: str,
) -> None:
    async with running_refleks(database_url, oslo(MONDAY, 7), threshold=THRESHOLD) as refleks:
        await join_school(refleks)
        days = [everyone(STAFF, "Mer tid til samtaler") for _ in range(5)]
        days[0] = everyone(STAFF[:2])  # Monday's choice: two answers, below the threshold
        for offset, answers in enumerate(days):
            await morning(refleks, MONDAY + timedelta(days=offset), answers)
        await refleks.tick(oslo(FRIDAY, 14))

        sent = await refleks.push(lambda: refleks.api.push_command(LEADER, "export"))
        files = [m.document for m in sent if m.document is not None]
        assert [f.filename for f in files] == ["refleks-laerere.csv", "refleks-laerere.md"]
        spreadsheet, minutes = files

        # Norwegian Excel: a BOM to read æøå as UTF-8, semicolons, and a decimal comma; the
        # headers in the leader's language
        assert spreadsheet.data.startswith("\ufeffuke;spørsmål;".encode())
        rows = list(
            csv.DictReader(io.StringIO(spreadsheet.data.decode("utf-8-sig")), delimiter=";")
        )
        assert rows and list(rows[0]) == [
            "uke",
            "spørsmål",
            "type",
            "svar",
            "verdi",
            "antall",
            "snitt",
        ]
        assert all(int(row["svar"]) >= THRESHOLD for row in rows)
        steps = refleks.app.catalogue["skolemiljo"].module(0).steps
        monday_prompt, scale_prompt = steps[0].question.prompt, steps[2].question.prompt
        assert monday_prompt and scale_prompt
        assert not any(row["spørsmål"] == monday_prompt for row in rows)  # below the threshold
        scale_rows = [row for row in rows if row["spørsmål"] == scale_prompt]
        assert [row["verdi"] for row in scale_rows] == ["1", "2", "3", "4", "5"]
        assert [row["antall"] for row in scale_rows] == ["1", "1", "1", "1", "0"]
        assert {row["snitt"] for row in scale_rows} == {"2,5"}
        assert "Mer tid til samtaler" not in spreadsheet.data.decode("utf-8-sig")  # counts only

        markdown = minutes.data.decode("utf-8")
        assert markdown.startswith("# Refleks: Lærerne")
        assert NB("export.week", week=48, monday="23.11.2026") in markdown
        assert escape_markdown(scale_prompt) in markdown
        assert escape_markdown(monday_prompt) not in markdown
        assert "Snitt: 2,5" in markdown  # the spreadsheet's mean, as the minutes show it
        assert "- Mer tid til samtaler \\(3\\)" in markdown  # shown texts, escaped for Markdown
        assert " 2 svar" not in markdown


# --- exactly once -----------------------------------------------------------------------------


async def test_a_second_tick_at_summary_time_sends_nothing_twice(database_url: str) -> None:
    async with running_refleks(database_url, oslo(MONDAY, 7), threshold=THRESHOLD) as refleks:
        await join_school(refleks)
        for offset in range(5):
            await morning(refleks, MONDAY + timedelta(days=offset), everyone(STAFF))
        mark = len(refleks.api.sent_messages())
        first = await refleks.tick(oslo(FRIDAY, 14))
        again = await refleks.tick(oslo(FRIDAY, 14))
        later = await refleks.tick(oslo(FRIDAY, 14, 1))
        assert first.planned.summaries == 1 + len(STAFF)
        assert again.planned.summaries == later.planned.summaries == 0
        assert again.sent.sent == later.sent.sent == 0
        for user in (LEADER, *STAFF):
            assert len(headers(sent_since(refleks, mark, user))) == 1, user


async def test_two_instances_closing_and_sending_at_once_send_each_summary_once(
    postgres_url: str,
) -> None:
    """PostgreSQL only: SQLite is single-instance (storage/locks warns when a second opens it)."""
    await empty_postgres(postgres_url)
    database_url = postgres_url
    async with running_refleks(database_url, oslo(MONDAY, 7), threshold=THRESHOLD) as refleks:
        await join_school(refleks)
        for offset in range(5):
            await morning(refleks, MONDAY + timedelta(days=offset), everyone(STAFF))
        mark = len(refleks.api.sent_messages())
        second = await build_app(refleks.app.settings, clock=refleks.clock)
        at = oslo(FRIDAY, 14)
        try:
            # Both plan (as if the tick lock had failed them) and both send, at the same time.
            closed = await asyncio.gather(
                *(
                    plan_due(
                        app.uow_factory,
                        partial(outline, app.catalogue),
                        at,
                        close_week=app.dispatcher.workflow_data["summaries"].close_week,
                    )
                    for app in (refleks.app, second)
                )
            )
            assert sorted(report.summaries for report in closed) == [0, 1 + len(STAFF)]
            await asyncio.gather(refleks.app.deliverer.send_due(at), second.deliverer.send_due(at))
            await asyncio.gather(tick(refleks.app, at), tick(second, at + timedelta(minutes=1)))
        finally:
            await second.close()
        for user in (LEADER, *STAFF):
            assert len(headers(sent_since(refleks, mark, user))) == 1, user
        async with refleks.app.uow_factory() as uow:
            assert len(list(await uow.session.scalars(select(SummaryRow)))) == 1


async def test_a_crash_after_freezing_but_before_sending_sends_each_summary_once(
    database_url: str,
) -> None:
    async with LocalBotAPI() as telegram:  # Telegram stays up while the bot restarts
        async with running_refleks(
            database_url, oslo(MONDAY, 7), threshold=THRESHOLD, api=telegram
        ) as refleks:
            await join_school(refleks)
            for offset in range(5):
                await morning(refleks, MONDAY + timedelta(days=offset), everyone(STAFF))
            group = await group_id(refleks, "nordby/laerere")
            summaries = refleks.app.dispatcher.workflow_data["summaries"]
            closed = await plan_due(
                refleks.app.uow_factory,
                partial(outline, refleks.app.catalogue),
                oslo(FRIDAY, 14),
                close_week=summaries.close_week,
            )
            assert closed.summaries == 1 + len(STAFF)  # frozen and owed, then the process dies
            async with refleks.app.uow_factory() as uow:
                frozen = await uow.summaries.get(group, MONDAY)
            assert frozen is not None
        async with running_refleks(
            database_url, oslo(FRIDAY, 14, 3), threshold=THRESHOLD, api=telegram
        ) as again:
            report = await again.tick()
            assert report.planned.summaries == 0  # the week stays closed as it was frozen
            await again.tick(oslo(FRIDAY, 14, 4))
            for user in (LEADER, *STAFF):
                assert len(headers(again.messages(user))) == 1, user
            async with again.app.uow_factory() as uow:
                assert await uow.summaries.get(group, MONDAY) == frozen


# --- kick-off, notes, /summary and pooling -----------------------------------------------------


async def test_module_kick_off_reaches_leaders_before_the_first_step(database_url: str) -> None:
    sunday = MONDAY - timedelta(days=1)
    late = 2003  # a leader who joins on Monday morning, and answers as staff too

    async with running_refleks(database_url, oslo(sunday, 7), threshold=THRESHOLD) as refleks:

        def first(chat: int, wanted: Callable[[SentMessage], bool]) -> int:
            sent = refleks.api.sent_messages()
            return next(i for i, m in enumerate(sent) if m.chat_id == chat and wanted(m))

        await join_school(refleks, modules="0-1")
        mark = len(refleks.api.sent_messages())
        await refleks.tick(oslo(sunday, 8))  # the day before the module's first step
        assert [m.chat_id for m in sent_since(refleks, mark)] == [LEADER]
        assert is_kickoff(sent_since(refleks, mark)[0], 0)

        refleks.clock.now = oslo(MONDAY, 7, 30)
        await refleks.join(late, "leader")
        await refleks.join(late)
        await morning(refleks, MONDAY)  # late: kick-off and first step in the same tick
        assert first(late, lambda m: is_kickoff(m, 0)) < first(late, is_step)  # in that order
        for user in STAFF:  # leaders only
            assert not any(is_kickoff(m, 0) for m in refleks.messages(user))
        assert len([m for m in refleks.messages(LEADER) if is_kickoff(m, 0)]) == 1

        for offset in range(1, 9):  # module 1 starts on Tuesday of the second week
            await morning(refleks, MONDAY + timedelta(days=offset))
        module_1 = first(LEADER, lambda m: is_kickoff(m, 1))
        assert module_1 < first(STAFF[0], lambda m: is_step(m, 1))
        assert first(late, lambda m: is_kickoff(m, 1)) < first(late, lambda m: is_step(m, 1))


async def test_a_note_reaches_everyone_in_the_group_escaped(database_url: str) -> None:
    note = "Dere sa at <b>pausene</b> er kaotiske & lange 😅. Fra mandag er to voksne ute."
    async with running_refleks(database_url, oslo(MONDAY, 7), threshold=THRESHOLD) as refleks:
        await join_school(refleks)
        usage = await refleks.say(LEADER, "/note")
        assert usage.text == NB("leader.note_usage")
        refused = await refleks.say(STAFF[0], f"/note {note}")
        assert refused.text == NB("leader.not_leader")

        queued = await refleks.say(LEADER, f"/note {note}")
        assert queued.text == NB("leader.note_queued", count=len(STAFF) + 1)
        mark = len(refleks.api.sent_messages())
        await refleks.tick(oslo(MONDAY, 7, 1))
        await refleks.tick(oslo(MONDAY, 7, 2))
        header = shown("note.header")
        for user in (LEADER, *STAFF):
            notes = [m for m in sent_since(refleks, mark, user) if is_note(m)]
            assert [m.visible_text for m in notes] == [f"{header}\n\n{note}"]  # once, literally
            assert "&lt;b&gt;pausene&lt;/b&gt; er kaotiske &amp; lange" in (notes[0].text or "")


async def test_summary_this_week_so_far_shows_participation_but_never_answers(
    database_url: str,
) -> None:
    async with running_refleks(database_url, oslo(MONDAY, 7), threshold=THRESHOLD) as refleks:
        await join_school(refleks)
        before = await refleks.say(LEADER, "/summary")
        assert shown("summary.so_far_nothing") in (before.visible_text or "")
        await morning(refleks, MONDAY, everyone(STAFF))  # a choice: four answers
        await morning(refleks, MONDAY + timedelta(days=1), everyone(STAFF[:2], "Tidlig svar"))

        reply = await refleks.say(LEADER, "/summary")
        text = reply.visible_text or ""
        steps = refleks.app.catalogue["skolemiljo"].module(0).steps
        assert text.startswith(shown("summary.so_far_header", group="Lærerne", week=48))
        assert shown("summary.step_answered", title=steps[0].title, count=4) in text
        assert shown("summary.step_few", title=steps[1].title, threshold=THRESHOLD) in text
        assert steps[2].title not in text  # Wednesday's step has not gone out yet
        assert "▇" not in text and "Tidlig svar" not in text and "Snitt" not in text
        assert not any(option in text for option in steps[0].question.options or [])
        assert not reply.buttons  # no closed week to pick yet


async def test_pooled_trygghet_answers_show_once_the_pooled_count_reaches_the_threshold(
    database_url: str,
) -> None:
    async with running_refleks(database_url, oslo(MONDAY, 7), threshold=THRESHOLD) as refleks:
        await join_school(refleks, modules="0-1")
        week_2, week_3 = NEXT_MONDAY, NEXT_MONDAY + timedelta(days=7)
        trygghet = refleks.app.catalogue["skolemiljo"].module(0).steps[5]
        again = refleks.app.catalogue["skolemiljo"].module(1).steps[5]
        assert trygghet.question.pool == again.question.pool == "trygghet"
        prompt = trygghet.question.prompt
        assert prompt

        await morning(refleks, week_2, everyone(STAFF[:2]))  # trygghet: two answers
        mark = len(refleks.api.sent_messages())
        await refleks.tick(oslo(week_2 + timedelta(days=4), 14))
        text = text_of(sent_since(refleks, mark, LEADER))
        assert TOO_FEW in text and f"• {trygghet.title}" in text
        assert prompt not in text

        await morning(refleks, week_3)
        await morning(refleks, week_3 + timedelta(days=1), everyone(STAFF[1:]))  # three more
        midweek = (await refleks.say(LEADER, "/summary")).visible_text or ""
        # Three answered this week, but Friday shows them with last week's two: a midweek 3
        # against Friday's 5 would tell that two answered last week, so it is not shown now.
        assert shown("summary.step_answered", title=again.title, count=3) not in midweek
        assert shown("summary.step_few", title=again.title, threshold=THRESHOLD) in midweek
        mark = len(refleks.api.sent_messages())
        await refleks.tick(oslo(week_3 + timedelta(days=4), 14))
        to_leader = sent_since(refleks, mark, LEADER)
        text = text_of(to_leader)
        assert f"{prompt} (+1)" in text  # both weeks' questions, one set of five
        assert shown("summary.answers", count=5) in text
        assert any(m.method == "sendPhoto" for m in to_leader)
        # Its own count (3) is withheld: 5 - 3 would tell that two answered last week.
        assert shown("summary.step_answered", title=again.title, count=3) not in text
        assert shown("summary.step_few", title=again.title, threshold=THRESHOLD) in text


# --- retention and the linked chat ------------------------------------------------------------


async def test_answer_texts_go_after_the_retention_and_the_figures_stay(
    database_url: str,
) -> None:
    async with running_refleks(database_url, oslo(MONDAY, 7), threshold=THRESHOLD) as refleks:
        await join_school(refleks)
        await morning(refleks, MONDAY)
        await morning(refleks, MONDAY + timedelta(days=1), everyone(STAFF, "Gammelt svar"))
        await morning(refleks, MONDAY + timedelta(days=2), everyone(STAFF))
        await refleks.tick(oslo(FRIDAY, 14))
        group = await group_id(refleks, "nordby/laerere")

        await refleks.tick(oslo(FRIDAY + timedelta(weeks=26), 14))  # not yet
        async with refleks.app.uow_factory() as uow:
            texts = list(await uow.session.scalars(select(AnswerRow.text)))
        assert sum(1 for text in texts if text) == len(STAFF)

        await refleks.tick(oslo(FRIDAY + timedelta(weeks=27), 14))
        async with refleks.app.uow_factory() as uow:
            rows = list(await uow.session.execute(select(AnswerRow.kind, AnswerRow.text)))
            snapshot = await uow.summaries.get(group, MONDAY)
        assert sorted(kind for kind, _ in rows) == ["scale"] * len(STAFF) + ["text"] * len(STAFF)
        assert all(text is None for _, text in rows)  # the rows stay, for nothing; the text goes
        assert snapshot is not None and "Gammelt svar" not in snapshot  # the frozen one too

        picker = await refleks.say(LEADER, "/summary")
        week_48 = next(b["text"] for b in picker.buttons if b["text"].endswith(" 48"))
        mark = len(refleks.api.sent_messages())
        await refleks.press(LEADER, week_48, picker.message_id)
        reply = text_of(sent_since(refleks, mark, LEADER))
        assert LEADER_HEADER in reply
        assert "▇" in reply and shown("summary.answers", count=len(STAFF)) in reply  # figures
        assert "Gammelt svar" not in reply and shown("summary.texts_deleted") in reply
        sent = await refleks.push(lambda: refleks.api.push_command(LEADER, "export"))
        files = [m.document.data for m in sent if m.document is not None]
        assert len(files) == 2 and not any(b"Gammelt svar" in data for data in files)


async def test_a_linked_staff_chat_gets_the_staff_version_every_week(database_url: str) -> None:
    def in_chat(user: int, command: str) -> Callable[[], int]:
        return lambda: refleks.api.push_command(user, command, chat_id=STAFF_CHAT)

    async with running_refleks(database_url, oslo(MONDAY, 7), threshold=THRESHOLD) as refleks:
        await join_school(refleks, modules="0-1")
        howto = await refleks.say(LEADER, "/linkchat")  # in the private chat: how to do it
        assert howto.text == NB("leader.link_howto")
        by_staff = await refleks.push(in_chat(STAFF[0], "linkchat"))
        assert [m.text for m in by_staff] == [NB("leader.not_leader")]
        linked = await refleks.push(in_chat(LEADER, "linkchat"))
        assert [m.text for m in linked] == [NB("leader.linked", group="Lærerne")]

        for offset in range(5):
            await morning(refleks, MONDAY + timedelta(days=offset), everyone(STAFF))
        mark = len(refleks.api.sent_messages())
        await refleks.tick(oslo(FRIDAY, 14))
        posted = sent_since(refleks, mark, STAFF_CHAT)
        assert headers(posted) == [STAFF_HEADER]
        assert posted[0].method == "sendPhoto"
        assert "Vi snakker mer sammen i friminuttene (1)" in text_of(posted)
        assert STARTERS not in text_of(posted)

        unlinked = await refleks.push(in_chat(LEADER, "unlinkchat"))
        assert [m.text for m in unlinked] == [NB("leader.unlinked")]
        mark = len(refleks.api.sent_messages())
        await refleks.tick(oslo(FRIDAY + timedelta(days=7), 14))
        assert sent_since(refleks, mark, STAFF_CHAT) == []
        assert headers(sent_since(refleks, mark, LEADER), week=49) == [
            shown("summary.header_leader", group="Lærerne", week=49)
        ]
