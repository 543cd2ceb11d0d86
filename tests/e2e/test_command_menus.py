"""Leaders find their commands in Telegram's menu: in their own language, in the bot that
serves their organisation, whether they led a group before the bot started or join as leader
while it runs. Staff keep the menu everyone has."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.command_menus import register_commands
from bot.local_api.records import JsonDict
from dialogues.i18n import Texts
from dialogues.menus import STAFF_COMMANDS, menu_commands
from domain.model import OrgKind, Role
from services import admin
from services.joining import join
from tests.support.harness import Refleks, oslo, running_refleks, seed_school

MONDAY = date(2026, 11, 23)
VESTBY_TOKEN = "777000111:LOCAL-vestby-municipality-bot-token"
KARI, LARS, ANNE, SUPER = 3001, 3002, 3003, 9000
LEADER_COMMANDS = ["summary", "export", "note", "linkchat"]


def own_menu(refleks: Refleks, chat_id: int) -> list[JsonDict]:
    """The menu this bot set for this one chat ([]: the chat sees the default menu)."""
    return refleks.api.commands(scope={"type": "chat", "chat_id": chat_id})


def names(menu: list[JsonDict]) -> list[str]:
    return [str(command["command"]) for command in menu]


async def test_leaders_get_their_commands_in_their_language_from_their_own_bot(
    database_url: str,
) -> None:
    async with running_refleks(
        database_url,
        oslo(MONDAY, 9),
        admin_ids=frozenset({SUPER}),
        more_bots={VESTBY_TOKEN: "vestby_refleks_bot"},
    ) as nordby:
        vestby = nordby.on_bot(VESTBY_TOKEN)
        nordby.invites = await seed_school(nordby.app, start=MONDAY)
        async with nordby.app.uow_factory() as uow:  # Vestby skule, served by its own bot
            org, _ = await admin.add_org(uow, "vestby", "Vestby skule", OrgKind.SCHOOL, "UTC")
            await uow.orgs.set_bot(org.id, int(VESTBY_TOKEN.split(":")[0]))
            await admin.add_group(uow, "vestby/personalet", "Personalet")
            now = datetime.now(UTC)
            leader = await admin.make_invite(uow, "vestby/personalet", Role.LEADER, now)
            await uow.commit()
            # Kari has led Nordby's group since before this start (no bot saw her join)
            await join(uow, nordby.invites["leader"], KARI, now, telegram_language="nn")

        await register_commands(nordby.app)
        kari = own_menu(nordby, KARI)
        assert names(kari) == [*menu_commands("nn"), *LEADER_COMMANDS]
        assert kari[-1]["description"] == Texts("nn")("command.linkchat")
        assert own_menu(vestby, KARI) == []  # Vestby's bot never talks to her
        assert names(own_menu(nordby, SUPER)) == [*menu_commands("nb"), "admin"]

        # Lars joins Vestby's group as leader while the bot runs, with Telegram in English
        await vestby.say(LARS, f"/start {leader.code}", language_code="en")
        lars = own_menu(vestby, LARS)
        assert names(lars) == [*menu_commands("en"), *LEADER_COMMANDS]
        assert lars[STAFF_COMMANDS.index("help")]["description"] == Texts("en")("command.help")
        assert lars[-4]["description"] == Texts("en")("command.summary")
        assert own_menu(nordby, LARS) == []

        await nordby.join(ANNE)  # staff: the menu everyone has
        assert own_menu(nordby, ANNE) == []
        await nordby.join(SUPER, "leader")  # a super-admin who also leads: one menu with both
        assert names(own_menu(nordby, SUPER)) == [*menu_commands("nb"), *LEADER_COMMANDS, "admin"]
