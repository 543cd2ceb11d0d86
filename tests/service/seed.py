"""A school to work on, made the way the CLI makes one: through the admin use cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from content.loader import load_packages
from domain.model import Group, Member, Organisation, OrgKind, Role
from domain.schedule_text import parse_weekdays
from services import admin
from services.joining import Joined, join
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


async def school_with_rollout(uows: MemoryDatabase) -> School:
    """Berg skole's staff run module 0 of skolemiljo from Monday at 08:00, Monday to Friday."""
    berg = await school(uows)
    packages = {p.id: tuple(m.number for m in p.modules) for p in load_packages().values()}
    request = admin.RolloutRequest(
        "berg/staff", "skolemiljo", (0,), MONDAY, parse_weekdays("mon-fri"), time(8)
    )
    async with uows() as uow:
        await admin.add_rollout(uow, request, packages)
        await uow.commit()
    return berg


async def joined(
    uows: MemoryDatabase, code: str, telegram_id: int, at: datetime | None = None
) -> Member:
    async with uows() as uow:
        found = await join(uow, code, telegram_id, at or oslo(MONDAY - timedelta(days=1), 12))
    assert isinstance(found, Joined)
    return found.member
