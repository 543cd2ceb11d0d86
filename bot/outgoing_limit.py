"""Every message a handler sends keeps the same limits as the deliveries: an aiogram session
middleware on each bot waits for the chat's slot on the bot's limiter (bot.ratelimit) before a
message goes out, and after a 429 pauses every send for its retry_after and tries again.

The Deliverer keeps its own retry policy (bot.delivery) and already waits on the same limiter,
so its sends are marked as paced and pass straight through."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramRetryAfter
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
RETRY_AFTER_TRIES = 3
_paced: ContextVar[bool] = ContextVar("refleks_paced", default=False)


@contextlib.contextmanager
def already_paced() -> Iterator[None]:
    """Sends in this block waited for their slot already (the Deliverer's)."""
    token = _paced.set(True)
    try:
        yield
    finally:
        _paced.reset(token)


class OutgoingLimit(BaseRequestMiddleware):
    """`limiter_of()` gives the bot's limiter when a send is made: the Deliverer's own, so the
    two can never drift apart."""

    def __init__(self, limiter_of: Callable[[], Limiter]) -> None:
        self.limiter_of = limiter_of

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        chat_id: Any = getattr(method, "chat_id", None)
        counted = type(method) in NEW_MESSAGES  # (a type test keeps the method's own type)
        if not counted or not isinstance(chat_id, int) or _paced.get():
            return await make_request(bot, method)
        limiter = self.limiter_of()
        for attempt in range(1, RETRY_AFTER_TRIES + 1):
            await limiter.wait(chat_id)
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                if attempt == RETRY_AFTER_TRIES:
                    raise
                log.warning("429 on a reply: every send waits %s s", error.retry_after)
                limiter.pause_all(error.retry_after)
        raise AssertionError("unreachable")
