"""The rollout wizard's draft and screens: what has been chosen so far (kept in the FSM data),
the screen for each choice, and the preview of the plan the draft would make."""

from __future__ import annotations

from datetime import date
from functools import partial
from html import escape
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from content.loader import Catalogue
from content.outline import outline
from dialogues.admin_call import OrgCall
from dialogues.admin_preview import plan_in_group, plan_lines
from dialogues.admin_screens import package_title
from dialogues.admin_states import DRAFT
from dialogues.admin_views import (
    Screen,
    button,
    calendar_keyboard,
    keyboard,
    parse_day,
    weekday_names,
    weekdays_label,
)
from dialogues.callbacks import AdminDraft, AdminGroup, AdminRollout
from dialogues.i18n import Texts
from domain.errors import NotFound
from domain.model import Organisation
from domain.pacing import in_waking_hours
from domain.schedule_text import parse_hhmm
from services import admin, rollouts
from services.plans import format_modules

COMMON_TIMES = ("07:30", "07:45", "08:00", "08:15", "08:30", "08:45", "09:00")
Draft = dict[str, Any]


async def load_draft(state: FSMContext, org: Organisation) -> Draft | None:
    draft = (await state.get_data()).get(DRAFT)
    return draft if isinstance(draft, dict) and draft.get("org") == org.id else None


def step_data(org: Organisation, do: str, value: str = "") -> str:
    return AdminDraft(do=do, org=org.id, value=value).pack()


def back_button(texts: Texts, org: Organisation, to: str) -> InlineKeyboardButton:
    return button(texts("admin.back"), step_data(org, "back", to))


def leave_button(texts: Texts, org: Organisation, draft: Draft) -> InlineKeyboardButton:
    """Out of the wizard: to the rollout being moved, or the group."""
    if draft.get("rollout"):
        data = AdminRollout(do="show", org=org.id, rollout=draft["rollout"]).pack()
    else:
        data = AdminGroup(do="show", org=org.id, group=draft["group"]).pack()
    return button(texts("admin.leave_wizard"), data)


# --- screens ------------------------------------------------------------------------------------


def package_screen(texts: Texts, catalogue: Catalogue, org: Organisation, draft: Draft) -> Screen:
    fitting = [p for p in catalogue.values() if p.package.audience == org.kind] or list(
        catalogue.values()
    )
    rows = [[button(p.title(texts.language), step_data(org, "pkg", p.id))] for p in fitting]
    return Screen(texts("admin.ask_package"), keyboard(*rows, [leave_button(texts, org, draft)]))


def modules_screen(texts: Texts, catalogue: Catalogue, org: Organisation, draft: Draft) -> Screen:
    package = catalogue[draft["package"]]
    chosen = set(draft["modules"])
    rows = []
    for module in package.modules:
        mark = "✅ " if module.number in chosen else ""
        label = f"{mark}{module.number} · {module.text(texts.language).title[:40]}"
        rows.append([button(label, step_data(org, "mod", str(module.number)))])
    rows.append(
        [back_button(texts, org, "pkg"), button(texts("admin.next"), step_data(org, "modok"))]
    )
    html = texts("admin.ask_modules", package=escape(package.title(texts.language)))
    return Screen(html, keyboard(*rows, [leave_button(texts, org, draft)]))


def calendar_screen(
    texts: Texts, org: Organisation, draft: Draft, month: date, today: date
) -> Screen:
    back = (
        back_button(texts, org, "mod")
        if not draft.get("rollout")
        else leave_button(texts, org, draft)
    )
    key = "admin.ask_next_day" if draft.get("started") else "admin.ask_start"
    return Screen(texts(key), calendar_keyboard(texts, org.id, "s", month, today, back))


def weekdays_screen(texts: Texts, org: Organisation, draft: Draft) -> Screen:
    chosen = set(draft["weekdays"])
    days = [
        button(("✅ " if number in chosen else "") + label, step_data(org, "wd", str(number)))
        for number, label in enumerate(weekday_names(texts))
    ]
    rows = [
        days[:4],
        days[4:],
        [back_button(texts, org, "cal"), button(texts("admin.next"), step_data(org, "wdok"))],
    ]
    return Screen(texts("admin.ask_weekdays"), keyboard(*rows, [leave_button(texts, org, draft)]))


def time_screen(texts: Texts, org: Organisation, draft: Draft) -> Screen:
    times = [button(t, step_data(org, "time", t.replace(":", ""))) for t in COMMON_TIMES]
    back = back_button(texts, org, "cal" if draft.get("started") else "wd")
    rows = [
        times[:4],
        times[4:],
        [button(texts("admin.other_time"), step_data(org, "timetxt"))],
        [back],
    ]
    key = "admin.ask_time_started" if draft.get("started") else "admin.ask_time"
    return Screen(texts(key), keyboard(*rows, [leave_button(texts, org, draft)]))


def rollout_draft(draft: Draft) -> rollouts.RolloutDraft:
    """The draft's choices as the use cases take them (KeyError, ValueError: a broken draft)."""
    return rollouts.RolloutDraft(
        draft["group"],
        draft["package"],
        tuple(draft["modules"]),
        date.fromisoformat(draft["start"]),
        frozenset(draft["weekdays"]),
        parse_hhmm(draft["time"]),
        draft.get("rollout") or None,
    )


def steps_of(catalogue: Catalogue, draft: Draft) -> int:
    return len(outline(catalogue, draft["package"], tuple(draft["modules"])) or ())


async def preview(call: OrgCall, draft: Draft) -> Screen | None:
    """The draft's plan with the day of every step, above its save button; None when it cannot
    be planned (its group, rollout or modules are gone, or a move would change days sent)."""
    uow, texts, catalogue, org, now = call.uow, call.texts, call.catalogue, call.org, call.now
    try:
        n_steps = steps_of(catalogue, draft)
        drafted = await rollouts.drafted(uow, org, rollout_draft(draft), n_steps, now)
        group, rollout = drafted.group, drafted.rollout
        plan = await plan_in_group(uow, partial(outline, catalogue), org, group, rollout)
        if plan is None:  # the package has no such modules
            return None
        header = texts(
            "admin.preview_header",
            package=escape(package_title(catalogue, rollout.package_id, texts.language)),
            modules=format_modules(rollout.modules),
            group=escape(group.name),
            weekdays=weekdays_label(texts, rollout.weekdays),
            time=rollout.send_time.strftime("%H:%M"),
            steps=n_steps,
        )
        sent = None
        if drafted.current is not None:  # ticked: what went out by the plan before the move
            current = drafted.current
            before = await plan_in_group(uow, partial(outline, catalogue), org, group, current)
            sent = before.due_index(now) if before else None
        package = catalogue[rollout.package_id]
        body = plan_lines(texts, plan, package, sent)
        html = "\n".join([header, *body, "", texts("admin.preview_footer")])
    except (admin.AdminError, NotFound, ValueError):
        return None
    return Screen(html, preview_markup(texts, org, draft))


def back_to(
    to: str, texts: Texts, catalogue: Catalogue, org: Organisation, draft: Draft, today: date
) -> Screen:
    if to == "mod" and draft.get("package"):
        return modules_screen(texts, catalogue, org, draft)
    if to == "cal" and draft.get("modules"):
        start = parse_day(draft.get("start") or "") or today
        return calendar_screen(texts, org, draft, start, today)
    if to == "wd" and draft.get("start") and not draft.get("started"):
        return weekdays_screen(texts, org, draft)
    if to == "time" and draft.get("start"):
        return time_screen(texts, org, draft)
    return package_screen(texts, catalogue, org, draft)


def clock_value(value: str) -> str | None:
    """ "0830" -> "08:30" when it is a send time the engine accepts."""
    if len(value) != 4 or not value.isdigit():
        return None
    text = f"{value[:2]}:{value[2:]}"
    try:
        return text if in_waking_hours(parse_hhmm(text)) else None
    except ValueError:
        return None


def preview_markup(texts: Texts, org: Organisation, draft: Draft) -> InlineKeyboardMarkup:
    return keyboard(
        [button(texts("admin.save"), step_data(org, "save"))],
        [back_button(texts, org, "time"), leave_button(texts, org, draft)],
    )
