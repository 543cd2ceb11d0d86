"""A whole Refleks against the local Bot API server: the real aiogram Bot over HTTP, real
polling, a real database, and a clock the test moves. Nothing of ours is mocked."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.app import App, ManualClock, build_app, poll_in_background, stop_polling
from bot.clock import TickReport, tick
from bot.config import Settings
from bot.demo import seed_school
from bot.local_api import DEFAULT_TOKEN, Call, LocalBotAPI, SentMessage

OSLO = ZoneInfo("Europe/Oslo")


def oslo(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), OSLO).astimezone(UTC)


@dataclass
class Refleks:
    api: LocalBotAPI
    app: App
    clock: ManualClock
    polling: asyncio.Task[None] | None = None
    invites: dict[str, str] = field(default_factory=dict)

    async def tick(self, at: datetime | None = None) -> TickReport:
        if at is not None:
            self.clock.now = at
        return await tick(self.app, self.clock.now)

    async def handled(self, update_id: int) -> None:
        """Returns once the bot has finished with the update: polling asks for the next
        offset only after the whole batch was handled."""

        def confirmed(call: Call) -> bool:
            return call.method == "getUpdates" and int(call.params.get("offset") or 0) > update_id

        await self.api.wait_for(confirmed, timeout=10, answered=False)

    async def push(self, push: Callable[[], int]) -> list[SentMessage]:
        """Pushes an update and returns everything the bot sent while handling it."""
        before = len(self.api.sent_messages())
        await self.handled(push())
        return self.api.sent_messages()[before:]

    async def say(self, user_id: int, text: str, **kwargs: object) -> SentMessage:
        """A member writes; returns the bot's first reply to them."""
        if text.startswith("/"):
            command, _, args = text[1:].partition(" ")
            sent = await self.push(lambda: self.api.push_command(user_id, command, args, **kwargs))  # type: ignore[arg-type]
        else:
            sent = await self.push(lambda: self.api.push_message(user_id, text, **kwargs))  # type: ignore[arg-type]
        replies = [m for m in sent if m.chat_id == user_id]
        assert replies, f"no reply to {text[:40]!r}"
        return replies[0]

    async def press(self, user_id: int, button_text: str, message_id: int | None = None) -> str:
        """A member taps a button; returns the callback's answer text (the little toast)."""
        since = self.api.call_count
        await self.handled(self.api.press_button(user_id, button_text, message_id=message_id))
        call = await self.api.wait_for("answerCallbackQuery", since=since)
        return str(call.params.get("text") or "")

    async def callback(self, user_id: int, message_id: int, data: str) -> str:
        """A button press with the given payload (a stale button, or one crafted by hand)."""
        since = self.api.call_count
        await self.handled(self.api.push_callback(user_id, message_id, data))
        call = await self.api.wait_for("answerCallbackQuery", since=since)
        return str(call.params.get("text") or "")

    async def join(self, user_id: int, invite: str = "staff", language: str = "nb") -> SentMessage:
        return await self.say(user_id, f"/start {self.invites[invite]}", language_code=language)

    def messages(self, chat_id: int) -> list[SentMessage]:
        return self.api.sent_messages(chat_id)

    def on_bot(self, token: str) -> Refleks:
        """The same Refleks as members of another of its bots see it (one per municipality)."""
        return Refleks(self.api.served_bot(token), self.app, self.clock, self.polling)


@contextlib.asynccontextmanager
async def running_refleks(
    database_url: str,
    now: datetime,
    *,
    threshold: int = 3,
    more_bots: dict[str, str] | None = None,
    api: LocalBotAPI | None = None,
    **settings: object,
) -> AsyncIterator[Refleks]:
    """`more_bots`: token -> username of further bots (MORE_BOT_TOKENS), on the same server.

    `api`: a server already running, which outlives this Refleks: a restart of the bot, with
    Telegram remembering who wrote to it. Otherwise a server of its own."""
    own_server = api is None
    if api is None:
        api = LocalBotAPI()
        for token, username in (more_bots or {}).items():
            api.add_bot(token, username=username)
        await api.start()
    if more_bots:
        settings["more_bot_tokens"] = ",".join(more_bots)
    clock = ManualClock(now)
    config = Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=DEFAULT_TOKEN,
        telegram_api_url=api.base_url,
        database_url=database_url,
        anonymity_threshold=threshold,
        **{
            "messages_per_second": 1000,
            "chat_messages_per_second": 30,
            "inbound_limit": 0,
            **settings,
        },
    )
    app = await build_app(config, clock=clock)
    refleks = Refleks(api, app, clock)
    refleks.polling = poll_in_background(app)
    try:
        yield refleks
    finally:
        if refleks.polling is not None:
            await stop_polling(app, refleks.polling)
        await app.close()
        if own_server:
            await api.stop()


ONE_DAY = timedelta(days=1)


__all__ = ["ONE_DAY", "Refleks", "oslo", "running_refleks", "seed_school"]
