"""Marking groups for planning (`GroupRow.plan_at`): the clock plans a group only when its next
owed moment has come or something its plan is drawn from was written. Every such write goes
through a repository method that calls `replan` in the same transaction: a join, a pause ending,
a rollout or a calendar changed."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import GroupRow, MembershipRow


async def replan(session: AsyncSession, groups: ColumnElement[bool]) -> None:
    """The groups matching `groups` are planned at the next tick."""
    await session.execute(
        update(GroupRow)
        .where(groups)
        .values(plan_at=None, plan_changes=GroupRow.plan_changes + 1)
        .execution_options(synchronize_session=False)
    )


def groups_of_member(member_id: int) -> ColumnElement[bool]:
    """The groups the member is in, in any role."""
    return GroupRow.id.in_(
        select(MembershipRow.group_id).where(MembershipRow.member_id == member_id)
    )


def groups_of_members(members: Select[tuple[int]]) -> ColumnElement[bool]:
    """The groups any of `members` (a query of member ids) is in."""
    return GroupRow.id.in_(
        select(MembershipRow.group_id).where(MembershipRow.member_id.in_(members))
    )
