"""The rollout wizard's use cases: what a draft (a new rollout for a group, or a move of one)
would make, for its preview, and saving it. The draft itself, kept between button presses,
is the dialogue's; here it is plain values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time

from domain.model import Group, Organisation, Rollout
from services import admin, admin_views
from services.unit_of_work import UnitOfWork

DRAFT_ID = 2**62  # a rollout not saved yet queues after every saved one, as it will when saved


@dataclass(frozen=True)
class RolloutDraft:
    """What the wizard has chosen; `rollout_id` names the rollout being moved (None: new)."""

    group_id: int
    package_id: str
    modules: tuple[int, ...]
    start: date
    weekdays: frozenset[int]
    send_time: time
    rollout_id: int | None = None


@dataclass(frozen=True)
class Drafted:
    group: Group
    rollout: Rollout  # as saving leaves it (a new one not saved yet has the id DRAFT_ID)
    current: Rollout | None = None  # the rollout being moved, as it stands (None: a new one)


async def drafted(
    uow: UnitOfWork, org: Organisation, draft: RolloutDraft, n_steps: int, now: datetime
) -> Drafted:
    """The rollout as the draft would make it, written nowhere. NotFound when its group (or
    the rollout moved) is no longer the organisation's; AdminError when the move is refused
    (admin.moved: a started rollout keeps its weekdays, a paused one must be resumed first)."""
    group = await admin_views.group_in(uow, org, draft.group_id)
    if draft.rollout_id is None:
        rollout = Rollout(
            DRAFT_ID,
            group.id,
            draft.package_id,
            draft.modules,
            draft.start,
            draft.weekdays,
            draft.send_time,
        )
        return Drafted(group, rollout)
    found = await admin_views.rollout_in(uow, group, draft.rollout_id)
    _, dates = await admin.step_dates(uow, found, n_steps)
    moved = admin.moved(
        found,
        dates,
        org.timezone,
        now,
        start=draft.start,
        weekdays=draft.weekdays,
        send_time=draft.send_time,
    )
    return Drafted(group, moved, found)


async def save(
    uow: UnitOfWork,
    org: Organisation,
    draft: RolloutDraft,
    n_steps: int,
    packages: Mapping[str, tuple[int, ...]],
    now: datetime,
) -> Drafted:
    """Adds the drafted rollout to its group, or moves the one it names; the saved rollout.
    Refused as `drafted` refuses (add_rollout and reschedule_rollout check the same rules);
    the caller commits."""
    group = await admin_views.group_in(uow, org, draft.group_id)
    if draft.rollout_id is None:
        request = admin.RolloutRequest(
            f"{org.slug}/{group.slug}",
            draft.package_id,
            draft.modules,
            draft.start,
            draft.weekdays,
            draft.send_time,
        )
        saved, _ = await admin.add_rollout(uow, request, packages)
        return Drafted(group, saved)
    found = await admin_views.rollout_in(uow, group, draft.rollout_id)
    await admin.reschedule_rollout(
        uow,
        found,
        n_steps,
        now,
        start=draft.start,
        weekdays=draft.weekdays,
        send_time=draft.send_time,
    )
    return Drafted(group, await admin_views.rollout(uow, found.id), found)
