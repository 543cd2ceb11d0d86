"""Long polling, fair between chats and safe across crashes.

Each getUpdates batch is handled in lanes, one per chat: a chat's updates in the order they came,
different chats at the same time, so one member's flood (bot.inbound_limit drops most of it)
does not hold up everybody else's answers. The next getUpdates, which confirms the batch to
Telegram, is asked only once the whole batch is handled: a crash loses no update, and a
redelivered one is recognised by its id (storage UpdateLog).

aiogram's own polling handles updates either one at a time or as detached tasks (which the next
getUpdates confirms before they are done); this is the part in between, on aiogram's public API
(`Bot.__call__(GetUpdates)`, `Dispatcher.feed_update`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.methods import GetUpdates
from aiogram.types import Update
from aiogram.utils.backoff import Backoff, BackoffConfig

from bot.inbound_limit import sender_of

log = logging.getLogger(__name__)
BACKOFF = BackoffConfig(min_delay=1.0, max_delay=30.0, factor=1.5, jitter=0.1)
ALLOWED_UPDATES = ["message", "callback_query"]


def lane_of(update: Update) -> int:
    """The chat an update belongs to (its lane); updates without one share lane 0."""
    sender = sender_of(update)
    return 0 if sender is None else sender[0]


async def handle_batch(
    dispatcher: Dispatcher, bot: Bot, updates: Sequence[Update], /, **data: Any
) -> None:
    lanes: dict[int, list[Update]] = {}
    for update in updates:
        lanes.setdefault(lane_of(update), []).append(update)

    async def run(lane: list[Update]) -> None:
        for update in lane:
            try:
                await dispatcher.feed_update(bot, update, **data)
            except Exception as error:  # one update's failure is not the batch's
                log.error("update %s failed: %s", update.update_id, type(error).__name__)

    await asyncio.gather(*(run(lane) for lane in lanes.values()))


async def poll_bot(
    dispatcher: Dispatcher,
    bot: Bot,
    stopping: asyncio.Event,
    /,
    *,
    polling_timeout: int,
    allowed_updates: list[str] | None,
    **data: Any,
) -> None:
    backoff = Backoff(config=BACKOFF)
    offset: int | None = None
    request_timeout = int((bot.session.timeout or 0) + polling_timeout) or None
    while not stopping.is_set():
        ask = GetUpdates(offset=offset, timeout=polling_timeout, allowed_updates=allowed_updates)
        fetch = asyncio.ensure_future(bot(ask, request_timeout=request_timeout))
        stop = asyncio.ensure_future(stopping.wait())
        await asyncio.wait({fetch, stop}, return_when=asyncio.FIRST_COMPLETED)
        stop.cancel()
        if not fetch.done():  # stopping while waiting for updates: nothing taken yet
            fetch.cancel()
            with contextlib.suppress(BaseException):
                await fetch
            return
        try:
            updates = fetch.result()
        except Exception as error:
            log.warning(
                "getUpdates failed (%s); again in %.1f s", type(error).__name__, backoff.next_delay
            )
            await backoff.asleep()
            continue
        backoff.reset()
        if updates:
            await handle_batch(dispatcher, bot, updates, **data)  # finished even when stopping
            offset = updates[-1].update_id + 1
    if offset is not None:  # confirm the last batch, so a restart does not see it again
        with contextlib.suppress(Exception):
            await bot(GetUpdates(offset=offset, timeout=0, limit=1))


async def poll(
    dispatcher: Dispatcher,
    bots: Sequence[Bot],
    stopping: asyncio.Event,
    *,
    polling_timeout: int = 30,
    allowed_updates: list[str] | None = ALLOWED_UPDATES,
) -> None:
    """Polls every bot until `stopping` is set; a batch in hand is finished first."""
    data = {"dispatcher": dispatcher}  # feed_update adds the dispatcher's workflow_data
    await dispatcher.emit_startup(bot=bots[-1], **{**data, **dispatcher.workflow_data})
    try:
        await asyncio.gather(
            *(
                poll_bot(
                    dispatcher,
                    bot,
                    stopping,
                    polling_timeout=polling_timeout,
                    allowed_updates=allowed_updates,
                    **data,
                )
                for bot in bots
            )
        )
    finally:
        await dispatcher.emit_shutdown(bot=bots[-1], **{**data, **dispatcher.workflow_data})
