"""Schedule settings as people type them (CLI, plan files, dialogues): weekdays, modules, times."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import time
from typing import Final

ENGLISH_DAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
NORWEGIAN_DAYS: Final = ("man", "tir", "ons", "tor", "fre", "lør", "søn")
_DAY_NUMBERS: Final = {
    **{name: number for number, name in enumerate(ENGLISH_DAYS)},
    **{name: number for number, name in enumerate(NORWEGIAN_DAYS)},
}
_HHMM: Final = re.compile(r"([0-9]{1,2}):([0-9]{2})")
_EXAMPLES: Final = {"weekdays": "'mon-fri' or 'man,ons,fre'", "modules": "'0-2' or '1,3,5'"}
MAX_MODULE: Final = 999  # far beyond any package; keeps a typo like "0-99999999" harmless


def _day_number(name: str, text: str) -> int:
    number = _DAY_NUMBERS.get(name.strip().lower())
    if number is None:
        raise ValueError(
            f"{name.strip()!r} in {text!r} is not a weekday: use mon tue wed thu fri sat sun "
            "or man tir ons tor fre lør søn"
        )
    return number


def _ranges(text: str, what: str) -> list[tuple[str, str]]:
    """Comma-separated items, each `a` or `a-b`, as (first, last) pairs; ValueError when empty."""
    items = [item.strip() for item in text.split(",")]
    if not text.strip() or any(not item for item in items):
        raise ValueError(f"{text!r} lists no {what}: write e.g. {_EXAMPLES[what]}")
    pairs: list[tuple[str, str]] = []
    for item in items:
        first, dash, last = item.partition("-")
        if dash and (not first.strip() or not last.strip() or "-" in last):
            raise ValueError(f"{item!r} in {text!r} is not a range: write first-last")
        pairs.append((first, last if dash else first))
    return pairs


def parse_weekdays(text: str) -> frozenset[int]:
    """Weekdays (Monday is 0) from "mon-fri", "mon,wed,fri", "man-fre", "mon-wed,fri" etc."""
    days: set[int] = set()
    for first_name, last_name in _ranges(text, "weekdays"):
        first, last = _day_number(first_name, text), _day_number(last_name, text)
        if last < first:
            raise ValueError(
                f"{first_name.strip()}-{last_name.strip()} in {text!r} runs backwards: "
                "a range goes forward within one week, Monday to Sunday"
            )
        days.update(range(first, last + 1))
    return frozenset(days)


def format_weekdays(days: Iterable[int], language: str = "en") -> str:
    """Weekdays as short text, runs of three or more as ranges: "mon-fri", "mon,wed,fri"."""
    names = NORWEGIAN_DAYS if language in ("nb", "nn") else ENGLISH_DAYS
    ordered = sorted(set(days))
    if not ordered or not all(0 <= day <= 6 for day in ordered):
        raise ValueError(f"weekdays are one or more of 0 (Monday) to 6 (Sunday), not {ordered}")
    runs: list[list[int]] = []
    for day in ordered:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts: list[str] = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{names[run[0]]}-{names[run[-1]]}")
        else:
            parts.extend(names[day] for day in run)
    return ",".join(parts)


def _module_number(token: str, text: str) -> int:
    token = token.strip()
    if not token.isascii() or not token.isdigit():
        raise ValueError(f"{token!r} in {text!r} is not a module number (0, 1, 2, …)")
    number = int(token)
    if number > MAX_MODULE:
        raise ValueError(f"{number} in {text!r} is not a module: numbers go up to {MAX_MODULE}")
    return number


def parse_modules(text: str) -> tuple[int, ...]:
    """Module numbers, sorted and without repeats, from text such as "0-2", "1,3,5", "4"."""
    modules: set[int] = set()
    for first_token, last_token in _ranges(text, "modules"):
        first, last = _module_number(first_token, text), _module_number(last_token, text)
        if last < first:
            raise ValueError(f"{first}-{last} in {text!r} runs backwards: write {last}-{first}")
        modules.update(range(first, last + 1))
    return tuple(sorted(modules))


def parse_hhmm(text: str) -> time:
    """A wall-clock time from "HH:MM" (or "H:MM"), 00:00 to 23:59."""
    match = _HHMM.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a time: write hours and minutes as HH:MM, e.g. 07:30")
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise ValueError(f"{text!r} is not a time of day: use 00:00 to 23:59")
    return time(hour, minute)
