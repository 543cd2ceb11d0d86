"""A school to work on, made the way the CLI makes one: through the admin use cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from domain.model import Group, Organisation, OrgKind, Role
from services import admin
from tests.service.fakes import MemoryDatabase

OSLO = ZoneInfo("Europe/Oslo")
MONDAY = date(2026, 11, 23)


def oslo(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), OSLO).astimezone(UTC)


@dataclass(frozen=True)
class School:
    organisation: Organisation
    group: Group
    staff_code: str
    leader_code: str


async def school(
    uows: MemoryDatabase, *, max_uses: int | None = None, kind: OrgKind = OrgKind.SCHOOL
) -> School:
    async with uows() as uow:
        organisation, _ = await admin.add_org(uow, "berg", "Berg skole", kind, "Europe/Oslo")
        group, _ = await admin.add_group(uow, "berg/staff", "Personalet")
        now = oslo(MONDAY, 7)
        staff = await admin.make_invite(uow, "berg/staff", Role.STAFF, now, max_uses=max_uses)
        leader = await admin.make_invite(uow, "berg/staff", Role.LEADER, now)
        await uow.commit()
    return School(organisation, group, staff.code, leader.code)
