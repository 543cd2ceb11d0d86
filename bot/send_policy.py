"""One path to Telegram: every new message a bot sends, the Deliverer's and every handler's
reply alike, goes through this aiogram session middleware and keeps one policy.

- It waits for its chat's slot on the bot's limiter (bot.ratelimit).
- A 429 pauses every send of the bot for its retry_after, and the message tries again, up to
  RETRY_AFTER_TRIES times.
- A 5xx or a network failure is tried again after a short, growing pause, up to QUICK_TRIES
  times in all.
- What still fails reaches the caller: the Deliverer books the delivery for later (it stays
  claimed meanwhile, so nothing is lost), a handler's error goes to the error handler. A 403 or
  a 400 is never tried again.

Other requests (polling, button answers, edits) pass straight through, as Telegram's flood
limits count new messages."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import (
    CopyMessage,
    ForwardMessage,
    SendDocument,
    SendMediaGroup,
    SendMessage,
    SendPhoto,
    TelegramMethod,
)
from aiogram.methods.base import TelegramType

from bot.ratelimit import Limiter

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.methods.base import Response

log = logging.getLogger(__name__)
# What puts a new message in a chat: what Telegram's flood limits count.
NEW_MESSAGES = (SendMessage, SendPhoto, SendDocument, SendMediaGroup, CopyMessage, ForwardMessage)
RETRY_AFTER_TRIES = 5
QUICK_TRIES = 3


class SendPolicy(BaseRequestMiddleware):
    """`limiter_of()` gives the bot's limiter when a send is made: the Deliverer's own, so the
    two can never drift apart. `on_rate_limited` counts each 429 (the metrics)."""

    def __init__(
        self,
        limiter_of: Callable[[], Limiter],
        *,
        on_rate_limited: Callable[[], None] = lambda: None,
        quick_retry_delay: float = 0.5,
    ) -> None:
        self.limiter_of = limiter_of
        self.on_rate_limited = on_rate_limited
        self.quick_retry_delay = quick_retry_delay

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        chat_id: Any = getattr(method, "chat_id", None)
        counted = type(method) in NEW_MESSAGES  # (a type test keeps the method's own type)
        if not counted or not isinstance(chat_id, int):
            return await make_request(bot, method)
        limiter = self.limiter_of()
        retry_afters = quick = 0
        while True:
            await limiter.wait(chat_id)
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                self.on_rate_limited()
                retry_afters += 1
                if retry_afters > RETRY_AFTER_TRIES:
                    raise
                log.warning("429 from Telegram: every send waits %s s", error.retry_after)
                limiter.pause_all(error.retry_after)
            except (TelegramServerError, TelegramNetworkError):
                quick += 1
                if quick >= QUICK_TRIES:
                    raise
                await asyncio.sleep(self.quick_retry_delay * quick)
