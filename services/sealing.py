"""The nightly seal: the answers of weeks still open, rewritten group by group in shuffled
batches, as each week's freeze does (storage.repositories.answers.rewrite_week). It shrinks the
time an answer stays tied to its writer in the database from "until its week closes" to "until
the next night": see the README's threat model."""

from __future__ import annotations

from datetime import date

from services.unit_of_work import UnitOfWorkFactory


async def seal_open_weeks(uow_factory: UnitOfWorkFactory, since: date) -> int:
    """Rewrites every group's answers of the weeks from `since` on that no summary has shown,
    one group and week per transaction (a group's week is small; all of them at once is not);
    returns how many answers were rewritten. The caller compacts afterwards."""
    async with uow_factory() as uow:
        weeks = await uow.answers.weeks_waiting(since)
    rewritten = 0
    for group_id, week in weeks:
        async with uow_factory() as uow:
            rewritten += await uow.answers.rewrite_week(group_id, week)
            await uow.commit()
    return rewritten
