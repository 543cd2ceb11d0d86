"""/leave: a member leaves one group (after a confirmation; in several groups, they pick which)
and keeps the rest. What they get from that group stops at once; what they answered stays in
its anonymous summaries. /forget is the way to delete everything."""

from __future__ import annotations

from html import escape

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from dialogues.callbacks import LeaveButton
from dialogues.chats import private_only
from dialogues.i18n import Texts
from dialogues.menus import set_personal_menu
from dialogues.turn import Turn
from domain.model import Group
from services import membership, staff


async def leave(message: Message, turn: Turn) -> None:
    uow, member, texts = turn.uow, turn.member, turn.texts
    groups = await staff.groups_of(uow, member)
    if not groups:
        await message.answer(texts("leave.none"))
    elif len(groups) == 1:
        html, markup = _confirm(texts, groups[0])
        await message.answer(html, reply_markup=markup)
    else:
        rows = [[_button(g.name, "ask", g.id)] for g in groups]
        rows.append([_button(texts("leave.no"), "no")])
        await message.answer(
            texts("leave.choose"), reply_markup=InlineKeyboardMarkup(inline_keyboard=rows)
        )


async def leave_chosen(
    query: CallbackQuery,
    callback_data: LeaveButton,
    bot: Bot,
    turn: Turn,
    admin_ids: frozenset[int],
) -> None:
    uow, member, texts = turn.uow, turn.member, turn.texts
    await query.answer()
    if callback_data.do == "no":
        await _edit(query, texts("leave.kept"))
        return
    group = await staff.group_of(uow, member, callback_data.group)
    if member is None or group is None:
        await _edit(query, texts("leave.not_member"))
    elif callback_data.do == "ask":
        html, markup = _confirm(texts, group)
        await _edit(query, html, markup)
    elif callback_data.do == "yes":
        await membership.leave_by_choice(uow, member, group.id)
        await _edit(query, texts("leave.done", group=escape(group.name)))
        now_is = await staff.standing(uow, member.telegram_id, member, admin_ids)
        await set_personal_menu(
            bot, member.telegram_id, texts.language, leader=now_is.leader, admin=now_is.admin
        )


def _confirm(texts: Texts, group: Group) -> tuple[str, InlineKeyboardMarkup]:
    yes = _button(texts("leave.yes"), "yes", group.id)
    no = _button(texts("leave.no"), "no")
    html = texts("leave.confirm", group=escape(group.name))
    return html, InlineKeyboardMarkup(inline_keyboard=[[yes], [no]])


def _button(text: str, do: str, group: int = 0) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=LeaveButton(do=do, group=group).pack())


async def _edit(
    query: CallbackQuery, html: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    if isinstance(query.message, Message):
        await query.message.edit_text(html, reply_markup=markup)


def make_router() -> Router:
    router = private_only(Router(name="leaving"))
    router.message.register(leave, Command("leave"))
    router.callback_query.register(leave_chosen, LeaveButton.filter())
    return router
