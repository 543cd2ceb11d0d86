"""Pacing: booking a morning's sends into the minutes a bot can actually send them in.

Telegram lets a bot send about 30 messages a second, so 200,000 steps owed at 08:00 take
almost two hours whatever we do. Rather than pile them all on 08:00 and let a queue sort it
out, each send is booked into a minute of its bot's lane that still has room (a minute holds
`capacity` sends: a share of the bot's limit, the rest kept for replies to members). Then:

- each minute's tick sends one minute's booking, so the rate limit stays busy but the tick
  finishes within the minute and the next one plans on time;
- what is already booked (yesterday's reminders, a summary) counts, so nothing double-books;
- nobody gets anything before their own time: a booking is never earlier than its nominal
  minute, only later;
- a school's staff get the step together (a group's sends are booked one after another), and
  which schools come last changes from day to day (a rotation, not always the same ones);
- nothing is booked at night: a minute outside the waking hours (07:00-21:00 local, the span a
  member may choose their own send time in) moves on to the next morning.

Plain data in, plain data out: the caller reads what is unbooked and writes the bookings.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from domain.calendar import local_datetime, local_to_utc

MINUTE = timedelta(minutes=1)
# local: when Refleks writes to people at all, the first and the last minute. The one rule for
# every send time that can be chosen (a member's /time, a rollout's) and for what pacing books.
WAKING_HOURS = (time(7), time(21))

# Within a minute, the order kinds are booked in: a module's kick-off before the step it
# introduces, today's step before yesterday's reminder, then the weekly summaries.
KIND_ORDER = {"kickoff": 0, "step": 1, "reminder": 2, "summary": 3, "note": 4}
# Sends a delivery takes: a summary is its chart pages and one or two texts.
KIND_WEIGHT = {"summary": 4}


@dataclass(frozen=True)
class Unbooked:
    id: int
    lane: int  # the bot that sends it: limits are per bot token
    nominal: datetime  # when it is owed (UTC): the group's or the member's own send time
    group: int | None
    kind: str

    @property
    def weight(self) -> int:
        return KIND_WEIGHT.get(self.kind, 1)


@dataclass(frozen=True)
class Booking:
    id: int
    at: datetime  # the start of the minute it goes out in
    late: timedelta  # the delay pacing added: after the first minute it could have gone in


def minute_of(instant: datetime) -> datetime:
    return instant.replace(second=0, microsecond=0)


@lru_cache(maxsize=4096)  # a morning's 200,000 sends share a handful of nominal times
def minute_from(instant: datetime) -> datetime:
    """The first whole minute at or after `instant`: a booking is never early."""
    start = minute_of(instant)
    return start if start == instant else start + MINUTE


def book(
    unbooked: Iterable[Unbooked],
    *,
    capacity: int,
    booked: Mapping[tuple[int, datetime], int],
    now: datetime,
    timezone: str = "Europe/Oslo",
) -> list[Booking]:
    """Books each delivery into the first minute, at or after both its nominal time and
    `now`'s minute, whose lane has room for its weight. `booked` is what each (lane, minute)
    already holds. A delivery heavier than a whole minute gets an empty minute of its own.
    Minutes at night (outside WAKING_HOURS in `timezone`) are skipped.

    Full minutes are jumped over, not walked through one by one (a union-find with path
    compression): 200,000 steps owed at 08:00 would otherwise walk 16 million minutes."""
    if capacity < 1:
        raise ValueError("a minute must hold at least one send")
    load: dict[tuple[int, datetime], int] = dict(booked)
    after_full: dict[tuple[int, datetime], datetime] = {}  # a full minute -> a later one

    def next_open(lane: int, minute: datetime) -> datetime:
        """The first minute at or after `minute` that is not full."""
        passed = []
        while (lane, minute) in after_full:
            passed.append(minute)
            minute = after_full[(lane, minute)]
        for full in passed:
            after_full[(lane, full)] = minute
        return minute

    def add(lane: int, minute: datetime, weight: int) -> None:
        load[(lane, minute)] = load.get((lane, minute), 0) + weight
        if load[(lane, minute)] >= capacity:
            after_full[(lane, minute)] = _awake(minute + MINUTE, timezone)

    for (lane, minute), sends in booked.items():
        if sends >= capacity:
            after_full[(lane, minute)] = _awake(minute + MINUTE, timezone)
    start = minute_of(now)
    bookings = []
    for item in sorted(unbooked, key=_booking_order):
        earliest = _awake(max(minute_from(item.nominal), start), timezone)
        weight = min(item.weight, capacity)
        minute = next_open(item.lane, earliest)
        while load.get((item.lane, minute), 0) + weight > capacity:  # room, but not for this
            minute = next_open(item.lane, _awake(minute + MINUTE, timezone))
        add(item.lane, minute, weight)
        bookings.append(Booking(item.id, minute, minute - earliest))
    return bookings


@lru_cache(maxsize=4096)
def _awake(minute: datetime, timezone: str) -> datetime:
    return awake(minute, timezone)


def in_waking_hours(clock: time) -> bool:
    """Whether a local time of day is one Refleks writes at (07:00 to 21:00, both included)."""
    opens, closes = WAKING_HOURS
    return opens <= clock <= closes.replace(second=59, microsecond=999999)


def awake(minute: datetime, timezone: str) -> datetime:
    """`minute` if it falls in the waking hours, else the next morning's first minute."""
    wall = local_datetime(minute, timezone)
    opens, _ = WAKING_HOURS
    if in_waking_hours(wall.time()):
        return minute
    day = wall.date() if wall.time() < opens else wall.date() + timedelta(days=1)
    return local_to_utc(day, opens, timezone)


def _booking_order(item: Unbooked) -> tuple[datetime, int, int, int, int]:
    nominal = minute_from(item.nominal)
    kind = KIND_ORDER.get(item.kind, 9)
    return (nominal, kind, rotation(item.group, nominal.date()), *_tail(item))


@lru_cache(maxsize=65536)  # every staff member of a group asks the same
def rotation(group: int | None, day: date) -> int:
    """A group's place in the day's order: fixed within a day (its staff stay together),
    shuffled between days (no school is always last)."""
    return zlib.crc32(f"{group}:{day.isoformat()}".encode())


def _tail(item: Unbooked) -> tuple[int, int]:
    return (item.group or 0, item.id)
