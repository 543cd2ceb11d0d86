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


@dataclass
class Ledger:
    """What each (bot, minute) holds, read once for a tick that books in batches and kept up
    to date with each batch's bookings, rather than read back from the queue every time."""

    load: Counter[tuple[int, datetime]]
    bot_of_group: dict[int, int]
    default_bot: int  # the lane of groups whose organisation has no bot of its own
    latest: Booking | None = None  # the booking pacing delayed most, of every batch

    def lane(self, group: int | None) -> int:
        return self.bot_of_group.get(group or 0, self.default_bot)

    def warn_if_late(self) -> None:
        """Once a tick, after its last batch: how late the latest send of all of them is."""
        if self.latest is not None and self.latest.late > LATE_WARNING:
            log.warning(
                "the sends owed now take until %s to go out (%d min late at most): add a bot"
                " token (MORE_BOT_TOKENS) or switch on paid broadcasts (PAID_BROADCAST)",
                self.latest.at.isoformat(timespec="minutes"),
                self.latest.late // timedelta(minutes=1),
            )


async def book_rows(
    uow: UnitOfWork,
    rows: list[dict[str, Any]],
    now: datetime,
    pacing: Pacing,
    ledger: Ledger | None = None,
) -> Ledger | None:
    """Books deliveries about to be enqueued (DeliveryRow column dicts): each gets its
    minute as `due_at` and is written once, already paced. Pass the ledger it returns to the
    next batch of the same tick."""
    if not rows:
        return ledger
    owed = [(i, row.get("group_id"), row["due_at"], row["kind"]) for i, row in enumerate(rows)]
    bookings, ledger = await _book(uow, owed, now, pacing, ledger)
    for booking in bookings:
        rows[booking.id].update(due_at=booking.at, paced=True)
    return ledger


async def pace(uow_factory: UnitOfWorkFactory, now: datetime, pacing: Pacing) -> int:
    """Books every pending delivery enqueued unbooked (reminders, summaries, anything a
    planner did not book as it wrote it); returns how many."""
    async with uow_factory() as uow:
        unpaced = await uow.deliveries.unpaced()
        if not unpaced:
            return 0
        bookings, ledger = await _book(uow, unpaced, now, pacing)
        ledger.warn_if_late()
        await uow.deliveries.book([(b.id, b.at) for b in bookings])
        await uow.commit()
    return len(bookings)


async def _book(
    uow: UnitOfWork,
    owed: list[tuple[int, int | None, datetime, str]],
    now: datetime,
    pacing: Pacing,
    ledger: Ledger | None = None,
) -> tuple[list[Booking], Ledger]:
    """Bookings for (id, group id, nominal time, kind), around what is booked already (read
    from the queue, or kept in `ledger`), and the ledger with them added."""
    groups = {g for _, g, _, _ in owed if g}
    if ledger is None:
        already = await uow.deliveries.booked_from(minute_of(now))
        groups |= {g for g, _, _, _ in already if g}
        bots = await uow.groups.bot_ids(sorted(groups))
        ledger = Ledger(Counter(), bots, pacing.default_bot)
        for group, minute, kind, count in already:
            ledger.load[(ledger.lane(group), minute)] += count * KIND_WEIGHT.get(kind, 1)
    else:
        ledger.bot_of_group.update(await uow.groups.bot_ids(sorted(groups)))
    unbooked = [Unbooked(i, ledger.lane(group), due, group, kind) for i, group, due, kind in owed]
    bookings = book(
        unbooked, capacity=pacing.capacity, booked=ledger.load, now=now, timezone=pacing.timezone
    )
    by_id = {item.id: item for item in unbooked}  # book() returns them in booking order
    for booking in bookings:
        item = by_id[booking.id]
        ledger.load[(item.lane, booking.at)] += min(item.weight, pacing.capacity)
        if ledger.latest is None or booking.late > ledger.latest.late:
            ledger.latest = booking
    return bookings, ledger
