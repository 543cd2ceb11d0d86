"""A morning bigger than a minute: the sends are booked into the minutes the bot has room in,
each tick sends its minute's worth, nobody gets a step before its time or twice, and Telegram
never answers 429. Real bot over HTTP, real database, a clock the test moves.

The bot's limit is set to a quarter of a message a second, so a minute holds 12 bookings
(80 % of 15) and 30 staff owed the 08:00 step take three minutes: 12, 12 and 6.
"""

from __future__ import annotations

from datetime import date

from bot.ratelimit import RateLimiter
from tests.support.harness import oslo, running_refleks, seed_school

MONDAY = date(2026, 11, 23)
STAFF = tuple(range(5001, 5031))


async def test_a_morning_goes_out_a_minute_at_a_time_each_step_once_and_never_early(
    database_url: str,
) -> None:
    async with running_refleks(database_url, oslo(MONDAY, 7), messages_per_second=0.25) as refleks:
        refleks.app.deliverer.limiter = RateLimiter(1000, 30)  # only the booking holds it back
        refleks.invites = await seed_school(refleks.app, start=MONDAY)
        for user in STAFF:
            await refleks.join(user)
        joined = {user: len(refleks.messages(user)) for user in STAFF}
        refleks.api.limit_per_second = 30  # Telegram's limit from here on: 429 past it

        early = await refleks.tick(oslo(MONDAY, 7, 59))
        assert early.sent.sent == 0

        sent_per_minute = [
            (await refleks.tick(oslo(MONDAY, 8, minute))).sent.sent for minute in range(4)
        ]
        assert sent_per_minute == [12, 12, 6, 0]

        for user in STAFF:
            steps = refleks.messages(user)[joined[user] :]
            assert len(steps) == 1, f"member {user} got {len(steps)} steps"
        assert refleks.api.rate_limit_refusals == 0


async def test_a_tick_after_downtime_books_what_is_owed_from_now_on(database_url: str) -> None:
    async with running_refleks(database_url, oslo(MONDAY, 7), messages_per_second=0.25) as refleks:
        refleks.app.deliverer.limiter = RateLimiter(1000, 30)
        refleks.invites = await seed_school(refleks.app, start=MONDAY)
        for user in STAFF[:20]:
            await refleks.join(user)
        # The bot was down from 07:30 to 09:10: the 08:00 step is owed at once, a minute's
        # worth now and the rest in the next minute, not all in one burst.
        first = await refleks.tick(oslo(MONDAY, 9, 10))
        second = await refleks.tick(oslo(MONDAY, 9, 11))
        assert (first.sent.sent, second.sent.sent) == (12, 8)


async def test_with_paid_broadcasts_a_morning_goes_out_past_the_ordinary_limit(
    database_url: str,
) -> None:
    async with running_refleks(database_url, oslo(MONDAY, 7), paid_broadcast=True) as refleks:
        assert refleks.app.deliverer.paid_broadcast
        refleks.invites = await seed_school(refleks.app, start=MONDAY)
        for user in STAFF:
            await refleks.join(user)
        # The server now allows 5 ordinary messages a second; paid ones count against 1,000.
        refleks.api.limit_per_second = 5
        report = await refleks.tick(oslo(MONDAY, 8))
        assert report.sent.sent == len(STAFF)
        assert refleks.api.rate_limit_refusals == 0
