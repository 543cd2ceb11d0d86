"""With REDIS_URL set, instances share conversation state, per-chat event isolation and the
global rate limit through Redis. Skipped where Redis is not running; a failure under CI."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from typing import Any

import pytest
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage
from aiogram.types import TelegramObject, Update
from redis.asyncio import Redis

from bot.app import App, build_app
from bot.config import Settings
from bot.local_api import LocalBotAPI
from bot.local_api.pushes import Sender
from bot.ratelimit import RedisRateLimiter
from tests.conftest import REDIS_URL, require_service
from tests.support.harness import oslo, running_refleks, seed_school

pytestmark = pytest.mark.redis

MONDAY = date(2026, 11, 23)


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    host, port = REDIS_URL.split("//", 1)[1].split("/", 1)[0].split(":")
    require_service("Redis", host, int(port))
    client = Redis.from_url(REDIS_URL)
    yield client
    await client.aclose()


def run_token() -> str:
    """A bot token of this test's own: its keys cannot meet another run's in the shared Redis."""
    return f"{random.randrange(10**8, 10**9)}:LOCAL-redis-test-token-{random.randrange(10**6)}"


@contextlib.asynccontextmanager
async def two_instances(database_url: str, token: str) -> AsyncIterator[tuple[App, App]]:
    async with LocalBotAPI(token=token) as api:
        settings = Settings(
            _env_file=None,
            bot_token=token,
            telegram_api_url=api.base_url,
            database_url=database_url,
            redis_url=REDIS_URL,
        )
        first = await build_app(settings)
        second = await build_app(settings)
        try:
            yield first, second
        finally:
            await first.close()
            await second.close()


def message_update(app: App, user_id: int, update_id: int, text: str) -> Update:
    api = LocalBotAPI(token=app.bot.token)  # only its update factory: nothing is served
    update = {
        "update_id": update_id,
        **api.factory.message(Sender(user_id), api.factory.text(text)),
    }
    return Update.model_validate(update, context={"bot": app.bot})


Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


async def test_conversation_state_set_on_one_instance_is_seen_by_the_other(
    database_url: str, redis: Redis
) -> None:
    user = random.randrange(10**6, 10**7)
    async with two_instances(database_url, run_token()) as (first, second):
        assert isinstance(first.dispatcher.storage, RedisStorage)
        assert isinstance(first.dispatcher.fsm.events_isolation, RedisEventIsolation)
        key = StorageKey(bot_id=first.bot.id, chat_id=user, user_id=user)
        state = FSMContext(storage=first.dispatcher.storage, key=key)
        await state.set_state("AdminInput:group_name")
        await state.update_data(group="nordby/laerere")

        seen: list[tuple[str | None, dict[str, Any]]] = []

        async def capture(handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
            context: FSMContext = data["state"]
            seen.append((data["raw_state"], await context.get_data()))
            await context.clear()  # what a handler does when the conversation ends
            return None  # the real handlers are not the point here

        second.dispatcher.message.outer_middleware(capture)
        await second.dispatcher.feed_update(second.bot, message_update(second, user, 1, "Lærerne"))

        assert seen == [("AdminInput:group_name", {"group": "nordby/laerere"})]
        assert await state.get_state() is None  # cleared on the other instance: for both


async def test_one_chats_updates_are_handled_one_at_a_time_across_instances(
    database_url: str, redis: Redis
) -> None:
    user = random.randrange(10**6, 10**7)
    async with two_instances(database_url, run_token()) as (first, second):
        events: list[str] = []

        def slow(name: str) -> Callable[..., Awaitable[Any]]:
            async def middleware(handler: Handler, event: TelegramObject, data: Any) -> Any:
                events.append(f"{name} in")
                await asyncio.sleep(0.3)  # long enough for the other update to arrive meanwhile
                events.append(f"{name} out")

            return middleware

        first.dispatcher.message.outer_middleware(slow("first"))
        second.dispatcher.message.outer_middleware(slow("second"))
        await asyncio.gather(
            first.dispatcher.feed_update(first.bot, message_update(first, user, 1, "ja")),
            second.dispatcher.feed_update(second.bot, message_update(second, user, 2, "nei")),
        )
        assert events in (
            ["first in", "first out", "second in", "second out"],
            ["second in", "second out", "first in", "first out"],
        )


async def test_instances_share_one_schedule_of_send_slots(redis: Redis) -> None:
    prefix = f"test:{random.randrange(10**9)}"
    first_client, second_client = Redis.from_url(REDIS_URL), Redis.from_url(REDIS_URL)
    first = RedisRateLimiter(first_client, per_second=20, per_chat_per_second=1, prefix=prefix)
    second = RedisRateLimiter(second_client, per_second=20, per_chat_per_second=1, prefix=prefix)
    try:
        slots = []
        for chat in range(10):  # different chats: only the global limit applies
            limiter = first if chat % 2 else second
            slots.append((await limiter.reserve(chat))[0])
        gaps = [b - a for a, b in itertools.pairwise(slots)]
        assert min(gaps) >= 0.05 - 1e-6  # 20 a second between them, not 20 each

        again, _ = await first.reserve(3)  # chat 3 had a slot above: one a second per chat
        assert again >= slots[3] + 1.0 - 1e-6

        second.pause_all(2.0)  # a 429 on one instance ...
        _, paused_at = await second.reserve(100)
        slot, _ = await first.reserve(101)
        assert slot >= paused_at + 2.0 - 1e-6  # ... holds back the other too
    finally:
        keys = [key async for key in redis.scan_iter(match="{" + prefix + "*")]
        if keys:
            await redis.delete(*keys)
        await first_client.aclose()
        await second_client.aclose()


async def test_sending_goes_on_with_a_per_instance_limit_when_redis_is_away(
    caplog: pytest.LogCaptureFixture,
) -> None:
    unreachable = Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5)
    limiter = RedisRateLimiter(unreachable, per_second=1000, per_chat_per_second=30)
    with caplog.at_level(logging.WARNING, logger="bot.ratelimit"):
        for chat in range(3):
            await limiter.wait(chat)  # returns: the in-process limiter took over
    assert "Redis unreachable" in caplog.text
    assert len([r for r in caplog.records if "Redis unreachable" in r.message]) == 1
    await unreachable.aclose()


async def test_a_staff_member_joins_and_gets_the_step_with_redis_in_use(
    database_url: str, redis: Redis
) -> None:
    member = random.randrange(10**6, 10**7)
    async with running_refleks(database_url, oslo(MONDAY, 7), redis_url=REDIS_URL) as refleks:
        assert isinstance(refleks.app.deliverer.limiter, RedisRateLimiter)
        refleks.invites = await seed_school(refleks.app, start=MONDAY)
        await refleks.join(member)
        before = len(refleks.messages(member))
        report = await refleks.tick(oslo(MONDAY, 8))
        assert report.sent.sent == 1
        [step] = refleks.messages(member)[before:]
        first = refleks.app.catalogue["skolemiljo"].module(0).steps[0]
        assert first.title in (step.visible_text or "")
