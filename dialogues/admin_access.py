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

from dialogues.admin_call import AdminCall, admin_call
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


async def authorise(call: AdminCall, user_id: int, data: CallbackData | None) -> AdminCall | None:
    """The call narrowed to what the press names, or None: not allowed."""
    if isinstance(data, AdminHome):
        if data.do in SUPER_ONLY:
            return call if call.super_admin else None
        return call if await access.administers_any(call.uow, user_id, call.admin_ids) else None
    if not isinstance(data, AdminOrg | AdminGroup | AdminRollout | AdminDraft | AdminCalendar):
        return None
    checked = await access.scope(
        call.uow,
        user_id,
        call.admin_ids,
        data.org,
        group_id=data.group if isinstance(data, AdminGroup) else None,
        rollout_id=data.rollout if isinstance(data, AdminRollout) else None,
    )
    return None if checked is None else call.within(checked)


class AdminGuard(BaseMiddleware):
    """Inner middleware of the admin router (it runs once a handler matched, so
    `callback_data` is parsed): checks the presser of a button, or the writer of a typed
    answer, then hands the handler what it acts on; otherwise answers "not allowed"."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        texts: Texts = data["texts"]
        state: FSMContext | None = data.get("state")
        if isinstance(event, CallbackQuery):
            call = admin_call(data, event.from_user.id)
            found = await authorise(call, event.from_user.id, data.get("callback_data"))
            if found is None:
                await event.answer(texts("admin.not_allowed"), show_alert=True)
                return None
            if state is not None:
                await state.set_state(None)  # a button press abandons whatever was being typed
        elif isinstance(event, Message) and (typed := get_flag(data, TYPED_FLAG)) is not None:
            user, found = event.from_user, None
            if user is not None and state is not None:
                found = await authorise_typing(admin_call(data, user.id), user.id, state, typed)
            if found is None:
                if state is not None:
                    await state.set_state(None)
                await event.answer(texts("admin.not_allowed"))
                return None
        else:
            return await handler(event, data)
        data["call"] = found
        return await handler(event, data)


async def authorise_typing(
    call: AdminCall, user_id: int, state: FSMContext, typed: TypedFor
) -> AdminCall | None:
    """The call narrowed to the organisation (and group) the typing names, or None: not
    allowed."""
    if typed.key is None:
        return call if call.super_admin else None
    typing = (await state.get_data()).get(typed.key) or {}
    org_id, group_id = typing.get("org"), typing.get("group")
    if not isinstance(org_id, int) or not (group_id is None or isinstance(group_id, int)):
        return None
    checked = await access.scope(call.uow, user_id, call.admin_ids, org_id, group_id=group_id)
    return None if checked is None else call.within(checked)
