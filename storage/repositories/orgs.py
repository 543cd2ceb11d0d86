"""Organisations (with their breaks and admins) and their staff groups."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import cast

from sqlalchemy import Table, bindparam, delete, func, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.model import Break, DateRange, Group, Organisation, OrgKind
from storage.models import BreakRow, GroupRow, MembershipRow, OrgAdminRow, OrganisationRow
from storage.repositories import IDS_PER_QUERY, NotFound
from storage.repositories.replan import replan

NOTHING_AHEAD = datetime(9999, 12, 31, tzinfo=UTC)  # a group with no step, reminder or week to come


class OrganisationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self, slug: str, name: str, kind: OrgKind, timezone: str, *, bot_id: int | None = None
    ) -> Organisation:
        row = OrganisationRow(
            slug=slug,
            name=name,
            kind=kind.value,
            timezone=timezone,
            bot_id=bot_id,
            created_at=datetime.now(UTC),
        )
        self.session.add(row)
        await self.session.flush()
        return await self._to_domain(row)

    async def update(self, org_id: int, *, name: str, kind: OrgKind, timezone: str) -> None:
        row = await self.session.get_one(OrganisationRow, org_id)
        row.name, row.kind, row.timezone = name, kind.value, timezone
        await replan(self.session, GroupRow.org_id == org_id)  # the time zone moves every plan

    async def set_language(self, org_id: int, language: str | None) -> None:
        """The written standard its members get unless they chose one; None: Telegram's."""
        row = await self.session.get_one(OrganisationRow, org_id)
        row.language = language

    async def set_concern_routine(self, org_id: int, contact: str | None, url: str | None) -> None:
        row = await self.session.get_one(OrganisationRow, org_id)
        row.concern_contact, row.concern_url = contact, url

    async def set_bot(self, org_id: int, bot_id: int | None) -> None:
        """Which bot serves the organisation from now on; None: the default bot."""
        row = await self.session.get_one(OrganisationRow, org_id)
        row.bot_id = bot_id

    async def find(self, slug: str) -> Organisation | None:
        row = await self.session.scalar(select(OrganisationRow).where(OrganisationRow.slug == slug))
        return None if row is None else await self._to_domain(row)

    async def by_slug(self, slug: str) -> Organisation:
        org = await self.find(slug)
        if org is None:
            raise NotFound(f"no organisation '{slug}'")
        return org

    async def get(self, org_id: int) -> Organisation:
        row = await self.session.get(OrganisationRow, org_id)
        if row is None:
            raise NotFound(f"no organisation #{org_id}")
        return await self._to_domain(row)

    async def many(self, ids: set[int] | list[int]) -> dict[int, Organisation]:
        """Organisations by id, with their breaks: two queries per 500, not two per one."""
        found: dict[int, Organisation] = {}
        ordered = sorted(ids)
        for start in range(0, len(ordered), IDS_PER_QUERY):
            chunk = ordered[start : start + IDS_PER_QUERY]
            breaks: dict[int, list[BreakRow]] = {}
            for b in await self.session.scalars(
                select(BreakRow).where(BreakRow.org_id.in_(chunk)).order_by(BreakRow.start_date)
            ):
                breaks.setdefault(b.org_id, []).append(b)
            for row in await self.session.scalars(
                select(OrganisationRow).where(OrganisationRow.id.in_(chunk))
            ):
                found[row.id] = _organisation(row, breaks.get(row.id, []))
        return found

    async def all(self, ids: list[int] | None = None) -> list[Organisation]:
        query = select(OrganisationRow).order_by(OrganisationRow.slug)
        if ids is not None:
            query = query.where(OrganisationRow.id.in_(ids))
        return [await self._to_domain(row) for row in await self.session.scalars(query)]

    async def of_member(self, member_id: int) -> list[Organisation]:
        """The organisations whose groups the member is in, oldest membership first."""
        first_joined = (
            select(GroupRow.org_id, func.min(MembershipRow.id).label("first"))
            .join(MembershipRow, MembershipRow.group_id == GroupRow.id)
            .where(MembershipRow.member_id == member_id)
            .group_by(GroupRow.org_id)
            .subquery()
        )
        rows = await self.session.scalars(
            select(OrganisationRow)
            .join(first_joined, first_joined.c.org_id == OrganisationRow.id)
            .order_by(first_joined.c.first)
        )
        return [await self._to_domain(row) for row in rows]

    async def add_break(self, org_id: int, name: str, start: date, end: date) -> bool:
        """Adds or renames/extends the break starting on `start`; True when anything changed."""
        DateRange(start, end)  # validates the order
        row = await self.session.scalar(
            select(BreakRow).where(BreakRow.org_id == org_id, BreakRow.start_date == start)
        )
        if row is None:
            self.session.add(BreakRow(org_id=org_id, name=name, start_date=start, end_date=end))
            await self.session.flush()
            await replan(self.session, GroupRow.org_id == org_id)
            return True
        if (row.name, row.end_date) == (name, end):
            return False
        row.name, row.end_date = name, end
        await replan(self.session, GroupRow.org_id == org_id)
        return True

    async def remove_break(self, org_id: int, start: date) -> bool:
        result = await self.session.execute(
            delete(BreakRow).where(BreakRow.org_id == org_id, BreakRow.start_date == start)
        )
        await replan(self.session, GroupRow.org_id == org_id)
        return bool(getattr(result, "rowcount", 0))

    async def add_admin(self, org_id: int, telegram_id: int) -> bool:
        if await self.session.get(OrgAdminRow, (org_id, telegram_id)) is not None:
            return False
        self.session.add(OrgAdminRow(org_id=org_id, telegram_id=telegram_id))
        await self.session.flush()
        return True

    async def remove_admin(self, org_id: int, telegram_id: int) -> bool:
        result = await self.session.execute(
            delete(OrgAdminRow).where(
                OrgAdminRow.org_id == org_id, OrgAdminRow.telegram_id == telegram_id
            )
        )
        return bool(getattr(result, "rowcount", 0))

    async def admins(self, org_id: int) -> list[int]:
        query = select(OrgAdminRow.telegram_id).where(OrgAdminRow.org_id == org_id)
        return sorted(await self.session.scalars(query))

    async def administered_by(self, telegram_id: int) -> list[int]:
        query = select(OrgAdminRow.org_id).where(OrgAdminRow.telegram_id == telegram_id)
        return sorted(await self.session.scalars(query))

    async def _to_domain(self, row: OrganisationRow) -> Organisation:
        breaks = await self.session.scalars(
            select(BreakRow).where(BreakRow.org_id == row.id).order_by(BreakRow.start_date)
        )
        return _organisation(row, list(breaks))


def _organisation(row: OrganisationRow, breaks: list[BreakRow]) -> Organisation:
    return Organisation(
        id=row.id,
        slug=row.slug,
        name=row.name,
        kind=OrgKind(row.kind),
        timezone=row.timezone,
        bot_id=row.bot_id,
        language=row.language,
        concern_contact=row.concern_contact,
        concern_url=row.concern_url,
        breaks=tuple(Break(b.name, DateRange(b.start_date, b.end_date)) for b in breaks),
    )


class GroupRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, org_id: int, slug: str, name: str) -> Group:
        row = GroupRow(
            org_id=org_id, slug=slug, name=name, summary_weekday=4, summary_time=time(14)
        )
        self.session.add(row)
        await self.session.flush()
        return _group(row)

    async def find(self, org_id: int, slug: str) -> Group | None:
        row = await self.session.scalar(
            select(GroupRow).where(GroupRow.org_id == org_id, GroupRow.slug == slug)
        )
        return None if row is None else _group(row)

    async def get(self, group_id: int) -> Group:
        row = await self.session.get(GroupRow, group_id)
        if row is None:
            raise NotFound(f"no group #{group_id}")
        return _group(row)

    async def of_org(self, org_id: int) -> list[Group]:
        rows = await self.session.scalars(
            select(GroupRow).where(GroupRow.org_id == org_id).order_by(GroupRow.slug)
        )
        return [_group(row) for row in rows]

    async def many(self, group_ids: list[int]) -> list[Group]:
        rows = await self.session.scalars(select(GroupRow).where(GroupRow.id.in_(group_ids)))
        return sorted((_group(row) for row in rows), key=lambda g: g.id)

    async def update(
        self,
        group_id: int,
        *,
        name: str | None = None,
        summary_weekday: int | None = None,
        summary_time: time | None = None,
    ) -> bool:
        """Changes what is given; True when anything changed."""
        row = await self.session.get_one(GroupRow, group_id)
        before = (row.name, row.summary_weekday, row.summary_time)
        if name is not None:
            row.name = name
        if summary_weekday is not None:
            row.summary_weekday = summary_weekday
        if summary_time is not None:
            row.summary_time = summary_time
        await replan(self.session, GroupRow.id == group_id)
        return before != (row.name, row.summary_weekday, row.summary_time)

    async def due_for_planning(self, now: datetime) -> dict[int, int]:
        """Group id -> its count of changes, for the groups whose planning moment has come."""
        query = select(GroupRow.id, GroupRow.plan_changes).where(
            or_(GroupRow.plan_at.is_(None), GroupRow.plan_at <= now)
        )
        return {group_id: changes for group_id, changes in await self.session.execute(query)}

    async def planned(self, marks: list[tuple[int, int, datetime | None]]) -> None:
        """(group, changes seen, next moment; None: nothing ahead): each group is left until
        its next moment, unless it changed since it was read or a write holds it now (it stays
        due: the next tick plans it again)."""
        if not marks:
            return
        groups = cast(Table, GroupRow.__table__)  # Core: one executemany, not the ORM's bulk mode
        unchanged = (
            select(groups.c.id)
            .where(groups.c.id == bindparam("group"), groups.c.plan_changes == bindparam("seen"))
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        statement = update(groups).where(groups.c.id == unchanged).values(plan_at=bindparam("at"))
        await self.session.execute(
            statement,
            [{"group": g, "seen": seen, "at": at or NOTHING_AHEAD} for g, seen, at in marks],
        )

    async def replan_all(self) -> None:
        """Every group is planned at the next tick (the content may have changed)."""
        await replan(self.session, true())

    async def bot_ids(self, group_ids: list[int]) -> dict[int, int]:
        """Group id -> the bot id of its organisation's own bot, for the groups whose
        organisation has one (the others are served by the default bot)."""
        found: dict[int, int] = {}
        ordered = sorted(set(group_ids))
        for start in range(0, len(ordered), IDS_PER_QUERY):
            query = (
                select(GroupRow.id, OrganisationRow.bot_id)
                .join(OrganisationRow, OrganisationRow.id == GroupRow.org_id)
                .where(
                    GroupRow.id.in_(ordered[start : start + IDS_PER_QUERY]),
                    OrganisationRow.bot_id.is_not(None),
                )
            )
            found.update(
                {group_id: int(bot_id) for group_id, bot_id in await self.session.execute(query)}
            )
        return found

    async def link_chat(self, group_id: int, chat_id: int | None) -> None:
        """Where the weekly summary is also posted (a staff group chat); None unlinks."""
        row = await self.session.get_one(GroupRow, group_id)
        row.linked_chat_id = chat_id


def _group(row: GroupRow) -> Group:
    return Group(
        id=row.id,
        org_id=row.org_id,
        slug=row.slug,
        name=row.name,
        summary_weekday=row.summary_weekday,
        summary_time=row.summary_time,
        linked_chat_id=row.linked_chat_id,
    )
