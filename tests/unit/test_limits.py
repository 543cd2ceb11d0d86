"""The per-chat limits: inbound counting per window, and outgoing spacing for groups."""

from __future__ import annotations

from bot.inbound_limit import MemoryCounter
from bot.ratelimit import CHAT_MARGIN, GROUP_CHAT_INTERVAL, RateLimiter, chat_interval


async def test_a_chat_is_counted_per_window_and_starts_again_in_the_next() -> None:
    counter = MemoryCounter()
    assert [await counter.hit("1:42", 7) for _ in range(3)] == [1, 2, 3]
    assert await counter.hit("1:43", 7) == 1  # another chat counts on its own
    assert await counter.hit("1:42", 8) == 1  # a new window


def test_a_group_is_spaced_for_twenty_messages_a_minute() -> None:
    assert chat_interval(-100123, 1.0) == GROUP_CHAT_INTERVAL * CHAT_MARGIN
    assert chat_interval(4242, 1.0) == 1.0 * CHAT_MARGIN
    assert 60 / chat_interval(-100123, 1.0) <= 20


async def test_the_limiter_spaces_sends_to_one_group_by_three_seconds() -> None:
    now = [0.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    limiter = RateLimiter(30, 1.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        await limiter.wait(-100123)
    assert slept == [GROUP_CHAT_INTERVAL * CHAT_MARGIN, 2 * (GROUP_CHAT_INTERVAL * CHAT_MARGIN)]
