"""The unit of work: one transaction, the repositories that share it, commit or roll back."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.deliveries import Delivery, Kind
from storage.models import GroupRow, MemberRow
from storage.repositories.answerable import AnswerableSteps
from storage.repositories.answers import (
    AnswerMarkRepository,
    AnswerRepository,
    ParticipationRepository,
)
from storage.repositories.deliveries import DeliveryRepository
from storage.repositories.members import InviteRepository, MemberRepository
from storage.repositories.once import OrganisationsOnce, RolloutsOnce
from storage.repositories.orgs import GroupRepository, OrganisationRepository
from storage.repositories.rollouts import RolloutRepository
from storage.repositories.summaries import SummaryRepository, UpdateLog


class UnitOfWork:
    """`async with uow:` opens a session; leaving it rolls back whatever was not committed.
    (services.unit_of_work.UnitOfWork is its protocol, with the repositories' types.)"""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], mark_key: bytes = b"") -> None:
        self._sessions = sessions
        self._mark_key = mark_key
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("the unit of work is not open: use `async with uow:`")
        return self._session

    @property
    def dialect(self) -> str:
        return self.session.get_bind().dialect.name

    async def __aenter__(self) -> Self:
        session = self._session = self._sessions()
        self.orgs = OrganisationRepository(session)
        self.groups = GroupRepository(session)
        self.members = MemberRepository(session)
        self.invites = InviteRepository(session)
        self.rollouts = RolloutRepository(session)
        self.deliveries = DeliveryRepository(session)
        self.answerable = AnswerableSteps(session)
        self.answers = AnswerRepository(session)
        self.participation = ParticipationRepository(session)
        self.marks = AnswerMarkRepository(session, self._mark_key)
        self.summaries = SummaryRepository(session)
        self.updates = UpdateLog(session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await self.session.rollback()
        finally:
            await self.session.close()
            self._session = None

    async def read_once_for_batch(self, claimed: list[Delivery]) -> list[object]:
        """Before rendering a batch: load its members and groups up front, and remember
        rollouts and organisations for the batch. The rows are returned to be held while
        rendering: the session keeps only weak references, and hands out again only what
        someone still holds."""
        # steps need no member row (the renderer reads their languages in one query)
        members = {d.member_id for d in claimed if d.member_id is not None and d.kind != Kind.STEP}
        groups = {d.group_id for d in claimed if d.group_id is not None}
        held: list[object] = []
        if members:
            held += await self.session.scalars(select(MemberRow).where(MemberRow.id.in_(members)))
        if groups:
            held += await self.session.scalars(select(GroupRow).where(GroupRow.id.in_(groups)))
        self.rollouts = RolloutsOnce(self.session)
        self.orgs = OrganisationsOnce(self.session)
        return held

    async def commit(self) -> None:
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()


class UnitOfWorkFactory:
    """What the composition root hands out: a fresh unit of work per update or per tick."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], mark_key: bytes = b"") -> None:
        self.sessions = sessions
        self.mark_key = mark_key  # the deployment's key for answer marks (AnswerMarkRepository)

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, self.mark_key)
