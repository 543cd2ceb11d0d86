"""What the clock does once a tick besides planning: paused members whose day has come
resume, answer texts and summary texts past the retention go, the update log is pruned."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from domain.calendar import monday_of
from services.unit_of_work import UnitOfWorkFactory
from services.weekly import WeekSummaries

UPDATE_LOG_DAYS = 7  # Telegram redelivers an update for a day at most


async def daily(
    uow_factory: UnitOfWorkFactory, today: date, retention: timedelta, summaries: WeekSummaries
) -> int:
    """Returns how many answer texts the retention removed (the clock then compacts)."""
    cut_off = monday_of(today - retention)
    async with uow_factory() as uow:
        await uow.members.resume_due(today)
        purged = await uow.answers.purge_text(shown_before=cut_off)
        await summaries.forget_texts(uow, before=cut_off)
        await uow.updates.prune(before=today - timedelta(days=UPDATE_LOG_DAYS))
        await uow.commit()
    return purged


async def queue_depth(uow_factory: UnitOfWorkFactory, now: datetime) -> int:
    """Deliveries due and not yet sent (the metrics)."""
    async with uow_factory() as uow:
        return await uow.deliveries.count_due(now)
