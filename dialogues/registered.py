"""Commands only a member can use. The handler's flag names the refusal everyone else gets,
sent here once, so such a handler takes a `Member`, never `Member | None`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.flags import get_flag
from aiogram.types import CallbackQuery, Message, TelegramObject

FLAG = "members_only"

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


def members_only(refusal: str) -> dict[str, str]:
    """Handler flags: only a member gets past; anyone else reads `refusal` (a text key)."""
    return {FLAG: refusal}


class MembersOnly(BaseMiddleware):
    """An inner middleware: it sees the matched handler's flags."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        refusal = get_flag(data, FLAG)
        if refusal is None or data.get("member") is not None:
            return await handler(event, data)
        text = data["texts"](refusal)
        if isinstance(event, CallbackQuery):
            await event.answer(text, show_alert=True)
        elif isinstance(event, Message):
            await event.answer(text)
        return None
