"""A running rollout: what went out and what comes next, pause, resume, cancel, and its whole
plan as it stands (with breaks, pauses and the queue behind earlier rollouts)."""

from __future__ import annotations

from functools import partial
from html import escape

from aiogram import Bot, F, Router
from aiogram.types import CallbackQuery, InlineKeyboardButton

from content.loader import Catalogue
from content.outline import outline
from dialogues.admin_call import RolloutCall
from dialogues.admin_preview import plan_in_group, plan_lines
from dialogues.admin_screens import group_screen, package_title, rollout_screen
from dialogues.admin_views import Screen, button, keyboard, show, show_long
from dialogues.callbacks import AdminRollout
from domain.model import Organisation, Rollout
from services import admin, admin_views
from services.plans import format_modules


def _n_steps(catalogue: Catalogue, rollout: Rollout) -> int:
    return len(outline(catalogue, rollout.package_id, rollout.modules) or ())


def _button(label: str, org: Organisation, rollout: Rollout, do: str) -> list[InlineKeyboardButton]:
    return [button(label, AdminRollout(do=do, org=org.id, rollout=rollout.id).pack())]


async def rollout_menu(query: CallbackQuery, call: RolloutCall) -> None:
    await show(query, await rollout_screen(call, call.group, call.rollout))


async def pause(query: CallbackQuery, call: RolloutCall) -> None:
    rollout = call.rollout
    try:
        await admin.pause_rollout(call.uow, rollout, _n_steps(call.catalogue, rollout), call.now)
    except admin.AdminError:
        await query.answer(call.texts("admin.move_refused"), show_alert=True)
        return
    paused = await admin_views.rollout(call.uow, rollout.id)
    await show(query, await rollout_screen(call, call.group, paused), call.texts("admin.paused"))


async def resume(query: CallbackQuery, call: RolloutCall) -> None:
    await admin.resume_rollout(call.uow, call.rollout, call.now)
    resumed = await admin_views.rollout(call.uow, call.rollout.id)
    screen = await rollout_screen(call, call.group, resumed)
    await show(query, screen, call.texts("admin.resumed"))


async def ask_cancel(query: CallbackQuery, call: RolloutCall) -> None:
    texts, org, rollout = call.texts, call.org, call.rollout
    html = texts(
        "admin.confirm_cancel",
        package=escape(package_title(call.catalogue, rollout.package_id, texts.language)),
        modules=format_modules(rollout.modules),
    )
    rows = [
        _button(texts("admin.confirm_cancel_yes"), org, rollout, "cancelok"),
        _button(texts("admin.confirm_cancel_no"), org, rollout, "show"),
    ]
    await show(query, Screen(html, keyboard(*rows)))


async def cancel(query: CallbackQuery, call: RolloutCall) -> None:
    await admin.cancel_rollout(call.uow, call.rollout)
    screen = await group_screen(call, call.group)
    await show(query, screen, call.texts("admin.cancelled_rollout"))


async def whole_plan(query: CallbackQuery, bot: Bot, call: RolloutCall) -> None:
    texts, org, group, rollout = call.texts, call.org, call.group, call.rollout
    plan = await plan_in_group(call.uow, partial(outline, call.catalogue), org, group, rollout)
    package = call.catalogue.get(rollout.package_id)
    if plan is None or package is None:
        await query.answer(texts("admin.move_refused"), show_alert=True)
        return
    header = texts(
        "admin.plan_header",
        package=escape(package.title(texts.language)),
        modules=format_modules(rollout.modules),
        group=escape(group.name),
    )
    lines = plan_lines(texts, plan, package, plan.due_index(call.now))
    markup = keyboard(_button(texts("admin.back"), org, rollout, "show"))
    await show_long(query, bot, "\n".join([header, *lines]), markup)


def register(router: Router) -> None:
    router.callback_query.register(rollout_menu, AdminRollout.filter(F.do == "show"))
    router.callback_query.register(pause, AdminRollout.filter(F.do == "pause"))
    router.callback_query.register(resume, AdminRollout.filter(F.do == "resume"))
    router.callback_query.register(ask_cancel, AdminRollout.filter(F.do == "cancel"))
    router.callback_query.register(cancel, AdminRollout.filter(F.do == "cancelok"))
    router.callback_query.register(whole_plan, AdminRollout.filter(F.do == "plan"))
