"""Trouble on demand: injected errors and delays, blocked members, Telegram's flood limits."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from bot.local_api.checks import rate_limited
from bot.local_api.records import ApiError

# Methods that put a new message in a chat: these are what Telegram's flood limits count.
SEND_METHODS = frozenset({"sendmessage", "sendphoto", "senddocument"})
# Methods that touch a member's chat, refused with 403 once the member blocked the bot.
CHAT_METHODS = SEND_METHODS | {
    "editmessagetext",
    "editmessagereplymarkup",
    "deletemessage",
    "sendchataction",
}
DEFAULT_DESCRIPTIONS = {
    400: "Bad Request: chat not found",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; make sure that only one bot "
    "instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
}
BLOCKED = "Forbidden: bot was blocked by the user"


def not_in_group(chat_id: int, *, kicked: bool) -> ApiError:
    kind = "supergroup" if str(chat_id).startswith("-100") else "group"
    if kicked:
        return ApiError(403, f"Forbidden: bot was kicked from the {kind} chat")
    return ApiError(403, f"Forbidden: bot is not a member of the {kind} chat")


@dataclass
class Fault:
    method: str  # lower case
    error: ApiError
    remaining: int
    chat_id: int | None


@dataclass
class Delay:
    method: str
    seconds: float
    remaining: int


def injected_error(error_code: int, retry_after: int | None, description: str | None) -> ApiError:
    if error_code == 429:
        seconds = 1 if retry_after is None else retry_after
        error = rate_limited(seconds)
        return error if description is None else ApiError(429, description, error.parameters)
    text = description or DEFAULT_DESCRIPTIONS.get(error_code, f"Error {error_code}")
    return ApiError(error_code, text)


PAID_BROADCAST_CEILING = 1000  # messages a second with allow_paid_broadcast
GROUP_MESSAGES_PER_MINUTE = 20


class FloodControl:
    """A global sliding-second limit plus a minimum gap per chat, as Telegram advises, and
    Telegram's 20 messages a minute per group (on even when the others are off). Sends with
    allow_paid_broadcast count against Telegram's paid ceiling instead (1,000 a second)."""

    def __init__(
        self,
        per_second: float | None,
        per_chat_per_second: float,
        clock: Callable[[], float] = time.monotonic,
        per_group_per_minute: int | None = GROUP_MESSAGES_PER_MINUTE,
    ) -> None:
        self.per_second = per_second
        self.per_chat_per_second = per_chat_per_second
        self.per_group_per_minute = per_group_per_minute
        self._in_group: dict[int, deque[float]] = {}
        self.clock = clock
        self.refusals = 0
        self._recent: deque[float] = deque()
        self._recent_paid: deque[float] = deque()
        self._last_in_chat: dict[int, float] = {}

    def check(self, chat_id: int | None, *, paid: bool = False) -> None:
        """Count the send, or raise 429 with the whole seconds until it would be allowed."""
        now = self.clock()
        in_group = self._group_window(chat_id, now)
        wait = 0.0
        if in_group is not None and len(in_group) >= (self.per_group_per_minute or 0):
            wait = in_group[0] + 60.0 - now
        recent, ceiling = (
            (self._recent_paid, PAID_BROADCAST_CEILING) if paid else (self._recent, self.per_second)
        )
        if self.per_second is None:  # the bot-wide limits are off
            ceiling = None
        if ceiling is not None:
            while recent and now - recent[0] >= 1.0:
                recent.popleft()
            if len(recent) >= ceiling:
                wait = max(wait, recent[0] + 1.0 - now)
            if chat_id is not None and chat_id in self._last_in_chat:
                gap = 1.0 / self.per_chat_per_second
                wait = max(wait, self._last_in_chat[chat_id] + gap - now)
        if wait > 0:
            self.refusals += 1
            raise rate_limited(max(1, math.ceil(wait)))
        if in_group is not None:
            in_group.append(now)
        if ceiling is None:
            return
        recent.append(now)
        if chat_id is not None:
            self._last_in_chat[chat_id] = now

    def _group_window(self, chat_id: int | None, now: float) -> deque[float] | None:
        """A group's sends of the last minute (Telegram allows 20), or None: no group limit."""
        if chat_id is None or chat_id >= 0 or self.per_group_per_minute is None:
            return None
        recent = self._in_group.setdefault(chat_id, deque())
        while recent and now - recent[0] >= 60.0:
            recent.popleft()
        return recent


class FaultPlan:
    def __init__(self) -> None:
        self.faults: list[Fault] = []
        self.delays: list[Delay] = []
        self.blocked_users: set[int] = set()

    def take_delay(self, method: str) -> float:
        for delay in self.delays:
            if delay.method == method:
                delay.remaining -= 1
                if delay.remaining <= 0:
                    self.delays.remove(delay)
                return delay.seconds
        return 0.0

    def raise_injected(self, method: str, chat_id: int | None) -> None:
        for fault in self.faults:
            if fault.method == method and fault.chat_id in (None, chat_id):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self.faults.remove(fault)
                raise fault.error

    def raise_if_blocked(self, method: str, chat_id: int | None) -> None:
        if method in CHAT_METHODS and chat_id in self.blocked_users:
            raise ApiError(403, BLOCKED)
