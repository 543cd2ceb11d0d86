"""Every router, on its own, takes from a group chat nothing it takes from a private chat:
commands, typed answers, a bare digit, stickers and every kind of button. Only the group chat
router takes group updates (and nothing private).

Each router is asked the way the dispatcher asks it (its own filters first, then each
handler's), without running a handler: what a router would take is decided by its filters.
"""

from __future__ import annotations

from typing import Any

import pytest
from aiogram import Bot, Router
from aiogram.types import CallbackQuery, Message, TelegramObject

from dialogues import admin, daily_step, fallback, group_chat, leader, onboarding, staff
from dialogues.callbacks import (
    AdminGroup,
    AdminHome,
    AdminOrg,
    AnswerButton,
    CatchUpButton,
    ForgetButton,
    LanguageButton,
    WeekButton,
)

ANNE = 1001
STAFF_CHAT = -1001234567890
GROUP_CHAT = -4001234567
BOT = Bot("42:TEST-TOKEN")  # never called: no filter here asks Telegram anything

TEXTS = (
    "/start 3fJk9QmZ",
    "/start",
    "/today",
    "/progress",
    "/pause",
    "/resume",
    "/time 09:00",
    "/language",
    "/privacy",
    "/mydata",
    "/forget",
    "/help",
    "/summary",
    "/summary last",
    "/export",
    "/note Hei alle",
    "/admin",
    "/cancel",
    "/frobnicate",
    "2",
    "Vi hilser på alle i døra.",
)
BUTTONS = (
    AnswerButton(delivery=7, value=2).pack(),
    CatchUpButton(delivery=7).pack(),
    WeekButton(group=1, week="2026-11-23").pack(),
    LanguageButton(code="en").pack(),
    ForgetButton(confirm=True).pack(),
    AdminHome(do="home").pack(),
    AdminOrg(do="show", org=1).pack(),
    AdminGroup(do="show", org=1, group=1).pack(),
    "ao:crafted",
    "noop",
    "something-old",
)


def chat(chat_id: int) -> dict[str, Any]:
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": "Anne"}
    kind = "supergroup" if str(chat_id).startswith("-100") else "group"
    return {"id": chat_id, "type": kind, "title": "Lærerne"}


def user() -> dict[str, Any]:
    return {"id": ANNE, "is_bot": False, "first_name": "Anne", "language_code": "nb"}


def message(chat_id: int, text: str | None = None, **content: Any) -> Message:
    body: dict[str, Any] = {"text": text} if text is not None else content
    if text is not None and text.startswith("/"):
        length = len(text.split()[0])
        body["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    return Message.model_validate(
        {"message_id": 5, "date": 1795400000, "chat": chat(chat_id), "from": user(), **body}
    )


def press(chat_id: int, data: str) -> CallbackQuery:
    bot_message = {
        "message_id": 4,
        "date": 1795400000,
        "chat": chat(chat_id),
        "from": {"id": 42, "is_bot": True, "first_name": "Refleks"},
        "text": "Steget i dag",
    }
    return CallbackQuery.model_validate(
        {
            "id": "1",
            "from": user(),
            "message": bot_message,
            "chat_instance": "x",
            "data": data,
        }
    )


def updates(chat_id: int) -> list[tuple[str, TelegramObject]]:
    found: list[tuple[str, TelegramObject]] = [("message", message(chat_id, t)) for t in TEXTS]
    sticker = {
        "file_id": "S",
        "file_unique_id": "S",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    found.append(("message", message(chat_id, sticker=sticker)))
    found += [("callback_query", press(chat_id, data)) for data in BUTTONS]
    return found


async def would_take(router: Router, kind: str, event: TelegramObject) -> bool:
    """What the dispatcher decides before it calls a handler: the router's own filters, then
    each handler's, in order."""
    observer = router.observers[kind]
    data: dict[str, Any] = {"bot": BOT, "raw_state": None, "event_from_user": None}
    passed, data = await observer.check_root_filters(event, **data)
    if not passed:
        return False
    for handler in observer.handlers:
        taken, _ = await handler.check(event, **data)
        if taken:
            return True
    return False


JOURNEYS = {
    "onboarding": onboarding.make_router,
    "admin": admin.make_router,
    "staff": staff.make_router,
    "leader": leader.make_router,
    "daily_step": daily_step.make_router,
    "fallback": fallback.make_router,
}


@pytest.mark.parametrize("name", sorted(JOURNEYS))
async def test_a_journey_takes_nothing_from_a_group_chat(name: str) -> None:
    router = JOURNEYS[name]()
    taken_in_private = [
        (kind, event) for kind, event in updates(ANNE) if await would_take(router, kind, event)
    ]
    assert taken_in_private  # the router does take these in a private chat
    for chat_id in (STAFF_CHAT, GROUP_CHAT):  # a supergroup and a basic group
        for kind, event in updates(chat_id):
            assert not await would_take(router, kind, event), (name, kind, event)


async def test_only_the_group_chat_router_takes_group_updates_and_no_private_ones() -> None:
    router = group_chat.make_router()
    for kind, event in updates(STAFF_CHAT) + updates(GROUP_CHAT):
        assert await would_take(router, kind, event)
    for kind, event in updates(ANNE):
        assert not await would_take(router, kind, event)
