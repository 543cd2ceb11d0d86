"""The clock: every minute `run_every_minute` calls `tick(now)`, under polling and webhooks
alike. What is due is computed from the database, so a restart or downtime catches up, and
nothing is sent twice. What is owed is booked into the minutes each bot can send it in
(services.pacing), so a tick sends about a minute's worth at the rate limit and the next one plans
on time.

With several instances, one plans (whoever holds the tick lock this minute) and every one sends:
claims skip rows another instance holds, and the rate limit is shared through Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from bot.app import App
from bot.delivery import SendReport
from content.outline import outline
from domain.calendar import local_date, monday_of, night_seal_due
from services import housekeeping
from services.pacing import Pacing, pace
from services.planning import PlanReport, plan_due
from services.sealing import seal_open_weeks
from storage.db import compact_answers

log = logging.getLogger(__name__)


@dataclass
class TickReport:
    planned: PlanReport
    sent: SendReport
    planned_here: bool = True  # False: another instance held the tick lock

    def line(self) -> str:
        p, s = self.planned, self.sent
        return (
            f"planned {p.steps} steps, {p.reminders} reminders, {p.kickoffs} kick-offs, "
            f"{p.summaries} summaries; sent {s.sent}, deferred {s.deferred}, "
            f"failed {s.failed}, blocked {s.blocked}"
        )


async def tick(app: App, now: datetime) -> TickReport:
    """One pass: housekeeping and planning what is owed at `now` (one instance at a time),
    then sending what is due (every instance)."""
    async with app.tick_lock.hold() as leader:
        planned = await _plan(app, now) if leader else PlanReport()
    if not leader:
        log.debug("tick %s: another instance is planning; only sending", now.isoformat())
    sent = await app.deliverer.send_due(now)
    app.metrics.queue_depth.set(await housekeeping.queue_depth(app.uow_factory, now))
    report = TickReport(planned, sent, planned_here=leader)
    if planned.total or sent.sent or sent.failed or sent.deferred:
        log.info("tick %s: %s", now.isoformat(timespec="minutes"), report.line())
    return report


async def _plan(app: App, now: datetime) -> PlanReport:
    summaries = app.summaries
    assert summaries is not None, "build_app gives every App its summaries"
    retention = timedelta(weeks=app.settings.answer_retention_weeks)
    purged = await housekeeping.daily(app.uow_factory, now.date(), retention, summaries)
    sealed = 0
    if night_seal_due(now, app.settings.timezone, app.night_sealed_on):
        app.night_sealed_on = local_date(now, app.settings.timezone)
        since = monday_of(app.night_sealed_on) - timedelta(weeks=1)
        sealed = await seal_open_weeks(app.uow_factory, since)
    settings = app.settings
    pacing = Pacing(settings.messages_per_second, app.bot.id, settings.timezone)
    planned = await plan_due(
        app.uow_factory,
        partial(outline, app.catalogue),
        now,
        pacing=pacing,
        close_weeks=summaries.close_weeks,
    )
    await pace(app.uow_factory, now, pacing)  # reminders and summaries, written unbooked
    # Old versions of rewritten answers (retention, the night's seal, a week's freeze) go.
    if summaries.take_sealed() or purged or sealed:
        await compact_answers(app.engine)
    return planned


SHUTDOWN_TIMEOUT = 60.0  # seconds for the tick in hand; a batch at 25 a second takes about 8


async def run_every_minute(app: App, stopping: asyncio.Event) -> None:
    """The server's clock: a tick now and at every minute until `stopping` is set. A tick in
    hand is finished, never cancelled (a cancelled send could go out without its `sent` mark);
    the deliverer stops claiming once it is told to stop."""
    loop = asyncio.get_running_loop()
    while not stopping.is_set():
        started = loop.time()
        try:
            await tick(app, app.clock())
        except Exception:
            log.exception("tick failed; the next one retries what is still due")
        pause = max(0.0, 60.0 - (loop.time() - started))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), pause)


def start_clock(app: App, stopping: asyncio.Event) -> asyncio.Task[None]:
    """The minute clock, for polling and webhooks alike, until `stopping` is set."""
    return asyncio.create_task(run_every_minute(app, stopping), name="clock")


async def stop_clock(app: App, clock: asyncio.Task[None], stopping: asyncio.Event) -> None:
    """Lets the tick in hand finish (up to SHUTDOWN_TIMEOUT) and starts no other."""
    stopping.set()
    app.deliverer.stopping = True
    try:
        await asyncio.wait_for(asyncio.shield(clock), SHUTDOWN_TIMEOUT)
    except TimeoutError:
        log.warning("tick cut after %ss; its claims expire with the lease", SHUTDOWN_TIMEOUT)
        clock.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await clock
