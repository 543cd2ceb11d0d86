"""`refleks webhook`: Telegram webhooks over aiohttp, for production behind a load balancer.

- The update is handled before the 200 goes back, so an update whose instance dies (or whose
  request times out) mid-handling is sent again by Telegram. A handler's error is answered to
  the member by the error router, its writes rolled back, and the 200 still goes back: Telegram
  would otherwise repeat a broken update for hours.
- A redelivery is recognised by update id (the unit-of-work middleware) and not handled twice.
- Requests without the right X-Telegram-Bot-Api-Secret-Token get 401.
- Each bot (one token per municipality) has a path of its own, /telegram/{bot_id}; the default
  bot also keeps /telegram. An update is handled by the bot whose path it came to.
- /healthz answers 200 when the database answers, 503 otherwise; /metrics is Prometheus text.
- SIGTERM stops the clock (a tick in hand is finished) and the server (in-flight requests are
  finished), then closes.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from bot.app import App, build_app
from bot.clock import start_clock, stop_clock
from bot.command_menus import register_commands
from bot.config import ConfigError, Settings
from bot.metrics import metrics_response
from storage.db import ping

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/telegram"
HEALTH_TIMEOUT = 5.0  # seconds: a load balancer's probe should not hang on a dead database


def webhook_path(app: App, bot_id: int) -> str:
    """Where Telegram posts a bot's updates: the default bot keeps the path it always had."""
    return WEBHOOK_PATH if bot_id == app.bot.id else f"{WEBHOOK_PATH}/{bot_id}"


def make_web_app(app: App, secret: str) -> web.Application:
    web_app = web.Application()
    for bot_id, bot in app.bots.items():
        handler = SimpleRequestHandler(
            app.dispatcher, bot, handle_in_background=False, secret_token=secret
        )
        handler.register(web_app, path=f"{WEBHOOK_PATH}/{bot_id}")
        if bot is app.bot:
            handler.register(web_app, path=WEBHOOK_PATH)
    setup_application(web_app, app.dispatcher, bot=app.bot)

    async def healthz(_: web.Request) -> web.Response:
        try:
            async with asyncio.timeout(HEALTH_TIMEOUT):
                await ping(app.engine)
        except Exception as error:  # any failure means "not healthy"
            return web.Response(status=503, text=f"database: {type(error).__name__}\n")
        return web.Response(text="ok\n")

    async def metrics(_: web.Request) -> web.Response:
        return metrics_response(app.metrics)

    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/metrics", metrics)
    return web_app


async def serve(settings: Settings) -> int:
    if not settings.bot_token or not settings.webhook_secret or not settings.webhook_url:
        raise ConfigError(
            "configuration error: BOT_TOKEN, WEBHOOK_URL and WEBHOOK_SECRET are needed for webhooks"
        )
    app = await build_app(settings)
    runner = web.AppRunner(make_web_app(app, settings.webhook_secret), shutdown_timeout=30)
    await runner.setup()
    site = web.TCPSite(runner, settings.webhook_host, settings.webhook_port)
    await site.start()
    for bot_id, bot in app.bots.items():
        await bot.set_webhook(
            settings.webhook_url.rstrip("/") + webhook_path(app, bot_id),
            secret_token=settings.webhook_secret,
            allowed_updates=["message", "callback_query"],
        )
    await register_commands(app)
    stop = asyncio.Event()
    clock = start_clock(app, stop)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    log.info("serving webhooks on %s:%s", settings.webhook_host, settings.webhook_port)
    await stop.wait()
    log.info("shutting down: finishing in-flight work")
    await stop_clock(app, clock, stop)
    await runner.cleanup()  # after the clock: its shutdown closes the bot's HTTP session
    await app.close()
    return 0
