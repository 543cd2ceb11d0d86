"""Plan files applied without Telegram or a file: what a plan sets up, that a second run
changes nothing, and that a broken or hostile plan is refused at its line with nothing written.
(tests/service/test_rollouts_and_plans.py has the first of these.)"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from content.loader import load_packages
from domain.model import Break, DateRange, OrgKind, Role
from services import admin, admin_views, membership
from services.plans import PlanError, PlanResult, apply_plan, parse_plan
from tests.service.fakes import MemoryDatabase
from tests.service.seed import MONDAY, joined, oslo, school, school_with_rollout

PACKAGES = {p.id: tuple(m.number for m in p.modules) for p in load_packages().values()}
NOW = oslo(MONDAY, 9)

PLAN = """\
timezone: Europe/Oslo
organisations:
  - slug: nordby
    name: Nordby skole
    kind: school
    language: nn
    breaks:
      - {name: Vinterferie, from: 2027-03-01, to: 2027-03-05}
    groups:
      - slug: laerere
        name: Lærerne
        rollouts:
          - {package: skolemiljo, modules: "0-2", start: 2027-01-04, weekdays: mon-fri}
      - slug: assistenter
        name: Assistentane
        rollouts:
          - {package: skolemiljo, modules: "1", start: 2027-01-11, weekdays: "tue,thu", at: "09:15"}
"""


async def apply(uows: MemoryDatabase, text: str, now: datetime = NOW) -> PlanResult:
    """As the CLI applies a plan: read it all, write it in one transaction, commit if it held."""
    parsed = parse_plan(text, "plan.yaml", PACKAGES)
    async with uows() as uow:
        result = await apply_plan(uow, parsed, PACKAGES, now, "Europe/Oslo")
        await uow.commit()
    return result


async def everything(uows: MemoryDatabase) -> list[object]:
    """What the admin menu would show of every organisation, group and rollout."""
    found: list[object] = []
    async with uows() as uow:
        for organisation in await uow.orgs.all():
            found.append(organisation)
            for group in await admin_views.groups_of(uow, organisation):
                found += [group, *(await admin_views.group_overview(uow, group)).rollouts]
    return found


async def test_a_plan_creates_the_organisation_its_break_groups_and_rollouts(
    uows: MemoryDatabase,
) -> None:
    result = await apply(uows, PLAN)
    assert result.summary() == "6 created, 0 updated, 0 unchanged"
    async with uows() as uow:
        nordby = await admin.org(uow, "nordby")
        groups = {g.slug: g for g in await admin_views.groups_of(uow, nordby)}
        teachers = (await admin_views.group_overview(uow, groups["laerere"])).rollouts
        assistants = (await admin_views.group_overview(uow, groups["assistenter"])).rollouts
    assert (nordby.name, nordby.kind, nordby.timezone, nordby.language) == (
        "Nordby skole",
        OrgKind.SCHOOL,
        "Europe/Oslo",
        "nn",
    )
    assert nordby.breaks == (Break("Vinterferie", DateRange(date(2027, 3, 1), date(2027, 3, 5))),)
    assert {slug: g.name for slug, g in groups.items()} == {
        "laerere": "Lærerne",
        "assistenter": "Assistentane",
    }
    (first,) = teachers
    assert (first.package_id, first.modules, first.start, first.send_time) == (
        "skolemiljo",
        (0, 1, 2),
        date(2027, 1, 4),
        time(8),
    )
    (second,) = assistants
    assert (second.modules, second.weekdays, second.send_time) == (
        (1,),
        frozenset({1, 3}),
        time(9, 15),
    )


async def test_the_same_plan_twice_changes_nothing(uows: MemoryDatabase) -> None:
    await apply(uows, PLAN)
    before = await everything(uows)
    result = await apply(uows, PLAN)
    assert result.summary() == "0 created, 0 updated, 6 unchanged"
    assert await everything(uows) == before


async def test_a_plan_renames_and_moves_what_it_set_up_before(uows: MemoryDatabase) -> None:
    await apply(uows, PLAN)
    changed = PLAN.replace("name: Lærerne", "name: Lærarane").replace(
        'modules: "0-2", start: 2027-01-04, weekdays: mon-fri}',
        'modules: "0-2", start: 2027-01-04, weekdays: mon-fri, at: "10:00"}',
    )
    result = await apply(uows, changed)
    assert result.summary() == "0 created, 2 updated, 4 unchanged"
    async with uows() as uow:
        _, group = await admin.group_at(uow, "nordby/laerere")
        (rollout,) = (await admin_views.group_overview(uow, group)).rollouts
    assert (group.name, rollout.send_time) == ("Lærarane", time(10))


async def test_a_plan_takes_people_out_of_a_group(uows: MemoryDatabase) -> None:
    berg = await school(uows)
    await joined(uows, berg.staff_code, 501)
    await joined(uows, berg.staff_code, 502)
    plan = """\
organisations:
  - slug: berg
    groups:
      - slug: staff
        name: Personalet
        remove: [501, 999]
"""
    await apply(uows, plan)
    async with uows() as uow:
        left = await membership.members_of(uow, berg.group.id)
    assert [(m.telegram_id, m.role) for m in left] == [(502, Role.STAFF)]


BROKEN = {
    "indentation": (PLAN.replace("        name: Lærerne", "       name: Lærerne"), 11),
    "unknown-key": (PLAN.replace("    language: nn", "    langauge: nn"), 6),
    "python-tag": (PLAN.replace("name: Nordby skole", "name: !!python/object:os.system x"), 4),
    "huge-string": (PLAN.replace("Lærerne", "L" * 100_000), 11),
    "unknown-package": (PLAN.replace("{package: skolemiljo", "{package: skolemilj"), 13),
    "night": (PLAN.replace('"09:15"', '"05:30"'), 17),
}


@pytest.mark.parametrize("broken", BROKEN.values(), ids=BROKEN.keys())
async def test_a_broken_or_hostile_plan_is_refused_at_its_line_and_writes_nothing(
    uows: MemoryDatabase, broken: tuple[str, int]
) -> None:
    text, line = broken
    commits = uows.commits
    with pytest.raises(PlanError) as refused:
        await apply(uows, text)
    assert line in [problem.line for problem in refused.value.problems], refused.value
    assert all(len(str(problem)) < 1_000 for problem in refused.value.problems)
    assert uows.commits == commits
    assert await everything(uows) == []


async def test_a_plan_refused_halfway_leaves_nothing_of_its_first_half(
    uows: MemoryDatabase,
) -> None:
    """Nordby is set up first; then Berg's break would close days its rollout has sent on."""
    await school_with_rollout(uows)
    before, commits = await everything(uows), uows.commits
    plan = PLAN + (
        "  - slug: berg\n    breaks:\n      - {name: Fridag, from: 2026-11-23, to: 2026-11-24}\n"
    )
    wednesday = oslo(MONDAY + timedelta(days=2), 10)
    with pytest.raises(PlanError) as refused:
        await apply(uows, plan, wednesday)
    (problem,) = refused.value.problems
    assert problem.line == 20 and "days before today" in problem.message
    assert uows.commits == commits
    assert await everything(uows) == before


async def test_a_plan_naming_an_organisation_that_is_not_there_writes_nothing(
    uows: MemoryDatabase,
) -> None:
    commits = uows.commits
    plan = PLAN + "  - slug: dal\n    groups: [{slug: staff, name: Personalet}]\n"
    with pytest.raises(PlanError) as refused:
        await apply(uows, plan)
    (problem,) = refused.value.problems
    assert problem.line == 18 and "no organisation 'dal'" in problem.message
    assert uows.commits == commits
    assert await everything(uows) == []
