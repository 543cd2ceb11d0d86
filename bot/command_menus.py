"""Telegram's command menus, set when the bot starts (polling or webhooks): the staff menu
everyone has, in every language, and a menu of their own for leaders and super-admins."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import BotCommandScopeDefault

from bot.app import App
from dialogues.bots import serving_bot
from dialogues.i18n import Texts
from dialogues.menus import set_personal_menu, staff_menu
from services.arrivals import languages_read
from services.joining import leaders


async def register_commands(app: App) -> None:
    """Every bot's command menu in every language (Telegram picks by the app's language), and
    a menu of their own for every leader, in the bot that serves them, and super-admin."""
    admin_ids = app.settings.admin_ids
    async with app.uow_factory() as uow:
        leading = [seat for seat in await leaders(uow) if not seat.member.unreachable]
        languages = await languages_read(uow, admin_ids)
    for bot in app.bots.values():
        await _register_default_menu(bot)
        led_here = {
            seat.member.telegram_id: seat.member.reads
            for seat in leading
            if serving_bot(app.bots, app.bot.id, seat.organisation).id == bot.id
        }
        for chat_id in sorted(led_here.keys() | admin_ids):
            language = led_here.get(chat_id) or languages.get(chat_id)
            leader, admin = chat_id in led_here, chat_id in admin_ids
            await set_personal_menu(bot, chat_id, language, leader=leader, admin=admin)


async def _register_default_menu(bot: Bot) -> None:
    for language in ("nb", "nn", "en"):
        code = None if language == "nb" else language
        menu = staff_menu(Texts(language))
        await bot.set_my_commands(menu, scope=BotCommandScopeDefault(), language_code=code)
