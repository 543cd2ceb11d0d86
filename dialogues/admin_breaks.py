"""An organisation's breaks (autumn, Christmas, winter, Easter, summer): date ranges on which
nothing is sent; every later step shifts. Added with a name and two days on the calendar."""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Any

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from dialogues.admin_access import typed_for
from dialogues.admin_call import OrgCall
from dialogues.admin_states import TYPED, TYPING, AdminInput
from dialogues.admin_views import (
    Screen,
    button,
    calendar_keyboard,
    day_label,
    keyboard,
    month_of,
    parse_day,
    send,
    show,
)
from dialogues.callbacks import AdminCalendar, AdminOrg
from dialogues.i18n import Texts
from domain.calendar import local_date
from domain.model import Organisation
from domain.text import without_control_characters
from services import admin, admin_views, plans
from services.admin import AdminError

BREAK_NAME_MAX = admin.BREAK_NAME_MAX


def breaks_screen(texts: Texts, org: Organisation) -> Screen:
    lines = [texts("admin.breaks" if org.breaks else "admin.no_breaks", org=escape(org.name))]
    rows = []
    for closed in org.breaks:
        days = f"{day_label(texts, closed.days.start)} – {day_label(texts, closed.days.end)}"
        lines.append(f"• {escape(closed.name)}: {days}")
        remove = AdminOrg(do="rmbrk", org=org.id, value=closed.days.start.isoformat()).pack()
        rows.append([button(texts("admin.remove_break", name=closed.name), remove)])
    rows.append([button(texts("admin.add_break"), AdminOrg(do="addbrk", org=org.id).pack())])
    rows.append([button(texts("admin.back"), AdminOrg(do="show", org=org.id).pack())])
    return Screen("\n".join(lines), keyboard(*rows))


async def breaks_menu(query: CallbackQuery, call: OrgCall) -> None:
    await show(query, breaks_screen(call.texts, call.org))


async def ask_name(query: CallbackQuery, state: FSMContext, call: OrgCall) -> None:
    texts, org = call.texts, call.org
    await state.update_data({TYPING: {"org": org.id}})
    await state.set_state(AdminInput.break_name)
    back = button(texts("admin.back"), AdminOrg(do="breaks", org=org.id).pack())
    await show(query, Screen(texts("admin.ask_break_name"), keyboard([back])))


def _calendar(
    texts: Texts, org: Organisation, typing: dict[str, Any], purpose: str, month: date, today: date
) -> Screen:
    name = escape(typing.get("name", ""))
    back = button(texts("admin.back"), AdminOrg(do="breaks", org=org.id).pack())
    if purpose == "t":
        first = date.fromisoformat(typing["from"])
        html = texts("admin.ask_break_to", name=name, start=day_label(texts, first))
        return Screen(html, calendar_keyboard(texts, org.id, "t", month, first, back))
    html = texts("admin.ask_break_from", name=name)
    return Screen(html, calendar_keyboard(texts, org.id, "f", month, today, back))


async def name_typed(message: Message, state: FSMContext, call: OrgCall) -> None:
    texts, org = call.texts, call.org
    name = without_control_characters(message.text or "").strip()
    if not 1 <= len(name) <= BREAK_NAME_MAX:
        await message.answer(texts("admin.name_invalid", limit=BREAK_NAME_MAX))
        return
    await state.set_state(None)
    typing: dict[str, Any] = {"org": org.id, "name": name}
    await state.update_data({TYPING: typing})
    today = local_date(call.now, org.timezone)
    await send(message, _calendar(texts, org, typing, "f", today, today))


async def calendar_pressed(
    query: CallbackQuery, callback_data: AdminCalendar, state: FSMContext, call: OrgCall
) -> None:
    uow, now, texts, org = call.uow, call.now, call.texts, call.org
    typing = (await state.get_data()).get(TYPING, {})
    if typing.get("org") != org.id or "name" not in typing:
        await query.answer(texts("admin.draft_gone"), show_alert=True)
        return
    if callback_data.purpose == "t" and "from" not in typing:
        await query.answer(texts("admin.draft_gone"), show_alert=True)
        return
    today = local_date(now, org.timezone)
    if not callback_data.day:
        month = month_of(callback_data.month, today)
        await show(query, _calendar(texts, org, typing, callback_data.purpose, month, today))
        return
    day = parse_day(callback_data.day)
    if day is None or day < today:
        await query.answer(texts("admin.not_allowed"), show_alert=True)
        return
    if callback_data.purpose == "f":
        typing = {**typing, "from": day.isoformat()}
        await state.update_data({TYPING: typing})
        await show(query, _calendar(texts, org, typing, "t", day, today))
        return
    first = date.fromisoformat(typing["from"])
    if day < first:
        await query.answer(texts("admin.break_backwards"), show_alert=True)
        return
    try:
        await plans.add_break(uow, org.slug, typing["name"], first, day, now)
    except AdminError:
        await query.answer(texts("admin.break_refused"), show_alert=True)
        return
    await state.update_data({TYPING: {}})
    fresh = await admin_views.organisation(uow, org.id)
    await show(query, breaks_screen(texts, fresh), texts("admin.break_added"))


async def remove(query: CallbackQuery, callback_data: AdminOrg, call: OrgCall) -> None:
    uow, texts, org = call.uow, call.texts, call.org
    start = parse_day(callback_data.value)
    try:
        if start is None:
            raise AdminError("no such break")
        await plans.remove_break(uow, org.slug, start, call.now)
    except AdminError:
        await query.answer(texts("admin.break_refused"), show_alert=True)
        return
    fresh = await admin_views.organisation(uow, org.id)
    await show(query, breaks_screen(texts, fresh), texts("admin.break_removed"))


def register(router: Router) -> None:
    router.callback_query.register(breaks_menu, AdminOrg.filter(F.do == "breaks"))
    router.callback_query.register(ask_name, AdminOrg.filter(F.do == "addbrk"))
    router.message.register(name_typed, AdminInput.break_name, TYPED, flags=typed_for(TYPING))
    router.callback_query.register(
        calendar_pressed, AdminCalendar.filter(F.purpose.in_({"f", "t"}))
    )
    router.callback_query.register(remove, AdminOrg.filter(F.do == "rmbrk"))
