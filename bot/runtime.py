"""Entry points that talk to Telegram: polling with the clock, one tick, the demo, webhooks."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

from aiogram import Bot
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault

from bot.app import App, build_app
from bot.clock import tick
from bot.config import Settings
from bot.logs import setup_logging
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
    "mydata",
    "forget",
    "help",
)


async def register_commands(app: App) -> None:
    """Every bot's command menu in every language (Telegram picks by the app's language)."""
    for bot in app.bots.values():
        await _register_commands(bot, app.settings.admin_ids)


async def _register_commands(bot: Bot, admin_ids: frozenset[int]) -> None:
    for language in ("nb", "nn", "en"):
        texts = Texts(language)
        commands = [
            BotCommand(command=c, description=texts(f"command.{c}")) for c in STAFF_COMMANDS
        ]
        code = None if language == "nb" else language
        await bot.set_my_commands(commands, scope=BotCommandScopeDefault(), language_code=code)
    texts = Texts("nb")
    admin_menu = [
        *(BotCommand(command=c, description=texts(f"command.{c}")) for c in STAFF_COMMANDS),
        BotCommand(command="admin", description=texts("command.admin")),
    ]
    for admin_id in sorted(admin_ids):  # super-admins see /admin in their menu
        await bot.set_my_commands(admin_menu, scope=BotCommandScopeChat(chat_id=admin_id))


async def tick_once(settings: Settings, at: datetime) -> int:
    setup_logging(settings.log_level)
    app = await build_app(settings)
    try:
        report = await tick(app, at)
        print(report.line())
    finally:
        await app.close()
    return 0


async def run_polling(settings: Settings) -> int:
    """Long polling plus the minute clock. Updates are handled one batch at a time before
    the next getUpdates confirms them, so a crash loses no answer (redeliveries are skipped
    by update id)."""
    setup_logging(settings.log_level)
    app = await build_app(settings)
    for bot in app.bots.values():
        await bot.delete_webhook(drop_pending_updates=False)
    await register_commands(app)
    scheduler = start_clock(app)
    try:
        await app.dispatcher.start_polling(  # every bot, each polled on its own
            *app.bots.values(),
            handle_as_tasks=False,
            allowed_updates=["message", "callback_query"],
            close_bot_session=False,
        )
    finally:
        scheduler.shutdown(wait=False)
        await app.close()
    return 0


def start_clock(app: App) -> Any:
    """APScheduler calls tick(now) every minute; a slow tick is never run twice at once."""
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.add_job(
        _tick_job,
        "interval",
        minutes=1,
        args=[app],
        next_run_time=app.clock(),
        max_instances=1,
        coalesce=True,
        misfire_grace_time=60,
    )
    scheduler.start()
    return scheduler


async def _tick_job(app: App) -> None:
    try:
        await tick(app, app.clock())
    except Exception:
        log.exception("tick failed; the next one retries what is still due")


async def demo(settings: Settings, *, days: int, staff: int, quiet: bool) -> int:
    from bot.demo import run_demo

    setup_logging("WARNING")
    code: int = await run_demo(settings, days=days, staff=staff, quiet=quiet)
    return code


async def serve_webhook(settings: Settings) -> int:
    from bot.webhook import serve

    setup_logging(settings.log_level)
    code: int = await serve(settings)
    return code


__all__ = ["asyncio", "demo", "run_polling", "serve_webhook", "tick_once"]
