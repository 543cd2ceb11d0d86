"""Rollout moves and plan files, without Telegram: Berg skole's staff run module 0 of
skolemiljo (six steps) from Monday 23 November at 08:00, Monday to Friday."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from content.loader import load_packages
from domain.model import OrgKind, RolloutStatus
from domain.schedule_text import parse_weekdays
from services import access, admin, admin_views
from services.plans import PlanError, apply_plan, parse_plan
from tests.service.fakes import MemoryDatabase
from tests.service.seed import MONDAY, oslo, school_with_rollout

STEPS = 6
WEEKDAYS = parse_weekdays("mon-fri")
PACKAGES = {p.id: tuple(m.number for m in p.modules) for p in load_packages().values()}


async def dates(uows: MemoryDatabase) -> list[object]:
    async with uows() as uow:
        found = await admin.rollout(uow, 1)
        return (await admin.step_dates(uow, found, STEPS))[1]


async def test_before_its_first_step_a_rollout_simply_moves(uows: MemoryDatabase) -> None:
    await school_with_rollout(uows)
    later = MONDAY + timedelta(days=7)
    async with uows() as uow:
        found = await admin.rollout(uow, 1)
        change = await admin.reschedule_rollout(
            uow, found, STEPS, oslo(MONDAY, 7), start=later, weekdays=WEEKDAYS, send_time=time(9)
        )
        await uow.commit()
    assert change is admin.Change.UPDATED
    assert (await dates(uows))[0] == later


async def test_once_started_the_sent_steps_keep_their_days_and_the_rest_waits(
    uows: MemoryDatabase,
) -> None:
    await school_with_rollout(uows)
    later = MONDAY + timedelta(days=14)
    before = await dates(uows)
    async with uows() as uow:
        found = await admin.rollout(uow, 1)  # Tuesday 10:00: two steps are out
        await admin.reschedule_rollout(
            uow, found, STEPS, oslo(MONDAY + timedelta(days=1), 10),
            start=later, weekdays=WEEKDAYS, send_time=time(8),
        )  # fmt: skip
        await uow.commit()
    after = await dates(uows)
    assert after[:2] == before[:2]
    assert after[2] == later


async def test_a_started_rollouts_weekdays_and_a_time_at_night_are_refused(
    uows: MemoryDatabase,
) -> None:
    await school_with_rollout(uows)
    tuesday = oslo(MONDAY + timedelta(days=1), 10)
    async with uows() as uow:
        found = await admin.rollout(uow, 1)
        with pytest.raises(admin.AdminError):
            await admin.reschedule_rollout(
                uow, found, STEPS, tuesday,
                start=MONDAY, weekdays=parse_weekdays("mon,wed"), send_time=time(8),
            )  # fmt: skip
        with pytest.raises(admin.AdminError):
            await admin.reschedule_rollout(
                uow, found, STEPS, tuesday, start=MONDAY, weekdays=WEEKDAYS, send_time=time(6, 30)
            )


async def test_a_pause_shifts_the_steps_and_resuming_adds_no_burst(uows: MemoryDatabase) -> None:
    await school_with_rollout(uows)
    before = await dates(uows)
    async with uows() as uow:  # Tuesday 10:00, paused; resumed the next Tuesday
        found = await admin.rollout(uow, 1)
        tuesday = oslo(MONDAY + timedelta(days=1), 10)
        assert await admin.pause_rollout(uow, found, STEPS, tuesday) is admin.Change.UPDATED
        await uow.commit()
    async with uows() as uow:
        paused = await admin.rollout(uow, 1)
        assert paused.status is RolloutStatus.PAUSED
        assert await admin.pause_rollout(uow, paused, STEPS, oslo(MONDAY, 12)) is (
            admin.Change.UNCHANGED
        )
        await admin.resume_rollout(uow, paused, oslo(MONDAY + timedelta(days=8), 7))
        await uow.commit()
    after = await dates(uows)
    assert after[:2] == before[:2]
    assert after[2] == MONDAY + timedelta(days=8)  # Tuesday a week on: one step, not five


async def test_a_cancelled_rollout_cannot_be_paused(uows: MemoryDatabase) -> None:
    await school_with_rollout(uows)
    async with uows() as uow:
        found = await admin.rollout(uow, 1)
        assert await admin.cancel_rollout(uow, found) is admin.Change.UPDATED
        await uow.commit()
    async with uows() as uow:
        cancelled = await admin.rollout(uow, 1)
        with pytest.raises(admin.AdminError):
            await admin.pause_rollout(uow, cancelled, STEPS, oslo(MONDAY, 7))


PLAN = """\
organisations:
  - slug: nordby
    name: Nordby barnehage
    kind: kindergarten
    breaks:
      - {name: Vinterferie, from: 2027-03-01, to: 2027-03-05}
    groups:
      - slug: ansatte
        name: De ansatte
        rollouts:
          - {package: barnehagemiljo, modules: "0-2", start: 2027-01-04, at: "07:45"}
"""


async def apply(uows: MemoryDatabase, text: str) -> list[str]:
    parsed = parse_plan(text, "plan.yaml", PACKAGES)
    async with uows() as uow:
        result = await apply_plan(uow, parsed, PACKAGES, oslo(MONDAY, 9), "Europe/Oslo")
        await uow.commit()
    return result.lines()


async def test_a_plan_sets_everything_up_and_a_second_run_changes_nothing(
    uows: MemoryDatabase,
) -> None:
    assert (await apply(uows, PLAN))[-1] == "4 created, 0 updated, 0 unchanged"
    assert (await apply(uows, PLAN))[-1] == "0 created, 0 updated, 4 unchanged"


@pytest.mark.parametrize(
    "broken",
    [
        PLAN + "  - slug: [unclosed\n",  # broken YAML
        PLAN.replace("    kind:", "    knid:"),  # an unknown key
        PLAN + "  - !!python/object/apply:os.system ['true']\n",  # a hostile tag
        PLAN.replace("Nordby barnehage", "N" * 5_000),  # a name no column holds
        PLAN.replace("07:45", "05:30"),  # the night
    ],
    ids=["yaml", "unknown-key", "python-tag", "huge-name", "night"],
)
async def test_a_broken_plan_names_its_line_and_writes_nothing(
    uows: MemoryDatabase, broken: str
) -> None:
    commits = uows.commits
    with pytest.raises(PlanError) as refused:
        await apply(uows, broken)
    assert refused.value.problems and all(p.line for p in refused.value.problems)
    assert uows.commits == commits
    async with uows() as uow:
        assert await uow.orgs.all() == []


async def test_an_admin_reaches_only_their_own_organisation(uows: MemoryDatabase) -> None:
    berg = await school_with_rollout(uows)
    async with uows() as uow:
        other, _ = await admin.add_org(uow, "dal", "Dal skole", OrgKind.SCHOOL, "Europe/Oslo")
        dal_group, _ = await admin.add_group(uow, "dal/staff", "Personalet")
        await uow.orgs.add_admin(other.id, 777)
        await uow.commit()
    async with uows() as uow:
        assert [o.slug for o in await access.visible_orgs(uow, 777, frozenset())] == ["dal"]
        assert await access.scope(uow, 777, frozenset(), berg.organisation.id) is None
        mine = await access.scope(uow, 777, frozenset(), other.id, group_id=dal_group.id)
        assert mine is not None and mine.group == dal_group
        # a crafted button: Dal's organisation with Berg's group or rollout
        assert await access.scope(uow, 777, frozenset(), other.id, group_id=berg.group.id) is None
        assert await access.scope(uow, 777, frozenset(), other.id, rollout_id=1) is None
        assert await access.scope(uow, 777, frozenset(), other.id, group_id=9_999) is None
        everything = await access.visible_orgs(uow, 1, frozenset({1}))  # a super-admin
    assert sorted(o.slug for o in everything) == ["berg", "dal"]


async def test_an_invite_is_revoked_only_through_its_own_group(uows: MemoryDatabase) -> None:
    berg = await school_with_rollout(uows)
    async with uows() as uow:
        other, _ = await admin.add_group(uow, "berg/sfo", "SFO")
        await uow.commit()
    now = oslo(MONDAY, 9)
    async with uows() as uow:
        assert not await admin_views.revoke_invite(uow, other, berg.staff_code)  # crafted
        assert len(await admin_views.usable_invites(uow, berg.group, now)) == 2
        assert await admin_views.revoke_invite(uow, berg.group, berg.staff_code)
        await uow.commit()
    async with uows() as uow:
        usable = await admin_views.usable_invites(uow, berg.group, now)
    assert [i.code for i in usable] == [berg.leader_code]
