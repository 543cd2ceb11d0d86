"""What admins do, for the CLI, plan files and the /admin dialogue alike. Idempotent where it
can be: asking for what already exists changes nothing and says so."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.calendar import ClosedDays, local_date, local_datetime, local_to_utc
from domain.errors import NotFound
from domain.model import (
    LANGUAGES,
    Group,
    Invite,
    Organisation,
    OrgKind,
    Pause,
    Role,
    Rollout,
    RolloutStatus,
)
from domain.pacing import WAKING_HOURS, in_waking_hours
from domain.schedule import check_weekdays, pause_from, plan_step_dates
from services.unit_of_work import UnitOfWork
from storage.limits import BREAK_NAME_MAX as BREAK_NAME_MAX  # (the upper layers' limits)
from storage.limits import CONCERN_CONTACT_MAX, CONCERN_URL_MAX
from storage.limits import GROUP_NAME_MAX as GROUP_NAME_MAX
from storage.limits import ORG_NAME_MAX as ORG_NAME_MAX

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


class AdminError(ValueError):
    """One clear line for the person at the keyboard."""


class Change(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


def check_send_time(send_time: time) -> None:
    """A rollout's time of day: within the hours Refleks writes to people at all."""
    if not in_waking_hours(send_time):
        opens, closes = (f"{moment:%H:%M}" for moment in WAKING_HOURS)
        raise AdminError(f"the send time must lie between {opens} and {closes}")


def check_slug(slug: str, what: str) -> str:
    if not SLUG.match(slug):
        raise AdminError(
            f"{what} '{slug}' must be lower-case letters, digits and dashes (at most 40)"
        )
    return slug


def split_path(path: str) -> tuple[str, str]:
    org, sep, group = path.partition("/")
    if not sep or not org or not group or "/" in group:
        raise AdminError(f"'{path}' is not ORG/GROUP (for example: nordby-skole/laerere)")
    return check_slug(org, "organisation"), check_slug(group, "group")


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise AdminError(f"unknown time zone '{name}'") from None
    return name


_SPELLED_OUT = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ß": "ss"})
SLUG_ROOM = 36  # leaves room for a "-NN" that makes a slug unique


def slug_from_name(name: str, fallback: str) -> str:
    """A slug people can read: "Nordby skole" -> "nordby-skole", "Ærfugl" -> "aerfugl"."""
    plain = unicodedata.normalize("NFKD", name.lower().translate(_SPELLED_OUT))
    ascii_only = plain.encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_only).strip("-")[:SLUG_ROOM].strip("-")
    return slug or fallback


async def free_org_slug(uow: UnitOfWork, name: str) -> str:
    base = slug_from_name(name, "org")
    for number in range(1, 1000):
        slug = base if number == 1 else f"{base}-{number}"
        if await uow.orgs.find(slug) is None:
            return slug
    raise AdminError(f"no free slug for '{name}'")


async def free_group_slug(uow: UnitOfWork, org_id: int, name: str) -> str:
    base = slug_from_name(name, "gruppe")
    for number in range(1, 1000):
        slug = base if number == 1 else f"{base}-{number}"
        if await uow.groups.find(org_id, slug) is None:
            return slug
    raise AdminError(f"no free slug for '{name}'")


async def org(uow: UnitOfWork, slug: str) -> Organisation:
    try:
        return await uow.orgs.by_slug(slug)
    except NotFound:
        raise AdminError(f"no organisation '{slug}'") from None


async def group_at(uow: UnitOfWork, path: str) -> tuple[Organisation, Group]:
    org_slug, group_slug = split_path(path)
    organisation = await org(uow, org_slug)
    group = await uow.groups.find(organisation.id, group_slug)
    if group is None:
        raise AdminError(f"no group '{group_slug}' in '{org_slug}'")
    return organisation, group


async def add_org(
    uow: UnitOfWork,
    slug: str,
    name: str,
    kind: OrgKind,
    timezone: str,
    *,
    bot_id: int | None = None,
) -> tuple[Organisation, Change]:
    """`bot_id` (None: the default bot) is for a new organisation only: an existing one
    changes bot through set_org_bot, which refuses once anyone has joined."""
    check_slug(slug, "organisation")
    check_timezone(timezone)
    found = await uow.orgs.find(slug)
    if found is None:
        return await uow.orgs.add(slug, name, kind, timezone, bot_id=bot_id), Change.CREATED
    if (found.name, found.kind, found.timezone) == (name, kind, timezone):
        return found, Change.UNCHANGED
    await uow.orgs.update(found.id, name=name, kind=kind, timezone=timezone)
    return await uow.orgs.get(found.id), Change.UPDATED


@dataclass(frozen=True)
class KnownBots:
    """The bots this deployment runs, by id (the first part of BOT_TOKEN and of each of
    MORE_BOT_TOKENS): an organisation can only be given one of these."""

    default: int | None
    others: frozenset[int] = frozenset()

    def checked(self, bot_id: int | None) -> int | None:
        """The bot id to store: None for the default bot (by name or by its id)."""
        if bot_id is None or bot_id == self.default:
            return None
        if bot_id not in self.others:
            known = ", ".join(str(b) for b in sorted(self.others)) or "none"
            raise AdminError(
                f"bot {bot_id} is not one of the bots in MORE_BOT_TOKENS (those are: {known})"
            )
        return bot_id


async def set_org_bot(
    uow: UnitOfWork, organisation: Organisation, bot_id: int | None, bots: KnownBots
) -> tuple[Organisation, Change]:
    """Which bot serves the organisation; None: the default bot. Refused once anyone has
    joined: they wrote to the old bot, and Telegram lets a bot write only to people who wrote
    to it first, so the new one could not send them their steps."""
    wanted = bots.checked(bot_id)
    if organisation.bot_id == wanted:
        return organisation, Change.UNCHANGED
    joined = 0
    for group in await uow.groups.of_org(organisation.id):
        for role in Role:
            joined += await uow.members.count(group.id, role)
    if joined:
        raise AdminError(
            f"'{organisation.slug}' has {joined} members who joined through its bot now; another "
            "bot could not write to them (Telegram lets a bot write only to people who wrote to "
            "it first), so its bot stays as it is: give an organisation its bot before anyone joins"
        )
    await uow.orgs.set_bot(organisation.id, wanted)
    return await uow.orgs.get(organisation.id), Change.UPDATED


NO_LANGUAGE = "telegram"  # said instead of a language: each member's Telegram language decides
_URL = re.compile(r"^https?://[^\s<>\"]+$")


def check_language(language: str) -> str | None:
    """An organisation's written standard as stored: nb, nn or en; None for `telegram`."""
    if language == NO_LANGUAGE:
        return None
    if language not in LANGUAGES:
        raise AdminError(
            f"'{language}' is not a written standard: use nb (bokmål), nn (nynorsk), en "
            f"(English) or {NO_LANGUAGE} (each member's Telegram language)"
        )
    return language


async def set_org_language(
    uow: UnitOfWork, organisation: Organisation, language: str | None
) -> tuple[Organisation, Change]:
    """The written standard its members read unless they chose one with /language."""
    if organisation.language == language:
        return organisation, Change.UNCHANGED
    await uow.orgs.set_language(organisation.id, language)
    return await uow.orgs.get(organisation.id), Change.UPDATED


def check_concern_contact(contact: str | None) -> str | None:
    """Whom staff tell when worried about a child, on one line; empty means none (the law's
    default: the rektor or the styrer)."""
    contact = " ".join((contact or "").split()) or None
    limit = CONCERN_CONTACT_MAX
    if contact is not None and (len(contact) > limit or not contact.isprintable()):
        raise AdminError(f"the concern contact must be one line of at most {limit} characters")
    return contact


def check_concern_url(url: str | None) -> str | None:
    """A link to the organisation's written routine; empty means none."""
    url = (url or "").strip() or None
    limit = CONCERN_URL_MAX
    if url is not None and (len(url) > limit or not _URL.match(url)):
        raise AdminError(
            f"the concern routine's link must be an http(s) address of at most {limit} characters"
        )
    return url


async def set_concern_routine(
    uow: UnitOfWork, organisation: Organisation, contact: str | None, url: str | None
) -> tuple[Organisation, Change]:
    contact, url = check_concern_contact(contact), check_concern_url(url)
    if (organisation.concern_contact, organisation.concern_url) == (contact, url):
        return organisation, Change.UNCHANGED
    await uow.orgs.set_concern_routine(organisation.id, contact, url)
    return await uow.orgs.get(organisation.id), Change.UPDATED


async def set_org_reading(
    uow: UnitOfWork,
    organisation: Organisation,
    *,
    language: str | None = None,
    contact: str | None = None,
    url: str | None = None,
) -> tuple[Organisation, Change]:
    """The written standard (nb, nn, en, or `telegram`) and the concern routine, each only where
    given (None: as it is; an empty contact or link clears it): the CLI and plan files alike."""
    changes = set()
    if language is not None:
        organisation, change = await set_org_language(uow, organisation, check_language(language))
        changes.add(change)
    if contact is not None or url is not None:
        organisation, change = await set_concern_routine(
            uow,
            organisation,
            organisation.concern_contact if contact is None else contact,
            organisation.concern_url if url is None else url,
        )
        changes.add(change)
    return organisation, Change.UPDATED if Change.UPDATED in changes else Change.UNCHANGED


def describe_language(organisation: Organisation) -> str:
    return f", written in {organisation.language}" if organisation.language else ""


def describe_bot(organisation: Organisation) -> str:
    return "" if organisation.bot_id is None else f", bot {organisation.bot_id}"


async def add_group(uow: UnitOfWork, path: str, name: str) -> tuple[Group, Change]:
    org_slug, group_slug = split_path(path)
    organisation = await org(uow, org_slug)
    found = await uow.groups.find(organisation.id, group_slug)
    if found is None:
        return await uow.groups.add(organisation.id, group_slug, name), Change.CREATED
    if found.name == name:
        return found, Change.UNCHANGED
    await uow.groups.update(found.id, name=name)
    return await uow.groups.get(found.id), Change.UPDATED


async def make_invite(
    uow: UnitOfWork,
    path: str,
    role: Role,
    now: datetime,
    *,
    max_uses: int | None = None,
    expires_days: int | None = None,
) -> Invite:
    if max_uses is not None and max_uses < 1:
        raise AdminError("--max-uses must be at least 1")
    if expires_days is not None and expires_days < 1:
        raise AdminError("--expires-days must be at least 1")
    _, group = await group_at(uow, path)
    expires = None if expires_days is None else now + timedelta(days=expires_days)
    return await uow.invites.create(group.id, role, max_uses, expires)


@dataclass(frozen=True)
class RolloutRequest:
    path: str
    package_id: str
    modules: tuple[int, ...]
    start: date
    weekdays: frozenset[int]
    send_time: time


async def add_rollout(
    uow: UnitOfWork, request: RolloutRequest, packages: Mapping[str, tuple[int, ...]]
) -> tuple[Rollout, Change]:
    """`packages` maps each package id to its module numbers (from the content catalogue)."""
    if request.package_id not in packages:
        known = ", ".join(sorted(packages)) or "none"
        raise AdminError(f"no package '{request.package_id}' (known: {known})")
    missing = [m for m in request.modules if m not in packages[request.package_id]]
    if missing:
        have = ", ".join(str(m) for m in packages[request.package_id])
        raise AdminError(f"package '{request.package_id}' has no module {missing[0]} (has {have})")
    check_send_time(request.send_time)
    _, group = await group_at(uow, request.path)
    for rollout in await uow.rollouts.of_group(group.id):
        if (rollout.package_id, rollout.modules, rollout.start) == (
            request.package_id,
            request.modules,
            request.start,
        ):
            if (rollout.weekdays, rollout.send_time) == (request.weekdays, request.send_time):
                return rollout, Change.UNCHANGED
            await uow.rollouts.reschedule(
                rollout.id,
                start=request.start,
                weekdays=request.weekdays,
                send_time=request.send_time,
            )
            return await uow.rollouts.get(rollout.id), Change.UPDATED
    rollout = await uow.rollouts.add(
        group.id,
        request.package_id,
        request.modules,
        request.start,
        request.weekdays,
        request.send_time,
    )
    return rollout, Change.CREATED


async def rollout(
    uow: UnitOfWork, rollout_id: int, *, allowed_orgs: set[int] | None = None
) -> Rollout:
    try:
        found = await uow.rollouts.get(rollout_id)
    except NotFound:
        raise AdminError(f"no rollout #{rollout_id}") from None
    if allowed_orgs is not None:
        group = await uow.groups.get(found.group_id)
        if group.org_id not in allowed_orgs:
            raise AdminError(f"no rollout #{rollout_id}")
    return found


async def step_dates(
    uow: UnitOfWork, found: Rollout, n_steps: int
) -> tuple[Organisation, list[date | None]]:
    group = await uow.groups.get(found.group_id)
    organisation = await uow.orgs.get(group.org_id)
    closed = ClosedDays(breaks=organisation.breaks, pauses=found.pauses)
    return organisation, plan_step_dates(n_steps, found.start, found.weekdays, closed)


async def pause_rollout(uow: UnitOfWork, found: Rollout, n_steps: int, now: datetime) -> Change:
    """Pauses from today, or from tomorrow when today's step has gone out already."""
    if found.status is RolloutStatus.PAUSED:
        return Change.UNCHANGED
    if found.status is RolloutStatus.CANCELLED:
        raise AdminError(f"rollout #{found.id} is cancelled")
    organisation, dates = await step_dates(uow, found, n_steps)
    today = local_date(now, organisation.timezone)
    sent_today = today in dates and now >= local_to_utc(
        today, found.send_time, organisation.timezone
    )
    start = pause_from(local_datetime(now, organisation.timezone), sent_today)
    await uow.rollouts.add_pause(found.id, start)
    await uow.rollouts.set_status(found.id, RolloutStatus.PAUSED)
    return Change.UPDATED


async def resume_rollout(uow: UnitOfWork, found: Rollout, now: datetime) -> Change:
    """Resumes from today: the plan shifts by the paused days, none are sent at once."""
    if found.status is not RolloutStatus.PAUSED:
        return Change.UNCHANGED
    group = await uow.groups.get(found.group_id)
    organisation = await uow.orgs.get(group.org_id)
    today = local_date(now, organisation.timezone)
    open_pause = next((p for p in found.pauses if p.end is None), None)
    last_day = today - timedelta(days=1)
    if open_pause is not None and last_day < open_pause.start:
        # resumed before the pause began: it never happened
        last_day = open_pause.start - timedelta(days=1)
    await uow.rollouts.end_pause(found.id, last_day)
    await uow.rollouts.set_status(found.id, RolloutStatus.ACTIVE)
    return Change.UPDATED


async def cancel_rollout(uow: UnitOfWork, found: Rollout) -> Change:
    if found.status is RolloutStatus.CANCELLED:
        return Change.UNCHANGED
    await uow.rollouts.set_status(found.id, RolloutStatus.CANCELLED)
    return Change.UPDATED


def started(found: Rollout, dates: list[date | None], tz: str, now: datetime) -> bool:
    """True once the rollout's first step has gone out (its send moment has come)."""
    first = dates[0] if dates else None
    return first is not None and now >= local_to_utc(first, found.send_time, tz)


def moved(
    found: Rollout,
    dates: list[date | None],
    tz: str,
    now: datetime,
    *,
    start: date,
    weekdays: frozenset[int],
    send_time: time,
) -> Rollout:
    """The rollout as a reschedule would leave it. Before its first step it simply gets the new
    start, weekdays and time. Once started, the steps already sent keep their days: the rest
    waits behind a pause that ends the day before `start`, on the same weekdays."""
    check_weekdays(weekdays)
    check_send_time(send_time)
    if found.status is not RolloutStatus.ACTIVE:
        raise AdminError(f"rollout #{found.id} is {found.status}: resume it first")
    if not started(found, dates, tz, now):
        return replace(found, start=start, weekdays=weekdays, send_time=send_time)
    if weekdays != found.weekdays:
        raise AdminError(f"rollout #{found.id} has started: its weekdays stay as they are")
    today = local_date(now, tz)
    sent_today = today in dates and now >= local_to_utc(today, found.send_time, tz)
    first_free = pause_from(local_datetime(now, tz), sent_today)
    pauses = found.pauses
    if start > first_free:
        pauses = (*pauses, Pause(first_free, start - timedelta(days=1)))
    return replace(found, send_time=send_time, pauses=pauses)


async def reschedule_rollout(
    uow: UnitOfWork,
    found: Rollout,
    n_steps: int,
    now: datetime,
    *,
    start: date,
    weekdays: frozenset[int],
    send_time: time,
) -> Change:
    organisation, dates = await step_dates(uow, found, n_steps)
    wanted = moved(
        found,
        dates,
        organisation.timezone,
        now,
        start=start,
        weekdays=weekdays,
        send_time=send_time,
    )
    if wanted == found:
        return Change.UNCHANGED
    await uow.rollouts.reschedule(
        found.id, start=wanted.start, weekdays=wanted.weekdays, send_time=wanted.send_time
    )
    for pause in wanted.pauses[len(found.pauses) :]:
        assert pause.end is not None
        await uow.rollouts.add_pause(found.id, pause.start)
        await uow.rollouts.end_pause(found.id, pause.end)
    return Change.UPDATED
