"""A group's people and an organisation's admins in the admin menu, without Telegram: removing
a person, making them leader or staff, appointing and dismissing admins, and what the group
screen counts."""

from __future__ import annotations

from functools import partial

from content.loader import load_packages
from content.outline import outline
from domain.model import Member, Role
from services import access, admin_views, membership, staff
from services.joining import Joined, join
from services.planning import plan_due
from tests.service.fakes import MemoryDatabase
from tests.service.seed import MONDAY, School, joined, oslo, school, school_with_rollout

CATALOGUE = load_packages()
NOW = oslo(MONDAY, 9)


async def leader(uows: MemoryDatabase, berg: School, telegram_id: int, name: str) -> Member:
    async with uows() as uow:
        found = await join(uow, berg.leader_code, telegram_id, NOW, display_name=name)
    assert isinstance(found, Joined)
    return found.member


async def in_group(uows: MemoryDatabase, berg: School) -> list[tuple[int, Role, str | None]]:
    async with uows() as uow:
        found = await membership.members_of(uow, berg.group.id)
    return sorted((m.telegram_id, m.role, m.name) for m in found)


async def test_a_removed_person_is_out_and_owed_nothing_more(uows: MemoryDatabase) -> None:
    berg = await school_with_rollout(uows)
    anne = await joined(uows, berg.staff_code, 501)
    await joined(uows, berg.staff_code, 502)
    await plan_due(uows, partial(outline, CATALOGUE), oslo(MONDAY, 8))  # Monday's step, pending
    async with uows() as uow:
        left = await membership.remove(uow, berg.group.id, 501)
        await uow.commit()
    assert left is not None and not left.unlinked_chat
    assert await in_group(uows, berg) == [(502, Role.STAFF, None)]
    async with uows() as uow:
        assert await uow.deliveries.of_member(anne.id) == []
        overview = await admin_views.group_overview(uow, berg.group)
    assert overview.staff == 1 and overview.step_counts == {"pending": 1}


async def test_removing_someone_not_in_the_group_changes_nothing(uows: MemoryDatabase) -> None:
    berg = await school(uows)
    await joined(uows, berg.staff_code, 501)
    async with uows() as uow:
        assert await membership.remove(uow, berg.group.id, 999) is None  # a stranger
        assert await membership.remove(uow, berg.group.id + 1, 501) is None  # another group
        await uow.commit()
    assert await in_group(uows, berg) == [(501, Role.STAFF, None)]


async def test_removing_the_leader_undoes_the_group_chat_link_and_their_name(
    uows: MemoryDatabase,
) -> None:
    berg = await school(uows)
    await leader(uows, berg, 601, "Rektor Rask")
    async with uows() as uow:
        await membership.link_chat(uow, berg.group, -100123)
        await uow.commit()
    async with uows() as uow:
        left = await membership.remove(uow, berg.group.id, 601)
        await uow.commit()
    assert left is not None and left.unlinked_chat
    async with uows() as uow:
        group = await admin_views.group_in(uow, berg.organisation, berg.group.id)
        assert group.linked_chat_id is None
        standing = await staff.standing_of(uow, 601, frozenset())
    assert standing is not None
    member, now_is = standing
    assert member.display_name is None and not now_is.leader


async def test_a_person_made_leader_then_staff_holds_one_role_at_a_time(
    uows: MemoryDatabase,
) -> None:
    berg = await school(uows)
    await joined(uows, berg.staff_code, 501)
    async with uows() as uow:
        assert await membership.set_role(uow, berg.group.id, 501, Role.LEADER) is not None
        await uow.commit()
    assert await in_group(uows, berg) == [(501, Role.LEADER, None)]
    async with uows() as uow:
        standing = await staff.standing_of(uow, 501, frozenset())
        assert standing is not None and standing[1].leader
        assert await membership.set_role(uow, berg.group.id, 501, Role.STAFF) is not None
        assert await membership.set_role(uow, berg.group.id, 999, Role.STAFF) is None
        await uow.commit()
    assert await in_group(uows, berg) == [(501, Role.STAFF, None)]
    async with uows() as uow:
        standing = await staff.standing_of(uow, 501, frozenset())
        assert standing is not None and not standing[1].leader
        assert await staff.standing_of(uow, 999, frozenset()) is None


async def test_the_group_screen_counts_people_and_shows_leaders_names_only(
    uows: MemoryDatabase,
) -> None:
    berg = await school_with_rollout(uows)
    for telegram_id in (501, 502, 503):
        await joined(uows, berg.staff_code, telegram_id)
    await leader(uows, berg, 601, "Rektor Rask")
    async with uows() as uow:
        overview = await admin_views.group_overview(uow, berg.group)
    assert overview.staff == 3
    assert [m.display_name for m in overview.leaders] == ["Rektor Rask"]
    assert len(overview.join_dates) == 4
    assert [r.package_id for r in overview.rollouts] == ["skolemiljo"]
    assert await in_group(uows, berg) == [
        (501, Role.STAFF, None),
        (502, Role.STAFF, None),
        (503, Role.STAFF, None),
        (601, Role.LEADER, "Rektor Rask"),
    ]


async def test_an_appointed_admin_administers_the_organisation_until_dismissed(
    uows: MemoryDatabase,
) -> None:
    berg = await school(uows)
    await leader(uows, berg, 601, "Rektor Rask")
    async with uows() as uow:
        assert await admin_views.appoint_admin(uow, berg.organisation, 601)
        assert not await admin_views.appoint_admin(uow, berg.organisation, 601)  # already
        assert await admin_views.appoint_admin(uow, berg.organisation, 777)
        await uow.commit()
    async with uows() as uow:
        assert sorted(await admin_views.org_admins(uow, berg.organisation)) == [
            (601, "Rektor Rask"),
            (777, None),  # never joined: shown by the id alone
        ]
        assert await access.may_administer(uow, 777, frozenset(), berg.organisation.id)
        await admin_views.dismiss_admin(uow, berg.organisation, 777)
        await uow.commit()
    async with uows() as uow:
        assert await admin_views.org_admins(uow, berg.organisation) == [(601, "Rektor Rask")]
        assert not await access.administers_any(uow, 777, frozenset())
        assert await access.scope(uow, 777, frozenset(), berg.organisation.id) is None
