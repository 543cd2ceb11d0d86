"""Fair service under a flood: how long a member waits for /help while another member floods
the bot with 300 messages, against the same wait with nobody flooding, in the same run.

    .venv/bin/python bench/bench_flood.py [--burst 300] [--rounds 3]

The real bot (aiogram over HTTP, SQLite in a temporary folder) against the project's local Bot
API server with Telegram's limits on (30 messages a second, one a second per chat, 429 beyond)
and the default inbound limit (INBOUND_LIMIT 5 per 10 seconds per chat). Prints the median wait
of each, their ratio and how many 429s the server gave. No assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from datetime import time as clock_time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.support import emit, machine
from tests.support.harness import Refleks, running_refleks, seed_school

MONDAY = date(2026, 11, 23)
FLOODER, OTHER = 1001, 1002


async def wait_for_help(refleks: Refleks, burst: int) -> float:
    """Seconds from /help to its answer, after `burst` messages from the flooder."""
    last = 0
    for n in range(burst):
        last = refleks.api.push_message(FLOODER, f"melding {n}")
    started = time.perf_counter()
    refleks.api.push_command(OTHER, "help")
    await refleks.api.wait_for_message(OTHER, timeout=600)
    waited = time.perf_counter() - started
    if last:
        await refleks.handled(last)
    return waited


async def one_round(folder: Path, round_no: int, burst: int) -> tuple[float, int]:
    url = f"sqlite+aiosqlite:///{folder / f'flood-{round_no}-{burst}.db'}"
    now = datetime.combine(MONDAY, clock_time(9), UTC)
    async with running_refleks(
        url,
        now,
        inbound_limit=5,
        inbound_window_seconds=10,
        messages_per_second=25,
        chat_messages_per_second=1,
    ) as refleks:
        refleks.invites = await seed_school(refleks.app, start=MONDAY)
        await refleks.join(FLOODER)
        await refleks.join(OTHER)
        await asyncio.sleep(1.1)  # the joins' replies are a second behind us
        refleks.api.limit_per_second = 30
        refleks.api.flood.per_chat_per_second = 1
        waited = await wait_for_help(refleks, burst)
        return waited, refleks.api.rate_limit_refusals


async def run(burst: int, rounds: int) -> None:
    print(machine())
    quiet, flooded, refusals = [], [], 0
    with tempfile.TemporaryDirectory(prefix="refleks-bench-") as name:
        for round_no in range(rounds):
            waited, refused = await one_round(Path(name), round_no, 0)
            quiet.append(waited)
            waited, refused_too = await one_round(Path(name), round_no, burst)
            flooded.append(waited)
            refusals += refused + refused_too
    calm, busy = statistics.median(quiet), statistics.median(flooded)
    print(f"/help answered, nobody flooding: {calm * 1000:7.0f} ms (median of {rounds}, baseline)")
    print(
        f"/help answered, {burst} messages from another member just before: "
        f"{busy * 1000:7.0f} ms, {busy / calm:5.1f}x the baseline; 429s from the server: {refusals}"
    )
    emit("flood", burst=burst, quiet_s=calm, flooded_s=busy, ratio=busy / calm, refusals=refusals)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--burst", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(run(args.burst, args.rounds))


if __name__ == "__main__":
    main()
