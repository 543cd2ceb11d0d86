"""One update's context, as one typed object every handler that reads or writes takes as `turn`
(UnitOfWorkMiddleware builds it): the unit of work the update commits in, the clock's moment,
the reader's texts, and the member writing (None: someone not registered)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dialogues.i18n import Texts
from domain.model import Member
from services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Turn:
    uow: UnitOfWork
    now: datetime
    texts: Texts
    member: Member | None
