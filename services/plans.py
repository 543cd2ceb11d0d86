"""Plan files: one YAML file that sets up organisations, their breaks, groups and rollouts at once
(a municipality rolling out to many units), and the break use cases it shares with the CLI.

A plan is read and checked completely before anything is written, every problem pinned to a line
(`file:line: message`); it is then applied with the same idempotent use cases as the CLI, in the
caller's one transaction, so a second run changes nothing and a failing run leaves no trace.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

from domain import yaml_lines
from domain.calendar import local_date
from domain.model import Break, DateRange, Group, Organisation, OrgKind
from domain.problems import Problem
from domain.schedule_text import format_weekdays, parse_hhmm, parse_modules, parse_weekdays
from domain.yaml_lines import Lines, YamlPath
from services import admin, membership
from services.admin import AdminError, Change
from services.unit_of_work import UnitOfWork

ONE_DAY = timedelta(days=1)
Packages = Mapping[str, tuple[int, ...]]  # package id -> its module numbers


def format_modules(modules: Iterable[int]) -> str:
    """Module numbers as people write them: runs as ranges, "0-2", "1,3,5", "0-2,5"."""
    runs: list[list[int]] = []
    for number in sorted(set(modules)):
        if runs and runs[-1][-1] == number - 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    return ",".join(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]) for run in runs)


# --- breaks -----------------------------------------------------------------------------------


def describe_break(org_slug: str, closed: Break) -> str:
    return f"{org_slug}: {closed.name} {closed.days.start}..{closed.days.end}"


def _break_name(name: str) -> str:
    name, limit = name.strip(), admin.BREAK_NAME_MAX
    if not name or len(name) > limit:
        raise AdminError(f"a break's name must be 1 to {limit} characters")
    return name


async def add_break(
    uow: UnitOfWork, org_slug: str, name: str, start: date, end: date, now: datetime
) -> tuple[Organisation, Break, Change]:
    """Adds a break, or renames/moves the end of the one that starts on `start`."""
    if end < start:
        raise AdminError(f"the break ends ({end}) before it starts ({start})")
    wanted = Break(_break_name(name), DateRange(start, end))
    organisation = await admin.org(uow, org_slug)
    old = next((b for b in organisation.breaks if b.days.start == start), None)
    if old == wanted:
        return organisation, wanted, Change.UNCHANGED
    if old is None:
        await _keep_the_past(uow, organisation, start, end, now, f"adding {wanted.name}")
    elif old.days.end != end:
        first, last = sorted((old.days.end, end))
        await _keep_the_past(uow, organisation, first + ONE_DAY, last, now, f"moving {old.name}")
    await uow.orgs.add_break(organisation.id, wanted.name, start, end)
    return organisation, wanted, Change.CREATED if old is None else Change.UPDATED


async def remove_break(
    uow: UnitOfWork, org_slug: str, start: date, now: datetime
) -> tuple[Organisation, Break]:
    organisation = await admin.org(uow, org_slug)
    found = next((b for b in organisation.breaks if b.days.start == start), None)
    if found is None:
        starts = ", ".join(str(b.days.start) for b in organisation.breaks)
        known = f"its breaks start on {starts}" if starts else "it has no breaks"
        raise AdminError(f"no break in '{org_slug}' starts on {start} ({known})")
    await _keep_the_past(uow, organisation, start, found.days.end, now, f"removing {found.name}")
    await uow.orgs.remove_break(organisation.id, start)
    return organisation, found


async def _keep_the_past(
    uow: UnitOfWork, organisation: Organisation, first: date, last: date, now: datetime, doing: str
) -> None:
    """Refuses to open or close days before today that a running rollout has planned on: the
    step dates are worked out again on every tick, so that would shift steps already sent."""
    today = local_date(now, organisation.timezone)
    if first >= today:
        return
    latest = min(last, today - ONE_DAY)
    for group in await uow.groups.of_org(organisation.id):
        for started in await uow.rollouts.of_group(group.id):
            if started.start <= latest:
                raise AdminError(
                    f"{doing} would change {first}..{latest}, days before today ({today}) "
                    f"on which rollout #{started.id} ({organisation.slug}/{group.slug}) has "
                    "already sent steps: a break can only change days from today on"
                )


# --- the file format --------------------------------------------------------------------------


def _from_text(parse: Callable[[str], object], example: str) -> BeforeValidator:
    def convert(value: object) -> object:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise ValueError(f"write this as text, for example {example}")
        return parse(value)

    return BeforeValidator(convert)


_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _day(value: object) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    text = value.strip() if isinstance(value, str) else repr(value)
    if not _ISO_DAY.fullmatch(text):
        raise ValueError(f"'{text}' is not a date: write YYYY-MM-DD, for example 2027-01-04")
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise ValueError(f"'{text}' is not a date: {error}") from None


def _text(limit: int) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=limit)


def _bot(value: object) -> object:
    if value == "default" or (isinstance(value, int) and not isinstance(value, bool) and value > 0):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise ValueError("write a bot id (the digits before the colon of the bot's token) or 'default'")


def _telegram_id(value: object) -> int:
    text = value.strip() if isinstance(value, str) else repr(value)
    if not text.isdigit() or not 0 < int(text) < 2**53:
        raise ValueError(f"'{text}' is not a Telegram id: the member's number from /mydata")
    return int(text)


Day = Annotated[date, BeforeValidator(_day)]
BotChoice = Annotated[int | Literal["default"], BeforeValidator(_bot)]
Modules = Annotated[tuple[int, ...], _from_text(parse_modules, "'0-2' or '1,3,5'")]
Weekdays = Annotated[frozenset[int], _from_text(parse_weekdays, "'mon-fri' or 'man,ons,fre'")]
Clock = Annotated[time, _from_text(parse_hhmm, "'08:00'")]
TimeZone = Annotated[str, AfterValidator(admin.check_timezone)]
OrgSlug = Annotated[str, AfterValidator(lambda slug: admin.check_slug(slug, "organisation"))]
GroupSlug = Annotated[str, AfterValidator(lambda slug: admin.check_slug(slug, "group"))]
OrgName = Annotated[str, _text(admin.ORG_NAME_MAX)]
GroupName = Annotated[str, _text(admin.GROUP_NAME_MAX)]
BreakName = Annotated[str, _text(admin.BREAK_NAME_MAX)]
TelegramId = Annotated[int, BeforeValidator(_telegram_id)]
ConcernContact = Annotated[
    str, AfterValidator(lambda text: admin.check_concern_contact(text) or "")
]
ConcernUrl = Annotated[str, AfterValidator(lambda url: admin.check_concern_url(url) or "")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PlannedBreak(_Strict):
    name: BreakName
    start: Day = Field(alias="from")
    end: Day = Field(alias="to")

    @field_validator("end")
    @classmethod
    def _not_backwards(cls, end: date, info: ValidationInfo) -> date:
        start = info.data.get("start")
        if isinstance(start, date) and end < start:
            raise ValueError(f"the break ends ({end}) before it starts ({start})")
        return end


def _packages_of(info: ValidationInfo) -> Packages | None:
    context = info.context
    return context.get("packages") if isinstance(context, dict) else None


class PlannedRollout(_Strict):
    package: str
    modules: Modules
    start: Day
    weekdays: Weekdays = frozenset(range(5))
    at: Clock = time(8, 0)

    @field_validator("package")
    @classmethod
    def _known_package(cls, package: str, info: ValidationInfo) -> str:
        packages = _packages_of(info)
        if packages is not None and package not in packages:
            close = difflib.get_close_matches(package, list(packages), n=1)
            hint = f"did you mean '{close[0]}'?" if close else "known: " + ", ".join(packages)
            raise ValueError(f"no package '{package}' ({hint})")
        return package

    @field_validator("modules")
    @classmethod
    def _known_modules(cls, modules: tuple[int, ...], info: ValidationInfo) -> tuple[int, ...]:
        packages, package = _packages_of(info), info.data.get("package")
        if packages is None or not isinstance(package, str) or package not in packages:
            return modules
        missing = [number for number in modules if number not in packages[package]]
        if missing:
            have = format_modules(packages[package])
            raise ValueError(f"package '{package}' has no module {missing[0]} (it has {have})")
        return modules


class PlannedGroup(_Strict):
    slug: GroupSlug
    name: GroupName
    rollouts: list[PlannedRollout] = []
    # Telegram ids of people to take out of the group (who are not in it: unchanged)
    remove: list[TelegramId] = []


class PlannedOrg(_Strict):
    """Without name and kind the organisation must exist already; it is used as it is."""

    slug: OrgSlug
    name: OrgName | None = None
    kind: OrgKind | None = None
    timezone: TimeZone | None = None
    # its own bot (one token per municipality): an id from MORE_BOT_TOKENS, or "default";
    # left out, the organisation keeps the bot it has (a new one: the default bot)
    bot_id: BotChoice | None = None
    # its written standard for members who chose none; "telegram": each member's Telegram
    # language; left out: as it is
    language: Literal["nb", "nn", "en", "telegram"] | None = None
    # whom staff tell when worried about a child, and a link to the written routine (/bekymring)
    concern_contact: ConcernContact | None = None
    concern_url: ConcernUrl | None = None
    breaks: list[PlannedBreak] = []
    groups: list[PlannedGroup] = []

    @model_validator(mode="after")
    def _described_or_referenced(self) -> PlannedOrg:
        if (self.name is None) != (self.kind is None) or (
            (self.timezone is not None or self.bot_id is not None) and self.name is None
        ):
            raise ValueError(
                f"give '{self.slug}' both name and kind (and a timezone or bot_id if you like) to "
                "create or update it, or none of them to use it as it is in the database"
            )
        return self


class Plan(_Strict):
    timezone: TimeZone | None = None  # for organisations that do not name their own
    organisations: list[PlannedOrg] = Field(min_length=1)


_KEYS_UNDER: Mapping[str | None, type[BaseModel]] = {
    None: Plan,
    "organisations": PlannedOrg,
    "breaks": PlannedBreak,
    "groups": PlannedGroup,
    "rollouts": PlannedRollout,
}


# --- problems ---------------------------------------------------------------------------------


class PlanError(AdminError):
    """The plan cannot be applied; `problems` says where and why, one line each."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(problem) for problem in self.problems))


@dataclass(frozen=True)
class ParsedPlan:
    """A checked plan and the line of every key and list item in its file."""

    file: str
    plan: Plan
    lines: Lines

    def line(self, path: YamlPath) -> int:
        return yaml_lines.line_of(self.lines, path)

    def problem(self, path: YamlPath, message: str) -> Problem:
        return Problem(self.file, self.line(path), message)

    @contextmanager
    def pinned(self, path: YamlPath) -> Iterator[None]:
        """Whatever a use case refuses is reported at the line it came from."""
        try:
            yield
        except PlanError:
            raise
        except AdminError as error:
            raise PlanError([self.problem(path, str(error))]) from None


# --- reading ----------------------------------------------------------------------------------


def read_plan(path: Path, packages: Packages) -> ParsedPlan:
    file = str(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise PlanError([Problem(file, 0, f"cannot read: {error.strerror or error}")]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise PlanError([Problem(file, line, "not UTF-8 text")]) from None
    return parse_plan(text, file, packages)


def parse_plan(text: str, file: str, packages: Packages) -> ParsedPlan:
    """The checked plan, or PlanError with every problem found (YAML, schema, repeats)."""
    data, lines, problems = _load_yaml(file, text)
    if data is None:
        raise PlanError([Problem(file, 1, "the plan is empty: it needs 'organisations'")])
    try:
        plan = Plan.model_validate(data, context={"packages": packages})
    except ValidationError as error:
        details = error.errors(include_url=False)
        # a misspelt key is one mistake: its "did you mean" stands for the missing field too
        meant = {
            (*detail["loc"][:-1], guess)
            for detail in details
            if detail["type"] == "extra_forbidden" and (guess := _guess(detail)) is not None
        }
        problems.extend(
            Problem(file, yaml_lines.line_of(lines, detail["loc"]), _say(detail))
            for detail in details
            if not (detail["type"] == "missing" and tuple(detail["loc"]) in meant)
        )
        raise PlanError(problems) from None
    parsed = ParsedPlan(file, plan, lines)
    problems.extend(_repeats(parsed))
    if problems:
        raise PlanError(problems)
    return parsed


def _short(loc: YamlPath) -> str:
    """The last key of `loc` and the list indices after it: "package", "breaks[1]"."""
    text = ""
    for part in reversed(loc):
        text = f"[{part}]{text}" if isinstance(part, int) else f"{part}{text}"
        if not isinstance(part, int):
            break
    return text


def _keys_beside(loc: YamlPath) -> list[str]:
    """The keys allowed in the mapping that holds the key at `loc`."""
    under = next((part for part in reversed(loc[:-1]) if isinstance(part, str)), None)
    model = _KEYS_UNDER.get(under, Plan)
    return [f.alias or name for name, f in model.model_fields.items()]


def _guess(detail: ErrorDetails) -> str | None:
    loc = tuple(detail["loc"])
    close = difflib.get_close_matches(str(loc[-1]), _keys_beside(loc), n=1)
    return close[0] if close else None


def _say(detail: ErrorDetails) -> str:
    loc, kind, message = tuple(detail["loc"]), detail["type"], detail["msg"]
    if kind == "missing":
        loc, message = loc[:-1], f"missing field '{loc[-1]}'"
    elif kind == "extra_forbidden":
        guess = _guess(detail)
        hint = f"did you mean '{guess}'?" if guess else "use " + ", ".join(_keys_beside(loc))
        loc, message = loc[:-1], f"unknown key '{loc[-1]}' ({hint})"
    message = message.removeprefix("Value error, ")
    where = _short(loc)
    return f"{where}: {message}" if where else message


def _repeats(parsed: ParsedPlan) -> Iterator[Problem]:
    """Two entries for one thing would undo each other on every run: never idempotent."""

    def check(seen: dict[object, int], key: object, path: YamlPath, what: str) -> Iterator[Problem]:
        if key in seen:
            yield parsed.problem(path, f"{what} is already in this plan at line {seen[key]}")
        else:
            seen[key] = parsed.line(path)

    orgs: dict[object, int] = {}
    for i, org in enumerate(parsed.plan.organisations):
        at: YamlPath = ("organisations", i)
        yield from check(orgs, org.slug, (*at, "slug"), f"organisation '{org.slug}'")
        starts: dict[object, int] = {}
        for j, closed in enumerate(org.breaks):
            yield from check(
                starts, closed.start, (*at, "breaks", j), f"a break from {closed.start}"
            )
        groups: dict[object, int] = {}
        for j, group in enumerate(org.groups):
            group_at = (*at, "groups", j)
            yield from check(groups, group.slug, (*group_at, "slug"), f"group '{group.slug}'")
            rollouts: dict[object, int] = {}
            for k, rollout in enumerate(group.rollouts):
                key = (rollout.package, rollout.modules, rollout.start)
                what = f"{rollout.package} {format_modules(rollout.modules)} from {rollout.start}"
                yield from check(rollouts, key, (*group_at, "rollouts", k), what)


# --- YAML with lines --------------------------------------------------------------------------


class _TextLoader(yaml.SafeLoader):
    """Plain scalars stay text (only `~` and nothing are null), so `at: 8:30` is not the number
    510, `name: No` is not False, and every date goes through our own checks and messages."""


_KEPT_TAGS = {"tag:yaml.org,2002:null", "tag:yaml.org,2002:merge"}
_TextLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag in _KEPT_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _load_yaml(file: str, text: str) -> tuple[object, Lines, list[Problem]]:
    """The data, the line of every path in it, and keys written twice; PlanError if unreadable."""
    try:
        document = yaml_lines.load(text, _TextLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise PlanError([Problem(file, line, error.problem or "not valid YAML")]) from None
    except (yaml.YAMLError, ValueError) as error:  # ValueError: an explicit tag, `!!int x`
        raise PlanError([Problem(file, 1, f"not valid YAML: {error}")]) from None
    problems = [
        Problem(
            file,
            duplicate.line,
            f"key '{duplicate.key}' is already set at line {duplicate.first_line}",
        )
        for duplicate in document.duplicate_keys
    ]
    return document.data, document.lines, problems


# --- applying ---------------------------------------------------------------------------------


@dataclass
class PlanResult:
    changes: list[tuple[Change, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def add(self, change: Change, what: str) -> None:
        self.changes.append((change, what))

    def summary(self) -> str:
        counts = Counter(change for change, _ in self.changes)
        return ", ".join(f"{counts[change]} {change}" for change in Change)

    def lines(self) -> list[str]:
        return [f"{change} {what}" for change, what in self.changes] + [self.summary()]


async def apply_plan(
    uow: UnitOfWork,
    parsed: ParsedPlan,
    packages: Packages,
    now: datetime,
    default_timezone: str,
    bots: admin.KnownBots | None = None,
) -> PlanResult:
    """Writes the checked plan in `uow`; the caller commits. On PlanError (an organisation the
    plan only names is missing, or a use case refuses an entry) the caller must not commit."""
    problems = [
        parsed.problem(
            ("organisations", i, "slug"),
            f"no organisation '{org.slug}' in the database: give its name and kind to create it",
        )
        for i, org in enumerate(parsed.plan.organisations)
        if org.name is None and await uow.orgs.find(org.slug) is None
    ]
    if problems:
        raise PlanError(problems)
    result = PlanResult()
    timezone = parsed.plan.timezone or default_timezone
    for i, planned in enumerate(parsed.plan.organisations):
        at: YamlPath = ("organisations", i)
        with parsed.pinned(at):
            organisation = await _apply_org(uow, planned, timezone, result)
        if planned.bot_id is not None:
            with parsed.pinned((*at, "bot_id")):
                organisation = await _apply_bot(uow, organisation, planned.bot_id, bots, result)
        for j, closed in enumerate(planned.breaks):
            with parsed.pinned((*at, "breaks", j)):
                _, made, change = await add_break(
                    uow, organisation.slug, closed.name, closed.start, closed.end, now
                )
            result.add(change, "break " + describe_break(organisation.slug, made))
        for j, planned_group in enumerate(planned.groups):
            path = f"{organisation.slug}/{planned_group.slug}"
            await _apply_group(
                uow, parsed, (*at, "groups", j), path, planned_group, packages, result
            )
    return result


async def _apply_org(
    uow: UnitOfWork, planned: PlannedOrg, timezone: str, result: PlanResult
) -> Organisation:
    if planned.name is None or planned.kind is None:
        organisation, change = await admin.org(uow, planned.slug), Change.UNCHANGED
    else:
        organisation, change = await admin.add_org(
            uow, planned.slug, planned.name, planned.kind, planned.timezone or timezone
        )
    organisation, reading = await admin.set_org_reading(
        uow,
        organisation,
        language=planned.language,
        contact=planned.concern_contact,
        url=planned.concern_url,
    )
    if change is Change.UNCHANGED:
        change = reading
    result.add(
        change,
        f"organisation {organisation.slug} ({organisation.kind}, {organisation.timezone}"
        f"{admin.describe_language(organisation)}): {organisation.name}",
    )
    return organisation


async def _apply_bot(
    uow: UnitOfWork,
    organisation: Organisation,
    bot_id: int | Literal["default"],
    bots: admin.KnownBots | None,
    result: PlanResult,
) -> Organisation:
    if bots is None:
        raise AdminError("bot_id needs the bots this deployment runs (BOT_TOKEN, MORE_BOT_TOKENS)")
    wanted = None if bot_id == "default" else bot_id
    organisation, change = await admin.set_org_bot(uow, organisation, wanted, bots)
    served_by = "the default bot" if organisation.bot_id is None else f"bot {organisation.bot_id}"
    result.add(change, f"bot of {organisation.slug}: {served_by}")
    return organisation


async def _apply_group(
    uow: UnitOfWork,
    parsed: ParsedPlan,
    at: YamlPath,
    path: str,
    planned: PlannedGroup,
    packages: Packages,
    result: PlanResult,
) -> None:
    with parsed.pinned(at):
        group, change = await admin.add_group(uow, path, planned.name)
    result.add(change, f"group {path}: {group.name}")
    result.warnings.extend(await _superseded(uow, parsed, at, group, planned, path))
    for k, rollout in enumerate(planned.rollouts):
        request = admin.RolloutRequest(
            path, rollout.package, rollout.modules, rollout.start, rollout.weekdays, rollout.at
        )
        with parsed.pinned((*at, "rollouts", k)):
            _, change = await admin.add_rollout(uow, request, packages)
        result.add(
            change,
            f"rollout {path} {rollout.package} {format_modules(rollout.modules)} from "
            f"{rollout.start} {format_weekdays(rollout.weekdays)} at {rollout.at:%H:%M}",
        )
    for telegram_id in planned.remove:
        removed = await membership.remove(uow, group.id, telegram_id) is not None
        gone = "removed" if removed else "not a member"
        result.add(
            Change.UPDATED if removed else Change.UNCHANGED,
            f"member {telegram_id} of {path}: {gone}",
        )


async def _superseded(
    uow: UnitOfWork,
    parsed: ParsedPlan,
    at: YamlPath,
    group: Group,
    planned: PlannedGroup,
    path: str,
) -> list[str]:
    """Rollouts are known by package, modules and start: a plan whose start date was edited
    makes a second rollout of the same modules next to the first, and both would send."""
    listed = {(r.package, r.modules, r.start) for r in planned.rollouts}
    warnings = []
    for existing in await uow.rollouts.of_group(group.id):
        if (existing.package_id, existing.modules, existing.start) in listed:
            continue
        for k, rollout in enumerate(planned.rollouts):
            if rollout.package == existing.package_id and set(rollout.modules) & set(
                existing.modules
            ):
                problem = parsed.problem(
                    (*at, "rollouts", k),
                    f"warning: {path} also has rollout #{existing.id} {existing.package_id} "
                    f"{format_modules(existing.modules)} from {existing.start}, which this plan "
                    "does not list; both will send (if this one replaces it: "
                    f"refleks admin rollout cancel {existing.id})",
                )
                warnings.append(str(problem))
                break
    return warnings
