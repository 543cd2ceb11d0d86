"""Which days are closed, and how a local wall clock maps to UTC instants and back.

Norwegian public holidays come from the `holidays` package, but Sundays are never holidays here:
whether anything happens on a Sunday is decided by a rollout's weekdays alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import Final
from zoneinfo import ZoneInfo

import holidays

from domain.model import Break, Pause

SUNDAY: Final = 6


@lru_cache(maxsize=64)
def _norwegian_holidays(year: int) -> MappingProxyType[date, str]:
    """The year's Norwegian public holidays (Norwegian names), Sundays left out."""
    # Older package versions also listed every Sunday; filtering by weekday covers all versions.
    found = holidays.country_holidays("NO", years=year, language="no")
    return MappingProxyType(
        {day: str(name) for day, name in found.items() if day.weekday() != SUNDAY}
    )


def public_holiday(day: date) -> str | None:
    """The Norwegian name of the public holiday on `day` (never a Sunday), else None."""
    return _norwegian_holidays(day.year).get(day)


@dataclass(frozen=True)
class ClosedDays:
    """Days nothing is sent: public holidays, the organisation's breaks, the rollout's pauses."""

    breaks: tuple[Break, ...] = ()
    pauses: tuple[Pause, ...] = ()

    def reason(self, day: date) -> str | None:
        """Why `day` is closed ("holiday: …", "break: …", "paused"), or None when it is open."""
        holiday = public_holiday(day)
        if holiday is not None:
            return f"holiday: {holiday}"
        for closed_break in self.breaks:
            if day in closed_break.days:
                return f"break: {closed_break.name}"
        if any(_pause_covers(pause, day) for pause in self.pauses):
            return "paused"
        return None

    def is_closed(self, day: date) -> bool:
        """True when nothing may be sent on `day`."""
        return self.reason(day) is not None

    def open_ended_from(self) -> date | None:
        """The first day of the earliest pause without an end (every later day is closed)."""
        starts = [pause.start for pause in self.pauses if pause.end is None]
        return min(starts, default=None)


def _pause_covers(pause: Pause, day: date) -> bool:
    return pause.start <= day and (pause.end is None or day <= pause.end)


def _zone(tz: str) -> ZoneInfo:
    return ZoneInfo(tz)


def _require_aware(instant: datetime) -> None:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{instant!r} has no time zone: pass an aware datetime")


# A country's groups share their days, send times and zone: a planning tick converts the same
# few hundred wall times thousands of times over.
@lru_cache(maxsize=65536)
def local_to_utc(day: date, at: time, tz: str) -> datetime:
    """UTC instant of wall time `at` on `day` in `tz` (gap: first valid instant; fold: first)."""
    if at.tzinfo is not None:
        raise ValueError(f"{at!r} carries a time zone: pass the local wall time only")
    zone = _zone(tz)
    wall = datetime.combine(day, at)
    # fold=0 is the first occurrence of an ambiguous wall time, which is the rule we want.
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == wall:
        return first
    return _end_of_gap(wall, zone)


def _end_of_gap(wall: datetime, zone: ZoneInfo) -> datetime:
    """The first instant after the clock jump that skipped `wall` (a spring-forward gap)."""
    # With the offset after the jump `wall` lands before the jump, with the one before it after:
    # the jump lies between; bisect on whole seconds (tz transitions are never finer).
    before = int(wall.replace(tzinfo=zone, fold=1).timestamp())
    after = int(wall.replace(tzinfo=zone, fold=0).timestamp())
    low, high = min(before, after), max(before, after)
    jumped_offset = datetime.fromtimestamp(high, zone).utcoffset()
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, zone).utcoffset() == jumped_offset:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


@lru_cache(maxsize=65536)
def local_datetime(instant: datetime, tz: str) -> datetime:
    """The naive local wall clock in `tz` at an aware `instant` (fold set on the repeated hour)."""
    _require_aware(instant)
    return instant.astimezone(_zone(tz)).replace(tzinfo=None)


def local_date(instant: datetime, tz: str) -> date:
    """The calendar day in `tz` at an aware `instant`."""
    return local_datetime(instant, tz).date()


def local_time(instant: datetime, tz: str) -> time:
    """The naive wall-clock time in `tz` at an aware `instant`."""
    return local_datetime(instant, tz).time()


def monday_of(day: date) -> date:
    """The Monday that starts `day`'s ISO week."""
    return day - timedelta(days=day.weekday())


# Weeks. A week is named by its ISO Monday and is closed by the group's weekly summary moment
# (summary_weekday at summary_time, local). A step belongs to the week whose summary moment is the
# first one strictly after it was sent: sent Friday 08:00 it is in this week's summary at 14:00;
# sent Friday 14:00 or later, or at the weekend, it waits for next week's.


def _check_weekday(weekday: int) -> None:
    if not 0 <= weekday <= SUNDAY:
        raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), not {weekday}")


def _check_monday(week_monday: date) -> None:
    if week_monday.weekday() != 0:
        raise ValueError(f"a week is named by its Monday; {week_monday} is not one")


def week_of(sent_local: datetime, summary_weekday: int, summary_time: time) -> date:
    """The Monday of the week whose summary moment is the first strictly after `sent_local`."""
    if sent_local.tzinfo is not None:
        raise ValueError("week_of compares local wall clocks: pass a naive local datetime")
    _check_weekday(summary_weekday)
    monday = monday_of(sent_local.date())
    summary = datetime.combine(monday + timedelta(days=summary_weekday), summary_time)
    return monday if sent_local < summary else monday + timedelta(days=7)


def week_closes_at(
    week_monday: date, summary_weekday: int, summary_time: time, tz: str
) -> datetime:
    """The aware UTC instant of the summary moment that closes the week of `week_monday`."""
    _check_monday(week_monday)
    _check_weekday(summary_weekday)
    return local_to_utc(week_monday + timedelta(days=summary_weekday), summary_time, tz)


def is_week_closed(
    week_monday: date, now_utc: datetime, summary_weekday: int, summary_time: time, tz: str
) -> bool:
    """True once the week's summary moment has come (at `now_utc` or earlier)."""
    _require_aware(now_utc)
    return now_utc >= week_closes_at(week_monday, summary_weekday, summary_time, tz)


def current_week(now_utc: datetime, summary_weekday: int, summary_time: time, tz: str) -> date:
    """The Monday of the week still open at `now_utc` (its summary moment is still to come)."""
    monday = monday_of(local_date(now_utc, tz))
    if is_week_closed(monday, now_utc, summary_weekday, summary_time, tz):
        return monday + timedelta(days=7)
    return monday


def last_closed_week(now_utc: datetime, summary_weekday: int, summary_time: time, tz: str) -> date:
    """The Monday of the most recent week whose summary moment has come by `now_utc`."""
    return current_week(now_utc, summary_weekday, summary_time, tz) - timedelta(days=7)


NIGHT_SEAL_AT: Final = time(3)  # the open weeks' answers are sealed once a night, after this


def night_seal_due(now_utc: datetime, tz: str, last_sealed: date | None) -> bool:
    """True on the first tick of a local day at or after 03:00 that has not sealed yet: the
    nightly rewrite of the open weeks' answers (services.sealing) runs once a night."""
    local = local_datetime(now_utc, tz)
    return local.time() >= NIGHT_SEAL_AT and local.date() != last_sealed
