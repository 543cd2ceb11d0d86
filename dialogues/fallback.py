"""Everything no other router took: a short, helpful answer, never a crash or silence."""

from __future__ import annotations

import logging
from typing import Any

from aiogram import F, Router
from aiogram.types import CallbackQuery, ErrorEvent, Message

from dialogues.chats import private_only
from dialogues.i18n import Texts
from domain.model import Member
from services.errors import describe, is_database_error, safe_traceback

log = logging.getLogger(__name__)


async def inert_button(query: CallbackQuery) -> None:
    await query.answer()


async def stale_button(query: CallbackQuery, texts: Texts) -> None:
    await query.answer(texts("fallback.stale_button"), show_alert=True)


async def unknown_command(message: Message, texts: Texts) -> None:
    await message.answer(texts("fallback.unknown_command"))


async def sticker(message: Message, texts: Texts) -> None:
    await message.answer(texts("fallback.sticker"))


async def voice(message: Message, texts: Texts) -> None:
    await message.answer(texts("fallback.voice"))


async def media(message: Message, texts: Texts) -> None:
    await message.answer(texts("fallback.media"))


async def anything_else(message: Message, member: Member | None, texts: Texts) -> None:
    await message.answer(texts("fallback.other" if member else "start.no_invite"))


async def on_error(event: ErrorEvent, **data: Any) -> bool:
    """Tell the person and log without any message text. The update's unit of work was rolled
    back already (the error surfaces outside it), so the update can be handled again."""
    update, error = event.update, event.exception
    # No exc_info: the handler's formatter would print a database error's message (the row).
    summary = describe(error) if is_database_error(error) else type(error).__name__
    log.error("update %s failed: %s\n%s", update.update_id, summary, safe_traceback(error))
    texts: Texts = data.get("texts") or Texts("nb")
    if update.message is not None:
        await update.message.answer(texts("error.generic"))
    elif update.callback_query is not None:
        await update.callback_query.answer(texts("error.generic"), show_alert=True)
    return True


def make_router() -> Router:
    router = private_only(Router(name="fallback"))
    router.callback_query.register(inert_button, F.data == "noop")
    router.callback_query.register(stale_button)
    router.message.register(unknown_command, F.text.startswith("/"))
    router.message.register(sticker, F.sticker | F.animation)
    router.message.register(voice, F.voice | F.video_note | F.audio)
    router.message.register(media, F.photo | F.video | F.document)
    router.message.register(anything_else)
    return router


def make_error_router() -> Router:
    router = Router(name="errors")
    router.errors.register(on_error)
    return router
