"""(3) Tick: what the clock's planning costs on PostgreSQL, at 20,000 and at 200,000 staff.

    .venv/bin/python bench/bench_tick.py [--sizes 20000,200000] [--staff 25]

Schools of 25 staff and a leader (200,000 staff: 8,000 schools), bulk-seeded with COPY in a
child process, in the second week of the school package: last week's five steps sent to
everyone (a million delivery rows at 200,000), 60 % of them answered, last week's summaries
frozen. Timed:

- Monday 08:00, the due tick: housekeeping and planning, which owes today's step to every staff
  member and the next module's kick-off to every leader; against the floor under it, writing
  the same rows into the same table by one INSERT ... SELECT (rolled back);
- the quiet tick a minute later, which finds nothing new: what every other minute costs;
- the first claim of a batch from the full queue;
- Tuesday 08:00 (Monday's steps marked sent, 60 % answered): Tuesday's step to everyone and a
  reminder of Monday's to the 40 % who did not answer.

The baseline is the smallest size, measured in the same run: the ratios say how the cost grows
(10 x the staff: linear is 10 x). Peak memory is the benchmark process's, seeding left out.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

import bot.clock
import services.planning
from bench.support import (
    MONDAY,
    PACKAGE,
    Units,
    bench_database,
    copy_rows,
    emit,
    peak_rss_mb,
    reset_sequences,
    seed_elsewhere,
    seed_units,
    timed,
)
from bot.app import App, ManualClock, build_app
from bot.clock import TickReport, tick
from bot.config import Settings
from bot.local_api import DEFAULT_TOKEN
from content.loader import load_packages
from domain.calendar import local_to_utc
from services.pacing import book_rows, pace

LAST_WEEK = MONDAY - timedelta(days=7)
DUE = local_to_utc(MONDAY, time(8), "Europe/Oslo")
TUESDAY = DUE + timedelta(days=1)
ANSWERED = 0.6
DELIVERY_COLUMNS = (
    *("id", "kind", "dedupe_key", "chat_id", "member_id", "group_id", "rollout_id", "step_id"),
    *("week", "status", "due_at", "attempts", "sent_at", "message_id", "parts_sent"),
)


async def seed_school_year(engine: AsyncEngine, units: Units) -> None:
    """The schools, and last week: five steps sent to every staff member, 60 % answered, the
    summary frozen."""
    await seed_units(engine, units)
    rng = random.Random(2026)
    steps = [s.id for s in load_packages()[PACKAGE].module(0).steps[:5]]
    now = datetime.now(UTC)
    deliveries, participation = [], []
    for unit in range(1, units.units + 1):
        for member in units.member_ids(unit):
            if units.is_leader(member):
                continue
            for day, step in enumerate(steps):
                sent = local_to_utc(LAST_WEEK + timedelta(days=day), time(8), "Europe/Oslo")
                key = f"step:{unit}:{step}:{member}"
                chat = units.telegram_id(member)
                head = (len(deliveries) + 1, "step", key, chat, member, unit, unit, step)
                deliveries.append((*head, LAST_WEEK, "sent", sent, 1, sent, day + 2, 0))
                if rng.random() < ANSWERED:
                    on = LAST_WEEK + timedelta(days=day)
                    participation.append(
                        (len(participation) + 1, member, unit, unit, step, LAST_WEEK, on)
                    )
    await copy_rows(engine, "deliveries", DELIVERY_COLUMNS, deliveries)
    await copy_rows(
        engine,
        "participation",
        ("id", "member_id", "group_id", "rollout_id", "step_id", "week", "answered_on"),
        participation,
    )
    await copy_rows(
        engine,
        "summaries",
        ("id", "group_id", "week", "snapshot", "created_at"),
        ((u, u, LAST_WEEK, "{}", now) for u in range(1, units.units + 1)),
    )
    await reset_sequences(engine, ("deliveries", "participation", "summaries"))


async def monday_went_out(app: App) -> None:
    """Monday's messages were sent in the morning and 60 % answered (not timed)."""
    async with app.engine.begin() as connection:
        await connection.execute(
            text(
                "UPDATE deliveries SET status = 'sent', sent_at = due_at, message_id = 9"
                " WHERE status = 'pending'"
            )
        )
        await connection.execute(
            text(
                "INSERT INTO participation"
                " (member_id, group_id, rollout_id, step_id, week, answered_on)"
                " SELECT member_id, group_id, rollout_id, step_id, week, DATE '2026-11-23'"
                " FROM deliveries WHERE kind = 'step' AND step_id = 's0-6'"
                " AND member_id % 10 < 6"
            )
        )
        await connection.execute(text("ANALYZE"))


async def booked_window(app: App) -> tuple[datetime, datetime, int]:
    """The minutes the due tick booked the morning into (services.pacing): first, last, how many."""
    async with app.engine.connect() as connection:
        first, last, minutes = (
            await connection.execute(
                text(
                    "SELECT min(due_at), max(due_at), count(DISTINCT due_at) FROM deliveries"
                    " WHERE status = 'pending'"
                )
            )
        ).one()
    return first, last, minutes


async def bare_write_seconds(app: App) -> float:
    """The floor under the due tick: writing the rows it wrote (every pending one) into the
    same table, with its indexes and keys, by one INSERT ... SELECT; rolled back."""
    columns = (
        "kind, chat_id, member_id, group_id, rollout_id, step_id, week, status, due_at,"
        " attempts, paced"
    )
    async with app.engine.connect() as connection:
        with timed() as took:
            await connection.execute(
                text(
                    f"INSERT INTO deliveries (dedupe_key, {columns})"
                    f" SELECT dedupe_key || '-again', {columns} FROM deliveries"
                    " WHERE status = 'pending'"
                )
            )
        await connection.rollback()
    return took[0]


PACING_SECONDS: list[float] = []


async def timed_pace(*args: Any) -> int:
    """services.pacing.pace, timed: how much of a tick booking the sends takes."""
    with timed() as took:
        booked = await pace(*args)
    PACING_SECONDS.append(took[0])
    return booked


async def timed_book_rows(*args: Any) -> Any:
    """services.pacing.book_rows (the planner books steps before writing them), timed."""
    with timed() as took:
        ledger = await book_rows(*args)
    PACING_SECONDS.append(took[0])
    return ledger


async def timed_tick(app: App, at: datetime) -> tuple[TickReport, float, float]:
    PACING_SECONDS.clear()
    with timed() as took:
        report = await tick(app, at)
    return report, took[0], sum(PACING_SECONDS)


async def measure(staff_total: int, per_unit: int) -> dict[str, Any]:
    units = Units(units=staff_total // per_unit, staff=per_unit, leaders=1, start=LAST_WEEK)
    async with bench_database(f"refleks_bench_tick_{staff_total}") as url:
        seeding = seed_elsewhere(seed_school_year, url, units)
        settings = Settings(
            _env_file=None,
            bot_token=DEFAULT_TOKEN,
            telegram_api_url="http://127.0.0.1:9",  # nothing is sent: planning only
            database_url=url,
        )
        app = await build_app(settings, clock=ManualClock(DUE))
        app.deliverer.stopping = True  # the ticks plan; the queue is left for the claim below
        try:
            due, due_s, due_pacing = await timed_tick(app, DUE)
            window = await booked_window(app)
            bare_write = await bare_write_seconds(app)
            quiet, quiet_s, _ = await timed_tick(app, DUE + timedelta(minutes=1))
            async with app.uow_factory() as uow:
                with timed() as claim:
                    claimed = await uow.deliveries.claim_due(DUE, timedelta(minutes=2), 200)
                await uow.rollback()
            await monday_went_out(app)
            tuesday, tuesday_s, tuesday_pacing = await timed_tick(app, TUESDAY)
        finally:
            await app.close()
    history = units.members * 5
    print(
        f"{units.members:>8,} staff in {units.units:,} schools ({history:,} rows of history,"
        f" seeded in {seeding:.0f} s):\n"
        f"    Monday's due tick {due_s:6.2f} s ({due.planned.total:,} owed,"
        f" booking them {due_pacing:.2f} s) = {due_s / bare_write:.1f} x writing its rows by"
        f" INSERT ... SELECT ({bare_write:.2f} s, same run);\n   "
        f" quiet tick {quiet_s:5.2f} s ({quiet.planned.total} owed);"
        f" first claim of {len(claimed)}: {claim[0] * 1000:.1f} ms;\n"
        f"    Tuesday's due tick {tuesday_s:6.2f} s ({tuesday.planned.steps:,} steps,"
        f" {tuesday.planned.reminders:,} reminders, booking them {tuesday_pacing:.2f} s)\n"
        f"    Monday's morning booked into {window[2]} minutes"
        f" at {settings.messages_per_second:g}/s:"
        f" {local(window[0])} to {local(window[1])} (Oslo)"
    )
    return {
        "staff": units.members,
        "units": units.units,
        "history_rows": history,
        "seed_s": seeding,
        "due_tick_s": due_s,
        "bare_write_s": bare_write,
        "owed": due.planned.total,
        "quiet_tick_s": quiet_s,
        "quiet_owed": quiet.planned.total,
        "claim_s": claim[0],
        "claimed": len(claimed),
        "tuesday_tick_s": tuesday_s,
        "tuesday_steps": tuesday.planned.steps,
        "tuesday_reminders": tuesday.planned.reminders,
        "due_pacing_s": due_pacing,
        "tuesday_pacing_s": tuesday_pacing,
        "booked_minutes": window[2],
        "booked_last": window[1].isoformat(),
    }


def local(instant: datetime) -> str:
    from zoneinfo import ZoneInfo

    return instant.astimezone(ZoneInfo("Europe/Oslo")).strftime("%H:%M")


async def main(sizes: list[int], per_unit: int) -> None:
    bot.clock.pace = timed_pace  # type: ignore[assignment]  # the tick's own pacing, timed
    services.planning.book_rows = timed_book_rows  # type: ignore[assignment]
    results = [await measure(size, per_unit) for size in sizes]
    base = results[0]
    for result in results[1:]:
        grown = result["staff"] / base["staff"]

        def ratio(key: str, result: dict[str, Any] = result) -> str:
            return f"{result[key] / base[key]:.1f} x"

        print(
            f"{grown:.0f} x the staff (baseline: {base['staff']:,} in the same run):"
            f" due tick {ratio('due_tick_s')}, quiet tick {ratio('quiet_tick_s')},"
            f" claim {ratio('claim_s')}, Tuesday's tick {ratio('tuesday_tick_s')}"
        )
    peak = peak_rss_mb()
    print(f"peak resident memory: {peak:.0f} MB")
    emit("tick", sizes=results, peak_rss_mb=peak)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="20000,200000", help="staff counts, smallest first")
    parser.add_argument("--staff", type=int, default=25, help="staff per school (default 25)")
    args = parser.parse_args()
    asyncio.run(main([int(s) for s in args.sizes.split(",")], args.staff))
