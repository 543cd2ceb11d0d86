"""The admin journey: /admin opens a menu of the organisations the user administers, one message
edited in place with back buttons everywhere. This module holds the menu's top (organisations
and groups) and puts the router together; invites and admins, breaks, the rollout wizard and
running rollouts have their own modules.
"""

from __future__ import annotations

from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from dialogues import (
    admin_appoint,
    admin_breaks,
    admin_invites,
    admin_members,
    admin_rollouts,
    admin_wizard,
)
from dialogues.admin_access import AdminGuard, typed_for
from dialogues.admin_call import AdminCall, GroupCall, OrgCall
from dialogues.admin_screens import group_screen, home_screen, org_screen
from dialogues.admin_states import TYPED, TYPING, AdminInput
from dialogues.admin_views import Screen, button, keyboard, send, show
from dialogues.callbacks import ADMIN_PREFIXES, AdminGroup, AdminHome, AdminOrg
from dialogues.chats import private_only
from dialogues.i18n import Texts
from dialogues.turn import Turn
from domain.model import LANGUAGES, OrgKind
from domain.text import without_control_characters
from services import access, admin

ORG_NAME_MAX = admin.ORG_NAME_MAX
GROUP_NAME_MAX = admin.GROUP_NAME_MAX


async def admin_command(
    message: Message, state: FSMContext, turn: Turn, admin_ids: frozenset[int]
) -> None:
    user, uow, texts = message.from_user, turn.uow, turn.texts
    await state.set_state(None)
    if user is None or not await access.administers_any(uow, user.id, admin_ids):
        await message.answer(texts("admin.not_allowed"))
        return
    await send(message, await home_screen(uow, texts, user.id, admin_ids))


async def cancel_typing(
    message: Message, state: FSMContext, turn: Turn, admin_ids: frozenset[int]
) -> None:
    await state.set_state(None)
    await state.update_data({TYPING: {}})
    await message.answer(turn.texts("admin.cancelled"))
    if message.from_user is not None:
        home = await home_screen(turn.uow, turn.texts, message.from_user.id, admin_ids)
        await send(message, home)


async def home(query: CallbackQuery, call: AdminCall) -> None:
    await show(query, await home_screen(call.uow, call.texts, query.from_user.id, call.admin_ids))


async def new_org(query: CallbackQuery, state: FSMContext, texts: Texts) -> None:
    await state.update_data({TYPING: {}})
    await state.set_state(AdminInput.org_name)
    back = button(texts("admin.back"), AdminHome(do="home").pack())
    await show(query, Screen(texts("admin.ask_org_name"), keyboard([back])))


async def org_name_typed(message: Message, state: FSMContext, texts: Texts) -> None:
    name = without_control_characters(message.text or "").strip()
    if not 1 <= len(name) <= ORG_NAME_MAX:
        await message.answer(texts("admin.name_invalid", limit=ORG_NAME_MAX))
        return
    await state.update_data({TYPING: {"name": name}})
    await state.set_state(None)
    kinds = [
        button(texts("admin.kind_school"), AdminHome(do="kind", value=OrgKind.SCHOOL).pack()),
        button(
            texts("admin.kind_kindergarten"),
            AdminHome(do="kind", value=OrgKind.KINDERGARTEN).pack(),
        ),
    ]
    back = button(texts("admin.back"), AdminHome(do="home").pack())
    await send(message, Screen(texts("admin.ask_kind", name=escape(name)), keyboard(kinds, [back])))


async def kind_chosen(
    query: CallbackQuery, callback_data: AdminHome, state: FSMContext, bot: Bot, call: AdminCall
) -> None:
    uow, texts = call.uow, call.texts
    name = (await state.get_data()).get(TYPING, {}).get("name")
    if not isinstance(name, str) or callback_data.value not in set(OrgKind):
        await query.answer(texts("admin.draft_gone"), show_alert=True)
        return
    slug = await admin.free_org_slug(uow, name)
    # Made in one of the extra bots (MORE_BOT_TOKENS): that bot serves it, as nobody has joined
    own_bot = None if bot.id == call.default_bot_id else bot.id
    kind = OrgKind(callback_data.value)
    org, _ = await admin.add_org(uow, slug, name, kind, call.default_timezone, bot_id=own_bot)
    await state.update_data({TYPING: {}})
    await show(query, await org_screen(uow, texts, org), texts("admin.org_created"))


async def org_menu(query: CallbackQuery, call: OrgCall) -> None:
    await show(query, await org_screen(call.uow, call.texts, call.org))


async def language_chosen(query: CallbackQuery, callback_data: AdminOrg, call: OrgCall) -> None:
    language = admin.check_language(callback_data.value)
    org, _ = await admin.set_org_language(call.uow, call.org, language)
    await show(query, await org_screen(call.uow, call.texts, org), call.texts("admin.language_set"))


async def new_group(query: CallbackQuery, state: FSMContext, call: OrgCall) -> None:
    texts, org = call.texts, call.org
    await state.update_data({TYPING: {"org": org.id}})
    await state.set_state(AdminInput.group_name)
    back = button(texts("admin.back"), AdminOrg(do="show", org=org.id).pack())
    await show(query, Screen(texts("admin.ask_group_name", org=escape(org.name)), keyboard([back])))


async def group_name_typed(message: Message, state: FSMContext, call: OrgCall) -> None:
    uow, texts, org = call.uow, call.texts, call.org
    name = without_control_characters(message.text or "").strip()
    if not 1 <= len(name) <= GROUP_NAME_MAX:
        await message.answer(texts("admin.name_invalid", limit=GROUP_NAME_MAX))
        return
    slug = await admin.free_group_slug(uow, org.id, name)
    group, _ = await admin.add_group(uow, f"{org.slug}/{slug}", name)
    await state.set_state(None)
    await state.update_data({TYPING: {}})
    await message.answer(texts("admin.group_created", name=escape(group.name)))
    await send(message, await group_screen(call, group))


async def group_menu(query: CallbackQuery, call: GroupCall) -> None:
    await show(query, await group_screen(call, call.group))


async def refused(query: CallbackQuery, texts: Texts) -> None:
    """An admin payload no handler knows (crafted, or from an older version): refused."""
    await query.answer(texts("admin.not_allowed"), show_alert=True)


def make_router() -> Router:
    router = private_only(Router(name="admin"))
    guard = AdminGuard()  # every button, and every typed answer flagged with typed_for
    router.callback_query.middleware(guard)
    router.message.middleware(guard)
    router.message.register(admin_command, Command("admin"))
    router.message.register(cancel_typing, Command("cancel"), StateFilter(AdminInput))
    router.callback_query.register(home, AdminHome.filter(F.do == "home"))
    router.callback_query.register(new_org, AdminHome.filter(F.do == "neworg"))
    router.message.register(org_name_typed, AdminInput.org_name, TYPED, flags=typed_for(None))
    router.callback_query.register(kind_chosen, AdminHome.filter(F.do == "kind"))
    router.callback_query.register(org_menu, AdminOrg.filter(F.do == "show"))
    router.callback_query.register(new_group, AdminOrg.filter(F.do == "newgrp"))
    languages = {*LANGUAGES, admin.NO_LANGUAGE}
    router.callback_query.register(
        language_chosen, AdminOrg.filter((F.do == "lang") & F.value.in_(languages))
    )
    router.message.register(group_name_typed, AdminInput.group_name, TYPED, flags=typed_for(TYPING))
    router.callback_query.register(group_menu, AdminGroup.filter(F.do == "show"))
    admin_invites.register(router)
    admin_appoint.register(router)
    admin_members.register(router)
    admin_breaks.register(router)
    admin_wizard.register(router)
    admin_rollouts.register(router)
    prefixes = "|".join(ADMIN_PREFIXES)
    router.callback_query.register(refused, F.data.regexp(rf"^({prefixes}):"))
    return router
