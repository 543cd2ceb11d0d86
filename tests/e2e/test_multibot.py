"""Several bots in one process, one token per municipality (Telegram's send limit is per bot):
each organisation's members join, get their steps and answer through its own bot, never the
other. Both bots run on one local Bot API server, which, like Telegram, refuses a bot that
writes first to someone who never wrote to it."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from datetime import UTC, date, datetime, time
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot.app import App, ManualClock, build_app
from bot.config import Settings
from bot.local_api import DEFAULT_TOKEN, LocalBotAPI, SentMessage
from bot.local_api.pushes import Sender
from bot.webhook import WEBHOOK_PATH, make_web_app
from dialogues.i18n import Texts
from domain.invites import InviteProblem
from domain.model import OrgKind, Role
from domain.schedule_text import parse_modules, parse_weekdays
from services import admin
from services.joining import join
from storage.db import make_engine, make_sessions
from storage.models import AnswerRow
from storage.uow import UnitOfWorkFactory
from tests.support.harness import Refleks, oslo, running_refleks, seed_school

NB = Texts("nb")
MONDAY = date(2026, 11, 23)
VESTBY_TOKEN = "777000111:LOCAL-vestby-municipality-bot-token"
VESTBY_BOT = "vestby_refleks_bot"
DEFAULT_BOT = "refleks_demo_bot"
ANNE, BJORN = 2001, 2002  # Nordby skole: the default bot
KARI, LARS = 3001, 3002  # Vestby skule: Vestby's own bot
OLA = 4001  # opens a link in the wrong bot
SUPER = 9000
SECRET = "only-telegram-knows-this"
HEADER = "X-Telegram-Bot-Api-Secret-Token"


async def seed_vestby(app: App, *, start: date) -> dict[str, str]:
    """Vestby skule, served by Vestby's own bot, with a rollout like Nordby's."""
    packages = {p.id: tuple(m.number for m in p.modules) for p in app.catalogue.values()}
    bots = admin.KnownBots(app.bot.id, frozenset(app.bots) - {app.bot.id})
    now = datetime.now(UTC)
    async with app.uow_factory() as uow:
        org, _ = await admin.add_org(uow, "vestby", "Vestby skule", OrgKind.SCHOOL, "Europe/Oslo")
        await admin.set_org_bot(uow, org, int(VESTBY_TOKEN.split(":")[0]), bots)
        await admin.add_group(uow, "vestby/personalet", "Personalet")
        request = admin.RolloutRequest(
            "vestby/personalet",
            "skolemiljo",
            parse_modules("0"),
            start,
            parse_weekdays("mon-fri"),
            time(8),
        )
        await admin.add_rollout(uow, request, packages)
        staff = await admin.make_invite(uow, "vestby/personalet", Role.STAFF, now)
        await uow.commit()
    return {"staff": staff.code}


def answer_buttons(message: SentMessage) -> list[str]:
    return [
        str(b["text"]) for b in message.buttons if str(b.get("callback_data", "")).startswith("a:")
    ]


def steps(refleks: Refleks, user: int) -> list[SentMessage]:
    """The steps a member got from this bot (a step is the message with answer buttons)."""
    return [m for m in refleks.messages(user) if answer_buttons(m)]


async def test_each_organisations_members_get_their_steps_from_its_own_bot_only_and_once(
    database_url: str,
) -> None:
    async with running_refleks(
        database_url, oslo(MONDAY, 7), more_bots={VESTBY_TOKEN: VESTBY_BOT}
    ) as nordby:
        vestby = nordby.on_bot(VESTBY_TOKEN)
        assert nordby.api.refuses_strangers and vestby.api.refuses_strangers  # as Telegram
        nordby.invites = await seed_school(nordby.app, start=MONDAY)
        vestby.invites = await seed_vestby(nordby.app, start=MONDAY)
        for user in (ANNE, BJORN):
            welcome = await nordby.join(user)
            assert "Nordby skole" in (welcome.text or "")
        for user in (KARI, LARS):
            welcome = await vestby.join(user)  # handled although it came to the other bot
            assert "Vestby skule" in (welcome.text or "")

        report = await nordby.tick(oslo(MONDAY, 8))
        assert report.sent.sent == 4 and report.sent.blocked == 0
        again = await nordby.tick(oslo(MONDAY, 8, 1))
        assert again.sent.sent == 0

        for own, other, users in ((nordby, vestby, (ANNE, BJORN)), (vestby, nordby, (KARI, LARS))):
            for user in users:
                assert len(steps(own, user)) == 1, [m.visible_text for m in own.messages(user)]
                assert other.messages(user) == []  # the other bot never wrote to them

        # Kari answers in Vestby's bot: the answer is taken there, and stored.
        step = steps(vestby, KARI)[0]
        toast = await vestby.press(KARI, answer_buttons(step)[0], message_id=step.message_id)
        assert toast
        async with nordby.app.uow_factory() as uow:
            stored = await uow.session.scalar(select(func.count()).select_from(AnswerRow))
        assert stored == 1
        assert nordby.api.calls_to("answerCallbackQuery") == []
        assert nordby.messages(KARI) == []


async def test_an_invite_opened_in_the_wrong_bot_names_the_right_one_and_joins_nothing(
    database_url: str,
) -> None:
    async with running_refleks(
        database_url, oslo(MONDAY, 7), more_bots={VESTBY_TOKEN: VESTBY_BOT}
    ) as nordby:
        vestby = nordby.on_bot(VESTBY_TOKEN)
        nordby.invites = await seed_school(nordby.app, start=MONDAY)
        vestby.invites = await seed_vestby(nordby.app, start=MONDAY)
        code = vestby.invites["staff"]

        reply = await nordby.say(OLA, f"/start {code}")
        assert f"@{VESTBY_BOT}" in (reply.text or "")
        assert f"https://t.me/{VESTBY_BOT}?start={code}" in (reply.text or "")
        assert "Vestby skule" in (reply.text or "")
        async with nordby.app.uow_factory() as uow:
            assert await uow.members.find(OLA) is None

        back = await vestby.say(OLA, f"/start {nordby.invites['staff']}")
        assert f"@{DEFAULT_BOT}" in (back.text or "")
        async with nordby.app.uow_factory() as uow:
            assert await uow.members.find(OLA) is None

        welcome = await vestby.say(OLA, f"/start {code}")  # the right bot: in
        assert "Vestby skule" in (welcome.text or "")
        assert f"@{DEFAULT_BOT}" not in (welcome.text or "")


LINK = re.compile(r"https://t\.me/(\w+)\?start=([A-Za-z0-9_-]+)")


async def test_the_admin_dialogue_shows_invite_links_to_the_organisations_own_bot(
    database_url: str,
) -> None:
    async with running_refleks(
        database_url,
        oslo(MONDAY, 9),
        more_bots={VESTBY_TOKEN: VESTBY_BOT},
        admin_ids=frozenset({SUPER}),
    ) as nordby:
        vestby = nordby.on_bot(VESTBY_TOKEN)
        await seed_school(nordby.app, start=MONDAY)
        await seed_vestby(nordby.app, start=MONDAY)
        await nordby.say(SUPER, "/admin")  # in the default bot
        await nordby.press(SUPER, "Vestby skule")
        await nordby.press(SUPER, "Personalet")
        await nordby.press(SUPER, NB("admin.invite_staff"))
        await nordby.press(SUPER, NB("admin.days", count=30))
        await nordby.press(SUPER, "10")
        screen = [m for m in nordby.messages(SUPER) if m.buttons][-1].visible_text or ""
        found = LINK.search(screen)
        assert found, screen
        assert found.group(1) == VESTBY_BOT
        welcome = await vestby.say(KARI, f"/start {found.group(2)}")
        assert "Vestby skule" in (welcome.text or "")


async def test_the_webhook_hands_each_bots_path_to_that_bot(database_url: str) -> None:
    async with LocalBotAPI() as api:
        vestby_api = api.add_bot(VESTBY_TOKEN, username=VESTBY_BOT)
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            bot_token=DEFAULT_TOKEN,
            more_bot_tokens=VESTBY_TOKEN,  # type: ignore[arg-type]
            telegram_api_url=api.base_url,
            database_url=database_url,
            webhook_secret=SECRET,
        )
        app = await build_app(settings, clock=ManualClock(oslo(MONDAY, 7)))
        try:
            await seed_school(app, start=MONDAY)
            invites = await seed_vestby(app, start=MONDAY)
            vestby_id = int(VESTBY_TOKEN.split(":")[0])
            async with TestClient(TestServer(make_web_app(app, SECRET))) as client:

                def start(on: LocalBotAPI, update_id: int, user: int) -> dict[str, object]:
                    text = f"/start {invites['staff']}"
                    message = on.factory.message(Sender(user), on.factory.text(text))
                    return {"update_id": update_id, **message}

                path = f"{WEBHOOK_PATH}/{vestby_id}"
                refused = await client.post(
                    path, json=start(vestby_api, 1, KARI), headers={HEADER: "guess"}
                )
                assert refused.status == 401
                assert vestby_api.sent_messages(KARI) == []

                ok = await client.post(
                    path, json=start(vestby_api, 1, KARI), headers={HEADER: SECRET}
                )
                assert ok.status == 200
                assert "Vestby skule" in (vestby_api.sent_messages(KARI)[0].text or "")
                assert api.sent_messages(KARI) == []

                # The same update id on the default bot's path is another bot's update: handled,
                # and answered by the default bot (with the way to Vestby's bot).
                other = await client.post(
                    WEBHOOK_PATH, json=start(api, 1, LARS), headers={HEADER: SECRET}
                )
                assert other.status == 200
                assert f"@{VESTBY_BOT}" in (api.sent_messages(LARS)[0].text or "")
                assert vestby_api.sent_messages(LARS) == []
        finally:
            await app.close()


ROOT = Path(__file__).resolve().parents[2]
VESTBY_ID = VESTBY_TOKEN.split(":")[0]


async def refleks_cli(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    """The CLI as an operator runs it, in a process of its own (the local server keeps
    answering its getMe meanwhile)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode or 0, out.decode(), err.decode()


async def test_the_cli_gives_an_organisation_its_bot_and_links_invites_to_it(
    database_url: str, tmp_path: Path
) -> None:
    async with LocalBotAPI() as api:
        api.add_bot(VESTBY_TOKEN, username=VESTBY_BOT)
        env = {k: v for k, v in os.environ.items() if k not in ("BOT_USERNAME",)}
        env.update(
            DATABASE_URL=database_url,
            BOT_TOKEN=DEFAULT_TOKEN,
            MORE_BOT_TOKENS=VESTBY_TOKEN,
            TELEGRAM_API_URL=api.base_url,
        )

        async def ok(*args: str) -> list[str]:
            code, out, err = await refleks_cli(env, "admin", *args)
            assert code == 0, err
            return out.strip().splitlines()

        add = ("org", "add", "vestby", "--name", "Vestby skule", "--kind", "school")
        created = await ok(*add, "--bot-id", VESTBY_ID)
        assert created == [
            f"created organisation vestby (school, Europe/Oslo, bot {VESTBY_ID}): Vestby skule"
        ]
        assert (await ok(*add))[0].startswith("unchanged organisation vestby")  # keeps its bot
        await ok("group", "add", "vestby/personalet", "--name", "Personalet")
        link = (await ok("invite", "vestby/personalet", "--role", "staff"))[-1]
        assert link.startswith(f"https://t.me/{VESTBY_BOT}?start=")

        code, _, err = await refleks_cli(env, "admin", "org", "bot", "vestby", "123")
        assert code == 2
        assert "bot 123 is not one of the bots in MORE_BOT_TOKENS" in err

        assert await ok("org", "bot", "vestby", "default") == [
            "updated vestby: served by the default bot"
        ]
        link = (await ok("invite", "vestby/personalet", "--role", "staff"))[-1]
        assert link.startswith(f"https://t.me/{DEFAULT_BOT}?start=")

        engine = make_engine(database_url)
        try:
            async with UnitOfWorkFactory(make_sessions(engine))() as uow:
                joined = await join(uow, link.rsplit("=", 1)[1], KARI, oslo(MONDAY, 7))
                assert not isinstance(joined, InviteProblem)
        finally:
            await engine.dispose()
        code, _, err = await refleks_cli(env, "admin", "org", "bot", "vestby", VESTBY_ID)
        assert code == 2
        assert "1 members who joined" in err  # moving them would cut them off
        assert (await ok("status", "vestby"))[0] == "vestby: Vestby skule (school, Europe/Oslo)"

        plan = tmp_path / "plan.yaml"
        plan.write_text(
            "organisations:\n"
            "  - slug: sorby\n"
            "    name: Sørby skule\n"
            "    kind: school\n"
            f"    bot_id: {VESTBY_ID}\n",
            encoding="utf-8",
        )
        first = await ok("plan", "apply", str(plan))
        assert f"updated bot of sorby: bot {VESTBY_ID}" in first
        second = await ok("plan", "apply", str(plan))
        assert f"unchanged bot of sorby: bot {VESTBY_ID}" in second
        plan.write_text(plan.read_text().replace(VESTBY_ID, "123"), encoding="utf-8")
        code, _, err = await refleks_cli(env, "admin", "plan", "apply", str(plan))
        assert code == 2
        assert f"{plan}:5: bot 123 is not one of the bots" in err
