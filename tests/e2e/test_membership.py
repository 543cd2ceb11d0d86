"""Taking people out of a group, end to end: a forwarded leader link and the admin who closes
it (from the CLI and from /admin), a staff member removed mid-week, /leave, demoting and
appointing leaders, and a member who blocked the bot coming back."""

from __future__ import annotations

import asyncio
import subprocess
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from bot.local_api import SentMessage
from dialogues.i18n import Texts
from domain.model import Role
from domain.schedule_text import parse_modules, parse_weekdays
from services import admin
from tests.e2e.test_admin_bot import Admin
from tests.e2e.test_admin_cli import refleks as cli
from tests.e2e.test_leader_summaries import everyone, headers, is_step, morning, shown
from tests.support.harness import Refleks, oslo, running_refleks, seed_school

NB = Texts("nb")
MONDAY = date(2026, 11, 23)
FRIDAY = MONDAY + timedelta(days=4)
LEADER, INTRUDER, OTHER_INTRUDER, SUPER = 2001, 2666, 2667, 9000
STAFF = (1001, 1002, 1003)
ANNE, BJORN, CARL = STAFF
GROUP = "nordby/laerere"


async def shell(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The admin CLI as a separate process, while the bot runs."""
    return await asyncio.to_thread(cli, database_url, "admin", "member", *args)


def since(refleks: Refleks, mark: int, chat_id: int) -> list[SentMessage]:
    return [m for m in refleks.api.sent_messages()[mark:] if m.chat_id == chat_id]


def steps_to(refleks: Refleks, chat_id: int, mark: int = 0) -> list[SentMessage]:
    return [m for m in since(refleks, mark, chat_id) if is_step(m)]


async def replies(refleks: Refleks, user: int, text: str) -> list[SentMessage]:
    command, _, args = text[1:].partition(" ")
    sent = await refleks.push(lambda: refleks.api.push_command(user, command, args))
    return [m for m in sent if m.chat_id == user]


async def test_a_forwarded_leader_link_is_closed_from_the_shell_and_from_the_admin_menu(
    database_url: str,
) -> None:
    async with running_refleks(
        database_url, oslo(MONDAY, 7), threshold=3, admin_ids=frozenset({SUPER})
    ) as refleks:
        refleks.invites = await seed_school(refleks.app, start=MONDAY, modules="0-1")
        await refleks.say(LEADER, f"/start {refleks.invites['leader']}", first_name="Kari")
        for user in STAFF:
            await refleks.join(user)
        # the leader link went round: two people who are nothing to the school join as leaders
        for intruder in (INTRUDER, OTHER_INTRUDER):
            await refleks.say(intruder, f"/start {refleks.invites['leader']}", first_name="Ukjent")
        for offset in range(5):
            await morning(refleks, MONDAY + timedelta(days=offset), everyone(STAFF))
        await refleks.tick(oslo(FRIDAY, 14))
        week_48 = shown("summary.header_leader", group="Lærerne", week=48)
        assert headers(refleks.messages(INTRUDER)) == [week_48]  # what the link gave them
        pickers = {
            i: (await replies(refleks, i, "/summary"))[-1] for i in (INTRUDER, OTHER_INTRUDER)
        }
        assert all(picker.buttons for picker in pickers.values())  # a button for last week
        picker_id = pickers[INTRUDER].message_id

        listed = await shell(database_url, "list", GROUP)
        assert listed.returncode == 0, listed.stderr
        lines = listed.stdout.strip().splitlines()
        assert f"{LEADER} leader joined {MONDAY} Kari" in lines
        assert f"{INTRUDER} leader joined {MONDAY} Ukjent" in lines
        assert f"{ANNE} staff joined {MONDAY}" in lines  # staff: no name, and nothing else
        assert len(lines) == 3 + len(STAFF)
        removed = await shell(database_url, "remove", GROUP, str(INTRUDER))
        assert removed.returncode == 0, removed.stderr
        assert removed.stdout.startswith(f"removed {INTRUDER} from {GROUP}")
        again = await shell(database_url, "remove", GROUP, str(INTRUDER))
        assert again.returncode == 0
        assert again.stdout.strip() == f"{INTRUDER} is not a member of {GROUP}"

        boss = Admin(refleks, SUPER)
        await boss.command("/admin")
        await boss.tap("Nordby skole")
        await boss.tap("Lærerne")
        await boss.tap(NB("admin.members_button"))
        assert f"{OTHER_INTRUDER} · leder · 23.11.2026 · Ukjent" in boss.screen
        assert f"{ANNE} · ansatt · 23.11.2026" in boss.screen
        assert str(INTRUDER) not in boss.screen
        assert NB("admin.member_remove", id=LEADER) in boss.labels()
        await boss.tap(NB("admin.member_remove", id=OTHER_INTRUDER))
        assert shown("admin.member_remove_confirm", id=OTHER_INTRUDER, group="Lærerne") in (
            boss.screen
        )
        toast = await boss.tap(NB("admin.member_remove_yes"))
        assert toast == NB("admin.member_removed", id=OTHER_INTRUDER)
        assert str(OTHER_INTRUDER) not in boss.screen

        # a remove button crafted by someone who is no admin of the school does nothing
        crafted = next(p for p in boss.seen_payloads() if p.startswith("ag:mrm:"))
        crafted = crafted.rsplit(":", 1)[0] + f":{LEADER}"
        assert await refleks.callback(INTRUDER, picker_id, crafted) == NB("admin.not_allowed")
        assert f"{LEADER} leader" in (await shell(database_url, "list", GROUP)).stdout

        for intruder in (INTRUDER, OTHER_INTRUDER):
            for command in ("/summary", "/summary last", "/export", "/note Hei alle sammen"):
                answer = await replies(refleks, intruder, command)
                assert [m.text for m in answer] == [NB("leader.not_leader")], command
            picker = pickers[intruder]
            toast = await refleks.press(intruder, str(picker.buttons[0]["text"]), picker.message_id)
            assert toast == NB("leader.not_yours")
            assert (await refleks.say(intruder, "/start")).text == NB("start.no_invite")

        mark = len(refleks.api.sent_messages())
        next_monday = MONDAY + timedelta(days=7)
        for offset in range(5):
            await morning(refleks, next_monday + timedelta(days=offset), everyone(STAFF))
        await refleks.tick(oslo(next_monday + timedelta(days=4), 14))
        week_49 = shown("summary.header_leader", group="Lærerne", week=49)
        assert headers(since(refleks, mark, LEADER), week=49) == [week_49]
        for intruder in (INTRUDER, OTHER_INTRUDER):
            assert since(refleks, mark, intruder) == []  # no kick-off, no summary, nothing


async def test_staff_removed_mid_week_get_no_more_steps_and_no_reminder(
    database_url: str,
) -> None:
    async with running_refleks(database_url, oslo(MONDAY, 7)) as refleks:
        refleks.invites = await seed_school(refleks.app, start=MONDAY)
        for user in STAFF:
            await refleks.join(user)
        await refleks.say(ANNE, "/time 09:00")  # her steps wait in the queue until 09:00
        await refleks.tick(oslo(MONDAY, 8))
        await refleks.tick(oslo(MONDAY, 9))
        monday = {user: steps_to(refleks, user) for user in STAFF}
        assert all(len(steps) == 1 for steps in monday.values())  # nobody answers it

        assert (await shell(database_url, "remove", GROUP, str(BJORN))).returncode == 0
        tuesday = MONDAY + timedelta(days=1)
        mark = len(refleks.api.sent_messages())
        await refleks.tick(oslo(tuesday, 8))  # Monday's reminder, and Tuesday's step
        assert since(refleks, mark, BJORN) == []
        assert len(steps_to(refleks, CARL, mark)) == 1
        reminder = shown("reminder.body", title="")[:10]
        assert any((m.visible_text or "").startswith(reminder) for m in since(refleks, mark, CARL))
        assert any((m.visible_text or "").startswith(reminder) for m in since(refleks, mark, ANNE))
        assert steps_to(refleks, ANNE, mark) == []  # hers is owed at 09:00

        assert (await shell(database_url, "remove", GROUP, str(ANNE))).returncode == 0
        mark = len(refleks.api.sent_messages())
        await refleks.tick(oslo(tuesday, 9))
        await refleks.tick(oslo(tuesday + timedelta(days=1), 8))
        await refleks.tick(oslo(tuesday + timedelta(days=1), 9))
        assert since(refleks, mark, ANNE) == [] and since(refleks, mark, BJORN) == []
        assert len(steps_to(refleks, CARL, mark)) == 1  # Wednesday's (and Tuesday's reminder)

        # Their old step messages take no answer into the group any more
        old = monday[BJORN][-1]
        buttons = [b for b in old.buttons if str(b.get("callback_data", "")).startswith("a:")]
        assert await refleks.press(BJORN, buttons[0]["text"], old.message_id) == NB(
            "answer.not_yours"
        )
        assert (await refleks.say(BJORN, "/today")).text == NB("today.nothing")


async def add_assistants(refleks: Refleks) -> None:
    packages = {p.id: tuple(m.number for m in p.modules) for p in refleks.app.catalogue.values()}
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
        staff = await admin.make_invite(uow, "nordby/assistenter", Role.STAFF, datetime.now(UTC))
        await uow.commit()
    refleks.invites["b-staff"] = staff.code


async def test_leave_takes_a_member_out_of_one_of_their_two_groups(database_url: str) -> None:
    async with running_refleks(database_url, oslo(MONDAY, 7)) as refleks:
        refleks.invites = await seed_school(refleks.app, start=MONDAY)
        await add_assistants(refleks)
        await refleks.join(ANNE)
        await refleks.join(ANNE, "b-staff")
        await refleks.tick(oslo(MONDAY, 8))
        assert len(steps_to(refleks, ANNE)) == 2  # one from each group

        choose = await refleks.say(ANNE, "/leave")
        assert choose.text == NB("leave.choose")
        assert [b["text"] for b in choose.buttons] == ["Lærerne", "Assistentene", NB("leave.no")]
        await refleks.press(ANNE, "Lærerne", choose.message_id)
        asked = refleks.api.sent_messages(ANNE)[-1]  # the same message, now asking
        assert (asked.visible_text or "").startswith(shown("leave.confirm", group="Lærerne")[:20])
        await refleks.press(ANNE, NB("leave.yes"), choose.message_id)
        assert refleks.api.sent_messages(ANNE)[-1].text == NB("leave.done", group="Lærerne")

        mydata = await refleks.say(ANNE, "/mydata")
        assert "Assistentene" in (mydata.text or "") and "Lærerne" not in (mydata.text or "")
        mark = len(refleks.api.sent_messages())
        await refleks.tick(oslo(MONDAY + timedelta(days=1), 8))
        assert len(steps_to(refleks, ANNE, mark)) == 1  # from Assistentene only

        # one group left: straight to the question; "no" keeps it
        only = await refleks.say(ANNE, "/leave")
        assert (only.visible_text or "").startswith(
            shown("leave.confirm", group="Assistentene")[:20]
        )
        await refleks.press(ANNE, NB("leave.no"), only.message_id)
        assert refleks.api.sent_messages(ANNE)[-1].text == NB("leave.kept")
        assert "Assistentene" in ((await refleks.say(ANNE, "/mydata")).text or "")


async def test_a_leader_is_demoted_and_a_staff_member_appointed(database_url: str) -> None:
    async with running_refleks(
        database_url, oslo(MONDAY, 7), admin_ids=frozenset({SUPER})
    ) as refleks:
        refleks.invites = await seed_school(refleks.app, start=MONDAY)
        await refleks.say(LEADER, f"/start {refleks.invites['leader']}", first_name="Kari")
        await refleks.join(ANNE)
        summary_so_far = (await refleks.say(LEADER, "/summary")).text
        assert summary_so_far != NB("leader.not_leader")

        demoted = await shell(database_url, "role", GROUP, str(LEADER), "staff")
        assert demoted.returncode == 0, demoted.stderr
        assert demoted.stdout.strip() == f"updated {LEADER} in {GROUP}: staff"
        same = await shell(database_url, "role", GROUP, str(LEADER), "staff")
        assert same.stdout.strip() == f"unchanged {LEADER} in {GROUP}: staff"
        stranger = await shell(database_url, "role", GROUP, "4242", "leader")
        assert stranger.returncode == 2 and "4242 is not a member" in stranger.stderr
        assert (await refleks.say(LEADER, "/summary")).text == NB("leader.not_leader")
        listed = (await shell(database_url, "list", GROUP)).stdout
        assert f"{LEADER} staff joined {MONDAY}\n" in listed  # and no name: staff are nameless

        boss = Admin(refleks, SUPER)
        await boss.command("/admin")
        await boss.tap("Nordby skole")
        await boss.tap("Lærerne")
        await boss.tap(NB("admin.members_button"))
        toast = await boss.tap(NB("admin.member_make_leader", id=ANNE))
        assert toast == NB("admin.member_now_leader", id=ANNE)
        assert f"{ANNE} · leder" in boss.screen
        assert (await refleks.say(ANNE, "/summary")).text != NB("leader.not_leader")
        menu = refleks.api.commands(scope={"type": "chat", "chat_id": ANNE})
        assert "summary" in [c["command"] for c in menu]

        await refleks.tick(oslo(MONDAY, 8))
        assert len(steps_to(refleks, LEADER)) == 1  # staff now: the day's step
        assert steps_to(refleks, ANNE) == []  # a leader gets the summaries, not the steps


async def test_a_member_who_blocked_the_bot_is_reachable_again_after_start(
    database_url: str,
) -> None:
    async with running_refleks(database_url, oslo(MONDAY, 7)) as refleks:
        refleks.invites = await seed_school(refleks.app, start=MONDAY)
        await refleks.join(ANNE)
        refleks.api.blocked_users.add(ANNE)
        assert (await refleks.tick(oslo(MONDAY, 8))).sent.blocked == 1
        async with refleks.app.uow_factory() as uow:
            found = await uow.members.find(ANNE)
            assert found is not None and found.unreachable
        await refleks.tick(oslo(MONDAY + timedelta(days=1), 8))
        assert steps_to(refleks, ANNE) == []

        refleks.api.blocked_users.discard(ANNE)  # unblocking in Telegram sends /start
        assert (await refleks.say(ANNE, "/start")).text == NB("start.member")
        await refleks.tick(oslo(MONDAY + timedelta(days=2), 8))
        assert len(steps_to(refleks, ANNE)) == 1  # Wednesday's, with the two missed to catch up


async def test_a_plan_file_takes_people_out_of_a_group(database_url: str, tmp_path: Path) -> None:
    async with running_refleks(database_url, oslo(MONDAY, 7)) as refleks:
        refleks.invites = await seed_school(refleks.app, start=MONDAY)
        for user in (ANNE, BJORN):
            await refleks.join(user)
        plan = tmp_path / "plan.yaml"
        group = "  - slug: nordby\n    groups:\n      - slug: laerere\n        name: Lærerne\n"
        plan.write_text(f"organisations:\n{group}        remove: [{ANNE}, 4242]\n")
        done = await asyncio.to_thread(cli, database_url, "admin", "plan", "apply", str(plan))
        assert done.returncode == 0, done.stderr
        assert f"updated member {ANNE} of {GROUP}: removed" in done.stdout
        assert f"unchanged member 4242 of {GROUP}: not a member" in done.stdout
        plan.write_text(f"organisations:\n{group}        remove: [ola]\n")
        wrong = await asyncio.to_thread(cli, database_url, "admin", "plan", "apply", str(plan))
        assert wrong.returncode == 2 and f"{plan}:6:" in wrong.stderr
        await refleks.tick(oslo(MONDAY, 8))
        assert steps_to(refleks, ANNE) == [] and len(steps_to(refleks, BJORN)) == 1
