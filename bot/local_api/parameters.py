"""Which parameters each emulated method takes (Bot API 10.1): anything else is refused.

Telegram's own servers ignore what they do not know, which hides a misspelt or retired
parameter until a member notices; this server refuses it so the bot is kept to the current API.
The lists are ours, kept by hand; a test compares them with the published specification.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.local_api.records import bad_request

_SEND = (
    "business_connection_id",
    "chat_id",
    "message_thread_id",
    "direct_messages_topic_id",
    "disable_notification",
    "protect_content",
    "allow_paid_broadcast",
    "message_effect_id",
    "suggested_post_parameters",
    "reply_parameters",
    "reply_markup",
)
_SCOPE = ("scope", "language_code")

PARAMETERS: dict[str, frozenset[str]] = {
    name: frozenset(fields)
    for name, fields in {
        "getMe": (),
        "getUpdates": ("offset", "limit", "timeout", "allowed_updates"),
        "sendMessage": (*_SEND, "text", "parse_mode", "entities", "link_preview_options"),
        "sendPhoto": (
            *_SEND,
            "photo",
            "caption",
            "parse_mode",
            "caption_entities",
            "show_caption_above_media",
            "has_spoiler",
        ),
        "sendDocument": (
            *_SEND,
            "document",
            "thumbnail",
            "caption",
            "parse_mode",
            "caption_entities",
            "disable_content_type_detection",
        ),
        "editMessageText": (
            "business_connection_id",
            "chat_id",
            "message_id",
            "inline_message_id",
            "text",
            "parse_mode",
            "entities",
            "link_preview_options",
            "rich_message",
            "reply_markup",
        ),
        "editMessageReplyMarkup": (
            "business_connection_id",
            "chat_id",
            "message_id",
            "inline_message_id",
            "reply_markup",
        ),
        "deleteMessage": ("chat_id", "message_id"),
        "answerCallbackQuery": ("callback_query_id", "text", "show_alert", "url", "cache_time"),
        "sendChatAction": ("business_connection_id", "chat_id", "message_thread_id", "action"),
        "setMyCommands": ("commands", *_SCOPE),
        "getMyCommands": _SCOPE,
        "deleteMyCommands": _SCOPE,
        "setWebhook": (
            "url",
            "certificate",
            "ip_address",
            "max_connections",
            "allowed_updates",
            "drop_pending_updates",
            "secret_token",
        ),
        "deleteWebhook": ("drop_pending_updates",),
        "getWebhookInfo": (),
    }.items()
}
# Retired parameters, with what replaced them: named in the refusal.
DEPRECATED = {
    "disable_web_page_preview": "link_preview_options",
    "reply_to_message_id": "reply_parameters",
    "allow_sending_without_reply": "reply_parameters",
}


def check_parameters(method: str, params: Mapping[str, Any]) -> None:
    """400 for the first parameter `method` does not take (a retired one says its successor)."""
    allowed = PARAMETERS[method]
    for name in params:
        if name in allowed:
            continue
        if name in DEPRECATED:
            raise bad_request(
                f"parameter {name} is deprecated and no longer accepted: "
                f"use {DEPRECATED[name]} instead"
            )
        raise bad_request(f"unknown parameter {name} for method {method}")
