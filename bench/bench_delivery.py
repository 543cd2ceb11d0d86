"""(1) Delivery: 20,000 staff in 1,000 groups, all owed a step in the same minute, sent by the
engine (claim, render, send, mark) to the local Bot API server running in a process of its own.

    .venv/bin/python bench/bench_delivery.py [--units 1000] [--staff 20] [--limited 600]
        [--instances 2]

(a) No limit on the server, ours set out of the way: messages a second, against 1,000 a second
    (Telegram's paid-broadcast ceiling) and against a bare send loop measured in the same run
    (the same aiogram Bot and concurrency, no database): what the engine itself costs.
(b) The server enforcing 30 a second, ours at the default 25: for a sample (--limited) the rate
    achieved as a share of the server's limit, with the 429s and duplicates the server counted.
(c) One process cannot reach the ceiling (the profile: aiogram's request and response handling
    and our rendering keep one core busy), so: the same 20,000 sent by --instances engine
    processes sharing the queue (claims skip rows another holds) and a limit of 1,000 a second
    kept in Redis, against one such process in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import sys
import time as wall
from datetime import UTC, datetime, time
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.api_process import ApiProcess
from bench.support import (
    MONDAY,
    Units,
    bench_database,
    emit,
    peak_rss_mb,
    seed_elsewhere,
    seed_units,
    timed,
)
from bot.app import App, ManualClock, build_app
from bot.config import Settings
from bot.local_api import DEFAULT_TOKEN
from bot.ratelimit import RateLimiter
from content.outline import outline
from dialogues.outgoing import TextPart
from domain.calendar import local_to_utc
from services.planning import plan_due

PAID_BROADCAST_CEILING = 1000.0  # messages a second
SERVER_LIMIT = 30.0
OUR_LIMIT = 25.0
DUE = local_to_utc(MONDAY, time(8), "Europe/Oslo")
REDIS_URL = os.environ.get("REFLEKS_BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")


async def engine(url: str, api_url: str, per_second: float, redis_url: str | None = None) -> App:
    settings = Settings(
        _env_file=None,
        bot_token=DEFAULT_TOKEN,
        telegram_api_url=api_url,
        database_url=url,
        messages_per_second=min(per_second, 1000),
        redis_url=redis_url,
    )
    return await build_app(settings, clock=ManualClock(DUE))


async def plan(app: App) -> tuple[int, float]:
    with timed() as took:
        report = await plan_due(app.uow_factory, partial(outline, app.catalogue), DUE)
    return report.steps, took[0]


async def bare_loop(app: App, messages: int, text: str) -> float:
    """The same Bot and concurrency as the deliverer, nothing else: messages a second."""
    chats = iter(range(90_000_000, 90_000_000 + messages))
    workers = app.deliverer.workers

    async def worker() -> None:
        for chat in chats:
            await app.bot.send_message(chat, text)

    with timed() as took:
        await asyncio.gather(*(worker() for _ in range(workers)))
    return messages / took[0]


async def unlimited(units: Units) -> dict[str, float]:
    async with bench_database("refleks_bench_delivery") as url:
        seeded = seed_elsewhere(seed_units, url, units)
        with ApiProcess() as api:
            app = await engine(url, api.base_url, 1000)
            app.deliverer.limiter = RateLimiter(1_000_000, 1_000_000)  # out of the way
            try:
                owed, planning = await plan(app)
                with timed() as took:
                    report = await app.deliverer.send_due(DUE)
                seen = api.ask("stats")
                async with app.uow_factory() as uow:
                    sample = await uow.deliveries.get(1)
                    assert sample is not None
                    parts = (await app.deliverer.render.batch(uow, [sample]))[sample.id]
                text = parts[0].html if parts and isinstance(parts[0], TextPart) else "x" * 1500
                bare = await bare_loop(app, 5000, text)
            finally:
                await app.close()
    rate = report.sent / took[0]
    print(f"seeded {units.members:,} staff in {units.units:,} groups: {seeded:.1f} s")
    print(f"planned {owed:,} steps in {planning:.2f} s")
    print(
        f"(a) sent {report.sent:,} in {took[0]:.1f} s: {rate:,.0f} messages/s"
        f" = {rate / PAID_BROADCAST_CEILING:.2f} x the 1,000/s paid-broadcast ceiling,"
        f" {rate / bare:.2f} x a bare send loop ({bare:,.0f}/s, same run)"
    )
    print(
        f"    server saw {seen['sent']:,} messages to {seen['chats']:,} chats,"
        f" {seen['duplicates']} duplicates; deferred {report.deferred}, failed {report.failed}"
    )
    return {
        "members": units.members,
        "groups": units.units,
        "planned": owed,
        "planning_s": planning,
        "sent": report.sent,
        "send_s": took[0],
        "rate": rate,
        "ratio_ceiling": rate / PAID_BROADCAST_CEILING,
        "bare_rate": bare,
        "ratio_bare": rate / bare,
        "duplicates": seen["duplicates"],
    }


async def limited(messages: int) -> dict[str, float]:
    units = Units(units=max(1, messages // 20), staff=20, leaders=0)
    async with bench_database("refleks_bench_delivery_limited") as url:
        seed_elsewhere(seed_units, url, units)
        with ApiProcess(limit_per_second=SERVER_LIMIT) as api:
            app = await engine(url, api.base_url, OUR_LIMIT)
            try:
                await plan(app)
                with timed() as took:
                    report = await app.deliverer.send_due(DUE)
                seen = api.ask("stats")
            finally:
                await app.close()
    rate = report.sent / took[0]
    print(
        f"(b) server limit {SERVER_LIMIT:.0f}/s, ours {OUR_LIMIT:.0f}/s: sent {report.sent:,} in"
        f" {took[0]:.1f} s = {rate:.1f}/s = {rate / OUR_LIMIT:.2f} x ours,"
        f" {rate / SERVER_LIMIT:.0%} of the server's limit;"
        f" 429s {seen['refused_429']}, duplicates {seen['duplicates']}"
    )
    return {
        "sent": report.sent,
        "send_s": took[0],
        "rate": rate,
        "share_of_limit": rate / SERVER_LIMIT,
        "share_of_ours": rate / OUR_LIMIT,
        "refused_429": seen["refused_429"],
        "duplicates": seen["duplicates"],
    }


def _instance(url: str, api_url: str, go: Any, results: Any) -> None:
    """One engine process: builds its app, waits for the others, sends what is due."""

    async def send() -> None:
        app = await engine(url, api_url, PAID_BROADCAST_CEILING, REDIS_URL)
        try:
            results.put(None)  # ready
            await asyncio.get_running_loop().run_in_executor(None, go.wait)
            started = wall.time()
            report = await app.deliverer.send_due(DUE)
            results.put((report.sent, started, wall.time()))
        finally:
            await app.close()

    asyncio.run(send())


async def shared(units: Units, instances: int) -> dict[str, float]:
    """`instances` engine processes on one queue and one Redis-kept limit: messages a second."""
    async with bench_database(f"refleks_bench_delivery_shared_{instances}") as url:
        seed_elsewhere(seed_units, url, units)
        with ApiProcess() as api:
            app = await engine(url, api.base_url, PAID_BROADCAST_CEILING)
            try:
                await plan(app)
            finally:
                await app.close()
            context = multiprocessing.get_context("spawn")
            go, results = context.Event(), context.Queue()
            processes = [
                context.Process(target=_instance, args=(url, api.base_url, go, results))
                for _ in range(instances)
            ]
            for process in processes:
                process.start()
            for _ in processes:
                await asyncio.to_thread(results.get)  # each one ready
            go.set()
            finished = [await asyncio.to_thread(results.get) for _ in processes]
            for process in processes:
                process.join()
            seen = api.ask("stats")
    sent = sum(n for n, _, _ in finished)
    seconds = max(end for *_, end in finished) - min(start for _, start, _ in finished)
    return {
        "instances": instances,
        "sent": sent,
        "seconds": seconds,
        "rate": sent / seconds,
        "duplicates": seen["duplicates"],
        "received": seen["sent"],
    }


async def instances_together(units: Units, instances: int) -> dict[str, Any]:
    one = await shared(units, 1)
    many = await shared(units, instances)
    print(
        f"(c) sharing the queue and a 1,000/s limit in Redis: one engine process"
        f" {one['rate']:,.0f}/s, {instances} together {many['rate']:,.0f}/s"
        f" ({many['sent']:,} sent, {many['received']:,} received, {many['duplicates']} duplicates)"
        f" = {many['rate'] / one['rate']:.2f} x one,"
        f" {many['rate'] / PAID_BROADCAST_CEILING:.2f} x the ceiling"
    )
    return {"one": one, "many": many}


async def main(units: int, staff: int, sample: int, instances: int) -> None:
    started = datetime.now(UTC)
    a = await unlimited(Units(units=units, staff=staff, leaders=0))
    b = await limited(sample) if sample else {}
    c = (
        await instances_together(Units(units=units, staff=staff, leaders=0), instances)
        if instances > 1
        else {}
    )
    peak = peak_rss_mb()
    print(f"peak resident memory: {peak:.0f} MB")
    emit(
        "delivery", unlimited=a, limited=b, shared=c, peak_rss_mb=peak, started=started.isoformat()
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=1000, help="groups (default 1,000)")
    parser.add_argument("--staff", type=int, default=20, help="staff per group (default 20)")
    parser.add_argument("--limited", type=int, default=600, help="messages in (b); 0 skips it")
    parser.add_argument("--instances", type=int, default=2, help="engines in (c); 1 skips it")
    args = parser.parse_args()
    asyncio.run(main(args.units, args.staff, args.limited, args.instances))
