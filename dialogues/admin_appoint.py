"""An organisation's admins: listed with their names where the bot knows them (leaders who
joined), appointed by their Telegram user id, removed with one press (never oneself)."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from dialogues.admin_access import typed_for
from dialogues.admin_call import OrgCall
from dialogues.admin_states import TYPED, TYPING, AdminInput
from dialogues.admin_views import Screen, button, keyboard, send, show
from dialogues.callbacks import AdminOrg
from services import admin_views

TELEGRAM_ID_MAX = 2**53


async def admins_screen(call: OrgCall) -> Screen:
    uow, texts, org = call.uow, call.texts, call.org
    lines = [texts("admin.admins", org=escape(org.name))]
    rows = []
    for telegram_id, display_name in await admin_views.org_admins(uow, org):
        name = display_name or str(telegram_id)
        lines.append(f"• {escape(name)} ({telegram_id})")
        remove = AdminOrg(do="rmadm", org=org.id, value=str(telegram_id)).pack()
        rows.append([button(texts("admin.remove_admin", name=name), remove)])
    rows.append([button(texts("admin.add_admin"), AdminOrg(do="addadm", org=org.id).pack())])
    rows.append([button(texts("admin.back"), AdminOrg(do="show", org=org.id).pack())])
    return Screen("\n".join(lines), keyboard(*rows))


async def admins_menu(query: CallbackQuery, call: OrgCall) -> None:
    await show(query, await admins_screen(call))


async def ask_admin_id(query: CallbackQuery, state: FSMContext, call: OrgCall) -> None:
    texts, org = call.texts, call.org
    await state.update_data({TYPING: {"org": org.id}})
    await state.set_state(AdminInput.admin_id)
    back = button(texts("admin.back"), AdminOrg(do="admins", org=org.id).pack())
    await show(query, Screen(texts("admin.ask_admin_id"), keyboard([back])))


async def admin_id_typed(message: Message, state: FSMContext, call: OrgCall) -> None:
    texts = call.texts
    text = (message.text or "").strip()
    if not text.isdigit() or not 0 < int(text) < TELEGRAM_ID_MAX:
        await message.answer(texts("admin.ask_admin_id"))
        return
    await state.set_state(None)
    await state.update_data({TYPING: {}})
    added = await admin_views.appoint_admin(call.uow, call.org, int(text))
    await message.answer(texts("admin.admin_added" if added else "admin.admin_already"))
    await send(message, await admins_screen(call))


async def remove_admin(query: CallbackQuery, callback_data: AdminOrg, call: OrgCall) -> None:
    texts = call.texts
    if not callback_data.value.isdigit():
        await query.answer(texts("admin.not_allowed"), show_alert=True)
        return
    if int(callback_data.value) == query.from_user.id:
        await query.answer(texts("admin.not_yourself"), show_alert=True)
        return
    await admin_views.dismiss_admin(call.uow, call.org, int(callback_data.value))
    await show(query, await admins_screen(call), texts("admin.admin_removed"))


def register(router: Router) -> None:
    router.callback_query.register(admins_menu, AdminOrg.filter(F.do == "admins"))
    router.callback_query.register(ask_admin_id, AdminOrg.filter(F.do == "addadm"))
    router.message.register(admin_id_typed, AdminInput.admin_id, TYPED, flags=typed_for(TYPING))
    router.callback_query.register(remove_admin, AdminOrg.filter(F.do == "rmadm"))
