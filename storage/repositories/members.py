"""Members, their group memberships, and the invites that create them."""

from __future__ import annotations

import secrets
from collections.abc import Collection
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import ColumnElement, Row, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.language import reader_language
from domain.model import Invite, Member, Membership, Role
from storage.models import GroupRow, InviteRow, MemberRow, MembershipRow, OrganisationRow
from storage.repositories import NotFound
from storage.repositories.replan import groups_of_member, groups_of_members, replan


class MemberRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def find(self, telegram_id: int) -> Member | None:
        return await self._one(MemberRow.telegram_id == telegram_id)

    async def get(self, member_id: int) -> Member:
        found = await self._one(MemberRow.id == member_id)
        if found is None:
            raise NotFound(f"no member #{member_id}")
        return found

    async def _one(self, where: ColumnElement[bool]) -> Member | None:
        """The member, with their newest organisation's written standard, in one query."""
        query = select(MemberRow, _ORG_LANGUAGE).where(where)
        found = (await self.session.execute(query)).one_or_none()
        return None if found is None else _member(found[0], org_language=found[1])

    async def languages(self, member_ids: list[int]) -> dict[int, str]:
        """Each member's reading language, as `domain.language` decides it, in one query."""
        if not member_ids:
            return {}
        query = select(
            MemberRow.id, MemberRow.language, _ORG_LANGUAGE, MemberRow.telegram_language
        ).where(MemberRow.id.in_(member_ids))
        rows = await self.session.execute(query)
        return {member: reader_language(own, org, code) for member, own, org, code in rows}

    async def set_telegram_language(self, member_id: int, code: str | None) -> None:
        await self._set(member_id, telegram_language=_telegram_code(code))

    async def ensure(
        self, telegram_id: int, *, language: str | None = None, telegram_language: str | None = None
    ) -> Member:
        row = await self._row(telegram_id)
        if row is None:
            row = MemberRow(
                telegram_id=telegram_id,
                language=language,
                telegram_language=_telegram_code(telegram_language),
                created_at=_now(),
            )
            self.session.add(row)
            await self.session.flush()
        return _member(row)

    async def set_language(self, member_id: int, language: str | None) -> None:
        await self._set(member_id, language=language)

    async def set_send_time(self, member_id: int, send_time: time | None) -> None:
        await self._set(member_id, send_time=send_time)
        await replan(self.session, groups_of_member(member_id))

    async def pause(self, member_id: int, until: date | None) -> None:
        await self._set(member_id, paused=True, paused_until=until)

    async def resume(self, member_id: int) -> None:
        await self._set(member_id, paused=False, paused_until=None)
        await replan(self.session, groups_of_member(member_id))

    async def resume_due(self, today: date) -> int:
        """Members whose /pause ran until a day before today are active again."""
        ending = (MemberRow.paused.is_(True), MemberRow.paused_until < today)
        await replan(self.session, groups_of_members(select(MemberRow.id).where(*ending)))
        result = await self.session.execute(
            update(MemberRow).where(*ending).values(paused=False, paused_until=None)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def set_display_name(self, member_id: int, name: str | None) -> None:
        await self._set(member_id, display_name=name[:200] if name else None)

    async def mark_unreachable(self, chat_id: int, unreachable: bool = True) -> None:
        await self.session.execute(
            update(MemberRow)
            .where(MemberRow.telegram_id == chat_id)
            .values(unreachable=unreachable)
        )
        if not unreachable:
            reached = select(MemberRow.id).where(MemberRow.telegram_id == chat_id)
            await replan(self.session, groups_of_members(reached))

    async def forget(self, member_id: int) -> None:
        """Deletes the member; memberships, deliveries and participation go with them (cascade).
        Anonymous answers stay: nothing links them to the member."""
        await self.session.execute(delete(MemberRow).where(MemberRow.id == member_id))

    async def join(self, member_id: int, group_id: int, role: Role, today: date) -> bool:
        """True when this made the member part of the group in that role."""
        exists = await self.session.scalar(
            select(MembershipRow.id).where(
                MembershipRow.member_id == member_id,
                MembershipRow.group_id == group_id,
                MembershipRow.role == role.value,
            )
        )
        if exists is not None:
            return False
        self.session.add(
            MembershipRow(member_id=member_id, group_id=group_id, role=role.value, joined_on=today)
        )
        await self.session.flush()
        await replan(self.session, GroupRow.id == group_id)
        return True

    async def in_group(self, group_id: int) -> list[tuple[Member, Role, date]]:
        """Everyone in the group, with their role and the day they joined, oldest first."""
        rows = await self.session.execute(
            select(MemberRow, MembershipRow.role, MembershipRow.joined_on)
            .join(MembershipRow, MembershipRow.member_id == MemberRow.id)
            .where(MembershipRow.group_id == group_id)
            .order_by(MembershipRow.joined_on, MemberRow.id, MembershipRow.role)
        )
        return [(_member(row), Role(role), joined) for row, role, joined in rows]

    async def leave(self, member_id: int, group_id: int, roles: list[Role] | None = None) -> int:
        """Takes the member out of the group (in `roles`; None: in every role); how many
        memberships went."""
        query = delete(MembershipRow).where(
            MembershipRow.member_id == member_id, MembershipRow.group_id == group_id
        )
        if roles is not None:
            query = query.where(MembershipRow.role.in_([r.value for r in roles]))
        result = await self.session.execute(query)
        return int(getattr(result, "rowcount", 0) or 0)

    async def leads_anywhere(self, member_id: int) -> bool:
        found = await self.session.scalar(
            select(MembershipRow.id).where(
                MembershipRow.member_id == member_id, MembershipRow.role == Role.LEADER.value
            )
        )
        return found is not None

    async def memberships(self, member_id: int) -> list[Membership]:
        rows = await self.session.scalars(
            select(MembershipRow)
            .where(MembershipRow.member_id == member_id)
            .order_by(MembershipRow.group_id, MembershipRow.role)
        )
        return [Membership(r.member_id, r.group_id, Role(r.role)) for r in rows]

    async def of_group(self, group_id: int, role: Role) -> list[Member]:
        return (await self.of_groups([group_id], role)).get(group_id, [])

    async def of_groups(self, group_ids: Collection[int], role: Role) -> dict[int, list[Member]]:
        """The members with that role, per group, in one query."""
        members = MemberRow.__table__
        rows = await self.session.execute(
            # plain rows, not ORM objects: a Friday reads a country's staff here
            select(MembershipRow.group_id.label("of_group"), *members.columns)
            .join(MembershipRow, MembershipRow.member_id == members.c.id)
            .where(MembershipRow.group_id.in_(group_ids), MembershipRow.role == role.value)
            .order_by(MembershipRow.group_id, members.c.id)
        )
        found: dict[int, list[Member]] = {}
        for row in rows:
            found.setdefault(row.of_group, []).append(_member(row))
        return found

    async def count(self, group_id: int, role: Role) -> int:
        return (await self.counts([group_id], role)).get(group_id, 0)

    async def counts(self, group_ids: Collection[int], role: Role) -> dict[int, int]:
        """How many members have that role, per group (a group with none is left out)."""
        rows = await self.session.execute(
            select(MembershipRow.group_id, func.count())
            .where(MembershipRow.group_id.in_(group_ids), MembershipRow.role == role.value)
            .group_by(MembershipRow.group_id)
        )
        return {group_id: int(count) for group_id, count in rows}

    async def join_dates(self, group_id: int) -> list[date]:
        """The day each current member of the group joined (for counts per week: never who)."""
        query = select(MembershipRow.joined_on).where(MembershipRow.group_id == group_id)
        return list(await self.session.scalars(query))

    async def _row(self, telegram_id: int) -> MemberRow | None:
        query = select(MemberRow).where(MemberRow.telegram_id == telegram_id)
        row: MemberRow | None = await self.session.scalar(query)
        return row

    async def _set(self, member_id: int, **values: object) -> None:
        await self.session.execute(
            update(MemberRow).where(MemberRow.id == member_id).values(**values)
        )


class InviteRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create(
        self, group_id: int, role: Role, max_uses: int | None, expires_at: datetime | None
    ) -> Invite:
        # 96 random bits, URL-safe: unguessable, and short enough for /start's 64-character limit
        row = InviteRow(
            code=secrets.token_urlsafe(12),
            group_id=group_id,
            role=role.value,
            max_uses=max_uses,
            uses=0,
            expires_at=expires_at,
            revoked=False,
            created_at=_now(),
        )
        self.session.add(row)
        await self.session.flush()
        return _invite(row)

    async def find(self, code: str) -> Invite | None:
        row = await self.session.scalar(select(InviteRow).where(InviteRow.code == code))
        return None if row is None else _invite(row)

    async def use(self, code: str) -> bool:
        """Counts one use, atomically, unless that would pass max_uses; False when used up."""
        result = await self.session.execute(
            update(InviteRow)
            .where(
                InviteRow.code == code,
                (InviteRow.max_uses.is_(None)) | (InviteRow.uses < InviteRow.max_uses),
            )
            .values(uses=InviteRow.uses + 1)
        )
        return bool(getattr(result, "rowcount", 0))

    async def revoke(self, code: str) -> bool:
        result = await self.session.execute(
            update(InviteRow).where(InviteRow.code == code).values(revoked=True)
        )
        return bool(getattr(result, "rowcount", 0))

    async def of_group(self, group_id: int) -> list[Invite]:
        rows = await self.session.scalars(
            select(InviteRow).where(InviteRow.group_id == group_id).order_by(InviteRow.id)
        )
        return [_invite(row) for row in rows]


def _now() -> datetime:
    return datetime.now(UTC)


def _telegram_code(code: str | None) -> str | None:
    """Telegram's language code as its column holds it (IETF tags can be longer than needed)."""
    return (code or "")[:8] or None


# a member in groups of two organisations reads the standard of the one they joined last
_ORG_LANGUAGE = (
    select(OrganisationRow.language)
    .join(GroupRow, GroupRow.org_id == OrganisationRow.id)
    .join(MembershipRow, MembershipRow.group_id == GroupRow.id)
    .where(MembershipRow.member_id == MemberRow.id)
    .order_by(MembershipRow.id.desc())
    .limit(1)
    .correlate(MemberRow)
    .scalar_subquery()
)


def _member(row: MemberRow | Row[Any], *, org_language: str | None = None) -> Member:
    return Member(
        id=row.id,
        telegram_id=row.telegram_id,
        language=row.language,
        telegram_language=row.telegram_language,
        org_language=org_language,
        send_time=row.send_time,
        paused_until=row.paused_until,
        paused=row.paused,
        unreachable=row.unreachable,
        display_name=row.display_name,
    )


def _invite(row: InviteRow) -> Invite:
    return Invite(
        code=row.code,
        group_id=row.group_id,
        role=Role(row.role),
        max_uses=row.max_uses,
        uses=row.uses,
        expires_at=row.expires_at,
        revoked=row.revoked,
    )
