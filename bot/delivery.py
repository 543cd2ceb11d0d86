"""Sending what the planner enqueued: claim, send within the rate limits, mark; errors handled.

- 429: wait retry_after (every send pauses) and try the same part again, a bounded number of times.
- 403 (blocked, deactivated): the member is marked unreachable; nothing more is written to them.
- 5xx and time-outs: a few quick retries, then the delivery goes back to the queue with back-off.
- 400 (a message Telegram will not take): given up and logged; retrying would fail the same way.
A delivery in several parts remembers how many went out, so a retry never repeats one.

What went out must be written down, or the lease runs out and it goes out again: while the claim
still holds, a database that went away is waited for. Claims and leases follow the time that
passes while sending, so a long send's later claims are not taken for expired by another instance.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Protocol

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import BufferedInputFile, LinkPreviewOptions, Message

from bot.metrics import Metrics
from bot.ratelimit import Limiter
from bot.send_policy import RETRY_AFTER_TRIES, SendPolicy
from dialogues.outgoing import DocumentPart, Part, PhotoPart, TextPart
from domain.deliveries import Delivery
from storage.errors import is_database_away
from storage.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

Rendered = list[Part] | Exception | None  # a render that failed fails its delivery, not the batch
Write = Callable[[UnitOfWork], Awaitable[object]]


class Render(Protocol):
    """Turns a claimed batch into message parts (bot.rendering.Renderer)."""

    async def batch(self, uow: UnitOfWork, deliveries: list[Delivery]) -> dict[int, Rendered]: ...


FILE_IDS_KEPT = 5_000
MAX_ATTEMPTS = 8  # claims of one delivery before it is given up
LEASE_SHARE = 0.75  # of the lease, spent at most waiting to write down a send


@dataclass
class SendReport:
    sent: int = 0
    deferred: int = 0
    failed: int = 0
    blocked: int = 0


@dataclass(frozen=True)
class Outbox:
    """One bot token and the rate limit that goes with it (Telegram's limits are per bot)."""

    bot: Bot
    limiter: Limiter


class Transient(Exception):
    """A failure worth trying again later (5xx, time-out, too many 429s)."""


class Deliverer:
    def __init__(
        self,
        bot: Bot,
        uow_factory: UnitOfWorkFactory,
        render: Render,
        limiter: Limiter,
        metrics: Metrics,
        *,
        lease: timedelta = timedelta(minutes=2),
        workers: int | None = None,
        batch: int = 200,
        quick_retry_delay: float = 0.5,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bot = bot
        self.uow_factory = uow_factory
        self.render = render
        self.limiter = limiter
        # Other bots by id (one token per municipality): a delivery to a group whose
        # organisation has a bot of its own goes out through that bot, under its limit.
        self.other_bots: dict[int, Outbox] = {}
        self.metrics = metrics
        self.lease = lease
        # Sends in flight: enough to keep the limit busy while each waits ~20 ms for Telegram
        # (8 at the usual 25 a second, 50 at the paid-broadcast 1,000).
        self.workers = workers or min(64, max(8, round(limiter.per_second / 20)))
        self.batch = batch
        self._policies: list[SendPolicy] = []
        self._quick_retry_delay = quick_retry_delay
        self._follow_policy(bot)
        self.timer = timer  # how long a send_due has run: its claims are dated that much later
        self.stopping = False  # set at shutdown: finish the batch in hand, claim no more
        # Paid broadcasts (opt-in, 0.1 Star a message): Telegram then allows up to 1,000 a
        # second instead of about 30; the limiter must be set to match.
        self.paid_broadcast = False
        # A picture sent once (a group's chart) goes to the rest by its file_id, not uploaded
        # again: (bot id, PhotoPart.cache_key) -> file_id, the most recent few thousand.
        self._file_ids: OrderedDict[tuple[int, str], str] = OrderedDict()
        self._uploading: dict[tuple[int, str], asyncio.Future[None]] = {}
        self._marks = _SentMarks(self._record_sent)

    @property
    def quick_retry_delay(self) -> float:
        """The first pause before a 5xx or a time-out is tried again (seconds)."""
        return self._quick_retry_delay

    @quick_retry_delay.setter
    def quick_retry_delay(self, seconds: float) -> None:
        self._quick_retry_delay = seconds
        for policy in self._policies:
            policy.quick_retry_delay = seconds

    def _follow_policy(self, bot: Bot) -> None:
        """Every new message the bot sends, handlers' replies too, keeps the send policy."""
        policy = SendPolicy(
            partial(self.limiter_for, bot.id),
            on_rate_limited=self.metrics.rate_limited.labels(bot.id).inc,
            quick_retry_delay=self._quick_retry_delay,
        )
        bot.session.middleware(policy)
        self._policies.append(policy)

    def limiter_for(self, bot_id: int) -> Limiter:
        """The limiter a bot's sends wait on (handlers' replies too: bot.send_policy)."""
        outbox = self.other_bots.get(bot_id)
        return outbox.limiter if outbox is not None else self.limiter

    def add_bot(self, bot: Bot, limiter: Limiter) -> None:
        self.other_bots[bot.id] = Outbox(bot, limiter)
        self._follow_policy(bot)

    async def send_due(self, now: datetime, *, max_batches: int | None = None) -> SendReport:
        """Sends everything due at `now`, batch by batch, until nothing due is left. While a
        batch goes out (mostly waiting for the rate limit), the next one is claimed and
        rendered, so the limit is not left idle between batches."""
        report = SendReport()
        gate = asyncio.Semaphore(self.workers)
        started = self.timer()

        def more(batches: int) -> bool:
            return not self.stopping and (max_batches is None or batches < max_batches)

        async def take() -> _Batch | None:
            return await self._take(now + timedelta(seconds=self.timer() - started))

        batches = 0
        upcoming: asyncio.Task[_Batch | None] | None = None
        try:
            while more(batches):
                batch = await (upcoming or take())
                upcoming = None
                if batch is None:
                    break
                batches += 1
                if more(batches):
                    upcoming = asyncio.create_task(take())
                await self._send_batch(batch, gate, report)
        finally:
            if upcoming is not None:
                await self._put_back(upcoming)
        return report

    async def _take(self, at: datetime) -> _Batch | None:
        async with self.uow_factory() as uow:
            claimed = await uow.deliveries.claim_due(at, self.lease, self.batch)
            await uow.commit()
        if not claimed:
            return None
        hold_until = self.timer() + self.lease.total_seconds() * LEASE_SHARE
        rendered, outboxes = await self._render(claimed)
        return _Batch(claimed, rendered, outboxes, at, hold_until)

    async def _send_batch(self, batch: _Batch, gate: asyncio.Semaphore, report: SendReport) -> None:
        marked: list[asyncio.Future[None]] = []  # each send's `sent` mark, written in groups
        by_chat: dict[int, list[Delivery]] = {}
        for delivery in batch.claimed:  # oldest first: each chat gets its messages in that order
            by_chat.setdefault(delivery.chat_id, []).append(delivery)

        async def chat(deliveries: list[Delivery]) -> None:
            failure: Exception | None = None
            for delivery in deliveries:
                try:
                    async with gate:
                        outbox = batch.outboxes.get(delivery.id, self._default)
                        claim = _Claim(delivery, outbox, batch.at, batch.hold_until)
                        await self._deliver(claim, batch.rendered[delivery.id], report, marked)
                except Exception as error:
                    failure = failure or error
            if failure is not None:
                raise failure

        # Chats in parallel, one chat's messages one after another (a module's kick-off before
        # its first step). Every send of the batch settles before a failure surfaces: none is
        # left running unseen after the tick has given up.
        outcomes = await asyncio.gather(
            *(chat(deliveries) for deliveries in by_chat.values()), return_exceptions=True
        )
        # The batch is done when every send of it is written down (a failed write surfaces).
        outcomes += await asyncio.gather(*marked, return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome

    async def _put_back(self, upcoming: asyncio.Task[_Batch | None]) -> None:
        """A batch taken ahead and not sent (a shutdown, or a failure): back in the queue now
        rather than held until its lease runs out. Not when this task is being cancelled (the
        process is going down): then its claims just expire."""
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            upcoming.cancel()
            return
        try:
            batch = await upcoming
            if batch is not None:
                async with self.uow_factory() as uow:
                    await uow.deliveries.release([d.id for d in batch.claimed])
                    await uow.commit()
        except Exception:
            log.warning("a batch taken ahead stays claimed until its lease ends", exc_info=True)

    @property
    def _default(self) -> Outbox:
        return Outbox(self.bot, self.limiter)

    async def _render(
        self, claimed: list[Delivery]
    ) -> tuple[dict[int, Rendered], dict[int, Outbox]]:
        """The batch's messages, rendered in one unit of work: one connection, not one per
        message, and what the renderer reads twice (a group, an organisation) is read once.
        Also which bot sends each (only deliveries for another bot than the default)."""
        outboxes: dict[int, Outbox] = {}
        async with self.uow_factory() as uow:
            if self.other_bots:
                groups = {d.group_id for d in claimed if d.group_id is not None}
                bot_of_group = await uow.groups.bot_ids(sorted(groups))
                for delivery in claimed:
                    bot_id = bot_of_group.get(delivery.group_id or 0)
                    if bot_id in self.other_bots:
                        outboxes[delivery.id] = self.other_bots[bot_id]
            held = await uow.read_once_for_batch(claimed)
            rendered = await self.render.batch(uow, claimed)
            del held
        return rendered, outboxes

    async def _deliver(
        self,
        claim: _Claim,
        parts: Rendered,
        report: SendReport,
        marked: list[asyncio.Future[None]],
    ) -> None:
        delivery, now = claim.delivery, claim.at
        if isinstance(parts, Exception):
            raise parts
        if not parts:
            await self._finish(claim, "give_up", "nothing to send")
            report.failed += 1
            return
        try:
            anchor_id = await self._send_parts(claim, parts)
        except TelegramForbiddenError as error:
            await self._blocked(claim, str(error))
            report.blocked += 1
        except (TelegramBadRequest, TelegramNotFound) as error:
            log.error("delivery %s (%s) refused by Telegram: %s", delivery.id, delivery.kind, error)
            await self._finish(claim, "give_up", f"refused: {error}")
            report.failed += 1
        except Transient as error:
            if delivery.attempts >= MAX_ATTEMPTS:
                await self._finish(claim, "give_up", f"gave up: {error}")
                report.failed += 1
            else:
                backoff = timedelta(seconds=min(3600, 30 * 2 ** (delivery.attempts - 1)))
                await self._finish(claim, "retry", str(error), retry_at=now + backoff)
                self.metrics.retries.labels(claim.outbox.bot.id).inc()
                report.deferred += 1
        else:
            # Not waited for here: the sender goes on to the next message while the mark is
            # written with others in one transaction; the batch waits for all its marks.
            marked.append(self._marks.add(claim, anchor_id, now))
            bot_label = claim.outbox.bot.id
            self.metrics.messages_sent.labels(bot_label).inc()
            lag = max(0.0, (now - delivery.due_at).total_seconds())
            self.metrics.delivery_lag.labels(bot_label).observe(lag)
            report.sent += 1

    async def _send_parts(self, claim: _Claim, parts: list[Part]) -> int | None:
        delivery = claim.delivery
        anchor_id = delivery.message_id
        for index, part in enumerate(parts):
            if index < delivery.parts_sent:
                continue  # went out on an earlier try
            message = await self._send_with_retries(claim.outbox, delivery.chat_id, part)
            if part is parts[-1] or (isinstance(part, TextPart) and part.anchor):
                anchor_id = (
                    message.message_id if anchor_id is None or _is_anchor(part) else anchor_id
                )
            if len(parts) > 1:
                await self._mark_part(claim, index + 1, message.message_id)
        return anchor_id

    async def _mark_part(self, claim: _Claim, parts_sent: int, message_id: int) -> None:
        async def write(uow: UnitOfWork) -> None:
            await uow.deliveries.mark_part_sent(claim.delivery.id, parts_sent, message_id)

        await self._record(claim, write)

    async def _send_with_retries(self, outbox: Outbox, chat_id: int, part: Part) -> Message:
        """The bot's SendPolicy waits for the slot and tries 429s, 5xx and time-outs again;
        what still fails is worth trying later."""
        try:
            return await self._send(outbox.bot, chat_id, part)
        except TelegramRetryAfter as error:
            raise Transient(f"429 {RETRY_AFTER_TRIES + 1} times") from error
        except (TelegramServerError, TelegramNetworkError) as error:
            raise Transient(type(error).__name__) from error

    async def _send(self, bot: Bot, chat_id: int, part: Part) -> Message:
        paid = True if self.paid_broadcast else None
        if isinstance(part, TextPart):
            return await bot.send_message(
                chat_id,
                part.html,
                reply_markup=part.keyboard,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
                allow_paid_broadcast=paid,
            )
        if isinstance(part, PhotoPart):
            return await self._send_photo(bot, chat_id, part, paid)
        document = BufferedInputFile(part.data, filename=part.filename)
        return await bot.send_document(
            chat_id, document, caption=part.caption or None, allow_paid_broadcast=paid
        )

    async def _send_photo(
        self, bot: Bot, chat_id: int, part: PhotoPart, paid: bool | None
    ) -> Message:
        caption = part.caption or None
        if part.cache_key is None:
            upload = BufferedInputFile(part.png, filename=part.filename)
            return await bot.send_photo(chat_id, upload, caption=caption, allow_paid_broadcast=paid)
        key = (bot.id, part.cache_key)
        while key in self._uploading:  # another chat is uploading it: wait for its file_id
            await asyncio.shield(self._uploading[key])
        known = self._file_ids.get(key)
        if known is not None:
            try:
                return await bot.send_photo(
                    chat_id, known, caption=caption, allow_paid_broadcast=paid
                )
            except TelegramBadRequest:  # the file_id went stale: upload it again
                self._file_ids.pop(key, None)
        uploaded = self._uploading[key] = asyncio.get_running_loop().create_future()
        try:
            upload = BufferedInputFile(part.png, filename=part.filename)
            message = await bot.send_photo(
                chat_id, upload, caption=caption, allow_paid_broadcast=paid
            )
            if message.photo:
                self._file_ids[key] = message.photo[-1].file_id
                while len(self._file_ids) > FILE_IDS_KEPT:
                    self._file_ids.popitem(last=False)
            return message
        finally:
            del self._uploading[key]
            uploaded.set_result(None)

    async def _blocked(self, claim: _Claim, error: str) -> None:
        self.metrics.blocked.labels(claim.outbox.bot.id).inc()
        delivery = claim.delivery

        async def write(uow: UnitOfWork) -> None:
            await uow.deliveries.give_up(delivery.id, f"blocked: {error}")
            await uow.deliveries.stop_for_chat(delivery.chat_id, "chat blocked the bot")
            await uow.members.mark_unreachable(delivery.chat_id)

        await self._record(claim, write)
        log.info("delivery %s: the chat has blocked the bot; it is marked unreachable", delivery.id)

    async def _finish(
        self, claim: _Claim, how: str, error: str, *, retry_at: datetime | None = None
    ) -> None:
        """A delivery that did not go out: given up, or back in the queue for `retry_at`.
        (One that went out is written down with others: `_marks`.)"""
        delivery_id = claim.delivery.id

        async def write(uow: UnitOfWork) -> None:
            if how == "retry" and retry_at is not None:
                await uow.deliveries.retry_later(delivery_id, retry_at, error)
            else:
                await uow.deliveries.give_up(delivery_id, error)

        await self._record(claim, write)

    async def _record_sent(self, marks: list[tuple[_Claim, int | None, datetime]]) -> None:
        async def write(uow: UnitOfWork) -> None:
            await uow.deliveries.mark_many_sent(
                [(claim.delivery.id, message_id, at) for claim, message_id, at in marks]
            )

        soonest = min((claim for claim, _, _ in marks), key=lambda claim: claim.hold_until)
        await self._record(soonest, write)

    async def _record(self, claim: _Claim, write: Write) -> None:
        """Writes in a transaction of its own; while the claim holds, waits out a database that
        went away rather than leave a send unrecorded (it would go out again)."""
        pause = 0.25
        while True:
            try:
                async with self.uow_factory() as uow:
                    await write(uow)
                    await uow.commit()
                return
            except Exception as error:
                if not is_database_away(error) or self.timer() + pause > claim.hold_until:
                    raise
                log.warning(
                    "delivery %s: database away (%s); writing it down again in %.1fs",
                    claim.delivery.id,
                    type(error).__name__,
                    pause,
                )
            await asyncio.sleep(pause)
            pause = min(pause * 2, 5.0)


class _SentMarks:
    """Sends that finish close together are written down together: one transaction for all
    that finished while the previous one was being written (a group commit). Each mark comes
    with a future that settles when it is written; a batch counts as sent only once all of its
    futures have."""

    def __init__(
        self, write: Callable[[list[tuple[_Claim, int | None, datetime]]], Awaitable[None]]
    ):
        self._write = write
        self._waiting: list[tuple[_Claim, int | None, datetime, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    def add(self, claim: _Claim, message_id: int | None, at: datetime) -> asyncio.Future[None]:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((claim, message_id, at, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_waiting())
        # shielded: a batch cancelled meanwhile does not take its marks out of the writing
        return asyncio.shield(done)

    async def _write_waiting(self) -> None:
        while self._waiting:
            marks, self._waiting = self._waiting, []
            try:
                await self._write([(claim, message_id, at) for claim, message_id, at, _ in marks])
            except Exception as error:
                outcome: Exception | None = error
            else:
                outcome = None
            for *_, done in marks:
                if done.done():
                    continue
                if outcome is None:
                    done.set_result(None)
                else:
                    done.set_exception(outcome)


@dataclass(frozen=True)
class _Batch:
    claimed: list[Delivery]
    rendered: dict[int, Rendered]
    outboxes: dict[int, Outbox]  # by delivery id, where another bot than the default sends
    at: datetime  # the tick's moment plus the time sending had taken when it was claimed
    hold_until: float  # timer() by which its lease is nearly up


@dataclass(frozen=True)
class _Claim:
    delivery: Delivery
    outbox: Outbox
    at: datetime  # the tick's moment plus the time sending has taken so far
    hold_until: float  # timer() by which the lease is nearly up


def _is_anchor(part: Part) -> bool:
    return isinstance(part, TextPart) and part.anchor


__all__ = ["Deliverer", "DocumentPart", "PhotoPart", "SendReport", "TextPart"]
