"""Group chats: what the leader's linked staff chat needs, and silence for everything else.

A leader links the staff's group chat with /linkchat (and unlinks it with /unlinkchat); the
weekly summary is then posted there. Nothing a member writes or presses in a group is stored
or confirmed: an answer there would carry its writer's name for everyone to read. `/start` in
a group gets one line pointing to the private chat, without repeating the invite code.
"""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, CommandStart
from aiogram.types import CallbackQuery, Message

from dialogues import leader
from dialogues.bots import username
from dialogues.chats import IN_GROUP, PRESSED_IN_GROUP
from dialogues.i18n import Texts


async def start_in_group(message: Message, bot: Bot, texts: Texts) -> None:
    await message.answer(texts("group.open_private", bot=await username(bot)))


async def ignored(message: Message) -> None:
    """Taken so that no other router sees it: not stored, not answered."""


async def pressed_in_group(query: CallbackQuery) -> None:
    await query.answer()  # only stops the button's spinner; nothing is done or said


def make_router() -> Router:
    router = Router(name="group_chat")
    router.message.filter(IN_GROUP)
    router.callback_query.filter(PRESSED_IN_GROUP)
    router.message.register(leader.link_chat, Command("linkchat"))
    router.message.register(leader.unlink_chat, Command("unlinkchat"))
    router.message.register(start_in_group, CommandStart())
    router.message.register(ignored)
    router.callback_query.register(pressed_in_group)
    return router
