"""Invite defaults and the weekly join counts admins see (sock puppets)."""

from __future__ import annotations

from datetime import date, timedelta

from domain.invites import default_limits, joins_per_week
from domain.model import Role


def test_links_default_to_a_group_sized_use_limit_and_two_weeks() -> None:
    assert default_limits(Role.STAFF) == (60, 14)
    assert default_limits(Role.LEADER) == (5, 14)


def test_joins_are_counted_per_iso_week_with_this_week_last() -> None:
    today = date(2026, 12, 2)  # a Wednesday
    joined = [
        date(2026, 12, 1),  # this week
        date(2026, 11, 30),  # this week's Monday
        date(2026, 11, 29),  # last week's Sunday
        *[date(2026, 11, 24)] * 4,  # a burst, last week
        date(2026, 10, 26),  # the first of six weeks
        date(2026, 10, 25),  # before them: not shown
        today + timedelta(days=1),  # tomorrow (a clock ahead): not counted
    ]
    assert joins_per_week(joined, today) == [1, 0, 0, 0, 5, 2]
    assert joins_per_week([], today, weeks=3) == [0, 0, 0]
