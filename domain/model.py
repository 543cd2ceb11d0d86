"""The plain data every layer speaks: no framework, no database, no clock.

Repositories return these; the rules in the other `domain` modules take and give them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum

from domain.language import DEFAULT_LANGUAGE as DEFAULT_LANGUAGE
from domain.language import LANGUAGES as LANGUAGES
from domain.language import reader_language

DEFAULT_TIMEZONE = "Europe/Oslo"


class OrgKind(StrEnum):
    SCHOOL = "school"
    KINDERGARTEN = "kindergarten"


class Role(StrEnum):
    STAFF = "staff"
    LEADER = "leader"


class QuestionKind(StrEnum):
    TEXT = "text"
    SCALE = "scale"
    CHOICE = "choice"
    NONE = "none"


class RolloutStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class DateRange:
    """Both ends inclusive."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"range ends ({self.end}) before it starts ({self.start})")

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


@dataclass(frozen=True)
class Break:
    """An organisation's own closed days: autumn, Christmas, winter, Easter, summer."""

    name: str
    days: DateRange


@dataclass(frozen=True)
class Organisation:
    id: int
    slug: str
    name: str
    kind: OrgKind
    timezone: str = DEFAULT_TIMEZONE
    breaks: tuple[Break, ...] = ()
    bot_id: int | None = None  # its own Telegram bot; None: the default bot
    language: str | None = None  # its written standard; None: each member's Telegram language
    concern_contact: str | None = None  # whom to tell when worried about a child
    concern_url: str | None = None  # its written routine


@dataclass(frozen=True)
class Group:
    id: int
    org_id: int
    slug: str
    name: str
    summary_weekday: int = 4  # Monday is 0: Friday
    summary_time: time = time(14, 0)
    linked_chat_id: int | None = None


@dataclass(frozen=True)
class Member:
    id: int
    telegram_id: int
    language: str | None = None  # their own choice (/language); None: the organisation's
    telegram_language: str | None = None  # what Telegram last said, for when neither is set
    org_language: str | None = None  # their newest organisation's written standard
    send_time: time | None = None  # the member's own time (/time); None: the rollout's
    paused_until: date | None = None  # with paused: None means until /resume
    paused: bool = False
    unreachable: bool = False  # blocked the bot (403): we stop writing
    display_name: str | None = None  # kept only for leaders and admins

    @property
    def reads(self) -> str:
        """The language every text to this member is written in."""
        return reader_language(self.language, self.org_language, self.telegram_language)


@dataclass(frozen=True)
class Membership:
    member_id: int
    group_id: int
    role: Role


@dataclass(frozen=True)
class Invite:
    code: str
    group_id: int
    role: Role
    max_uses: int | None
    uses: int
    expires_at: datetime | None  # aware, UTC
    revoked: bool


@dataclass(frozen=True)
class Pause:
    """A rollout pause: `start` is the first closed day, `end` the last (None: until resumed)."""

    start: date
    end: date | None = None


@dataclass(frozen=True)
class Rollout:
    id: int
    group_id: int
    package_id: str
    modules: tuple[int, ...]
    start: date
    weekdays: frozenset[int]  # Monday is 0
    send_time: time
    status: RolloutStatus = RolloutStatus.ACTIVE
    pauses: tuple[Pause, ...] = field(default=())
