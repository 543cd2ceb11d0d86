"""An update arriving from Telegram: whether it was handled before, who sent it and which
language they read; and, for the command menus, the language of people known by Telegram id."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from domain.language import reader_language
from domain.model import Member
from services.unit_of_work import UnitOfWork


async def first_time(uow: UnitOfWork, bot_id: int, update_id: int, today: date) -> bool:
    """Records the update as handled (in the unit of work, so only if its handling commits);
    False when it was handled before: Telegram delivered it again."""
    return await uow.updates.first_time(bot_id, update_id, today)


@dataclass(frozen=True)
class Sender:
    member: Member | None  # None: nobody we know (yet)
    language: str  # what every reply to them is written in


async def sender(uow: UnitOfWork, telegram_id: int | None, telegram_code: str | None) -> Sender:
    """Who wrote (`telegram_id` None: an update from no user) and the language they read.
    Telegram's language for them is remembered when it changed, for when they choose none."""
    member = await uow.members.find(telegram_id) if telegram_id is not None else None
    if member is not None and telegram_code and telegram_code != member.telegram_language:
        await uow.members.set_telegram_language(member.id, telegram_code)
    chosen, org = (member.language, member.org_language) if member else (None, None)
    return Sender(member, reader_language(chosen, org, telegram_code))


def answers_stored(uow: UnitOfWork) -> int:
    """How many answers the unit of work stored (counted for the metrics once it committed)."""
    return uow.answers.stored


async def languages_read(uow: UnitOfWork, telegram_ids: Iterable[int]) -> dict[int, str]:
    """The language each of these people reads, for those who are members."""
    found = {telegram_id: await uow.members.find(telegram_id) for telegram_id in telegram_ids}
    return {telegram_id: m.reads for telegram_id, m in found.items() if m is not None}
