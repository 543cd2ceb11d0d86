"""A local Telegram Bot API server for end-to-end tests and the built-in demo."""

from bot.local_api.pushes import tiny_png
from bot.local_api.records import ApiError, Call, SentMessage, UploadedFile
from bot.local_api.server import DEFAULT_TOKEN, LocalBotAPI

__all__ = [
    "DEFAULT_TOKEN",
    "ApiError",
    "Call",
    "LocalBotAPI",
    "SentMessage",
    "UploadedFile",
    "tiny_png",
]
