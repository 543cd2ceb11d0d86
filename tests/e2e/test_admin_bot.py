"""The admin journey end to end: the real bot through the local Bot API server, an admin tapping
buttons and typing answers as on the phone, and people who are not admins trying the same
buttons by hand."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import select

from bot.local_api import SentMessage
from dialogues import admin_views
from dialogues.admin_states import AdminInput
from dialogues.callbacks import (
    AdminCalendar,
    AdminDraft,
    AdminGroup,
    AdminHome,
    AdminOrg,
    AdminRollout,
)
from dialogues.i18n import Texts
from domain.calendar import ClosedDays, local_datetime
from domain.model import OrgKind, Role, RolloutStatus
from domain.schedule import preview
from domain.telegram_html import visible_text
from services import admin
from storage.models import Base
from tests.support.harness import Refleks, oslo, running_refleks

NB = Texts("nb")
MONDAY = date(2026, 11, 23)
SUPER, ORG_ADMIN, OTHER_ADMIN = 9000, 9200, 9300
STAFF, LEADER, STRANGER = 1001, 1002, 1003
LINK = re.compile(r"https://t\.me/refleks_demo_bot\?start=([A-Za-z0-9_-]+)")
STEP_LINE = re.compile(r"^(?:✓ )?(\d+)\. \S+ (\d\d\.\d\d\.\d{4}) (\d\d:\d\d)")
SUMMARY_LINE = re.compile(r"📊 \S+ \S+ (\d\d\.\d\d\.\d{4}) (\d\d:\d\d)")


class Admin:
    """One person at the admin menu: taps buttons by their label, types answers."""

    def __init__(self, refleks: Refleks, user_id: int) -> None:
        self.refleks = refleks
        self.user_id = user_id

    async def tap(self, label: str) -> str:
        """Taps the button on the newest message that has buttons; returns the toast."""
        return await self.refleks.press(self.user_id, label)

    async def type(self, text: str) -> list[SentMessage]:
        sent = await self.refleks.push(lambda: self.refleks.api.push_message(self.user_id, text))
        return [m for m in sent if m.chat_id == self.user_id]

    async def command(self, text: str) -> list[SentMessage]:
        command, _, args = text[1:].partition(" ")
        sent = await self.refleks.push(
            lambda: self.refleks.api.push_command(self.user_id, command, args)
        )
        return [m for m in sent if m.chat_id == self.user_id]

    @property
    def menu(self) -> SentMessage:
        return [m for m in self.refleks.messages(self.user_id) if m.buttons][-1]

    @property
    def screen(self) -> str:
        return self.menu.visible_text or ""

    def labels(self) -> list[str]:
        return [str(b["text"]) for b in self.menu.buttons]

    def seen_payloads(self) -> set[str]:
        """Every callback payload the bot ever put under this person's messages."""
        found = set()
        for call in self.refleks.api.calls:
            if (
                call.method not in ("sendMessage", "editMessageText")
                or call.chat_id != self.user_id
            ):
                continue
            markup = call.params.get("reply_markup")
            if isinstance(markup, str):
                import json

                markup = json.loads(markup)
            for row in (markup or {}).get("inline_keyboard", []):
                found.update(b["callback_data"] for b in row if "callback_data" in b)
        return found


async def everything(refleks: Refleks) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table but the update log: to show that something changed nothing."""
    tables = {}
    async with refleks.app.uow_factory() as uow:
        for table in Base.metadata.sorted_tables:
            if table.name == "processed_updates":
                continue
            rows = await uow.session.execute(select(table))
            tables[table.name] = sorted(tuple(map(repr, row)) for row in rows)
    return tables


async def test_a_super_admin_sets_up_a_school_from_the_phone(database_url: str) -> None:
    async with running_refleks(
        database_url, oslo(MONDAY, 9), admin_ids=frozenset({SUPER})
    ) as refleks:
        boss = Admin(refleks, SUPER)
        await boss.command("/admin")
        assert NB("admin.home_empty").split("\n")[1] in boss.screen
        await boss.tap(NB("admin.new_org"))
        await boss.type("Nordby skole")
        assert "Nordby skole" in boss.screen
        assert await boss.tap(NB("admin.kind_school")) == NB("admin.org_created")
        assert boss.screen.startswith("Nordby skole\nSkole · Europe/Oslo")
        await boss.tap(NB("admin.new_group"))
        replies = await boss.type("Lærerne")
        assert "Lærerne" in (replies[0].visible_text or "")
        assert boss.screen.startswith("Lærerne · Nordby skole")
        async with refleks.app.uow_factory() as uow:
            org = await uow.orgs.by_slug("nordby-skole")
            assert org.kind is OrgKind.SCHOOL
            group = await uow.groups.find(org.id, "laererne")
            assert group is not None and group.name == "Lærerne"

        await boss.tap(NB("admin.invite_staff"))
        await boss.tap(NB("admin.days", count=30))
        await boss.tap("10")
        found = LINK.search(boss.screen)
        assert found, boss.screen
        assert "Brukt: 0 av 10 · utløper: ons 23.12.2026" in boss.screen
        staff_code = found.group(1)
        await refleks.say(STAFF, f"/start {staff_code}", first_name="Sigrid Ansatt")

        await boss.tap(NB("admin.back"))
        await boss.tap(NB("admin.invite_leader"))
        await boss.tap(NB("admin.no_expiry"))
        await boss.tap(NB("admin.other_number"))
        await boss.type("mange")
        assert boss.screen == NB("admin.ask_number", limit=10_000).replace("\n", "\n")
        await boss.type("2")
        leader_code = LINK.search(boss.screen).group(1)  # type: ignore[union-attr]
        assert "Brukt: 0 av 2 · utløper: aldri" in boss.screen
        await refleks.say(LEADER, f"/start {leader_code}", first_name="Kari Leder")

        await boss.tap(NB("admin.back"))
        assert "Ansatte: 1 · Ledere: 1 (Kari Leder)" in boss.screen
        assert "Sigrid" not in boss.screen  # staff are counted, never named

        await boss.tap(NB("admin.invites_button"))
        assert LINK.findall(boss.screen) == [staff_code, leader_code]
        assert await boss.tap(NB("admin.revoke", number=1, role="ansatt")) == NB("admin.revoked")
        assert LINK.findall(boss.screen) == [leader_code]
        refused = await refleks.say(STRANGER, f"/start {staff_code}")
        assert refused.text == NB("join.revoked")

        await boss.tap(NB("admin.back"))  # the group
        await boss.tap(NB("admin.back"))  # the organisation
        await boss.tap(NB("admin.admins_button"))
        await boss.tap(NB("admin.add_admin"))
        await boss.type("@kari")
        assert boss.screen == NB("admin.ask_admin_id")  # asked again, nothing saved
        replies = await boss.type(str(ORG_ADMIN))
        assert replies[0].text == NB("admin.admin_added")
        assert f"{ORG_ADMIN} ({ORG_ADMIN})" in boss.screen
        appointed = Admin(refleks, ORG_ADMIN)
        await appointed.command("/admin")
        assert appointed.labels() == ["Nordby skole"]  # theirs, and no "new organisation"

        await boss.tap(NB("admin.back"))
        await boss.tap(NB("admin.breaks_button"))
        await boss.tap(NB("admin.add_break"))
        await boss.type("Juleferie")
        assert "november 2026" in boss.labels()
        assert "·" in boss.labels()[9:20]  # the days before today cannot be picked
        await boss.tap("›")
        await boss.tap("21")
        assert "Juleferie fra man 21.12.2026" in boss.screen
        await boss.tap("›")
        assert await boss.tap("1") == NB("admin.break_added")
        assert "Juleferie: man 21.12.2026 – fre 01.01.2027" in boss.screen
        async with refleks.app.uow_factory() as uow:
            org = await uow.orgs.by_slug("nordby-skole")
        assert [(b.name, b.days.start, b.days.end) for b in org.breaks] == [
            ("Juleferie", date(2026, 12, 21), date(2027, 1, 1))
        ]
        assert await boss.tap(NB("admin.remove_break", name="Juleferie")) == NB(
            "admin.break_removed"
        )

        await boss.tap(NB("admin.back"))
        await boss.tap(NB("admin.admins_button"))
        assert await boss.tap(NB("admin.remove_admin", name=str(ORG_ADMIN))) == NB(
            "admin.admin_removed"
        )
        replies = await appointed.command("/admin")
        assert replies[0].text == NB("admin.not_allowed")

        await boss.tap(NB("admin.back"))
        await boss.tap(NB("admin.new_group"))
        replies = await boss.command("/cancel")
        assert replies[0].text == NB("admin.cancelled")
        await boss.type("Ikke en gruppe")  # no longer an answer to anything
        async with refleks.app.uow_factory() as uow:
            org = await uow.orgs.by_slug("nordby-skole")
            assert [g.slug for g in await uow.groups.of_org(org.id)] == ["laererne"]
            assert org.breaks == ()


async def seed(
    refleks: Refleks, *, slug: str = "nordby", admins: tuple[int, ...] = ()
) -> dict[str, str]:
    """A school with one group, its admins, and a staff member and a leader who joined."""
    now = datetime.now(UTC)
    async with refleks.app.uow_factory() as uow:
        org, _ = await admin.add_org(
            uow, slug, f"{slug.title()} skole", OrgKind.SCHOOL, "Europe/Oslo"
        )
        await admin.add_group(uow, f"{slug}/laerere", "Lærerne")
        for admin_id in admins:
            await uow.orgs.add_admin(org.id, admin_id)
        staff = await admin.make_invite(uow, f"{slug}/laerere", Role.STAFF, now)
        leader = await admin.make_invite(uow, f"{slug}/laerere", Role.LEADER, now)
        await uow.commit()
    refleks.invites = {"staff": staff.code, "leader": leader.code}
    return refleks.invites


def step_lines(text: str) -> list[tuple[int, str, str]]:
    return [
        (int(m.group(1)), m.group(2), m.group(3))
        for line in text.splitlines()
        if (m := STEP_LINE.match(line))
    ]


def summary_lines(text: str) -> list[tuple[str, str]]:
    return [
        (m.group(1), m.group(2)) for line in text.splitlines() if (m := SUMMARY_LINE.search(line))
    ]


async def sent_steps(refleks: Refleks, chat_id: int) -> list[tuple[str, datetime]]:
    """The steps a member got, oldest first, with the local minute each was sent in (the engine
    dates a send by the tick's clock plus the moments the sending itself took)."""
    async with refleks.app.uow_factory() as uow:
        member = await uow.members.find(chat_id)
        assert member is not None
        steps = await uow.deliveries.steps_of_member(member.id)
    sent = [
        (d.step_id or "", local_datetime(d.sent_at, "Europe/Oslo").replace(second=0, microsecond=0))
        for d in steps
        if d.sent_at
    ]
    return sorted(sent, key=lambda pair: pair[1])


async def test_an_admin_schedules_a_rollout_with_a_preview_and_steers_it(
    database_url: str,
) -> None:
    async with running_refleks(database_url, oslo(MONDAY, 9)) as refleks:
        await seed(refleks, admins=(ORG_ADMIN,))
        await refleks.join(STAFF)
        boss = Admin(refleks, ORG_ADMIN)
        await boss.command("/admin")
        await boss.tap("Nordby skole")
        await boss.tap("Lærerne")
        assert NB("admin.no_rollouts") in boss.screen
        await boss.tap(NB("admin.schedule_button"))
        await boss.tap("Trygt og godt skolemiljø")
        assert await boss.tap(NB("admin.next")) == NB("admin.choose_one")  # no module yet
        assert boss.menu.text == NB("admin.ask_modules", package="Trygt og godt skolemiljø")
        await boss.tap("0 · Introduksjon")
        await boss.tap("1 · Hvem er vi?")
        await boss.tap("✅ 1 · Hvem er vi?")  # changed my mind
        assert [label for label in boss.labels() if label.startswith("✅")] == [
            "✅ 0 · Introduksjon"
        ]
        await boss.tap(NB("admin.next"))
        await boss.tap("›")
        await boss.tap("‹")
        await boss.tap("30")  # Monday 30 November
        assert [label for label in boss.labels() if label.startswith("✅")] == [
            "✅ man",
            "✅ tir",
            "✅ ons",
            "✅ tor",
            "✅ fre",
        ]
        await boss.tap("✅ fre")
        await boss.tap(NB("admin.next"))
        await boss.tap(NB("admin.other_time"))
        assert (await boss.type("25:00"))[0].text == NB("admin.time_invalid")
        await boss.type("07:50")
        shown = boss.screen
        expected = preview(
            6, date(2026, 11, 30), frozenset({0, 1, 2, 3}), time(7, 50), "Europe/Oslo", ClosedDays()
        )
        assert step_lines(shown) == [
            (s.index + 1, f"{s.local:%d.%m.%Y}", "07:50") for s in expected.steps if s.local
        ]
        assert [day for _, day, _ in step_lines(shown)] == [
            "30.11.2026",
            "01.12.2026",
            "02.12.2026",
            "03.12.2026",
            "07.12.2026",
            "08.12.2026",
        ]
        assert summary_lines(shown) == [("04.12.2026", "14:00"), ("11.12.2026", "14:00")]
        assert await boss.tap(NB("admin.save")) == NB("admin.saved")
        assert "Status: aktiv" in boss.screen and "man-tor kl. 07:50" in boss.screen
        async with refleks.app.uow_factory() as uow:
            [rollout] = await uow.rollouts.live()
        assert (rollout.modules, rollout.start, rollout.weekdays, rollout.send_time) == (
            (0,),
            date(2026, 11, 30),
            frozenset({0, 1, 2, 3}),
            time(7, 50),
        )

        await refleks.tick(oslo(date(2026, 11, 30), 7, 50))
        await refleks.tick(oslo(date(2026, 12, 1), 7, 50))
        refleks.clock.now = oslo(date(2026, 12, 1), 12)
        assert await boss.tap(NB("admin.pause")) == NB("admin.paused")
        assert "Status: på pause" in boss.screen
        for day in (2, 3, 7):
            await refleks.tick(oslo(date(2026, 12, day), 7, 50))
        assert len(await sent_steps(refleks, STAFF)) == 2
        refleks.clock.now = oslo(date(2026, 12, 8), 7)
        assert await boss.tap(NB("admin.resume")) == NB("admin.resumed")
        assert "Neste: steg 3, tir 08.12.2026 07:50" in boss.screen
        await refleks.tick(oslo(date(2026, 12, 8), 7, 50))

        await boss.tap(NB("admin.move"))  # the rollout has started: the next steps move
        await boss.tap("14")
        assert boss.screen == NB("admin.ask_time_started")
        await boss.tap("08:30")
        shown = boss.screen
        assert [(n, day) for n, day, _ in step_lines(shown)] == [
            (1, "30.11.2026"),
            (2, "01.12.2026"),
            (3, "08.12.2026"),
            (4, "14.12.2026"),
            (5, "15.12.2026"),
            (6, "16.12.2026"),
        ]
        assert shown.count("✓ ") == 3
        await boss.tap(NB("admin.save"))
        for day in (9, 10, 14, 15):
            await refleks.tick(oslo(date(2026, 12, day), 8, 30))
        assert [moment for _, moment in await sent_steps(refleks, STAFF)] == [
            datetime(2026, 11, 30, 7, 50),
            datetime(2026, 12, 1, 7, 50),
            datetime(2026, 12, 8, 7, 50),
            datetime(2026, 12, 14, 8, 30),
            datetime(2026, 12, 15, 8, 30),
        ]

        await boss.tap(NB("admin.show_plan"))
        assert step_lines(boss.screen)[-1] == (6, "16.12.2026", "08:30")
        await boss.tap(NB("admin.back"))
        await boss.tap(NB("admin.back"))
        assert NB("admin.deliveries", sent=5, waiting=0, failed=0) in boss.screen
        await boss.tap("Trygt og godt skolemiljø 0 · aktiv")
        await boss.tap(NB("admin.cancel_rollout"))
        await boss.tap(NB("admin.confirm_cancel_no"))
        await boss.tap(NB("admin.cancel_rollout"))
        assert await boss.tap(NB("admin.confirm_cancel_yes")) == NB("admin.cancelled_rollout")
        await refleks.tick(oslo(date(2026, 12, 16), 8, 30))
        assert len(await sent_steps(refleks, STAFF)) == 5
        async with refleks.app.uow_factory() as uow:
            assert (await uow.rollouts.get(rollout.id)).status is RolloutStatus.CANCELLED


def a_few_of_each(payloads: set[str], each: int = 3) -> set[str]:
    """Up to `each` payloads of every kind of button (every calendar day is one kind)."""
    kinds: dict[str, list[str]] = {}
    for payload in sorted(payloads):
        parts = payload.split(":")
        kind = (
            f"{parts[0]}:{parts[2]}:{bool(parts[4])}" if parts[0] == "ac" else ":".join(parts[:2])
        )
        kinds.setdefault(kind, []).append(payload)
    return {payload for found in kinds.values() for payload in found[:each]}


def not_for(org_id: int, payloads: set[str]) -> set[str]:
    """The payloads that act on another organisation than `org_id` (or create one)."""
    kept = set()
    for payload in payloads:
        prefix = payload.split(":")[0]
        kinds = (AdminOrg, AdminGroup, AdminRollout, AdminDraft, AdminCalendar)
        kind = next((k for k in kinds if k.__prefix__ == prefix), None)
        if kind is not None and kind.unpack(payload).org == org_id:
            continue
        if payload == AdminHome(do="home").pack():
            continue  # every admin has a home: theirs
        kept.add(payload)
    return kept


async def test_nobody_but_the_organisations_admins_gets_past_an_admin_button(
    database_url: str,
) -> None:
    async with running_refleks(
        database_url, oslo(MONDAY, 9), admin_ids=frozenset({SUPER})
    ) as refleks:
        await seed(refleks, slug="bergby", admins=(OTHER_ADMIN,))
        await seed(refleks, slug="nordby")
        async with refleks.app.uow_factory() as uow:
            packages = {
                p.id: tuple(m.number for m in p.modules) for p in refleks.app.catalogue.values()
            }
            request = admin.RolloutRequest(
                "nordby/laerere",
                "skolemiljo",
                (0,),
                date(2026, 11, 30),
                frozenset(range(5)),
                time(8),
            )
            await admin.add_rollout(uow, request, packages)
            org = await uow.orgs.by_slug("nordby")
            await uow.orgs.add_admin(org.id, ORG_ADMIN)
            await uow.commit()
        staff_hello = await refleks.join(STAFF)
        leader_hello = await refleks.join(LEADER, "leader")

        # The super-admin walks through every screen of Nordby, so that every kind of button
        # (with Nordby's ids in it) has been shown to someone.
        boss = Admin(refleks, SUPER)
        await boss.command("/admin")
        back = NB("admin.back")
        for label in ("Nordby skole", NB("admin.admins_button"), back):
            await boss.tap(label)
        await boss.tap(NB("admin.breaks_button"))
        await boss.tap(NB("admin.add_break"))
        await boss.type("Vinterferie")
        walk = ["›", "1", "5", back, "Lærerne", NB("admin.invites_button"), back]
        walk += [NB("admin.invite_staff"), NB("admin.days", count=7), back]
        walk += [NB("admin.schedule_button"), "Trygt og godt skolemiljø"]
        walk += ["2 · Mestring og utvikling", NB("admin.next"), "30", "✅ ons", NB("admin.next")]
        walk += ["08:15", NB("admin.leave_wizard"), "Trygt og godt skolemiljø 0 · aktiv"]
        walk += [NB("admin.cancel_rollout"), NB("admin.confirm_cancel_no"), NB("admin.move")]
        walk += ["30", "✅ man", NB("admin.next"), "07:30"]
        for label in walk:
            await boss.tap(label)
        payloads = a_few_of_each(boss.seen_payloads() - {"noop"})
        prefixes = {payload.split(":")[0] for payload in payloads}
        assert prefixes == {"ah", "ao", "ag", "ar", "aw", "ac"}

        async with refleks.app.uow_factory() as uow:
            nordby, bergby = await uow.orgs.by_slug("nordby"), await uow.orgs.by_slug("bergby")
            group = await uow.groups.find(nordby.id, "laerere")
            [rollout] = await uow.rollouts.live()
            [invite, *_] = await uow.invites.of_group(group.id)  # type: ignore[union-attr]
        assert group is not None
        other = Admin(refleks, OTHER_ADMIN)
        await other.command("/admin")
        assert other.labels() == ["Bergby skole"]  # and not Nordby, nor "new organisation"
        # Nordby's things under Bergby's id: the organisation checks out, the things do not.
        crafted = {
            AdminGroup(do="rev", org=bergby.id, group=group.id, value=invite.code).pack(),
            AdminGroup(do="plan", org=bergby.id, group=group.id).pack(),
            AdminGroup(do="invn", org=bergby.id, group=group.id, value="s.7.5").pack(),
            AdminRollout(do="cancelok", org=bergby.id, rollout=rollout.id).pack(),
            AdminRollout(do="pause", org=bergby.id, rollout=rollout.id).pack(),
            AdminCalendar(org=nordby.id, purpose="f", day="2027-02-01").pack(),
            AdminHome(do="kind", value="school").pack(),
            "ag:rev:not-a-number",
        }
        before = await everything(refleks)
        for presser, message, tried in (
            (STAFF, staff_hello, payloads | crafted),
            (LEADER, leader_hello, payloads | crafted),
            (OTHER_ADMIN, other.menu, not_for(bergby.id, payloads) | crafted),
        ):
            for payload in sorted(tried):
                toast = await refleks.callback(presser, message.message_id, payload)
                assert toast == NB("admin.not_allowed"), (presser, payload)
            assert (await Admin(refleks, presser).type("Bergby 2"))[0].text != NB(
                "admin.group_created"
            )
        staff_admin = await Admin(refleks, STAFF).command("/admin")
        assert staff_admin[0].text == NB("admin.not_allowed")
        assert await everything(refleks) == before
        assert len(payloads) > 30
        assert max(len(p.encode()) for p in payloads | crafted) <= 64


async def tap_and_read(admin_: Admin, label: str) -> list[str]:
    """Taps, and returns the text of every message the bot sent or rewrote for it."""
    since = admin_.refleks.api.call_count
    await admin_.tap(label)
    return [
        visible_text(str(call.params["text"]))
        for call in admin_.refleks.api.calls[since:]
        if call.method in ("sendMessage", "editMessageText") and call.chat_id == admin_.user_id
    ]


async def test_a_second_rollout_queues_after_the_first_and_moves_before_it_starts(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(admin_views, "MESSAGE_LIMIT", 1000)  # a long preview, in parts
    async with running_refleks(database_url, oslo(MONDAY, 9)) as refleks:
        await seed(refleks, admins=(ORG_ADMIN,))
        packages = {
            p.id: tuple(m.number for m in p.modules) for p in refleks.app.catalogue.values()
        }
        async with refleks.app.uow_factory() as uow:
            first = admin.RolloutRequest(
                "nordby/laerere",
                "skolemiljo",
                (0,),
                date(2026, 11, 30),
                frozenset(range(5)),
                time(8),
            )
            await admin.add_rollout(uow, first, packages)
            await uow.commit()
        boss = Admin(refleks, ORG_ADMIN)
        await boss.command("/admin")
        walk = ["Nordby skole", "Lærerne", NB("admin.schedule_button"), "Trygt og godt skolemiljø"]
        for label in walk:
            await boss.tap(label)
        for label in [b for b in boss.labels() if b[0].isdigit() and not b.startswith("0 ")]:
            await boss.tap(label)
        for label in (NB("admin.next"), "›", "‹", "30", NB("admin.next")):
            await boss.tap(label)
        parts = await tap_and_read(boss, "08:00")
        assert len(parts) > 1 and all(len(part) <= 1000 for part in parts)
        steps = step_lines("\n".join(parts))
        assert [n for n, _, _ in steps] == list(range(1, 39))  # modules 1-6: none lost at a cut
        assert steps[0][1] == "08.12.2026"  # after the first rollout's last step, 07.12
        assert await boss.tap(NB("admin.save")) == NB("admin.saved")  # under the last part
        assert "Neste: steg 1, tir 08.12.2026 08:00" in boss.screen

        for label in (NB("admin.move"), "›", "14", "✅ man", "✅ ons", "✅ fre", NB("admin.next")):
            await boss.tap(label)
        steps = step_lines("\n".join(await tap_and_read(boss, "09:00")))
        assert steps[:3] == [
            (1, "15.12.2026", "09:00"),
            (2, "17.12.2026", "09:00"),
            (3, "22.12.2026", "09:00"),
        ]
        await boss.tap(NB("admin.save"))
        async with refleks.app.uow_factory() as uow:
            _, second = await uow.rollouts.live()
        assert (second.start, second.weekdays, second.send_time, second.pauses) == (
            date(2026, 12, 14),
            frozenset({1, 3}),
            time(9),
            (),
        )


async def test_a_typed_answer_is_refused_once_the_writer_is_no_admin_any_more(
    database_url: str,
) -> None:
    """Rights checked when the prompt was shown are checked again when the answer arrives:
    someone removed as admin meanwhile changes nothing with what they type."""
    async with running_refleks(
        database_url, oslo(MONDAY, 9), admin_ids=frozenset({SUPER})
    ) as refleks:
        await seed(refleks, admins=(ORG_ADMIN,))
        async with refleks.app.uow_factory() as uow:
            nordby = await uow.orgs.by_slug("nordby")

        async def set_admin(appointed: bool) -> None:
            async with refleks.app.uow_factory() as uow:
                if appointed:
                    await uow.orgs.add_admin(nordby.id, ORG_ADMIN)
                else:
                    await uow.orgs.remove_admin(nordby.id, ORG_ADMIN)
                await uow.commit()

        org, group, back = "Nordby skole", "Lærerne", NB("admin.next")
        plan = [group, NB("admin.schedule_button"), "Trygt og godt skolemiljø", "0 · Introduksjon"]
        prompts = {  # the taps to each question an admin answers by typing, and an answer
            "group name": ([org, NB("admin.new_group")], "Assistentene"),
            "admin id": ([org, NB("admin.admins_button"), NB("admin.add_admin")], "42"),
            "break name": ([org, NB("admin.breaks_button"), NB("admin.add_break")], "Ferie"),
            "invite uses": (
                [
                    org,
                    group,
                    NB("admin.invite_staff"),
                    NB("admin.no_expiry"),
                    NB("admin.other_number"),
                ],
                "5",
            ),
            "send time": ([org, *plan, back, "30", back, NB("admin.other_time")], "07:50"),
        }
        boss = Admin(refleks, ORG_ADMIN)
        for what, (taps, answer) in prompts.items():
            await boss.command("/admin")
            for label in taps:
                await boss.tap(label)
            before = await everything(refleks)
            await set_admin(False)
            replies = await boss.type(answer)
            assert [r.text for r in replies] == [NB("admin.not_allowed")], what
            await set_admin(True)
            await boss.type(answer)  # the question was closed: no longer an answer to it
            assert await everything(refleks) == before, what

        # A new organisation's name, from someone who is no super-admin (any more: ADMIN_IDS
        # changed at a restart, and the question was kept in Redis)
        asking = refleks.app.dispatcher.fsm.get_context(refleks.app.bot, ORG_ADMIN, ORG_ADMIN)
        await asking.set_state(AdminInput.org_name)
        before = await everything(refleks)
        assert [r.text for r in await boss.type("Sørby skole")] == [NB("admin.not_allowed")]
        assert await asking.get_state() is None
        assert await everything(refleks) == before


async def test_a_new_organisation_gets_the_deployments_zone_and_the_bot_it_was_made_in(
    database_url: str,
) -> None:
    more_token = "777000111:LOCAL-vestby-municipality-bot-token"
    async with running_refleks(
        database_url,
        oslo(MONDAY, 9),
        admin_ids=frozenset({SUPER}),
        timezone="Europe/Helsinki",
        more_bots={more_token: "vestby_refleks_bot"},
    ) as refleks:
        for where, name in (
            (refleks, "Nordby skole"),
            (refleks.on_bot(more_token), "Vestby skule"),
        ):
            boss = Admin(where, SUPER)
            await boss.command("/admin")
            await boss.tap(NB("admin.new_org"))
            await boss.type(name)
            assert await boss.tap(NB("admin.kind_school")) == NB("admin.org_created")
            assert boss.screen.startswith(f"{name}\nSkole · Europe/Helsinki")
        async with refleks.app.uow_factory() as uow:
            made = {org.name: (org.timezone, org.bot_id) for org in await uow.orgs.all()}
        assert made == {
            "Nordby skole": ("Europe/Helsinki", None),  # the default bot
            "Vestby skule": ("Europe/Helsinki", int(more_token.split(":")[0])),
        }


async def test_an_admin_sets_the_written_standard_its_staff_then_read(database_url: str) -> None:
    async with running_refleks(
        database_url, oslo(MONDAY, 9), admin_ids=frozenset({SUPER})
    ) as refleks:
        boss = Admin(refleks, SUPER)
        await boss.command("/admin")
        await boss.tap(NB("admin.new_org"))
        await boss.type("Vik skule")
        await boss.tap(NB("admin.kind_school"))
        standard = NB("admin.org_language", language=NB("admin.language_telegram"))
        assert standard in boss.screen  # a new organisation: each member's Telegram language
        assert await boss.tap("Nynorsk") == NB("admin.language_set")
        assert NB("admin.org_language", language="Nynorsk") in boss.screen
        assert "✅ Nynorsk" in boss.labels()
        async with refleks.app.uow_factory() as uow:
            org = await uow.orgs.by_slug("vik-skule")
            assert org.language == "nn"
            await admin.add_group(uow, "vik-skule/laerarar", "Lærarane")
            invite = await admin.make_invite(
                uow, "vik-skule/laerarar", Role.STAFF, datetime.now(UTC)
            )
            await uow.commit()
        welcome = await refleks.say(STAFF, f"/start {invite.code}", language_code="nb")
        assert welcome.text == Texts("nn")("join.welcome", group="Lærarane", org="Vik skule")
        await boss.tap(NB("admin.language_telegram"))
        async with refleks.app.uow_factory() as uow:
            assert (await uow.orgs.by_slug("vik-skule")).language is None
