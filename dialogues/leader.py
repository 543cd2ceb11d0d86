"""Leaders: /summary (this week so far, or `last`, or an earlier week), /export, /note and
/linkchat. A leader sees only groups they lead; every group id from a button is checked."""

from __future__ import annotations

from datetime import date
from html import escape

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from dialogues.callbacks import WeekButton
from dialogues.chats import private_only
from dialogues.i18n import Texts
from dialogues.outgoing import DocumentPart, Part, PhotoPart, TextPart
from dialogues.summary_views import (
    ChartPhotos,
    export_csv,
    export_markdown,
    so_far_text,
    week_parts,
)
from dialogues.turn import Turn
from domain.model import Group, Member, Role
from domain.text import without_control_characters
from services import membership, staff
from services.unit_of_work import UnitOfWork
from services.weekly import ClosedWeek, WeekSummaries

NOTE_MAX = 1500


async def led_groups(uow: UnitOfWork, member: Member | None) -> list[Group]:
    """The groups the member leads now, read afresh on every command and button: someone an
    admin removed or demoted a minute ago leads nothing, whatever they were shown before."""
    return await staff.groups_of(uow, member, Role.LEADER)


async def summary(
    message: Message,
    command: CommandObject,
    bot: Bot,
    turn: Turn,
    summaries: WeekSummaries,
    chart_photos: ChartPhotos,
) -> None:
    uow, now, texts = turn.uow, turn.now, turn.texts
    for group in await _led_or_refused(message, turn):
        if (command.args or "").strip().lower() in ("last", "forrige", "siste"):
            closed = await summaries.last_closed_week(uow, group, texts.language)
            await _send_week(bot, message.chat.id, closed, texts, chart_photos)
        else:
            found = await summaries.so_far(uow, group, now, texts.language)
            picker = await _week_picker(uow, group, summaries)
            await message.answer(so_far_text(found, group, texts), reply_markup=picker)


async def earlier_week(
    query: CallbackQuery,
    callback_data: WeekButton,
    bot: Bot,
    turn: Turn,
    summaries: WeekSummaries,
    chart_photos: ChartPhotos,
) -> None:
    uow, member, texts = turn.uow, turn.member, turn.texts
    group = next((g for g in await led_groups(uow, member) if g.id == callback_data.group), None)
    week = _monday(callback_data.week)
    if group is None or week is None or query.message is None:
        await query.answer(texts("leader.not_yours"), show_alert=True)
        return
    await query.answer()
    closed = await summaries.closed_week(uow, group, week, texts.language, leader=True)
    await _send_week(bot, query.message.chat.id, closed, texts, chart_photos)


async def export(message: Message, turn: Turn, summaries: WeekSummaries) -> None:
    uow, texts = turn.uow, turn.texts
    for group in await _led_or_refused(message, turn):
        # Only what the summaries showed, so nothing below the threshold.
        weeks = await summaries.snapshots(uow, group.id, texts.language)
        if not weeks:
            await message.answer(texts("leader.no_weeks"))
            continue
        csv_data, markdown = export_csv(weeks, texts), export_markdown(weeks, group.name, texts)
        await message.answer_document(BufferedInputFile(csv_data, f"refleks-{group.slug}.csv"))
        await message.answer_document(
            BufferedInputFile(markdown, f"refleks-{group.slug}.md"),
            caption=texts("leader.export_caption", group=escape(group.name)),
        )


async def note(
    message: Message, command: CommandObject, turn: Turn, summaries: WeekSummaries
) -> None:
    uow, now, texts = turn.uow, turn.now, turn.texts
    groups = await _led_or_refused(message, turn)
    text = without_control_characters(command.args or "").strip()
    if not groups:
        return
    if not text:
        await message.answer(texts("leader.note_usage"))
    elif len(text) > NOTE_MAX:
        await message.answer(texts("leader.note_too_long", limit=NOTE_MAX))
    else:
        owed = sum([await summaries.send_note(uow, g, escape(text), now) for g in groups])
        await message.answer(texts("leader.note_queued", count=owed))


async def link_howto(message: Message, texts: Texts) -> None:
    """/linkchat or /unlinkchat in the private chat: they belong in the staff's group chat."""
    await message.answer(texts("leader.link_howto"))


async def link_chat(message: Message, turn: Turn) -> None:
    """/linkchat in a group chat (the group chat router registers it)."""
    uow, texts = turn.uow, turn.texts
    groups = await led_groups(uow, turn.member)
    if len(groups) != 1:
        await message.answer(texts("leader.link_one_group" if groups else "leader.not_leader"))
    else:
        await membership.link_chat(uow, groups[0], message.chat.id)
        await message.answer(texts("leader.linked", group=escape(groups[0].name)))


async def unlink_chat(message: Message, turn: Turn) -> None:
    """/unlinkchat in a group chat (the group chat router registers it)."""
    for group in await led_groups(turn.uow, turn.member):
        await membership.unlink_chat(turn.uow, group, message.chat.id)
    await message.answer(turn.texts("leader.unlinked"))


async def _led_or_refused(message: Message, turn: Turn) -> list[Group]:
    """The groups the writer leads; none (and told so) when they lead none."""
    groups = await led_groups(turn.uow, turn.member)
    if not groups:
        await message.answer(turn.texts("leader.not_leader"))
    return groups


async def _send_week(
    bot: Bot, chat_id: int, closed: ClosedWeek | None, texts: Texts, chart_photos: ChartPhotos
) -> None:
    """A closed week's summary, or "no weeks yet" when there is none to send."""
    if closed is None:
        parts: list[Part] = [TextPart(texts("leader.no_weeks"))]
    else:
        parts = await week_parts(closed, texts, chart_photos, leader=True)
    await send_parts(bot, chat_id, parts)


async def send_parts(bot: Bot, chat_id: int, parts: list[Part]) -> None:
    for part in parts:
        if isinstance(part, PhotoPart):
            await bot.send_photo(
                chat_id, BufferedInputFile(part.png, part.filename), caption=part.caption or None
            )
        elif isinstance(part, DocumentPart):
            await bot.send_document(
                chat_id, BufferedInputFile(part.data, part.filename), caption=part.caption or None
            )
        else:
            await bot.send_message(chat_id, part.html, reply_markup=part.keyboard)


def _monday(text: str) -> date | None:
    """The week a button names, or None for anything a real button would not carry."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if day.weekday() == 0 else None


async def _week_picker(
    uow: UnitOfWork, group: Group, summaries: WeekSummaries
) -> InlineKeyboardMarkup | None:
    weeks = (await summaries.closed_weeks(uow, group.id))[-8:]
    if not weeks:
        return None
    builder = InlineKeyboardBuilder()
    for week in weeks:
        label = f"{group.name[:20]} · {week.isocalendar().week}"
        builder.button(text=label, callback_data=WeekButton(group=group.id, week=week.isoformat()))
    builder.adjust(4)
    return builder.as_markup()


def make_router() -> Router:
    """The leader's private commands; /linkchat and /unlinkchat in a group chat are the group
    chat router's."""
    router = private_only(Router(name="leader"))
    router.message.register(summary, Command("summary", "oppsummering"))
    router.callback_query.register(earlier_week, WeekButton.filter())
    router.message.register(export, Command("export"))
    router.message.register(note, Command("note"))
    router.message.register(link_howto, Command("linkchat", "unlinkchat"))
    return router
