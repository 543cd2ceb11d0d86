"""Who may administer what. Super-admins (ADMIN_IDS) administer every organisation and alone
create new ones; an organisation's own admins administer it and nothing else.

Every admin button goes through AdminGuard before its handler: the organisation its payload
names must be one the presser administers, and the group or rollout it names must belong to
that organisation. A payload crafted by hand gets "not allowed" like any other refusal, and
the handler, which would change something, never runs.

Typed answers (a name, a number, a time) go through the same guard: their handler is
registered with `flags=typed_for(KEY)`, and the organisation (and group) the FSM data under
KEY names is checked again when the text arrives, since rights can be taken away meanwhile.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.flags import get_flag
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, TelegramObject

from dialogues.callbacks import (
    AdminCalendar,
    AdminDraft,
    AdminGroup,
    AdminHome,
    AdminOrg,
    AdminRollout,
)
from dialogues.i18n import Texts
from services import access
from services.unit_of_work import UnitOfWork

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
SUPER_ONLY = frozenset({"neworg", "kind"})
TYPED_FLAG = "admin_typed"


@dataclass(frozen=True)
class TypedFor:
    """What a typed answer belongs to: the FSM data key holding {"org": id, "group": id?};
    None: no organisation yet (a new one's name), so super-admins only."""

    key: str | None


def typed_for(key: str | None) -> dict[str, Any]:
    """The flags that put a typed answer's handler behind AdminGuard."""
    return {TYPED_FLAG: TypedFor(key)}


async def authorise(
    uow: UnitOfWork, user_id: int, admin_ids: frozenset[int], data: CallbackData | None
) -> dict[str, Any] | None:
    """What the handler may act on (`org`, `group`, `rollout`), or None: not allowed."""
    super_admin = user_id in admin_ids
    found: dict[str, Any] = {"super_admin": super_admin}
    if isinstance(data, AdminHome):
        if data.do in SUPER_ONLY:
            return found if super_admin else None
        return found if await access.administers_any(uow, user_id, admin_ids) else None
    if not isinstance(data, AdminOrg | AdminGroup | AdminRollout | AdminDraft | AdminCalendar):
        return None
    checked = await access.scope(
        uow,
        user_id,
        admin_ids,
        data.org,
        group_id=data.group if isinstance(data, AdminGroup) else None,
        rollout_id=data.rollout if isinstance(data, AdminRollout) else None,
    )
    return None if checked is None else found | _named(checked)


def _named(checked: access.Scope) -> dict[str, Any]:
    """The handler's keyword arguments: `org`, and `group` and `rollout` when named."""
    named: dict[str, Any] = {"org": checked.org}
    if checked.group is not None:
        named["group"] = checked.group
    if checked.rollout is not None:
        named["rollout"] = checked.rollout
    return named


class AdminGuard(BaseMiddleware):
    """Inner middleware of the admin router (it runs once a handler matched, so
    `callback_data` is parsed): checks the presser of a button, or the writer of a typed
    answer, then hands the handler what it acts on; otherwise answers "not allowed"."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        uow: UnitOfWork = data["uow"]
        texts: Texts = data["texts"]
        admin_ids: frozenset[int] = data.get("admin_ids", frozenset())
        state: FSMContext | None = data.get("state")
        if isinstance(event, CallbackQuery):
            found = await authorise(uow, event.from_user.id, admin_ids, data.get("callback_data"))
            if found is None:
                await event.answer(texts("admin.not_allowed"), show_alert=True)
                return None
            if state is not None:
                await state.set_state(None)  # a button press abandons whatever was being typed
        elif isinstance(event, Message) and (typed := get_flag(data, TYPED_FLAG)) is not None:
            user = event.from_user
            found = None
            if user is not None and state is not None:
                found = await authorise_typing(uow, user.id, admin_ids, state, typed)
            if found is None:
                if state is not None:
                    await state.set_state(None)
                await event.answer(texts("admin.not_allowed"))
                return None
        else:
            return await handler(event, data)
        data.update(found)
        return await handler(event, data)


async def authorise_typing(
    uow: UnitOfWork, user_id: int, admin_ids: frozenset[int], state: FSMContext, typed: TypedFor
) -> dict[str, Any] | None:
    """What a typed answer's handler may act on (`org`, and `group` if the typing names one),
    or None: not allowed."""
    super_admin = user_id in admin_ids
    found: dict[str, Any] = {"super_admin": super_admin}
    if typed.key is None:
        return found if super_admin else None
    typing = (await state.get_data()).get(typed.key) or {}
    org_id, group_id = typing.get("org"), typing.get("group")
    if not isinstance(org_id, int) or not (group_id is None or isinstance(group_id, int)):
        return None
    checked = await access.scope(uow, user_id, admin_ids, org_id, group_id=group_id)
    return None if checked is None else found | _named(checked)
