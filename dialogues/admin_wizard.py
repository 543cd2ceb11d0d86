"""Scheduling a rollout, and rescheduling one: package, modules, a start day on the calendar,
weekdays and send time, then a preview with the day of every step and summary before saving.

Every press is checked by AdminGuard, and the draft (dialogues/admin_draft.py) must belong to
the organisation the press names.
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from content.outline import outline
from dialogues.admin_access import typed_for
from dialogues.admin_call import GroupCall, OrgCall, RolloutCall
from dialogues.admin_draft import (
    Draft,
    back_button,
    back_to,
    calendar_screen,
    clock_value,
    load_draft,
    modules_screen,
    package_screen,
    preview,
    rollout_draft,
    steps_of,
    time_screen,
    weekdays_screen,
)
from dialogues.admin_screens import rollout_screen
from dialogues.admin_states import DRAFT, TYPED, AdminInput
from dialogues.admin_views import (
    Screen,
    day_label,
    keyboard,
    month_of,
    parse_day,
    send_long,
    show,
    show_long,
)
from dialogues.callbacks import AdminCalendar, AdminDraft, AdminGroup, AdminRollout
from domain.calendar import local_date
from domain.errors import NotFound
from domain.model import RolloutStatus
from domain.pacing import in_waking_hours
from domain.schedule_text import parse_hhmm
from services import admin, rollouts


async def show_preview(query: CallbackQuery, bot: Bot, call: OrgCall, draft: Draft) -> None:
    screen = await preview(call, draft)
    if screen is None:
        await query.answer(call.texts("admin.move_refused"), show_alert=True)
        return
    await show_long(query, bot, screen.html, screen.keyboard)


async def start_new(query: CallbackQuery, state: FSMContext, call: GroupCall) -> None:
    texts, catalogue, org, group = call.texts, call.catalogue, call.org, call.group
    draft: Draft = {
        "org": org.id,
        "group": group.id,
        "rollout": None,
        "package": None,
        "modules": [],
        "start": None,
        "weekdays": [0, 1, 2, 3, 4],
        "time": "08:00",
        "started": False,
    }
    await state.update_data({DRAFT: draft})
    await show(query, package_screen(texts, catalogue, org, draft))


async def start_move(query: CallbackQuery, state: FSMContext, call: RolloutCall) -> None:
    texts, org, group, rollout, now = call.texts, call.org, call.group, call.rollout, call.now
    if rollout.status is not RolloutStatus.ACTIVE:
        await query.answer(texts("admin.move_refused"), show_alert=True)
        return
    steps = outline(call.catalogue, rollout.package_id, rollout.modules) or ()
    _, dates = await admin.step_dates(call.uow, rollout, len(steps))
    draft: Draft = {
        "org": org.id,
        "group": group.id,
        "rollout": rollout.id,
        "package": rollout.package_id,
        "modules": list(rollout.modules),
        "start": None,
        "weekdays": sorted(rollout.weekdays),
        "time": rollout.send_time.strftime("%H:%M"),
        "started": admin.started(rollout, dates, org.timezone, now),
    }
    await state.update_data({DRAFT: draft})
    today = local_date(now, org.timezone)
    await show(query, calendar_screen(texts, org, draft, today, today))


async def wizard_pressed(
    query: CallbackQuery, callback_data: AdminDraft, state: FSMContext, bot: Bot, call: OrgCall
) -> None:
    texts, catalogue, org = call.texts, call.catalogue, call.org
    draft = await load_draft(state, org)
    if draft is None:
        await query.answer(texts("admin.draft_gone"), show_alert=True)
        return
    do, value = callback_data.do, callback_data.value
    today = local_date(call.now, org.timezone)
    if do == "pkg" and value in catalogue and not draft.get("rollout"):
        draft.update(package=value, modules=[])
        screen = modules_screen(texts, catalogue, org, draft)
    elif do == "mod" and value.isdigit() and draft.get("package") and not draft.get("rollout"):
        numbers = {m.number for m in catalogue[draft["package"]].modules}
        chosen = set(draft["modules"]) ^ ({int(value)} & numbers)
        draft["modules"] = sorted(chosen)
        screen = modules_screen(texts, catalogue, org, draft)
    elif do == "modok" and draft.get("package"):
        if not draft["modules"]:
            await query.answer(texts("admin.choose_one"), show_alert=True)
            return
        screen = calendar_screen(texts, org, draft, today, today)
    elif do == "wd" and value.isdigit() and int(value) <= 6 and not draft.get("started"):
        draft["weekdays"] = sorted(set(draft["weekdays"]) ^ {int(value)})
        screen = weekdays_screen(texts, org, draft)
    elif do == "wdok" and draft.get("start"):
        if not draft["weekdays"]:
            await query.answer(texts("admin.choose_one"), show_alert=True)
            return
        screen = time_screen(texts, org, draft)
    elif do == "time" and draft.get("start") and clock_value(value) is not None:
        draft["time"] = clock_value(value)
        await state.update_data({DRAFT: draft})
        await show_preview(query, bot, call, draft)
        return
    elif do == "timetxt" and draft.get("start"):
        await state.set_state(AdminInput.send_time)
        screen = Screen(texts("admin.ask_time_text"), keyboard([back_button(texts, org, "time")]))
    elif do == "back":
        screen = back_to(value, texts, catalogue, org, draft, today)
    elif do == "save" and draft.get("start"):
        await _save(query, state, call, draft)
        return
    else:
        await query.answer(texts("admin.draft_gone"), show_alert=True)
        return
    await state.update_data({DRAFT: draft})
    await show(query, screen)


async def start_day(
    query: CallbackQuery, callback_data: AdminCalendar, state: FSMContext, call: OrgCall
) -> None:
    texts, org = call.texts, call.org
    draft = await load_draft(state, org)
    if draft is None or not draft.get("modules"):
        await query.answer(texts("admin.draft_gone"), show_alert=True)
        return
    today = local_date(call.now, org.timezone)
    if not callback_data.day:
        month = month_of(callback_data.month, today)
        await show(query, calendar_screen(texts, org, draft, month, today))
        return
    day = parse_day(callback_data.day)
    if day is None or day < today:
        await query.answer(texts("admin.not_allowed"), show_alert=True)
        return
    draft["start"] = day.isoformat()
    await state.update_data({DRAFT: draft})
    screen = (
        time_screen(texts, org, draft)
        if draft.get("started")
        else weekdays_screen(texts, org, draft)
    )
    await show(query, screen, day_label(texts, day))


async def time_typed(message: Message, state: FSMContext, call: OrgCall) -> None:
    texts = call.texts
    draft = await load_draft(state, call.org)
    if draft is None or not draft.get("start"):
        await state.set_state(None)
        await message.answer(texts("admin.not_allowed"))
        return
    try:
        chosen = parse_hhmm(message.text or "")
    except ValueError:
        chosen = None
    if chosen is None or not in_waking_hours(chosen):
        await message.answer(texts("admin.time_invalid"))
        return
    await state.set_state(None)
    draft["time"] = chosen.strftime("%H:%M")
    await state.update_data({DRAFT: draft})
    screen = await preview(call, draft)
    if screen is None:
        await message.answer(texts("admin.move_refused"))
        return
    await send_long(message, screen.html, screen.keyboard)


async def _save(query: CallbackQuery, state: FSMContext, call: OrgCall, draft: Draft) -> None:
    catalogue = call.catalogue
    packages = catalogue.module_numbers()
    try:
        wanted, n_steps = rollout_draft(draft), steps_of(catalogue, draft)
        saved = await rollouts.save(call.uow, call.org, wanted, n_steps, packages, call.now)
    except (admin.AdminError, NotFound, ValueError):
        await query.answer(call.texts("admin.move_refused"), show_alert=True)
        return
    await state.update_data({DRAFT: None})
    screen = await rollout_screen(call, saved.group, saved.rollout)
    await show(query, screen, call.texts("admin.saved"))


def register(router: Router) -> None:
    router.callback_query.register(start_new, AdminGroup.filter(F.do == "plan"))
    router.callback_query.register(start_move, AdminRollout.filter(F.do == "move"))
    router.callback_query.register(wizard_pressed, AdminDraft.filter())
    router.callback_query.register(start_day, AdminCalendar.filter(F.purpose == "s"))
    router.message.register(time_typed, AdminInput.send_time, TYPED, flags=typed_for(DRAFT))
