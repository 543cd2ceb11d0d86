"""A step as answering sees it: whose it is, which week and rollout it adds to, and when
that week closes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from domain.calendar import is_week_closed


@dataclass(frozen=True)
class Answerable:
    """A delivery to a member, with what answering it needs: when its week closes and which
    live rollout it belongs to (`package_id` None when the rollout was cancelled or is gone)."""

    delivery_id: int
    kind: str
    member_id: int | None
    group_id: int | None
    rollout_id: int | None
    step_id: str | None
    week: date | None
    timezone: str | None
    summary_weekday: int | None
    summary_time: time | None
    package_id: str | None
    modules: tuple[int, ...]
    telegram_id: int | None = None  # the member's, for the answer mark

    def week_closed(self, now: datetime) -> bool:
        if self.week is None or self.timezone is None:  # no group (or no week): nothing to add to
            return True
        assert self.summary_weekday is not None and self.summary_time is not None
        return is_week_closed(
            self.week, now, self.summary_weekday, self.summary_time, self.timezone
        )
