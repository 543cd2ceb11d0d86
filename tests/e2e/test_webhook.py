"""`refleks webhook` over HTTP: the secret, handling before the 200, redeliveries, /healthz and
/metrics. The bot answers through the local Bot API server, as it would answer Telegram."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from bot.app import App, ManualClock, build_app
from bot.clock import start_clock, stop_clock
from bot.config import Settings
from bot.local_api import DEFAULT_TOKEN, LocalBotAPI
from bot.local_api.pushes import Sender
from bot.webhook import WEBHOOK_PATH, make_web_app
from services.joining import join
from storage.db import make_engine
from storage.models import ProcessedUpdateRow
from tests.support.harness import oslo, seed_school

SECRET = "s3cret-only-telegram-knows"
HEADER = "X-Telegram-Bot-Api-Secret-Token"
MONDAY = date(2026, 11, 23)
ANNE = 1001


@dataclass
class Webhook:
    api: LocalBotAPI
    app: App
    client: TestClient[Any, Any]
    invites: dict[str, str]

    def start_update(self, update_id: int, user_id: int = ANNE) -> dict[str, Any]:
        text = f"/start {self.invites['staff']}"
        message = self.api.factory.message(Sender(user_id), self.api.factory.text(text))
        return {"update_id": update_id, **message}

    async def post(self, update: dict[str, Any], secret: str | None = SECRET) -> int:
        headers = {} if secret is None else {HEADER: secret}
        response = await self.client.post(WEBHOOK_PATH, json=update, headers=headers)
        return response.status

    async def member_exists(self, user_id: int) -> bool:
        async with self.app.uow_factory() as uow:
            return await uow.members.find(user_id) is not None

    async def updates_recorded(self) -> int:
        async with self.app.uow_factory() as uow:
            return int(
                await uow.session.scalar(select(func.count()).select_from(ProcessedUpdateRow)) or 0
            )


@contextlib.asynccontextmanager
async def webhook_server(database_url: str) -> AsyncIterator[Webhook]:
    async with LocalBotAPI() as api:
        settings = Settings(
            _env_file=None,
            bot_token=DEFAULT_TOKEN,
            telegram_api_url=api.base_url,
            database_url=database_url,
            webhook_secret=SECRET,
        )
        app = await build_app(settings, clock=ManualClock(oslo(MONDAY, 7)))
        try:
            invites = await seed_school(app, start=MONDAY)
            async with TestClient(TestServer(make_web_app(app, SECRET))) as client:
                yield Webhook(api, app, client, invites)
        finally:
            await app.close()


async def test_a_wrong_or_missing_secret_gets_401_and_nothing_is_handled(
    database_url: str,
) -> None:
    async with webhook_server(database_url) as hook:
        assert await hook.post(hook.start_update(1), secret=None) == 401
        assert await hook.post(hook.start_update(2), secret="guessed") == 401
        assert await hook.post(hook.start_update(3), secret=SECRET[:-1]) == 401
        assert not await hook.member_exists(ANNE)
        assert await hook.updates_recorded() == 0
        assert hook.api.sent_messages(ANNE) == []


async def test_an_update_is_handled_before_the_200_and_a_redelivery_is_not_handled_again(
    database_url: str,
) -> None:
    async with webhook_server(database_url) as hook:
        update = hook.start_update(41)
        assert await hook.post(update) == 200
        # When the 200 arrives the member has joined and been welcomed: nothing was left to do
        # in the background that a crash could lose.
        assert await hook.member_exists(ANNE)
        welcome = hook.api.sent_messages(ANNE)
        assert welcome

        assert await hook.post(update) == 200  # Telegram sends it again (it missed our 200)
        assert hook.api.sent_messages(ANNE) == welcome  # no second welcome
        assert await hook.updates_recorded() == 1

        assert await hook.post(hook.start_update(42)) == 200  # a new update is handled anew
        assert len(hook.api.sent_messages(ANNE)) > len(welcome)
        assert await hook.updates_recorded() == 2


async def test_healthz_answers_200_with_the_database_up_and_503_without(
    database_url: str,
) -> None:
    async with webhook_server(database_url) as hook:
        response = await hook.client.get("/healthz")
        assert response.status == 200

        working = hook.app.engine
        hook.app.engine = make_engine("postgresql+asyncpg://postgres@127.0.0.1:1/gone")
        try:
            response = await hook.client.get("/healthz")
            assert response.status == 503
            assert "database" in await response.text()
        finally:
            await hook.app.engine.dispose()
            hook.app.engine = working


async def test_metrics_are_prometheus_text_and_count_handled_updates(database_url: str) -> None:
    async with webhook_server(database_url) as hook:
        await hook.post(hook.start_update(7))
        await hook.post(hook.start_update(7))  # a redelivery is not counted twice
        response = await hook.client.get("/metrics")
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=")
        families = {
            family.name: family for family in text_string_to_metric_families(await response.text())
        }
        kinds = {name: family.type for name, family in families.items()}
        for counter in (
            "refleks_updates_handled",
            "refleks_messages_sent",
            "refleks_rate_limited",
            "refleks_blocked",
            "refleks_retries",
            "refleks_answers_stored",
        ):
            assert kinds[counter] == "counter"
        assert kinds["refleks_delivery_lag_seconds"] == "histogram"
        assert kinds["refleks_handler_seconds"] == "histogram"
        assert kinds["refleks_queue_depth"] == "gauge"
        handled = [s for s in families["refleks_updates_handled"].samples]
        assert [(s.labels, s.value) for s in handled] == [({"bot": str(hook.app.bot.id)}, 1)]


async def test_shutdown_finishes_the_batch_in_hand_and_claims_no_more(database_url: str) -> None:
    """SIGTERM mid-send: the message on its way is marked sent (cutting it could send it twice
    later), and nothing more is claimed: the rest waits, pending, for the next instance."""
    async with webhook_server(database_url) as hook:
        for user in (ANNE, ANNE + 1):
            hook.start_update(user, user)  # they wrote /start (joined below, without the bot)
            async with hook.app.uow_factory() as uow:
                await join(uow, hook.invites["staff"], user, oslo(MONDAY, 7))
        hook.app.clock = ManualClock(oslo(MONDAY, 8))
        hook.app.deliverer.batch = 1
        hook.api.delay_next("sendMessage", 0.5)
        stop = asyncio.Event()
        clock = start_clock(hook.app, stop)  # the one clock, as polling and webhooks run it
        await hook.api.wait_for("sendMessage", answered=False, since=0)
        await asyncio.wait_for(stop_clock(hook.app, clock, stop), 10)

        assert len(hook.api.calls_to("sendMessage")) == 1
        async with hook.app.uow_factory() as uow:
            counts = await uow.deliveries.counts()
        assert counts == {"sent": 1, "pending": 1}
