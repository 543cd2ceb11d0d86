"""What the summaries keep for a week's recipients: the most recently used entries, no more."""

from __future__ import annotations

from services.caching import RecentlyUsed


def test_the_entry_used_least_recently_goes_first() -> None:
    kept: RecentlyUsed[str, int] = RecentlyUsed(2)
    kept.put("a", 1)
    kept.put("b", 2)
    assert kept.get("a") == 1  # read: now the newest
    kept.put("c", 3)
    assert ("a" in kept, "b" in kept, "c" in kept) == (True, False, True)
    kept.put("a", 4)  # written again: the newest, with its new value
    kept.put("d", 5)
    assert (kept.get("a"), kept.get("c"), kept.get("d")) == (4, None, 5)


def test_cleared_it_keeps_nothing() -> None:
    kept: RecentlyUsed[str, list[int]] = RecentlyUsed(4)
    kept.put("empty", [])
    assert kept.get("empty") == []  # an empty value is kept, not taken for a miss
    kept.clear()
    assert kept.get("empty") is None and "empty" not in kept
