"""Building blocks of the admin screens: one message edited in place, dates as people read them,
and the month calendar an admin picks days on."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.keyboard import InlineKeyboardBuilder

from dialogues.callbacks import AdminCalendar
from dialogues.i18n import Texts
from domain.schedule_text import ENGLISH_DAYS, format_weekdays
from domain.summary import split_message

MESSAGE_LIMIT = 4096
MONTHS_AHEAD = 24
NOOP = "noop"  # answered quietly by the fallback router


@dataclass(frozen=True)
class Screen:
    html: str
    keyboard: InlineKeyboardMarkup


def button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data)


def keyboard(*rows: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[row for row in rows if row])


def one_per_row(
    buttons: list[InlineKeyboardButton], *last: InlineKeyboardButton
) -> list[list[InlineKeyboardButton]]:
    return [[b] for b in buttons] + ([list(last)] if last else [])


async def show(query: CallbackQuery, screen: Screen, toast: str | None = None) -> None:
    """Replaces the pressed message with `screen` and answers the press."""
    if isinstance(query.message, Message):
        try:
            await query.message.edit_text(screen.html, reply_markup=screen.keyboard)
        except TelegramBadRequest as error:
            if "not modified" not in error.message:
                raise
    await query.answer(toast)


async def show_long(
    query: CallbackQuery, bot: Bot, html: str, markup: InlineKeyboardMarkup
) -> None:
    """A text that may pass Telegram's limit: the first part replaces the pressed message, the
    rest follow as new messages, and the buttons go under the last part."""
    parts = split_message(html, MESSAGE_LIMIT)
    if len(parts) == 1 or not isinstance(query.message, Message):
        await show(query, Screen(parts[0], markup))
        return
    await query.message.edit_text(parts[0], reply_markup=None)
    for index, part in enumerate(parts[1:], start=2):
        last = index == len(parts)
        await bot.send_message(query.message.chat.id, part, reply_markup=markup if last else None)
    await query.answer()


async def send(message: Message, screen: Screen) -> None:
    """After typed input the menu comes back as a new message, below what was typed."""
    await message.answer(screen.html, reply_markup=screen.keyboard)


async def send_long(message: Message, html: str, markup: InlineKeyboardMarkup) -> None:
    """As `send`, in as many messages as Telegram needs; the buttons under the last."""
    parts = split_message(html, MESSAGE_LIMIT)
    for index, part in enumerate(parts, start=1):
        await message.answer(part, reply_markup=markup if index == len(parts) else None)


def day_label(texts: Texts, day: date) -> str:
    weekday = texts("admin.weekday_names").split(",")[day.weekday()]
    return f"{weekday} {day:%d.%m.%Y}"


def moment_label(texts: Texts, moment: datetime) -> str:
    return f"{day_label(texts, moment.date())} {moment:%H:%M}"


def weekday_names(texts: Texts) -> list[str]:
    return texts("admin.weekday_names").split(",")


def weekdays_label(texts: Texts, days: frozenset[int]) -> str:
    """ "man-fre", "mån,ons": in the reader's language, runs of three or more as a range."""
    names = weekday_names(texts)
    english = format_weekdays(days, "en")  # the run rules live there; only the names differ
    return re.sub(r"[a-z]{3}", lambda found: names[ENGLISH_DAYS.index(found.group())], english)


def parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def month_of(text: str, fallback: date) -> date:
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except ValueError:
        return fallback.replace(day=1)


def calendar_keyboard(
    texts: Texts,
    org_id: int,
    purpose: str,
    month: date,
    earliest: date,
    back: InlineKeyboardButton,
) -> InlineKeyboardMarkup:
    """A month of days to pick from; days before `earliest` cannot be picked."""
    month = max(month.replace(day=1), earliest.replace(day=1))
    latest = _add_months(earliest.replace(day=1), MONTHS_AHEAD)
    month = min(month, latest)
    builder = InlineKeyboardBuilder()
    title = texts("admin.month_names").split(",")[month.month - 1]
    builder.row(button(f"{title} {month.year}", NOOP))
    builder.row(*(button(day, NOOP) for day in weekday_names(texts)))
    for week in calendar.Calendar().monthdatescalendar(month.year, month.month):
        row = []
        for day in week:
            if day.month != month.month or day < earliest:
                row.append(button("·", NOOP))
            else:
                picked = AdminCalendar(org=org_id, purpose=purpose, day=day.isoformat())
                row.append(button(str(day.day), picked.pack()))
        builder.row(*row)
    navigation = []
    if month > earliest.replace(day=1):
        earlier = AdminCalendar(org=org_id, purpose=purpose, month=_month(_add_months(month, -1)))
        navigation.append(button("‹", earlier.pack()))
    if month < latest:
        later = AdminCalendar(org=org_id, purpose=purpose, month=_month(_add_months(month, 1)))
        navigation.append(button("›", later.pack()))
    if navigation:
        builder.row(*navigation)
    builder.row(back)
    return builder.as_markup()


def _add_months(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _month(first: date) -> str:
    return f"{first.year:04d}-{first.month:02d}"
