"""The tables. Typed SQLAlchemy 2 models; repositories turn rows into `domain.model` objects.

The answers table is the one that matters most: it holds no member id, no chat id and no time
finer than a week, and its key is random, so nothing in a row says who wrote it or in what order.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, time

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite's INTEGER PRIMARY KEY is its rowid; BigInteger keeps PostgreSQL's range for Telegram ids.
Id = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and gives them back aware, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def random_key() -> str:
    return secrets.token_hex(16)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class OrganisationRow(Base):
    __tablename__ = "organisations"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    timezone: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The Telegram bot that serves it (one token per municipality); NULL: the default bot.
    bot_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # its written standard (nb, nn, en) for members who chose none; NULL: Telegram's language
    language: Mapped[str | None] = mapped_column(String(5), nullable=True)
    # whom staff tell when worried about a child, and its written routine (/concern)
    concern_contact: Mapped[str | None] = mapped_column(String(300), nullable=True)
    concern_url: Mapped[str | None] = mapped_column(String(500), nullable=True)


class BreakRow(Base):
    __tablename__ = "breaks"
    __table_args__ = (UniqueConstraint("org_id", "start_date"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)


class OrgAdminRow(Base):
    __tablename__ = "org_admins"
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    telegram_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)


class GroupRow(Base):
    __tablename__ = "groups"
    __table_args__ = (UniqueConstraint("org_id", "slug"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    summary_weekday: Mapped[int] = mapped_column(Integer, default=4)
    summary_time: Mapped[time] = mapped_column(Time, default=time(14, 0))
    linked_chat_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # When the clock next works out what the group is owed (services.planning); NULL: at the
    # next tick. A write a plan is drawn from sets it to NULL and counts a change, so a tick that
    # planned from what it read before that write leaves the group to the next tick.
    plan_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    plan_changes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class MemberRow(Base):
    __tablename__ = "members"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    language: Mapped[str | None] = mapped_column(String(5), nullable=True)
    telegram_language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    send_time: Mapped[time | None] = mapped_column(Time, nullable=True)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    paused_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    unreachable: Mapped[bool] = mapped_column(Boolean, default=False)
    display_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MembershipRow(Base):
    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("member_id", "group_id", "role"),
        Index("ix_memberships_group_role", "group_id", "role"),
        # a member's newest membership by one lookup (members.languages, per delivery batch)
        Index("ix_memberships_member_id", "member_id", "id"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(10))
    joined_on: Mapped[date] = mapped_column(Date)


class InviteRow(Base):
    __tablename__ = "invites"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(10))
    max_uses: Mapped[int | None] = mapped_column(Integer, nullable=True)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RolloutRow(Base):
    __tablename__ = "rollouts"
    __table_args__ = (Index("ix_rollouts_status", "status"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    package_id: Mapped[str] = mapped_column(String(32))
    modules: Mapped[str] = mapped_column(String(40))  # "0,1,2"
    start_date: Mapped[date] = mapped_column(Date)
    weekdays: Mapped[str] = mapped_column(String(20))  # "0,1,2,3,4"; Monday is 0
    send_time: Mapped[time] = mapped_column(Time)
    status: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PauseRow(Base):
    __tablename__ = "rollout_pauses"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    rollout_id: Mapped[int] = mapped_column(ForeignKey("rollouts.id", ondelete="CASCADE"))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)


class DeliveryRow(Base):
    """One message owed to one chat. `dedupe_key` makes it exactly one: a step to a member,
    a reminder, a module kick-off, a week's summary. The row is claimed (with a lease) before
    the send and marked sent after it; an expired claim is taken up again."""

    __tablename__ = "deliveries"
    __table_args__ = (
        # claims: due rows in the order they are taken, so a claim reads 200 rows, not the queue
        Index("ix_deliveries_status_due_id", "status", "due_at", "id"),
        # "who lacks this step": one exact probe per member, however long their history
        Index("ix_deliveries_member_kind_step", "member_id", "kind", "rollout_id", "step_id"),
        # "who was sent this step" (reminders): the rollouts' rows, not a scan of every delivery
        Index("ix_deliveries_rollout_step", "rollout_id", "step_id", "kind"),
        Index("ix_deliveries_chat_message", "chat_id", "message_id"),
        # pacing: the few rows not yet booked into a minute, out of millions of history
        Index(
            "ix_deliveries_unpaced",
            "id",
            postgresql_where=text("NOT paced AND status = 'pending'"),
            sqlite_where=text("NOT paced AND status = 'pending'"),
        ),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), nullable=True
    )
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), nullable=True
    )
    rollout_id: Mapped[int | None] = mapped_column(
        ForeignKey("rollouts.id", ondelete="CASCADE"), nullable=True
    )
    step_id: Mapped[str | None] = mapped_column(String(24), nullable=True)
    week: Mapped[date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    parts_sent: Mapped[int] = mapped_column(
        Integer, default=0, server_default="0"
    )  # of a message in several parts
    error: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # booked into a minute its bot has room in (domain.pacing); due_at is then that minute
    paced: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class ParticipationRow(Base):
    """That a member answered a step, and on which day. Never what they answered."""

    __tablename__ = "participation"
    __table_args__ = (
        UniqueConstraint("member_id", "rollout_id", "step_id"),
        Index("ix_participation_group_week", "group_id", "week"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    rollout_id: Mapped[int] = mapped_column(ForeignKey("rollouts.id", ondelete="CASCADE"))
    step_id: Mapped[str] = mapped_column(String(24))
    week: Mapped[date] = mapped_column(Date)
    answered_on: Mapped[date] = mapped_column(Date)


class AnswerMarkRow(Base):
    """That someone answered a step of a rollout, as a keyed one-way mark of (rollout, step,
    Telegram id): what keeps one person to one answer per step across /forget and rejoining.
    No member, no answer, no time; WITHOUT ROWID on SQLite, keyed by the mark, so the rows keep
    no order of arrival. Goes with its rollout."""

    __tablename__ = "answer_marks"
    __table_args__ = ({"sqlite_with_rowid": False},)
    mark: Mapped[str] = mapped_column(String(64), primary_key=True)
    rollout_id: Mapped[int] = mapped_column(ForeignKey("rollouts.id", ondelete="CASCADE"))


class AnswerRow(Base):
    """An anonymous answer: the group's, not anybody's. Random key, no member, no chat, no time
    but the week its step belongs to; WITHOUT ROWID on SQLite so no hidden rowid keeps the order
    of arrival either."""

    __tablename__ = "answers"
    __table_args__ = (
        Index("ix_answers_group_week", "group_id", "week"),
        {"sqlite_with_rowid": False},
    )
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_key)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    rollout_id: Mapped[int] = mapped_column(ForeignKey("rollouts.id", ondelete="CASCADE"))
    step_id: Mapped[str] = mapped_column(String(24))
    week: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(10))
    scale: Mapped[int | None] = mapped_column(Integer, nullable=True)
    choice: Mapped[int | None] = mapped_column(Integer, nullable=True)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    shown_in_week: Mapped[date | None] = mapped_column(Date, nullable=True)


class SummaryRow(Base):
    """A closed week's summary for a group, frozen: late answers cannot change it, and its
    aggregates outlive the answer texts' retention."""

    __tablename__ = "summaries"
    __table_args__ = (UniqueConstraint("group_id", "week"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    week: Mapped[date] = mapped_column(Date)
    snapshot: Mapped[str] = mapped_column(Text)  # JSON of domain.summary.WeekSummary
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LeaderNoteRow(Base):
    """A leader's "you said, we will" note to the whole group."""

    __tablename__ = "leader_notes"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    week: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ProcessedUpdateRow(Base):
    """Update ids already handled: a redelivered update (after a crash or a webhook retry) is
    recognised and not handled twice."""

    __tablename__ = "processed_updates"
    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    handled_on: Mapped[date] = mapped_column(Date)
