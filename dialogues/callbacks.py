"""Button payloads. Short prefixes: Telegram allows 64 bytes of callback data."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class AnswerButton(CallbackData, prefix="a"):
    delivery: int  # the member's own delivery of the step: checked against who pressed
    value: int  # 1-5 on a scale, the option's index for a choice


class CatchUpButton(CallbackData, prefix="c"):
    delivery: int  # the delivery the offer came with


class LanguageButton(CallbackData, prefix="lang"):
    code: str


class ForgetButton(CallbackData, prefix="forget"):
    confirm: bool


class WeekButton(CallbackData, prefix="wk"):
    group: int
    week: str  # ISO date of the week's Monday


# The admin journey. Every payload names the organisation it acts in, so the guard in
# dialogues/admin_access.py can check the presser against it before any handler runs.


class AdminHome(CallbackData, prefix="ah"):
    do: str  # "home"; super-admins only: "neworg", "kind"
    value: str = ""


class AdminOrg(CallbackData, prefix="ao"):
    do: str
    org: int
    value: str = ""  # a break's first day, an admin's Telegram id


class AdminGroup(CallbackData, prefix="ag"):
    do: str
    org: int
    group: int
    value: str = ""  # an invite's role, days and uses ("s.30.10"), or its code


class AdminRollout(CallbackData, prefix="ar"):
    do: str
    org: int
    rollout: int


class AdminDraft(CallbackData, prefix="aw"):
    """A step of the rollout wizard; the draft itself lives in the FSM data."""

    do: str
    org: int
    value: str = ""


class AdminCalendar(CallbackData, prefix="ac"):
    org: int
    purpose: str  # "s": a rollout's start, "f"/"t": a break's first/last day
    month: str = ""  # "2027-01": show that month
    day: str = ""  # "2027-01-04": chosen


ADMIN_PREFIXES = ("ah", "ao", "ag", "ar", "aw", "ac")


class LeaveButton(CallbackData, prefix="leave"):
    do: str  # "ask": confirm leaving `group`; "yes": leave it; "no": stay
    group: int = 0
