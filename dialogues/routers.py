"""Every router, built afresh for each dispatcher (a router attaches to one parent only), in the
order they are asked: group chats first, then specific journeys, the fallback last."""

from __future__ import annotations

from aiogram import Router

from dialogues import (
    admin,
    concern,
    daily_step,
    fallback,
    group_chat,
    leader,
    leaving,
    onboarding,
    staff,
)


def all_routers() -> list[Router]:
    return [
        fallback.make_error_router(),
        group_chat.make_router(),  # everything from a group chat; the rest see private chats only
        onboarding.make_router(),
        concern.make_router(),  # before admin and daily_step: what follows it is never stored
        admin.make_router(),  # before daily_step: an admin's typed answers are not step answers
        staff.make_router(),
        leaving.make_router(),
        leader.make_router(),
        daily_step.make_router(),
        fallback.make_router(),
    ]
