"""The composition root: builds Bot, Dispatcher and the engine, and injects what handlers need
by keyword (aiogram's workflow data). Nothing else constructs these."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from aiogram.types import LinkPreviewOptions
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from bot.delivery import Deliverer
from bot.inbound_limit import InboundLimit, MemoryCounter, RedisCounter
from bot.logs import quiet_payload_loggers
from bot.metrics import Metrics
from bot.middlewares import UnitOfWorkMiddleware
from bot.polling import poll
from bot.ratelimit import Limiter, RateLimiter, RedisRateLimiter
from bot.rendering import Renderer
from bot.session import JsonSession
from content.loader import Catalogue, load_packages
from content.outline import outline
from dialogues import routers
from dialogues.journey import Journey
from services.planning import plan_all_anew
from storage.db import make_engine, make_sessions, upgrade
from storage.locks import TickLock, migrating, tick_lock
from storage.uow import UnitOfWorkFactory

if TYPE_CHECKING:  # imported when built: charts load Pillow, which the CLI never needs
    from bot.summaries import Summaries

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class ManualClock:
    """A clock someone else moves: the demo's simulated week, and the tests'."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass
class App:
    settings: Settings
    engine: AsyncEngine
    uow_factory: UnitOfWorkFactory
    catalogue: Catalogue
    bot: Bot
    dispatcher: Dispatcher
    deliverer: Deliverer
    metrics: Metrics
    clock: Clock
    tick_lock: TickLock
    # Every bot by id, the default (`bot`) first: one token per municipality, each with its
    # own send limit. Updates are answered by the bot they came to.
    bots: dict[int, Bot] = field(default_factory=dict)
    night_sealed_on: date | None = None  # the local day the open weeks' answers were sealed
    summaries: Summaries | None = None  # the weekly summaries (the clock closes weeks with it)
    polling_stop: asyncio.Event = field(default_factory=asyncio.Event)  # set: polling ends

    def __post_init__(self) -> None:
        self.bots = {self.bot.id: self.bot, **self.bots}

    async def close(self) -> None:
        self.tick_lock.close()
        for bot in self.bots.values():
            await bot.session.close()
        await self.dispatcher.storage.close()
        await self.engine.dispose()
        if self.summaries is not None:
            self.summaries.close()  # its chart workers


def make_bot(settings: Settings, token: str | None = None) -> Bot:
    session = JsonSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    return Bot(
        token or settings.bot_token or "",
        session=session,
        default=DefaultBotProperties(
            # link_preview, not link_preview_is_disabled: that one also sends the retired
            # disable_web_page_preview
            parse_mode=ParseMode.HTML,
            link_preview=LinkPreviewOptions(is_disabled=True),
        ),
    )


def fsm_backends(settings: Settings) -> tuple[BaseStorage, BaseEventIsolation]:
    """Redis when REDIS_URL is set (several instances share state and per-chat locks)."""
    if settings.redis_url:
        from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage

        storage = RedisStorage.from_url(settings.redis_url)
        return storage, RedisEventIsolation(redis=storage.redis)
    return MemoryStorage(), SimpleEventIsolation()


def make_limiter(settings: Settings, storage: BaseStorage, bot_id: int) -> Limiter:
    """With Redis, every instance draws on one shared schedule: the limit is the bot's."""
    per_second, per_chat = settings.messages_per_second, settings.chat_messages_per_second
    redis = getattr(storage, "redis", None)  # RedisStorage's client, closed with the storage
    if redis is not None:
        return RedisRateLimiter(redis, per_second, per_chat, prefix=f"refleks:{bot_id}")
    return RateLimiter(per_second, per_chat)


async def build_app(
    settings: Settings,
    *,
    catalogue: Catalogue | None = None,
    clock: Clock = system_clock,
    token: str | None = None,
) -> App:
    quiet_payload_loggers()
    catalogue = catalogue if catalogue is not None else load_packages()
    engine = make_engine(settings.database_url)
    async with migrating(engine):
        await upgrade(engine)
    lock = tick_lock(engine)  # on SQLite, also warns when another process uses the file
    uow_factory = UnitOfWorkFactory(make_sessions(engine), settings.mark_key(token))
    await plan_all_anew(uow_factory)
    metrics = Metrics()
    bot = make_bot(settings, token)
    others = [make_bot(settings, more) for more in settings.more_bot_tokens]
    storage, isolation = fsm_backends(settings)
    dispatcher = Dispatcher(storage=storage, events_isolation=isolation)
    dispatcher.update.outer_middleware(inbound_limit(settings, storage, metrics))
    dispatcher.update.outer_middleware(UnitOfWorkMiddleware(uow_factory, clock, metrics))
    dispatcher.include_routers(*routers.all_routers())
    dispatcher.workflow_data.update(
        journey=Journey(catalogue),
        catalogue=catalogue,
        threshold=settings.anonymity_threshold,
        retention_weeks=settings.answer_retention_weeks,
        uow_factory=uow_factory,
        admin_ids=settings.admin_ids,
        default_timezone=settings.timezone,  # TIMEZONE: for organisations made in /admin
        metrics=metrics,
        bots={b.id: b for b in (bot, *others)},  # to name the right bot for an invite
        default_bot_id=bot.id,
    )
    from bot.summaries import Summaries

    summaries = Summaries(catalogue, settings.anonymity_threshold, partial(outline, catalogue))
    dispatcher.workflow_data["summaries"] = summaries
    dispatcher.workflow_data["chart_photos"] = summaries.photos  # for the leader's /summary
    deliverer = Deliverer(
        bot,
        uow_factory,
        Renderer(catalogue, summaries),
        make_limiter(settings, storage, bot.id),
        metrics,
        lease=timedelta(seconds=settings.lease_seconds),
    )
    deliverer.paid_broadcast = settings.paid_broadcast
    for other in others:  # each bot sends under a limit of its own (Telegram's is per token)
        deliverer.add_bot(other, make_limiter(settings, storage, other.id))
    return App(
        settings,
        engine,
        uow_factory,
        catalogue,
        bot,
        dispatcher,
        deliverer,
        metrics,
        clock,
        lock,
        {other.id: other for other in others},
        summaries=summaries,
    )


def inbound_limit(settings: Settings, storage: BaseStorage, metrics: Metrics) -> InboundLimit:
    """Counted in Redis with REDIS_URL (all instances see one chat's flood), else in memory."""
    redis = getattr(storage, "redis", None)
    window = settings.inbound_window_seconds
    counter = RedisCounter(redis) if redis is not None else MemoryCounter()
    return InboundLimit(settings.inbound_limit, window, counter, metrics)


def poll_in_background(app: App) -> asyncio.Task[None]:
    """Long polling as a task (the demo and the tests): one batch handled before the next
    getUpdates confirms it, as in production."""
    app.polling_stop.clear()
    return asyncio.create_task(
        poll(app.dispatcher, list(app.bots.values()), app.polling_stop, polling_timeout=1)
    )


async def stop_polling(app: App, task: asyncio.Task[None]) -> None:
    app.polling_stop.set()
    with contextlib.suppress(asyncio.CancelledError, RuntimeError, TimeoutError):
        await asyncio.wait_for(task, 5)
