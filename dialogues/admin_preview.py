"""A rollout's plan as an admin reads it before saving (and later, as it stands): the day and
time of every step and of every weekly summary, and the chosen days nothing goes out on.

The dates come from `domain.schedule.preview`, the rules the delivery engine sends by, applied
to the same RolloutPlan the engine builds (the organisation's breaks, the rollout's pauses, and
the queue behind a group's earlier rollout).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from html import escape

from content.schema import Package
from dialogues.admin_views import day_label, moment_label
from dialogues.i18n import Texts
from domain.calendar import public_holiday
from domain.model import Group, Organisation, Rollout
from domain.plan import RolloutPlan, StepRef, build_plan, queue_after_each_other
from domain.schedule import Preview, preview
from services import admin_views
from services.unit_of_work import UnitOfWork

Outline = Callable[[str, tuple[int, ...]], tuple[StepRef, ...] | None]


async def plan_in_group(
    uow: UnitOfWork, outline: Outline, org: Organisation, group: Group, rollout: Rollout
) -> RolloutPlan | None:
    """The plan `rollout` (saved, draft or rescheduled) gets among the group's other rollouts."""
    rollouts = await admin_views.rollouts_beside(uow, group, rollout)
    plans = []
    for each in [*rollouts, rollout]:
        steps = outline(each.package_id, each.modules)
        if steps is not None:
            plans.append(build_plan(each, group, org, steps))
    return next((p for p in queue_after_each_other(plans) if p.rollout.id == rollout.id), None)


def plan_preview(plan: RolloutPlan) -> Preview | None:
    """None while nothing is scheduled: an open pause, or an earlier rollout's open pause."""
    first = plan.dates[0] if plan.dates else None
    if first is None:
        return None
    r, g = plan.rollout, plan.group
    return preview(
        len(plan.steps),
        first,  # the plan's own first day: where a queue behind an earlier rollout put it
        r.weekdays,
        r.send_time,
        plan.tz,
        plan.closed,
        g.summary_weekday,
        g.summary_time,
    )


def plan_lines(
    texts: Texts, plan: RolloutPlan, package: Package, sent_through: int | None = None
) -> list[str]:
    """Step by step with module headings, each week's summary after its last step, then the
    chosen days left out. Steps up to `sent_through` are ticked as gone out."""
    shown = plan_preview(plan)
    if shown is None:
        return [texts("admin.preview_waiting", count=len(plan.steps))]
    weeks = sorted({step.week for step in shown.steps if step.week is not None})
    summary_at = dict(zip(weeks, shown.summaries, strict=True))
    lines: list[str] = []
    module = None
    for index, step in enumerate(shown.steps):
        ref = plan.steps[index]
        if ref.module != module:
            module = ref.module
            title = escape(package.module(module).text(texts.language).title)
            lines += ["", texts("admin.preview_module", number=module, title=title)]
        position, size = plan.module_span(index)
        when = moment_label(texts, step.local) if step.local else texts("admin.preview_later")
        tick = "✓ " if sent_through is not None and index <= sent_through else ""
        lines.append(
            tick
            + texts("admin.preview_step", number=index + 1, when=when, position=position, size=size)
        )
        following = shown.steps[index + 1].week if index + 1 < len(shown.steps) else None
        if step.week is not None and following != step.week:
            lines.append(
                texts("admin.preview_summary", when=moment_label(texts, summary_at[step.week]))
            )
    skipped = closed_days(texts, plan, shown)
    if skipped:
        lines += ["", texts("admin.preview_closed"), *skipped]
    return lines


def closed_days(texts: Texts, plan: RolloutPlan, shown: Preview) -> list[str]:
    """The rollout's weekdays between its first and last step that send nothing, and why."""
    days = [step.local.date() for step in shown.steps if step.local is not None]
    if not days:
        return []
    lines = []
    day = days[0]
    while day <= days[-1]:
        if day.weekday() in plan.rollout.weekdays and plan.closed.is_closed(day):
            lines.append(f"– {day_label(texts, day)}: {_reason(texts, plan, day)}")
        day += timedelta(days=1)
    return lines


def _reason(texts: Texts, plan: RolloutPlan, day: date) -> str:
    holiday = public_holiday(day)
    if holiday is not None:
        return escape(holiday)
    for closed in plan.org.breaks:
        if day in closed.days:
            return escape(closed.name)
    return texts("admin.paused_day")


def first_and_last(plan: RolloutPlan) -> tuple[datetime | None, datetime | None]:
    shown = plan_preview(plan)
    if shown is None:
        return None, None
    moments = [step.local for step in shown.steps if step.local is not None]
    return (moments[0], moments[-1]) if moments else (None, None)
