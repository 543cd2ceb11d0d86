"""The admin menu's screens: home, an organisation, a group and a rollout. Each is built from
the database as it is now, so going back always shows the current state."""

from __future__ import annotations

from datetime import date, datetime
from functools import partial
from html import escape

from content.loader import Catalogue
from content.outline import outline
from dialogues.admin_call import OrgCall
from dialogues.admin_preview import plan_in_group
from dialogues.admin_views import Screen, button, keyboard, moment_label, weekdays_label
from dialogues.callbacks import AdminGroup, AdminHome, AdminOrg, AdminRollout
from dialogues.i18n import Texts
from dialogues.keyboards import LANGUAGE_NAMES
from domain.calendar import local_datetime
from domain.invites import joins_per_week
from domain.model import LANGUAGES, Group, Organisation, OrgKind, Rollout, RolloutStatus
from domain.plan import RolloutPlan
from services import access, admin_views
from services.plans import format_modules
from services.unit_of_work import UnitOfWork


def kind_label(texts: Texts, kind: OrgKind) -> str:
    return (
        texts("admin.kind_school") if kind is OrgKind.SCHOOL else texts("admin.kind_kindergarten")
    )


def status_label(texts: Texts, status: RolloutStatus) -> str:
    if status is RolloutStatus.ACTIVE:
        return texts("admin.status_active")
    if status is RolloutStatus.PAUSED:
        return texts("admin.status_paused")
    return texts("admin.status_cancelled")


def package_title(catalogue: Catalogue, package_id: str, language: str) -> str:
    """Plain text: escape it for a message, not for a button."""
    package = catalogue.get(package_id)
    return package.title(language) if package else package_id


async def home_screen(
    uow: UnitOfWork, texts: Texts, user_id: int, admin_ids: frozenset[int]
) -> Screen:
    orgs = await access.visible_orgs(uow, user_id, admin_ids)
    rows = [[button(org.name, AdminOrg(do="show", org=org.id).pack())] for org in orgs]
    if user_id in admin_ids:
        rows.append([button(texts("admin.new_org"), AdminHome(do="neworg").pack())])
    return Screen(texts("admin.home" if orgs else "admin.home_empty"), keyboard(*rows))


async def org_screen(uow: UnitOfWork, texts: Texts, org: Organisation) -> Screen:
    groups = await admin_views.groups_of(uow, org)
    html = texts(
        "admin.org",
        name=escape(org.name),
        kind=kind_label(texts, org.kind),
        timezone=org.timezone,
        groups=len(groups),
        breaks=len(org.breaks),
    )
    html += "\n" + texts("admin.org_language", language=_standard(texts, org.language))
    contact = escape(org.concern_contact) if org.concern_contact else texts("admin.concern_default")
    html += "\n" + texts("admin.org_concern", contact=contact)
    if org.concern_url:
        html += f" {escape(org.concern_url)}"
    rows = [[button(g.name, AdminGroup(do="show", org=org.id, group=g.id).pack())] for g in groups]
    rows += [
        [button(texts("admin.new_group"), AdminOrg(do="newgrp", org=org.id).pack())],
        [
            button(
                ("✅ " if org.language == language else "") + _standard(texts, language),
                AdminOrg(do="lang", org=org.id, value=language or "telegram").pack(),
            )
            for language in (*LANGUAGES, None)
        ],
        [
            button(texts("admin.breaks_button"), AdminOrg(do="breaks", org=org.id).pack()),
            button(texts("admin.admins_button"), AdminOrg(do="admins", org=org.id).pack()),
        ],
        [button(texts("admin.back"), AdminHome(do="home").pack())],
    ]
    return Screen(html, keyboard(*rows))


def _standard(texts: Texts, language: str | None) -> str:
    """A written standard's name for a button: the language's own name, or Telegram's."""
    return LANGUAGE_NAMES[language] if language else texts("admin.language_telegram")


def next_step(texts: Texts, plan: RolloutPlan, now: datetime) -> str:
    due = plan.due_index(now)
    following = 0 if due is None else due + 1
    if plan.rollout.status is RolloutStatus.CANCELLED:
        return "–"
    if following >= len(plan.steps):
        return texts("admin.all_sent")
    moment = plan.send_at(following)
    if moment is None:
        return texts("admin.waiting")
    when = moment_label(texts, local_datetime(moment, plan.tz))
    return texts("admin.next_step", number=following + 1, when=when)


async def group_screen(call: OrgCall, group: Group) -> Screen:
    uow, texts, catalogue, org, now = call.uow, call.texts, call.catalogue, call.org, call.now
    overview = await admin_views.group_overview(uow, group)
    leaders = overview.leaders
    names = ", ".join(escape(m.display_name or "?") for m in leaders) or "–"
    counts = overview.step_counts
    lines = [
        texts("admin.group", name=escape(group.name), org=escape(org.name)),
        texts(
            "admin.members",
            staff=overview.staff,
            leaders=len(leaders),
            names=names,
        ),
        deliveries_line(texts, counts),
        joins_line(texts, overview.join_dates, now.date()),
    ]
    rows = [
        [
            button(texts("admin.invite_staff"), _group(org, group, "inv", "s")),
            button(texts("admin.invite_leader"), _group(org, group, "inv", "l")),
        ],
        [
            button(texts("admin.invites_button"), _group(org, group, "invites")),
            button(texts("admin.members_button"), _group(org, group, "members")),
        ],
        [button(texts("admin.schedule_button"), _group(org, group, "plan"))],
    ]
    rollouts = overview.rollouts
    lines += ["", texts("admin.rollouts" if rollouts else "admin.no_rollouts")]
    for rollout in rollouts:
        plan = await plan_in_group(uow, partial(outline, catalogue), org, group, rollout)
        title = package_title(catalogue, rollout.package_id, texts.language)
        modules = format_modules(rollout.modules)
        status = status_label(texts, rollout.status)
        progress = next_step(texts, plan, now) if plan else "–"
        lines.append(f"• {escape(title)} ({modules}): {status}. {progress}")
        label = f"{title[:30]} {modules} · {status}"
        rows.append([button(label, AdminRollout(do="show", org=org.id, rollout=rollout.id).pack())])
    rows.append([button(texts("admin.back"), AdminOrg(do="show", org=org.id).pack())])
    return Screen("\n".join(lines), keyboard(*rows))


def joins_line(texts: Texts, joined: list[date], today: date) -> str:
    """How many joined each of the last weeks (sock puppets show as a burst)."""
    weekly = joins_per_week(joined, today)
    return texts("admin.joins_per_week", weeks=len(weekly), counts=" · ".join(map(str, weekly)))


def deliveries_line(texts: Texts, counts: dict[str, int]) -> str:
    return texts(
        "admin.deliveries",
        sent=counts.get("sent", 0),
        waiting=counts.get("pending", 0) + counts.get("claimed", 0),
        failed=counts.get("failed", 0),
    )


async def rollout_screen(call: OrgCall, group: Group, rollout: Rollout) -> Screen:
    uow, texts, catalogue, org, now = call.uow, call.texts, call.catalogue, call.org, call.now
    plan = await plan_in_group(uow, partial(outline, catalogue), org, group, rollout)
    due = plan.due_index(now) if plan else None
    counts = await admin_views.step_counts(uow, rollout)
    html = "\n".join(
        [
            texts(
                "admin.rollout",
                package=escape(package_title(catalogue, rollout.package_id, texts.language)),
                modules=format_modules(rollout.modules),
                group=escape(group.name),
                status=status_label(texts, rollout.status),
                start=rollout.start.strftime("%d.%m.%Y"),
                weekdays=weekdays_label(texts, rollout.weekdays),
                time=rollout.send_time.strftime("%H:%M"),
                sent=0 if due is None else due + 1,
                steps=len(plan.steps) if plan else 0,
            ),
            next_step(texts, plan, now) if plan else "–",
            deliveries_line(texts, counts),
        ]
    )
    rows = []
    if rollout.status is RolloutStatus.ACTIVE:
        rows.append(
            [
                button(texts("admin.pause"), _rollout(org, rollout, "pause")),
                button(texts("admin.move"), _rollout(org, rollout, "move")),
            ]
        )
    elif rollout.status is RolloutStatus.PAUSED:
        rows.append([button(texts("admin.resume"), _rollout(org, rollout, "resume"))])
    if rollout.status is not RolloutStatus.CANCELLED:
        rows.append([button(texts("admin.show_plan"), _rollout(org, rollout, "plan"))])
        rows.append([button(texts("admin.cancel_rollout"), _rollout(org, rollout, "cancel"))])
    rows.append([button(texts("admin.back"), _group(org, group, "show"))])
    return Screen(html, keyboard(*rows))


def _group(org: Organisation, group: Group, do: str, value: str = "") -> str:
    return AdminGroup(do=do, org=org.id, group=group.id, value=value).pack()


def _rollout(org: Organisation, rollout: Rollout, do: str) -> str:
    return AdminRollout(do=do, org=org.id, rollout=rollout.id).pack()
