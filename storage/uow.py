"""The unit of work: one transaction, the repositories that share it, commit or roll back."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.repositories.answerable import AnswerableSteps
from storage.repositories.answers import (
    AnswerMarkRepository,
    AnswerRepository,
    ParticipationRepository,
)
from storage.repositories.deliveries import DeliveryRepository
from storage.repositories.members import InviteRepository, MemberRepository
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
