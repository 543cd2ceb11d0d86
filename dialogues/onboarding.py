"""Joining: `/start CODE` from an invite link, and `/start` alone."""

from __future__ import annotations

from html import escape

from aiogram import Bot, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import Message

from dialogues.bots import invite_link, serving_bot, username
from dialogues.chats import private_only
from dialogues.i18n import Texts
from dialogues.menus import set_personal_menu
from dialogues.turn import Turn
from domain.invites import InviteProblem
from domain.model import Role
from domain.text import without_control_characters
from services import staff
from services.joining import OtherBot, join


async def start_with_invite(
    message: Message,
    command: CommandObject,
    turn: Turn,
    threshold: int,
    bot: Bot,
    bots: dict[int, Bot],
    default_bot_id: int,
    admin_ids: frozenset[int],
) -> None:
    uow, now, texts = turn.uow, turn.now, turn.texts
    user = message.from_user
    assert user is not None
    code = command.args or ""
    joined = await join(
        uow,
        code,
        user.id,
        now,
        telegram_language=user.language_code,
        display_name=without_control_characters(user.full_name).strip() or None,
        served_here=lambda org: serving_bot(bots, default_bot_id, org).id == bot.id,
    )
    if isinstance(joined, InviteProblem):
        await message.answer(texts(f"join.{joined.value}"))
        return
    if isinstance(joined, OtherBot):
        # Only the organisation's own bot may write to its members, and Telegram lets a bot
        # write only to people who wrote to it first: send them there.
        right = serving_bot(bots, default_bot_id, joined.organisation)
        org_name = escape(joined.organisation.name)
        link = await invite_link(right, code)
        await message.answer(
            texts("join.other_bot", org=org_name, bot=await username(right), link=link)
        )
        return
    texts = Texts(joined.member.reads)  # the organisation's standard, now that they are in it
    key = "join.welcome_leader" if joined.role is Role.LEADER else "join.welcome"
    if not joined.new:
        key = "join.already"
    await message.answer(
        texts(key, group=escape(joined.group.name), org=escape(joined.organisation.name))
    )
    if joined.new:
        await message.answer(texts("privacy.body", threshold=threshold))
    if joined.new and joined.role is Role.LEADER:  # their commands in the menu, from now on
        admin = user.id in admin_ids
        await set_personal_menu(bot, user.id, texts.language, leader=True, admin=admin)


async def start_without_invite(message: Message, turn: Turn) -> None:
    uow, member, texts = turn.uow, turn.member, turn.texts
    # someone who blocked the bot and is back (unblocking sends /start) is written to again
    member_now = await staff.back_after_blocking(uow, member)
    await message.answer(texts("start.member" if member_now else "start.no_invite"))


def make_router() -> Router:
    router = private_only(Router(name="onboarding"))  # /start in a group: see group_chat
    router.message.register(start_with_invite, CommandStart(deep_link=True))
    router.message.register(start_without_invite, CommandStart())
    return router
