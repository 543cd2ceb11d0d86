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
    """Built directly rather than with InlineKeyboardBuilder: every morning's step has one,
    and the builder deep-copies its buttons (a third of the cost of sending a step)."""
    if kind is QuestionKind.SCALE:
        return InlineKeyboardMarkup(
            inline_keyboard=[[_answer(str(value), delivery_id, value) for value in range(1, 6)]]
        )
    if kind is QuestionKind.CHOICE:
        return InlineKeyboardMarkup(
            inline_keyboard=[
                [_answer(option, delivery_id, index)] for index, option in enumerate(text.options)
            ]
        )
    return None


def _answer(text: str, delivery_id: int, value: int) -> InlineKeyboardButton:
    data = AnswerButton(delivery=delivery_id, value=value).pack()
    return InlineKeyboardButton(text=text, callback_data=data)


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
