"""The update queue behind getUpdates, with Telegram's confirmation rules.

An update stays queued until the bot asks with an offset above its update_id; a negative
offset keeps only the newest -offset updates. A second long poll ends the first with 409.
"""

from __future__ import annotations

import asyncio
import contextlib

from bot.local_api.records import ApiError, JsonDict

# What Telegram delivers when the bot has not chosen allowed_updates.
_OPT_IN_ONLY = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
TERMINATED = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)


def update_kind(update: JsonDict) -> str:
    return next((key for key in update if key != "update_id"), "")


class UpdateQueue:
    def __init__(self, first_update_id: int = 1) -> None:
        self._pending: list[JsonDict] = []
        self._next_id = first_update_id
        self._signal = asyncio.Event()
        self._generation = 0
        self._closing = False
        self.allowed_updates: list[str] | None = None

    @property
    def pending(self) -> list[JsonDict]:
        return list(self._pending)

    def push(self, update: JsonDict) -> int:
        update = dict(update)
        update_id = int(update.setdefault("update_id", self._next_id))
        self._next_id = max(self._next_id, update_id + 1)
        self._pending.append(update)
        self._wake()
        return update_id

    def clear(self) -> None:
        self._pending.clear()

    def close(self) -> None:
        """Answer every waiting long poll now (with what it has) so the server can stop."""
        self._closing = True
        self._wake()

    def confirm(self, offset: int) -> None:
        if offset > 0:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        elif offset < 0:
            self._pending = self._pending[offset:]

    async def get(
        self, offset: int, limit: int, wait_seconds: float, allowed_updates: list[str] | None
    ) -> list[JsonDict]:
        if allowed_updates is not None:
            self.allowed_updates = allowed_updates  # Telegram keeps the choice for later calls
        self.confirm(offset)
        self._generation += 1
        generation = self._generation
        self._wake()  # an earlier long poll still waiting is now superseded
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(wait_seconds, 0.0)
        while True:
            signal = self._signal
            if generation != self._generation:
                raise ApiError(409, TERMINATED)
            self._drop_unwanted()
            remaining = deadline - loop.time()
            if self._pending or remaining <= 0 or self._closing:
                return self._pending[: max(1, min(limit, 100))]
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(signal.wait(), remaining)

    def _drop_unwanted(self) -> None:
        wanted = set(self.allowed_updates or ())

        def is_wanted(update: JsonDict) -> bool:
            kind = update_kind(update)
            return kind in wanted if wanted else kind not in _OPT_IN_ONLY

        self._pending = [update for update in self._pending if is_wanted(update)]

    def _wake(self) -> None:
        self._signal.set()
        self._signal = asyncio.Event()
