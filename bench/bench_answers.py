"""(2) Answers: 10,000 answer updates, half button presses and half text replies, fed through
the dispatcher (`Dispatcher.feed_update` with real `Update` objects) with their database writes
and their replies to the local Bot API server (in a process of its own).

    .venv/bin/python bench/bench_answers.py [--members 5000] [--concurrency 8] [--profile FILE]
        [--sqlite]

Two cohorts of 5,000 staff got Monday's step (a choice: buttons) and Tuesday's (a text
question); each presses a button on Monday's and replies to Tuesday's, on Tuesday morning.
The baseline, in the same run: the same dispatcher set-up (unit-of-work middleware and all, so
the update-id log is written too) with an empty handler. The first cohort's updates are fed
one at a time, as polling does; the second cohort's `--concurrency` at a time, as webhooks
arrive. Each line also says how many round trips to the database an update cost (statements,
transaction starts and ends, and pool check-outs, which ping); `--profile` writes a cProfile of
the real handlers' runs (pstats format) to FILE.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import time, timedelta
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiogram import Dispatcher, Router
from aiogram.types import Update
from sqlalchemy import Connection, delete, event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.api_process import ApiProcess
from bench.support import (
    MONDAY,
    Units,
    bench_database,
    emit,
    peak_rss_mb,
    seed_units,
    sqlite_database,
    timed,
)
from bot.app import App, ManualClock, build_app
from bot.config import Settings
from bot.local_api import DEFAULT_TOKEN
from bot.middlewares import UnitOfWorkMiddleware
from bot.ratelimit import RateLimiter
from content.outline import outline
from domain.calendar import local_to_utc
from services.planning import plan_due
from storage.db import make_engine
from storage.models import AnswerRow, DeliveryRow
from storage.repositories.deliveries import Kind

TUESDAY = MONDAY + timedelta(days=1)
REPLY = "Vi snakket om det i teamet og prøver en ny rutine i garderoben fra i morgen."


def empty_dispatcher(app: App) -> Dispatcher:
    """The same set-up as the bot's dispatcher, with handlers that do nothing."""
    dispatcher = Dispatcher()
    dispatcher.update.outer_middleware(
        UnitOfWorkMiddleware(app.uow_factory, app.clock, app.metrics)
    )
    dispatcher.workflow_data.update(app.dispatcher.workflow_data)
    router = Router(name="empty")

    async def nothing(_: object) -> None:
        return None

    router.message.register(nothing)
    router.callback_query.register(nothing)
    dispatcher.include_router(router)
    return dispatcher


async def deliver_two_steps(app: App) -> int:
    """Monday's and Tuesday's steps to everyone (Tuesday's reminders of Monday left out)."""
    sent = 0
    for day in (MONDAY, TUESDAY):
        at = local_to_utc(day, time(8), "Europe/Oslo")
        await plan_due(app.uow_factory, partial(outline, app.catalogue), at)
        async with app.uow_factory() as uow:
            await uow.session.execute(delete(DeliveryRow).where(DeliveryRow.kind == Kind.REMINDER))
            await uow.commit()
        sent += (await app.deliverer.send_due(at)).sent
    return sent


async def feed(dispatcher: Dispatcher, app: App, updates: list[Update], concurrency: int) -> float:
    """Updates a second."""
    pending = iter(updates)

    async def worker() -> None:
        for update in pending:
            await dispatcher.feed_update(app.bot, update)

    with timed() as took:
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return len(updates) / took[0]


class RoundTrips:
    """Counts what goes to the database and waits for its answer: statements, BEGIN, COMMIT,
    ROLLBACK (none on a connection in autocommit, which sends none), and the ping of each
    connection checked out of the pool (pool_pre_ping)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.count = 0
        target = engine.sync_engine
        event.listen(target, "before_cursor_execute", self._one)
        for name in ("begin", "commit", "rollback"):
            event.listen(target, name, self._transaction)
        event.listen(target.pool, "checkout", self._one)

    def _one(self, *_: object) -> None:
        self.count += 1

    def _transaction(self, connection: Connection) -> None:
        if connection.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
            self.count += 1


@contextmanager
def profiled(path: str | None) -> Iterator[None]:
    if path is None:
        yield
        return
    profile = cProfile.Profile()
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        profile.dump_stats(path)


def shifted(raw: list[dict[str, Any]], by: int, app: App) -> list[Update]:
    """The updates, with their ids moved: each run is new to the update-id log."""
    return [
        Update.model_validate(
            {**update, "update_id": update["update_id"] + by}, context={"bot": app.bot}
        )
        for update in raw
    ]


async def answers_stored(app: App) -> int:
    async with app.uow_factory() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(AnswerRow)) or 0)


async def main(members: int, concurrency: int, profile: str | None, sqlite: bool) -> None:
    units = Units(units=max(2, 2 * members // 20), staff=20, leaders=0)
    database = sqlite_database() if sqlite else bench_database("refleks_bench_answers")
    print("on SQLite (a file)" if sqlite else "on PostgreSQL")
    async with database as url:
        seeding = make_engine(url)
        await seed_units(seeding, units)
        await seeding.dispose()
        with ApiProcess() as api:
            settings = Settings(
                _env_file=None,
                bot_token=DEFAULT_TOKEN,
                telegram_api_url=api.base_url,
                database_url=url,
            )
            app = await build_app(
                settings, clock=ManualClock(local_to_utc(TUESDAY, time(9), "Europe/Oslo"))
            )
            app.deliverer.limiter = RateLimiter(1_000_000, 1_000_000)
            try:
                steps = await deliver_two_steps(app)
                half = units.units // 2
                cohorts = [
                    [units.telegram_id(m) for u in unit_range for m in units.member_ids(u)]
                    for unit_range in (range(1, half + 1), range(half + 1, units.units + 1))
                ]
                raws = [
                    api.ask(
                        "answers", {"users": users, "first_id": 1 + n * 1_000_000, "text": REPLY}
                    )
                    for n, users in enumerate(cohorts)
                ]
                presses = sum("callback_query" in u for u in raws[0])
                print(
                    f"{units.members:,} staff, {steps:,} steps delivered; two cohorts of"
                    f" {len(raws[0]):,} answer updates ({presses:,} button presses,"
                    f" {len(raws[0]) - presses:,} text replies)"
                )
                empty = empty_dispatcher(app)
                trips = RoundTrips(app.engine)
                figures: dict[str, float] = {}
                for n, (key, width) in enumerate((("sequential", 1), ("concurrent", concurrency))):
                    trips.count = 0
                    base = await feed(empty, app, shifted(raws[n], 10_000_000, app), width)
                    base_trips = trips.count / len(raws[n])
                    before = await answers_stored(app)
                    trips.count = 0
                    with profiled(profile if n == 0 else None):
                        real = await feed(app.dispatcher, app, shifted(raws[n], 0, app), width)
                    real_trips = trips.count / len(raws[n])
                    stored = await answers_stored(app) - before
                    figures[f"{key}_rate"], figures[f"{key}_baseline"] = real, base
                    figures[f"{key}_ratio"] = real / base
                    figures[f"{key}_stored"] = stored
                    figures[f"{key}_round_trips"] = real_trips
                    label = "one at a time" if width == 1 else f"{width} at a time"
                    print(
                        f"{label:>14}: {real:6.0f} answers/s, empty handler {base:6.0f} updates/s:"
                        f" {real / base:.2f} x; {stored:,} answers stored of {len(raws[n]):,};"
                        f" {real_trips:.1f} database round trips an update ({base_trips:.1f})"
                    )
            finally:
                await app.close()
    peak = peak_rss_mb()
    print(f"peak resident memory: {peak:.0f} MB")
    name = "answers-sqlite" if sqlite else "answers"
    emit(name, updates=len(raws[0]), peak_rss_mb=peak, **figures)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--members", type=int, default=5000, help="staff per cohort (2 answers each; 2 cohorts)"
    )
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--profile", metavar="FILE", help="cProfile of the one-at-a-time run")
    parser.add_argument("--sqlite", action="store_true", help="on SQLite rather than PostgreSQL")
    args = parser.parse_args()
    asyncio.run(main(args.members, args.concurrency, args.profile, args.sqlite))
