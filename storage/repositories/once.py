"""Repositories that remember what they read, for one batch of deliveries: rendering a batch
asks, message by message, for the same groups' rollouts and the same organisations (seconds:
nothing to go stale)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from domain.model import Organisation, Rollout
from storage.repositories.orgs import OrganisationRepository
from storage.repositories.rollouts import RolloutRepository


class RolloutsOnce(RolloutRepository):
    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session)
        self._seen: dict[tuple[int, ...], list[Rollout]] = {}

    async def of_groups(self, group_ids: list[int]) -> list[Rollout]:
        key = tuple(group_ids)
        if key not in self._seen:
            self._seen[key] = await super().of_groups(group_ids)
        return list(self._seen[key])


class OrganisationsOnce(OrganisationRepository):
    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session)
        self._seen: dict[int, Organisation] = {}

    async def get(self, org_id: int) -> Organisation:
        if org_id not in self._seen:
            self._seen[org_id] = await super().get(org_id)
        return self._seen[org_id]

    async def many(self, ids: set[int] | list[int]) -> dict[int, Organisation]:
        """Plans read organisations in bulk (services.schedule): cached the same way."""
        missing = set(ids) - self._seen.keys()
        if missing:
            self._seen.update(await super().many(missing))
        return {i: self._seen[i] for i in ids if i in self._seen}
