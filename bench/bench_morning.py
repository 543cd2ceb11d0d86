"""(8) A national morning: the 216,000 sends bench_tick's national Monday owes at 08:00, through
the real clock (a tick a minute), pacer and deliverer, to the local Bot API server in a process of
its own.

    .venv/bin/python bench/bench_morning.py [--staff 200000] [--sample 2500]

(a) Paid broadcasts, ours at the default 900 a second under Telegram's 1,000 ceiling, the server
    refusing ordinary sends beyond 30 a second as Telegram does: the wall time from the first
    tick to the last send, against the ideal at the ceiling (216 s for 216,000) and against what
    pacing books (each minute holds 80 % of our rate; the rest is kept for replies to members).
(b) The free limit on a sample: ours at the default 25 a second, the server at 30; a tenth of the
    staff chose their own time (08:01), so the morning spans booked minutes: the booked finish
    (the last minute pacing booked) against the last send.

For both, from what the server received: every owed delivery arrived exactly once (0 duplicates,
0 lost, and none left unsent in the database), and the pacing rules held: nothing before the
member's own time, nothing at night (outside 07:00-21:00, Oslo), and a school's staff together
(each school's sends within two consecutive booked minutes; the largest spread is printed).
The clock runs in real time from Monday 08:00; the peak memory is this process's (the engine's),
seeding and the server left out.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from statistics import median
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text

from bench.api_process import ApiProcess
from bench.bench_tick import DUE, LAST_WEEK, seed_school_year
from bench.support import MONDAY, Units, bench_database, emit, peak_rss_mb, seed_elsewhere, timed
from bot.app import App, build_app
from bot.clock import start_clock, stop_clock
from bot.config import Settings
from bot.local_api import DEFAULT_TOKEN
from domain.pacing import WAKING_HOURS
from services.pacing import BOOKED_SHARE

OSLO = ZoneInfo("Europe/Oslo")
PAID_CEILING = 1000.0  # Telegram's, messages a second
SERVER_LIMIT = 30.0  # Telegram's ordinary limit, which the server enforces on unpaid sends
TOGETHER = timedelta(minutes=2)  # a school's sends: within two consecutive booked minutes
OWN_TIME = time(8, 1)  # the sample's members who chose a time of their own
GIVE_UP = timedelta(minutes=40)


@dataclass
class OffsetClock:
    """Real time, shifted so that it starts at `start`: the server's clock runs at its pace."""

    offset: timedelta

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


async def choose_own_times(app: App, every: int) -> int:
    """Every `every`-th staff member chose OWN_TIME for their steps."""
    async with app.engine.begin() as connection:
        result = await connection.execute(
            text(
                "UPDATE members SET send_time = :own WHERE id % :every = 0"
                " AND id IN (SELECT member_id FROM memberships WHERE role = 'staff')"
            ),
            {"own": OWN_TIME, "every": every},
        )
        await connection.execute(text("UPDATE groups SET plan_at = NULL"))
    return int(result.rowcount or 0)


async def queue_left(app: App) -> tuple[int, int]:
    """This morning's rows (last week's are all before it): how many, how many not sent yet."""
    async with app.engine.connect() as connection:
        total, unsent = (
            await connection.execute(
                text(
                    "SELECT count(*), count(*) FILTER (WHERE status <> 'sent')"
                    " FROM deliveries WHERE due_at >= :due"
                ),
                {"due": DUE},
            )
        ).one()
    return int(total), int(unsent)


async def owed_by_chat(app: App) -> tuple[Counter[int], dict[int, int], dict[int, time], datetime]:
    """What the database says the morning owed: sends per chat, each staff member's school (the
    step that goes to all of them; a leader's kick-off goes first, on its own), everyone's own
    time, and the last minute pacing booked."""
    async with app.engine.connect() as connection:
        rows = (
            await connection.execute(
                text(
                    "SELECT d.chat_id, d.group_id, coalesce(m.send_time, r.send_time), d.due_at,"
                    " d.kind = 'step' AND ms.role = 'staff'"
                    " FROM deliveries d LEFT JOIN members m ON m.id = d.member_id"
                    " LEFT JOIN rollouts r ON r.id = d.rollout_id"
                    " LEFT JOIN memberships ms ON ms.member_id = d.member_id"
                    " AND ms.group_id = d.group_id WHERE d.due_at >= :due"
                ),
                {"due": DUE},
            )
        ).all()
    owed: Counter[int] = Counter(chat for chat, *_ in rows)
    school = {chat: group for chat, group, _, _, staff_step in rows if staff_step}
    own = {chat: at for chat, _, at, _, _ in rows}
    booked_last = max(due for _, _, _, due, _ in rows)
    return owed, school, own, booked_last


def check(
    arrivals: list[tuple[int, float, bool]],
    owed: Counter[int],
    school: dict[int, int],
    own: dict[int, time],
    offset: timedelta,
    paid: bool,
) -> dict[str, Any]:
    """The pacing rules and exactly-once, on what the server received."""
    got: Counter[int] = Counter(chat for chat, _, _ in arrivals)
    duplicates = sum(max(0, n - owed[chat]) for chat, n in got.items())
    lost = sum(max(0, n - got[chat]) for chat, n in owed.items())
    early = night = unpaid = 0
    by_school: dict[int, list[float]] = {}
    start, end = WAKING_HOURS
    for chat, wall, paid_flag in arrivals:
        at = (datetime.fromtimestamp(wall, UTC) + offset).astimezone(OSLO)
        if at.date() == MONDAY and at.time() < own.get(chat, time(0)):
            early += 1
        if not start <= at.time() < end:
            night += 1
        unpaid += paid and not paid_flag
        if own.get(chat) != OWN_TIME and chat in school:
            by_school.setdefault(school[chat], []).append(wall)
    spreads = [max(walls) - min(walls) for walls in by_school.values()]
    apart = sum(spread > TOGETHER.total_seconds() for spread in spreads)
    return {
        "received": len(arrivals),
        "duplicates": duplicates,
        "lost": lost,
        "early": early,
        "night": night,
        "unpaid": unpaid,
        "schools_apart": apart,
        "spread_max_s": max(spreads, default=0.0),
        "spread_median_s": median(spreads) if spreads else 0.0,
        "first_wall": min((wall for _, wall, _ in arrivals), default=0.0),
        "last_wall": max((wall for _, wall, _ in arrivals), default=0.0),
    }


async def morning(name: str, units: Units, *, paid: bool, own_every: int = 0) -> dict[str, Any]:
    async with bench_database(f"refleks_bench_morning_{name}") as url:
        seeding = seed_elsewhere(seed_school_year, url, units)
        with ApiProcess(limit_per_second=SERVER_LIMIT) as api:
            settings = Settings(
                _env_file=None,
                bot_token=DEFAULT_TOKEN,
                telegram_api_url=api.base_url,
                database_url=url,
                paid_broadcast=paid,
            )
            clock = OffsetClock(timedelta(0))
            app = await build_app(settings, clock=clock)
            try:
                chose = await choose_own_times(app, own_every) if own_every else 0
                stopping = asyncio.Event()
                clock.offset = DUE - datetime.now(UTC)  # the first tick is at 08:00
                first_tick = datetime.now(UTC).timestamp()
                ticking = start_clock(app, stopping)
                with timed() as took:
                    while True:
                        await asyncio.sleep(2)
                        total, unsent = await queue_left(app)
                        if (total and not unsent) or clock() - DUE > GIVE_UP:
                            break
                await stop_clock(app, ticking, stopping)
                owed, school, own, booked_last = await owed_by_chat(app)
                _, unsent = await queue_left(app)
                arrivals = api.ask("arrivals")
                refused = api.ask("stats")["refused_429"]
            finally:
                await app.close()
    seen = check(arrivals, owed, school, own, clock.offset, paid)
    wall = seen["last_wall"] - first_tick
    rate = settings.messages_per_second
    last_sent = datetime.fromtimestamp(seen["last_wall"], UTC) + clock.offset
    return {
        "name": name,
        "staff": units.members,
        "schools": units.units,
        "seed_s": seeding,
        "own_time_members": chose,
        "owed": sum(owed.values()),
        "unsent": unsent,
        "rate": rate,
        "wall_s": wall,
        "watched_s": took[0],
        "refused_429": refused,
        "booked_last": booked_last.isoformat(),
        "booked_last_local": booked_last.astimezone(OSLO).strftime("%H:%M"),
        "last_sent_local": last_sent.astimezone(OSLO).strftime("%H:%M:%S"),
        **seen,
    }


def report(result: dict[str, Any], ideal_rate: float) -> None:
    owed, wall = result["owed"], result["wall_s"]
    ideal = owed / ideal_rate
    paced = owed / (result["rate"] * BOOKED_SHARE)
    print(
        f"  {result['staff']:,} staff in {result['schools']:,} schools (seeded in"
        f" {result['seed_s']:.0f} s), {result['own_time_members']:,} of them at their own"
        f" {OWN_TIME:%H:%M}; ours {result['rate']:g}/s:\n"
        f"    {result['received']:,} sends received of {owed:,} owed in {wall:.0f} s from the"
        f" first tick to the last send = {wall / ideal:.2f} x the ideal at {ideal_rate:,.0f}/s"
        f" ({ideal:.0f} s), {wall / paced:.2f} x what pacing books at {BOOKED_SHARE:.0%} of"
        f" ours ({paced:.0f} s); {result['received'] / wall:,.0f} sends/s\n"
        f"    booked finish {result['booked_last_local']} (the last minute booked), last send"
        f" {result['last_sent_local']} (Oslo); 429s {result['refused_429']}\n"
        f"    exactly once: {result['duplicates']} duplicates, {result['lost']} lost,"
        f" {result['unsent']} left unsent; pacing: {result['early']} before the member's own"
        f" time, {result['night']} at night, {result['schools_apart']} schools apart (largest"
        f" spread {result['spread_max_s']:.1f} s, median {result['spread_median_s']:.2f} s)"
        + (f", {result['unpaid']} not sent as paid broadcasts" if result["unpaid"] else "")
    )


async def main(staff: int, sample: int, per_school: int) -> None:
    a: dict[str, Any] = {}
    if staff:
        national = Units(units=staff // per_school, staff=per_school, leaders=1, start=LAST_WEEK)
        print("(a) paid broadcasts, a national Monday at 08:00:")
        a = await morning("paid", national, paid=True)
        report(a, PAID_CEILING)
    b: dict[str, Any] = {}
    if sample:
        print("(b) the free limit, a sample:")
        sampled = Units(
            units=max(1, sample // per_school), staff=per_school, leaders=1, start=LAST_WEEK
        )
        b = await morning("free", sampled, paid=False, own_every=10)
        report(b, SERVER_LIMIT)
    peak = peak_rss_mb()
    print(f"peak resident memory: {peak:.0f} MB")
    emit("morning", paid=a, free=b, peak_rss_mb=peak)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--staff", type=int, default=200_000, help="staff in (a); 0 skips it")
    parser.add_argument("--sample", type=int, default=2500, help="staff in (b); 0 skips it")
    parser.add_argument("--per-school", type=int, default=25, help="staff per school")
    args = parser.parse_args()
    asyncio.run(main(args.staff, args.sample, args.per_school))
