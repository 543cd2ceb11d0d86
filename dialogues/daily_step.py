"""Answering the day's step: a button for scale and choice, a reply for text; catching up."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from content.schema import Step
from dialogues.callbacks import AnswerButton, CatchUpButton
from dialogues.chats import private_only
from dialogues.i18n import Texts
from dialogues.journey import Journey
from dialogues.turn import Turn
from domain.model import QuestionKind
from services.answering import Answered, Outcome, answer_step

SCALE_DIGITS = {"1", "2", "3", "4", "5"}


async def pressed_answer(
    query: CallbackQuery, callback_data: AnswerButton, turn: Turn, journey: Journey
) -> None:
    uow, now, member, texts = turn.uow, turn.now, turn.member, turn.texts
    found = await journey.pressed(uow, member.id, callback_data.delivery) if member else None
    if member is None or found is None:
        await query.answer(texts("answer.not_yours"), show_alert=True)
        return
    delivered, step = found
    question, value = step.question, callback_data.value
    options = len(question.options or ())
    result = await answer_step(
        uow, member.id, delivered, question.kind, value, now, options=options
    )
    await query.answer(texts(f"answer.{result.outcome.value}"))
    if result.outcome in (Outcome.STORED, Outcome.ALREADY, Outcome.CLOSED) and query.message:
        label = _chosen_label(step, value) if result.outcome is Outcome.STORED else None
        await _close_buttons(query, texts, label)


async def replied_in_text(message: Message, turn: Turn, journey: Journey) -> None:
    uow, now, member, texts = turn.uow, turn.now, turn.member, turn.texts
    replied = message.reply_to_message.message_id if message.reply_to_message else None
    found = (
        await journey.replied_to(uow, member.id, message.chat.id, replied, now) if member else None
    )
    if member is None or found is None:
        await message.answer(texts("fallback.no_question" if member else "start.no_invite"))
        return
    delivered, step = found
    kind, text = step.question.kind, (message.text or "").strip()
    value: int | str = int(text) if kind is QuestionKind.SCALE and text in SCALE_DIGITS else text
    result = await answer_step(uow, member.id, delivered, kind, value, now)  # closed weeks first
    await message.answer(_reply_to_text(result, kind, texts))


async def pressed_catch_up(query: CallbackQuery, bot: Bot, turn: Turn, journey: Journey) -> None:
    uow, now, member, texts = turn.uow, turn.now, turn.member, turn.texts
    missed = await journey.missed(uow, member.id, now) if member else []
    if member is None or not missed:
        await query.answer(texts("catch_up.none"))
        return
    await query.answer()
    plan, index = missed[0]
    await journey.send_step(
        uow, bot, member.id, member.telegram_id, plan, index, texts, now, missed=len(missed) - 1
    )


def _reply_to_text(result: Answered, kind: QuestionKind, texts: Texts) -> str:
    if result.outcome is Outcome.INVALID:
        return texts("answer.use_buttons" if kind is not QuestionKind.TEXT else "answer.invalid")
    reply = texts(f"answer.{result.outcome.value}")
    if result.masked:
        reply += "\n\n" + texts("answer.masked")
    return reply


def _chosen_label(step: Step, value: int) -> str:
    options = step.question.options
    if step.question.kind is QuestionKind.CHOICE and options and 0 <= value < len(options):
        return options[value]
    return str(value)


async def _close_buttons(query: CallbackQuery, texts: Texts, label: str | None) -> None:
    """Swaps the answer buttons for one line saying it is done, so nobody presses twice."""
    text = texts("answer.button_done", value=label) if label else texts("answer.button_closed")
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=text, callback_data="noop")]]
    )
    message = query.message
    if message is not None and hasattr(message, "edit_reply_markup"):
        await message.edit_reply_markup(reply_markup=keyboard)


def make_router() -> Router:
    router = private_only(Router(name="daily_step"))
    router.callback_query.register(pressed_answer, AnswerButton.filter())
    router.message.register(replied_in_text, F.text & ~F.text.startswith("/"))
    router.callback_query.register(pressed_catch_up, CatchUpButton.filter())
    return router
