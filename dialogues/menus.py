"""Telegram's command menu. Everyone gets the staff commands (the default scope, one menu per
language); a leader or a super-admin gets a menu of their own (a chat scope), in their language,
with their commands too. A chat's own menu replaces the default one, so it repeats the staff
commands."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat

from dialogues.i18n import Texts

log = logging.getLogger(__name__)

STAFF_COMMANDS = (
    "today",
    "progress",
    "pause",
    "resume",
    "time",
    "language",
    "privacy",
    "concern",  # shown as /bekymring in Norwegian; both work in every language
    "mydata",
    "leave",
    "forget",
    "help",
)


def staff_menu(texts: Texts) -> list[BotCommand]:
    return [
        BotCommand(command=command, description=texts(f"command.{key}"))
        for command, key in zip(menu_commands(texts.language), STAFF_COMMANDS, strict=True)
    ]


def menu_commands(language: str) -> list[str]:
    """The staff commands as the menu spells them in `language`: /bekymring in Norwegian."""
    norwegian = language != "en"
    return [
        "bekymring" if command == "concern" and norwegian else command for command in STAFF_COMMANDS
    ]


def leader_commands(texts: Texts) -> list[BotCommand]:
    """What dialogues/leader.py answers in a private chat (/unlinkchat belongs in a group)."""
    return [
        BotCommand(command="summary", description=texts("command.summary")),
        BotCommand(command="export", description=texts("command.export")),
        BotCommand(command="note", description=texts("command.note")),
        BotCommand(command="linkchat", description=texts("command.linkchat")),
    ]


def personal_menu(texts: Texts, *, leader: bool, admin: bool) -> list[BotCommand]:
    menu = staff_menu(texts)
    if leader:
        menu += leader_commands(texts)
    if admin:
        menu.append(BotCommand(command="admin", description=texts("command.admin")))
    return menu


async def set_personal_menu(
    bot: Bot, chat_id: int, language: str | None, *, leader: bool, admin: bool
) -> bool:
    """The person's own menu in the bot they use; False if Telegram refused it (someone who
    blocked the bot, say), which costs them only the menu."""
    menu = personal_menu(Texts(language or ""), leader=leader, admin=admin)
    try:
        await bot.set_my_commands(menu, scope=BotCommandScopeChat(chat_id=chat_id))
    except TelegramAPIError as error:
        log.warning("no command menu for a chat: %s", type(error).__name__)
        return False
    return True
