"""What an admin handler works with, as one typed object AdminGuard hands it as `call`.

The scope grows with what the press names, and the guard has checked all of it: `AdminCall`
(the home menu), `OrgCall` (an organisation the presser administers), `GroupCall` (one of its
groups), `RolloutCall` (one of that group's rollouts). A handler's annotation says which one
it gets; its callback data type decides, so the two cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiogram import Bot

from content.loader import Catalogue
from dialogues.bots import serving_bot
from dialogues.i18n import Texts
from dialogues.turn import Turn
from domain.model import Group, Organisation, Rollout
from services.access import Scope
from services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class AdminCall:
    uow: UnitOfWork
    now: datetime
    texts: Texts
    catalogue: Catalogue
    admin_ids: frozenset[int]
    bots: Mapping[int, Bot]
    default_bot_id: int
    default_timezone: str  # TIMEZONE: for organisations made in /admin
    super_admin: bool

    def bot_for(self, org: Organisation) -> Bot:
        """The bot an organisation's staff talk to (its invite links name it)."""
        return serving_bot(self.bots, self.default_bot_id, org)

    def within(self, scope: Scope) -> AdminCall:
        """This call narrowed to what the guard found the press names."""
        base = {name: getattr(self, name) for name in AdminCall.__dataclass_fields__}
        if scope.rollout is not None and scope.group is not None:
            return RolloutCall(**base, org=scope.org, group=scope.group, rollout=scope.rollout)
        if scope.group is not None:
            return GroupCall(**base, org=scope.org, group=scope.group)
        return OrgCall(**base, org=scope.org)


@dataclass(frozen=True)
class OrgCall(AdminCall):
    org: Organisation

    @property
    def bot(self) -> Bot:
        return self.bot_for(self.org)


@dataclass(frozen=True)
class GroupCall(OrgCall):
    group: Group


@dataclass(frozen=True)
class RolloutCall(GroupCall):
    rollout: Rollout


def admin_call(data: Mapping[str, Any], user_id: int | None) -> AdminCall:
    """The home-menu call for `user_id`, from the update's context and the workflow data."""
    admin_ids: frozenset[int] = data.get("admin_ids", frozenset())
    turn: Turn = data["turn"]
    return AdminCall(
        uow=turn.uow,
        now=turn.now,
        texts=turn.texts,
        catalogue=data["catalogue"],
        admin_ids=admin_ids,
        bots=data["bots"],
        default_bot_id=data["default_bot_id"],
        default_timezone=data["default_timezone"],
        super_admin=user_id in admin_ids,
    )
