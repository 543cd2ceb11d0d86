"""Entry points that talk to Telegram: polling with the clock, one tick, the demo, webhooks."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from datetime import datetime
from typing import Any

from aiogram import Bot
from aiogram.types import BotCommandScopeDefault

from bot.app import App, build_app
from bot.clock import tick
from bot.config import Settings
from bot.logs import setup_logging
from bot.metrics import serve_metrics
from bot.polling import poll
from dialogues.bots import serving_bot
from dialogues.i18n import Texts
from dialogues.menus import STAFF_COMMANDS, set_personal_menu, staff_menu
from storage.services.joining import leaders

log = logging.getLogger(__name__)


async def register_commands(app: App) -> None:
    """Every bot's command menu in every language (Telegram picks by the app's language), and
    a menu of their own for every leader, in the bot that serves them, and super-admin."""
    admin_ids = app.settings.admin_ids
    async with app.uow_factory() as uow:
        leading = [seat for seat in await leaders(uow) if not seat.member.unreachable]
        admins = {admin_id: await uow.members.find(admin_id) for admin_id in admin_ids}
    languages = {a: member.reads for a, member in admins.items() if member is not None}
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


async def tick_once(settings: Settings, at: datetime) -> int:
    setup_logging(settings.log_level, settings.secrets)
    app = await build_app(settings)
    try:
        report = await tick(app, at)
        print(report.line())
    finally:
        await app.close()
    return 0


async def run_polling(settings: Settings) -> int:
    """Long polling plus the minute clock. Updates are handled one batch at a time, chats side
    by side (bot.polling), before the next getUpdates confirms them, so a crash loses no answer
    (redeliveries are skipped by update id). SIGINT and SIGTERM finish the batch in hand."""
    setup_logging(settings.log_level, settings.secrets)
    app = await build_app(settings)
    for bot in app.bots.values():
        await bot.delete_webhook(drop_pending_updates=False)
    await register_commands(app)
    scheduler = start_clock(app)
    metrics_server = None
    if settings.metrics_port:
        metrics_server = await serve_metrics(
            app.metrics, settings.metrics_host, settings.metrics_port
        )
    try:
        loop = asyncio.get_running_loop()
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):  # not on every platform
                loop.add_signal_handler(signal_number, app.polling_stop.set)
        await poll(app.dispatcher, list(app.bots.values()), app.polling_stop)
    finally:
        scheduler.shutdown(wait=False)
        if metrics_server is not None:
            await metrics_server.cleanup()
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

    setup_logging("WARNING", settings.secrets)
    code: int = await run_demo(settings, days=days, staff=staff, quiet=quiet)
    return code


async def serve_webhook(settings: Settings) -> int:
    from bot.webhook import serve

    setup_logging(settings.log_level, settings.secrets)
    code: int = await serve(settings)
    return code


__all__ = ["STAFF_COMMANDS", "asyncio", "demo", "run_polling", "serve_webhook", "tick_once"]
