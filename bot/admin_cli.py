"""`refleks admin ...`: scriptable administration. Output is plain lines; errors are one line
on stderr with exit status 2. Nothing here imports aiogram."""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import sys
import urllib.request
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.cli_args import CliError, Parser, parse_date
from bot.config import Settings, load_settings
from bot.logs import redact
from domain.invites import default_limits
from domain.model import LANGUAGES, OrgKind, Role
from services import admin, cli_tasks, membership, plans
from storage.uow import UnitOfWork, UnitOfWorkFactory

Action = Callable[[UnitOfWork, argparse.Namespace, Settings], Awaitable[list[str]]]


def add_admin_commands(commands: Any) -> None:
    from domain.schedule_text import parse_hhmm, parse_modules, parse_weekdays

    def typed(parse: Callable[[str], Any]) -> Callable[[str], Any]:
        def convert(text: str) -> Any:
            try:
                return parse(text)
            except ValueError as error:
                raise argparse.ArgumentTypeError(str(error)) from None

        return convert

    top = commands.add_parser("admin", help="organisations, groups, invites, rollouts")
    area = top.add_subparsers(dest="area", required=True, parser_class=Parser)

    org = area.add_parser("org", help="organisations").add_subparsers(
        dest="action", required=True, parser_class=Parser
    )
    org_add = org.add_parser("add", help="create or update an organisation")
    org_add.add_argument("slug")
    org_add.add_argument("--name", required=True)
    org_add.add_argument("--kind", required=True, choices=[k.value for k in OrgKind])
    org_add.add_argument("--timezone", default=None, help="default: TIMEZONE (Europe/Oslo)")
    org_add.add_argument(
        "--bot-id", type=_bot_choice, help="its own bot: an id from MORE_BOT_TOKENS, or 'default'"
    )
    org_add.add_argument(
        "--language",
        choices=[*LANGUAGES, admin.NO_LANGUAGE],
        help="its written standard, for members who chose none with /language "
        f"(default for a new organisation: {admin.NO_LANGUAGE}, each member's Telegram language)",
    )
    org_add.add_argument(
        "--concern-contact",
        help="whom staff tell when worried about a child (/bekymring); '' for the law's default",
    )
    org_add.add_argument("--concern-url", help="a link to its written routine; '' for none")
    org_bot = org.add_parser("bot", help="which bot serves the organisation (before anyone joins)")
    org_bot.add_argument("slug")
    org_bot.add_argument("bot_id", type=_bot_choice, metavar="BOT_ID|default")
    org_admin = org.add_parser("admin", help="let a Telegram user administer the organisation")
    org_admin.add_argument("slug")
    org_admin.add_argument("telegram_id", type=int)

    group = area.add_parser("group", help="staff groups").add_subparsers(
        dest="action", required=True, parser_class=Parser
    )
    group_add = group.add_parser("add", help="create or rename a group")
    group_add.add_argument("path", metavar="ORG/GROUP")
    group_add.add_argument("--name", required=True)

    invite = area.add_parser("invite", help="make an invite link (last line: the link)")
    invite.set_defaults(action="make")
    invite.add_argument("path", metavar="ORG/GROUP")
    invite.add_argument("--role", required=True, choices=[r.value for r in Role])
    uses = invite.add_mutually_exclusive_group()
    uses.add_argument("--max-uses", type=int, help="default: 60 for staff, 5 for leaders")
    uses.add_argument("--unlimited-uses", action="store_true")
    expiry = invite.add_mutually_exclusive_group()
    expiry.add_argument("--expires-days", type=int, help="default: 14")
    expiry.add_argument("--no-expiry", action="store_true")

    rollout = area.add_parser("rollout", help="module rollouts").add_subparsers(
        dest="action", required=True, parser_class=Parser
    )
    rollout_add = rollout.add_parser("add", help="schedule modules of a package for a group")
    rollout_add.add_argument("path", metavar="ORG/GROUP")
    rollout_add.add_argument("--package", required=True)
    rollout_add.add_argument("--modules", required=True, type=typed(parse_modules))
    rollout_add.add_argument("--start", required=True, type=parse_date)
    rollout_add.add_argument("--at", default=parse_hhmm("08:00"), type=typed(parse_hhmm))
    rollout_add.add_argument(
        "--weekdays", default=parse_weekdays("mon-fri"), type=typed(parse_weekdays)
    )
    rollout_list = rollout.add_parser("list", help="rollouts, with their next step")
    rollout_list.add_argument("scope", nargs="?", metavar="ORG[/GROUP]")
    for name in ("pause", "resume", "cancel"):
        action = rollout.add_parser(name, help=f"{name} a rollout")
        action.add_argument("rollout_id", type=int)

    add_break_and_plan_commands(area, parse_date)
    add_member_commands(area)

    status = area.add_parser("status", help="organisations, groups, members and rollouts")
    status.set_defaults(action="show")
    status.add_argument("org", nargs="?")


def add_break_and_plan_commands(area: Any, parse_date: Callable[[str], Any]) -> None:

    closed = area.add_parser("break", help="an organisation's breaks: they shift the plan")
    breaks = closed.add_subparsers(dest="action", required=True, parser_class=Parser)
    break_add = breaks.add_parser("add", help="add a break, or rename/move the end of one")
    break_add.add_argument("org", metavar="ORG")
    break_add.add_argument("--name", required=True)
    break_add.add_argument("--from", dest="start", required=True, type=parse_date)
    break_add.add_argument("--to", dest="end", required=True, type=parse_date, help="inclusive")
    break_remove = breaks.add_parser("remove", help="remove the break that starts on a day")
    break_remove.add_argument("org", metavar="ORG")
    break_remove.add_argument("--from", dest="start", required=True, type=parse_date)
    breaks.add_parser("list", help="an organisation's breaks").add_argument("org", metavar="ORG")

    plan = area.add_parser("plan", help="plan files (see docs/plan.example.yaml)")
    plan_apply = plan.add_subparsers(dest="action", required=True, parser_class=Parser).add_parser(
        "apply", help="create or update organisations, breaks, groups and rollouts from YAML"
    )
    plan_apply.add_argument("file", type=Path)
    plan_apply.add_argument(
        "--dry-run", action="store_true", help="show what would change and save nothing"
    )


def add_member_commands(area: Any) -> None:

    member = area.add_parser("member", help="a group's members: list, remove, change role")
    actions = member.add_subparsers(dest="action", required=True, parser_class=Parser)
    actions.add_parser(
        "list", help="Telegram id, role and join date of each (leaders with name)"
    ).add_argument("path", metavar="ORG/GROUP")
    remove = actions.add_parser("remove", help="take someone out of the group, at once")
    remove.add_argument("path", metavar="ORG/GROUP")
    remove.add_argument("telegram_id", type=int)
    role = actions.add_parser("role", help="make a member the group's leader, or staff")
    role.add_argument("path", metavar="ORG/GROUP")
    role.add_argument("telegram_id", type=int)
    role.add_argument("role", choices=[r.value for r in Role])


DEFAULT_BOT = "default"


def _bot_choice(text: str) -> int | str:
    """A bot id (the digits before the colon of its token), or 'default'."""
    if text == DEFAULT_BOT:
        return text
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"'{text}' is neither a bot id nor 'default'")
    return int(text)


def known_bots(settings: Settings) -> admin.KnownBots:
    others = frozenset(bot_id for bot_id in settings.bot_tokens if bot_id != settings.bot_id)
    return admin.KnownBots(settings.bot_id or None, others)


def run_admin(args: argparse.Namespace) -> int:

    settings = load_settings()
    action = ACTIONS[(args.area, args.action)]
    try:
        lines = asyncio.run(_in_unit_of_work(settings, action, args))
    except admin.AdminError as error:
        raise CliError(f"refleks admin: {error}") from None
    for line in lines:
        print(line)
    return 0


async def _in_unit_of_work(
    settings: Settings, action: Action, args: argparse.Namespace
) -> list[str]:
    from storage.db import make_engine, make_sessions, upgrade

    engine = make_engine(settings.database_url)
    try:
        await upgrade(engine)
        async with UnitOfWorkFactory(make_sessions(engine))() as uow:
            lines = await action(uow, args, settings)
            await uow.commit()
            return lines
    finally:
        await engine.dispose()


def _now() -> datetime:
    return datetime.now(UTC)


async def org_add(uow: UnitOfWork, args: argparse.Namespace, settings: Settings) -> list[str]:
    found, change = await admin.add_org(
        uow, args.slug, args.name, OrgKind(args.kind), args.timezone or settings.timezone
    )
    if args.bot_id is not None:
        bot_id = None if args.bot_id == DEFAULT_BOT else args.bot_id
        found, bot_change = await admin.set_org_bot(uow, found, bot_id, known_bots(settings))
        if change is admin.Change.UNCHANGED:
            change = bot_change
    found, reading = await admin.set_org_reading(
        uow, found, language=args.language, contact=args.concern_contact, url=args.concern_url
    )
    if change is admin.Change.UNCHANGED:
        change = reading
    return [
        f"{change} organisation {found.slug} ({found.kind}, {found.timezone}"
        f"{admin.describe_bot(found)}{admin.describe_language(found)}): {found.name}"
    ]


async def org_bot(uow: UnitOfWork, args: argparse.Namespace, settings: Settings) -> list[str]:
    found = await admin.org(uow, args.slug)
    bot_id = None if args.bot_id == DEFAULT_BOT else args.bot_id
    found, change = await admin.set_org_bot(uow, found, bot_id, known_bots(settings))
    served_by = "the default bot" if found.bot_id is None else f"bot {found.bot_id}"
    return [f"{change} {found.slug}: served by {served_by}"]


async def org_admin(uow: UnitOfWork, args: argparse.Namespace, settings: Settings) -> list[str]:
    found, change = await cli_tasks.add_org_admin(uow, args.slug, args.telegram_id)
    return [f"{change} admin {args.telegram_id} of {found.slug}"]


async def group_add(uow: UnitOfWork, args: argparse.Namespace, settings: Settings) -> list[str]:
    group, change = await admin.add_group(uow, args.path, args.name)
    return [f"{change} group {args.path}: {group.name}"]


async def invite_make(uow: UnitOfWork, args: argparse.Namespace, settings: Settings) -> list[str]:
    role = Role(args.role)
    default_uses, default_days = default_limits(role)
    made = await admin.make_invite(
        uow,
        args.path,
        role,
        _now(),
        max_uses=None if args.unlimited_uses else _given(args.max_uses, default_uses),
        expires_days=None if args.no_expiry else _given(args.expires_days, default_days),
    )
    organisation, _ = await admin.group_at(uow, args.path)
    username = bot_username(settings, organisation.bot_id)
    uses = "unlimited uses" if made.max_uses is None else f"{made.max_uses} uses"
    expiry = (
        "no expiry" if made.expires_at is None else f"expires {made.expires_at:%Y-%m-%d %H:%M} UTC"
    )
    return [
        f"invite for {args.path} as {made.role}: {uses}, {expiry}",
        f"https://t.me/{username}?start={made.code}",
    ]


def _given(value: int | None, default: int) -> int:
    return default if value is None else value


def bot_username(settings: Settings, bot_id: int | None = None) -> str:
    """The username of the bot that serves an organisation (`bot_id`; None: the default bot),
    from getMe with its token (a plain HTTP call: no aiogram needed for it). BOT_USERNAME
    names the default bot where there is no token to ask with."""
    if bot_id is not None and bot_id != settings.bot_id:
        token = settings.bot_tokens.get(bot_id)
        if token is None:  # its link would name a bot that is not running here
            raise admin.AdminError(
                f"the organisation is served by bot {bot_id}, and no token in MORE_BOT_TOKENS "
                "is for that bot: set MORE_BOT_TOKENS as the bot has it"
            )
        return _ask_username(settings, token)
    if settings.bot_username:
        return settings.bot_username.lstrip("@")
    if not settings.bot_token:
        print("warning: no BOT_TOKEN or BOT_USERNAME: the link names the demo bot", file=sys.stderr)
        return "refleks_demo_bot"
    return _ask_username(settings, settings.bot_token)


def _ask_username(settings: Settings, token: str) -> str:
    url = f"{settings.telegram_api_url}/bot{token}/getMe"
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return str(json.load(response)["result"]["username"])
    except (OSError, KeyError, ValueError, http.client.HTTPException) as error:
        raise admin.AdminError(  # the URL in the error has the token in it
            f"could not ask Telegram for the bot's name (getMe): {redact(str(error))}"
        ) from None


def _packages() -> dict[str, tuple[int, ...]]:
    from content.loader import load_packages

    return load_packages().module_numbers()


def _step_count(package_id: str, modules: tuple[int, ...]) -> int:
    from content.loader import load_packages

    return len(load_packages()[package_id].steps(modules))


async def rollout_add(uow: UnitOfWork, args: argparse.Namespace, settings: Settings) -> list[str]:
    request = admin.RolloutRequest(
        args.path, args.package, args.modules, args.start, args.weekdays, args.at
    )
    found, change = await admin.add_rollout(uow, request, _packages())
    return [f"{change} rollout #{found.id}: " + await describe_rollout(uow, found.id)]


async def describe_rollout(uow: UnitOfWork, rollout_id: int) -> str:
    return describe(await cli_tasks.rollout_view(uow, rollout_id, _step_count))


def describe(view: cli_tasks.RolloutView) -> str:
    from domain.schedule_text import format_weekdays

    found, dates = view.rollout, view.step_dates
    modules = ",".join(str(m) for m in found.modules)
    today = datetime.now(UTC).date()
    upcoming = [d for d in dates if d is not None and d >= today]
    nxt = f"next step {upcoming[0]}" if upcoming else "no step ahead"
    last = next((d for d in reversed(dates) if d is not None), None)
    return (
        f"{view.path} {found.package_id} modules {modules}, from {found.start} "
        f"{format_weekdays(found.weekdays)} at {found.send_time:%H:%M}, {found.status}; "
        f"{len(dates)} steps, {nxt}, last {last}"
    )


async def rollout_list(uow: UnitOfWork, args: argparse.Namespace, settings: Settings) -> list[str]:
    views = await cli_tasks.rollouts_in(uow, args.scope, _step_count)
    if not views:
        return ["no rollouts"]
    return [f"#{view.rollout.id} " + describe(view) for view in views]


def _rollout_action(
    change: Callable[..., Awaitable[admin.Change]], needs_steps: bool = False
) -> Action:
    async def act(uow: UnitOfWork, args: argparse.Namespace, settings: Settings) -> list[str]:
        found = await admin.rollout(uow, args.rollout_id)
        if needs_steps:
            result = await change(uow, found, _step_count(found.package_id, found.modules), _now())
        elif change is admin.cancel_rollout:
            result = await change(uow, found)
        else:
            result = await change(uow, found, _now())
        word = {"pause": "paused", "resume": "resumed", "cancel": "cancelled"}[args.action]
        state = word if result is admin.Change.UPDATED else f"already {word}"
        return [f"rollout #{found.id} {state}: " + await describe_rollout(uow, found.id)]

    return act


async def status_show(uow: UnitOfWork, args: argparse.Namespace, settings: Settings) -> list[str]:
    orgs = await cli_tasks.status(uow, args.org, _now().date(), _step_count)
    if not orgs:
        return ["no organisations yet: refleks admin org add SLUG --name NAME --kind school"]
    lines = []
    for org_status in orgs:
        found = org_status.organisation
        lines.append(
            f"{found.slug}: {found.name} ({found.kind}, {found.timezone}"
            f"{admin.describe_bot(found)})"
        )
        for seen in org_status.groups:
            group, joined = seen.group, seen.joined_per_week
            lines.append(
                f"  {found.slug}/{group.slug}: {group.name}: "
                f"{seen.staff} staff, {seen.leaders} leaders"
            )
            lines.append(f"    joined per week, last {len(joined)}: " + " ".join(map(str, joined)))
            for view in seen.rollouts:
                lines.append(f"    #{view.rollout.id} " + describe(view))
        for b in found.breaks:
            lines.append(f"  break {b.name}: {b.days.start} to {b.days.end}")
    return lines


async def break_add(uow: UnitOfWork, args: argparse.Namespace, settings: Settings) -> list[str]:
    found, made, change = await plans.add_break(
        uow, args.org, args.name, args.start, args.end, _now()
    )
    return [f"{change} break " + plans.describe_break(found.slug, made)]


async def break_remove(uow: UnitOfWork, args: argparse.Namespace, settings: Settings) -> list[str]:
    found, removed = await plans.remove_break(uow, args.org, args.start, _now())
    return ["removed break " + plans.describe_break(found.slug, removed)]


async def break_list(uow: UnitOfWork, args: argparse.Namespace, settings: Settings) -> list[str]:
    found = await admin.org(uow, args.org)
    if not found.breaks:
        return [f"no breaks in {found.slug}"]
    return [plans.describe_break(found.slug, b) for b in found.breaks]


async def member_list(uow: UnitOfWork, args: argparse.Namespace, settings: Settings) -> list[str]:
    _, group = await admin.group_at(uow, args.path)
    found = await membership.members_of(uow, group.id)
    if not found:
        return [f"no members in {args.path}"]
    return [
        f"{m.telegram_id} {m.role} joined {m.joined_on}" + (f" {m.name}" if m.name else "")
        for m in found
    ]


async def member_remove(uow: UnitOfWork, args: argparse.Namespace, settings: Settings) -> list[str]:
    _, group = await admin.group_at(uow, args.path)
    left = await membership.remove(uow, group.id, args.telegram_id)
    if left is None:
        return [f"{args.telegram_id} is not a member of {args.path}"]
    lines = [f"removed {args.telegram_id} from {args.path}: nothing more is sent to them from it"]
    if left.unlinked_chat:
        lines.append(f"{args.path}'s group chat link is undone: a leader can /linkchat again")
    return lines


async def member_role(uow: UnitOfWork, args: argparse.Namespace, settings: Settings) -> list[str]:
    _, group = await admin.group_at(uow, args.path)
    change = await membership.set_role(uow, group.id, args.telegram_id, Role(args.role))
    if change is None:
        raise admin.AdminError(f"{args.telegram_id} is not a member of {args.path}")
    return [f"{change} {args.telegram_id} in {args.path}: {args.role}"]


DRY_RUN = "dry run: "


async def plan_apply(uow: UnitOfWork, args: argparse.Namespace, settings: Settings) -> list[str]:
    """Checks the whole file, then writes it in this one transaction (a dry run rolls it back).
    Plan problems are `file:line: message` lines, so they go out without the usual prefix."""

    packages = _packages()
    try:
        parsed = plans.read_plan(args.file, packages)
        result = await plans.apply_plan(
            uow, parsed, packages, _now(), settings.timezone, known_bots(settings)
        )
    except plans.PlanError as error:
        raise CliError(str(error)) from None
    for warning in result.warnings:
        print(warning, file=sys.stderr)
    if not args.dry_run:
        return result.lines()
    await uow.rollback()
    return [DRY_RUN + line for line in result.lines()] + [DRY_RUN + "rolled back, nothing saved"]


ACTIONS: dict[tuple[str, str], Action] = {
    ("org", "add"): org_add,
    ("org", "admin"): org_admin,
    ("org", "bot"): org_bot,
    ("group", "add"): group_add,
    ("invite", "make"): invite_make,
    ("rollout", "add"): rollout_add,
    ("rollout", "list"): rollout_list,
    ("rollout", "pause"): _rollout_action(admin.pause_rollout, needs_steps=True),
    ("rollout", "resume"): _rollout_action(admin.resume_rollout),
    ("rollout", "cancel"): _rollout_action(admin.cancel_rollout),
    ("status", "show"): status_show,
    ("break", "add"): break_add,
    ("break", "remove"): break_remove,
    ("break", "list"): break_list,
    ("plan", "apply"): plan_apply,
    ("member", "list"): member_list,
    ("member", "remove"): member_remove,
    ("member", "role"): member_role,
}

_ = timedelta  # kept for callers computing expiries
