"""Entry points that talk to Telegram: polling with the clock, one tick, the demo, webhooks."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from datetime import datetime

from bot.app import build_app
from bot.clock import start_clock, stop_clock, tick
from bot.command_menus import register_commands
from bot.config import Settings
from bot.logs import setup_logging
from bot.metrics import serve_metrics
from bot.polling import poll

log = logging.getLogger(__name__)


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
    clock_stop = asyncio.Event()
    clock = start_clock(app, clock_stop)
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
        await stop_clock(app, clock, clock_stop)
        if metrics_server is not None:
            await metrics_server.cleanup()
        await app.close()
    return 0


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


__all__ = ["asyncio", "demo", "run_polling", "serve_webhook", "tick_once"]
