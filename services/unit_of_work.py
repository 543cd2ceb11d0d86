"""What every use case is given: a unit of work, the only door to the database.

A protocol, so that the use cases depend on what they use, not on SQLAlchemy: the storage
layer's `UnitOfWork` is the real one, and the service tests run the same use cases on one
held in memory (tests/service/fakes.py). `async with uow:` opens it; leaving it rolls back
whatever was not committed."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Protocol, Self

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


class UnitOfWork(Protocol):
    orgs: OrganisationRepository
    groups: GroupRepository
    members: MemberRepository
    invites: InviteRepository
    rollouts: RolloutRepository
    deliveries: DeliveryRepository
    answerable: AnswerableSteps
    answers: AnswerRepository
    participation: ParticipationRepository
    marks: AnswerMarkRepository
    summaries: SummaryRepository
    updates: UpdateLog

    @property
    def dialect(self) -> str: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


# What the composition root hands out: a fresh unit of work per update or per tick.
UnitOfWorkFactory = Callable[[], UnitOfWork]
