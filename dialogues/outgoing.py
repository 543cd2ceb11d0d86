"""What the bot says, as data: the delivery engine sends these parts in order."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram.types import InlineKeyboardMarkup


@dataclass(frozen=True)
class TextPart:
    html: str
    keyboard: InlineKeyboardMarkup | None = None
    anchor: bool = False  # the message a reply answers: its id is kept


@dataclass(frozen=True)
class PhotoPart:
    png: bytes
    caption: str
    filename: str = "chart.png"
    # The same picture under the same key may be sent again by its Telegram file_id (upload once):
    # set only where every recipient of the key gets the very same bytes.
    cache_key: str | None = None


@dataclass(frozen=True)
class DocumentPart:
    data: bytes
    filename: str
    caption: str = ""


Part = TextPart | PhotoPart | DocumentPart
