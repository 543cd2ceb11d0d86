"""Inline keyboards."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from content.loader import LocalizedStep
from dialogues.callbacks import AnswerButton, CatchUpButton, ForgetButton, LanguageButton
from dialogues.i18n import Texts
from domain.model import QuestionKind

LANGUAGE_NAMES = {"nb": "Bokmål", "nn": "Nynorsk", "en": "English"}


def answer_keyboard(
    kind: QuestionKind, text: LocalizedStep, delivery_id: int
) -> InlineKeyboardMarkup | None:
    builder = InlineKeyboardBuilder()
    if kind is QuestionKind.SCALE:
        for value in range(1, 6):
            builder.button(
                text=str(value), callback_data=AnswerButton(delivery=delivery_id, value=value)
            )
        builder.adjust(5)
    elif kind is QuestionKind.CHOICE:
        for index, option in enumerate(text.options):
            builder.button(
                text=option, callback_data=AnswerButton(delivery=delivery_id, value=index)
            )
        builder.adjust(1)
    else:
        return None
    return builder.as_markup()


def with_catch_up(
    keyboard: InlineKeyboardMarkup | None, texts: Texts, missed: int, delivery_id: int
) -> InlineKeyboardMarkup | None:
    if missed <= 0:
        return keyboard
    rows = list(keyboard.inline_keyboard) if keyboard else []
    button = InlineKeyboardButton(
        text=texts("step.catch_up_button", count=missed),
        callback_data=CatchUpButton(delivery=delivery_id).pack(),
    )
    return InlineKeyboardMarkup(inline_keyboard=[*rows, [button]])


def language_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code, name in LANGUAGE_NAMES.items():
        builder.button(text=name, callback_data=LanguageButton(code=code))
    return builder.as_markup()


def forget_keyboard(texts: Texts) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=texts("forget.yes"), callback_data=ForgetButton(confirm=True))
    builder.button(text=texts("forget.no"), callback_data=ForgetButton(confirm=False))
    return builder.as_markup()
