"""/bekymring and /concern: where a worry about a child goes, which is never Refleks.

A reflection bot on bullying will be told things that the law says must be reported to the
rektor or the styrer. This journey shows the organisation's own routine and stores nothing: not
the command, and not what is written after it (the next text is answered, never kept as an
answer to a step). The only trace is aiogram's conversation state, which holds no text.
"""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message

from dialogues.chats import private_only
from dialogues.i18n import Texts
from dialogues.turn import Turn
from domain.model import Organisation, OrgKind
from services import staff

COMMANDS = ("bekymring", "concern")


class Concern(StatesGroup):
    told = State()  # the member has read the routine; their next text is not an answer


async def concern(message: Message, turn: Turn, state: FSMContext) -> None:
    uow, member, texts = turn.uow, turn.member, turn.texts
    orgs = await staff.organisations_of(uow, member)
    await state.set_state(Concern.told)
    await message.answer(concern_message(orgs, texts))


async def wrote_after_concern(message: Message, texts: Texts, state: FSMContext) -> None:
    await state.clear()
    await message.answer(texts("concern.not_stored"))


def concern_message(orgs: list[Organisation], texts: Texts) -> str:
    """The routine of each organisation the member works in, else the law's default."""
    lines = [texts("concern.header"), "", texts("concern.nothing_stored"), ""]
    if not orgs:
        lines.append(texts("concern.routine_unknown"))
    for org in orgs:
        if org.concern_contact:
            tell = escape(org.concern_contact)
        elif org.kind is OrgKind.SCHOOL:
            tell = texts("concern.tell_rektor")
        else:
            tell = texts("concern.tell_styrer")
        lines.append(texts("concern.routine", org=escape(org.name), tell=tell))
        if org.concern_url:
            lines.append(texts("concern.routine_link", url=escape(org.concern_url, quote=True)))
    lines += ["", texts("concern.emergency")]
    return "\n".join(lines)


def make_router() -> Router:
    router = private_only(Router(name="concern"))
    router.message.register(concern, Command(*COMMANDS))
    # the next message of their own; a reply to a step stays an answer to it
    written = F.text & ~F.text.startswith("/") & F.reply_to_message.is_(None)
    router.message.register(wrote_after_concern, Concern.told, written)
    return router
