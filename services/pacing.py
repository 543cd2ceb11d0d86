"""Books what the planner (services.planning) enqueued into minutes each bot can send in
(domain.pacing), so a whole country's morning goes out at the rate limit, a minute's worth each
tick.

Runs after planning, in the instance that holds the tick lock; it reads only the rows not
booked yet and what the coming minutes already hold.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from domain.pacing import KIND_WEIGHT, Booking, Unbooked, book, minute_of
from services.unit_of_work import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

# A share of each bot's limit is booked; the rest is left for replies to members (thanks,
# /today, the admin menu), which go out at once and count against the same limit.
BOOKED_SHARE = 0.8
LATE_WARNING = timedelta(hours=1)


@dataclass(frozen=True)
class Pacing:
    messages_per_second: float
    default_bot: int  # the lane of groups whose organisation has no bot of its own
    timezone: str = "Europe/Oslo"  # whose night no booking falls in

    @property
    def capacity(self) -> int:
        """Sends booked into one minute of one bot."""
        return max(1, int(self.messages_per_second * 60 * BOOKED_SHARE))


async def book_rows(
    uow: UnitOfWork, rows: list[dict[str, Any]], now: datetime, pacing: Pacing
) -> None:
    """Books deliveries about to be enqueued (DeliveryRow column dicts): each gets its
    minute as `due_at` and is written once, already paced."""
    if not rows:
        return
    owed = [(i, row.get("group_id"), row["due_at"], row["kind"]) for i, row in enumerate(rows)]
    for booking in await _book(uow, owed, now, pacing):
        rows[booking.id].update(due_at=booking.at, paced=True)


async def pace(uow_factory: UnitOfWorkFactory, now: datetime, pacing: Pacing) -> int:
    """Books every pending delivery enqueued unbooked (reminders, summaries, anything a
    planner did not book as it wrote it); returns how many."""
    async with uow_factory() as uow:
        unpaced = await uow.deliveries.unpaced()
        if not unpaced:
            return 0
        bookings = await _book(uow, unpaced, now, pacing)
        await uow.deliveries.book([(b.id, b.at) for b in bookings])
        await uow.commit()
    return len(bookings)


async def _book(
    uow: UnitOfWork,
    owed: list[tuple[int, int | None, datetime, str]],
    now: datetime,
    pacing: Pacing,
) -> list[Booking]:
    """Bookings for (id, group id, nominal time, kind), around what is booked already."""
    already = await uow.deliveries.booked_from(minute_of(now))
    groups = {g for _, g, _, _ in owed if g} | {g for g, _, _, _ in already if g}
    bot_of_group = await uow.groups.bot_ids(sorted(groups))

    def lane(group: int | None) -> int:
        return bot_of_group.get(group or 0, pacing.default_bot)

    load: Counter[tuple[int, datetime]] = Counter()
    for group, minute, kind, count in already:
        load[(lane(group), minute)] += count * KIND_WEIGHT.get(kind, 1)
    bookings = book(
        [Unbooked(i, lane(group), due, group, kind) for i, group, due, kind in owed],
        capacity=pacing.capacity,
        booked=load,
        now=now,
        timezone=pacing.timezone,
    )
    _warn_if_late(bookings)
    return bookings


def _warn_if_late(bookings: list[Booking]) -> None:
    if not bookings:
        return
    latest = max(bookings, key=lambda b: b.late)
    if latest.late > LATE_WARNING:
        log.warning(
            "the sends owed now take until %s to go out (%d min late at most): add a bot token"
            " (MORE_BOT_TOKENS) or switch on paid broadcasts (PAID_BROADCAST)",
            latest.at.isoformat(timespec="minutes"),
            latest.late // timedelta(minutes=1),
        )
