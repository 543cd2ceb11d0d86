"""Telegram's limits and refusals for message content, with Telegram's own error texts."""

from __future__ import annotations

import json
import re
import struct
from typing import Any

from bot.local_api.records import ApiError, JsonDict, bad_request, is_html
from domain.telegram_html import telegram_refusals, utf16_length, visible_text

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER = 200
MAX_PHOTO_SIDES = 10_000  # width + height
MAX_PHOTO_RATIO = 20
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
_BUTTON_ACTIONS = frozenset(
    {
        "url",
        "callback_data",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)
_MARKUP_KINDS = ("inline_keyboard", "keyboard", "remove_keyboard", "force_reply")
_BUTTON_URL = re.compile(r"(?:https?://[^\s/?#]+|tg://[a-z_]+)\S*", re.IGNORECASE)
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_LANGUAGE = re.compile(r"[a-z]{2}")
_SCOPES: dict[str, tuple[str, ...]] = {  # scope type -> the fields it needs
    "default": (),
    "all_private_chats": (),
    "all_group_chats": (),
    "all_chat_administrators": (),
    "chat": ("chat_id",),
    "chat_administrators": ("chat_id",),
    "chat_member": ("chat_id", "user_id"),
}
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM")


def chat_id_of(params: JsonDict) -> int:
    chat_id = params.get("chat_id")
    if chat_id is None or chat_id == "":
        raise bad_request("chat_id is empty")
    if isinstance(chat_id, bool):
        raise bad_request("chat not found")
    if isinstance(chat_id, int):
        return chat_id
    try:
        return int(str(chat_id))
    except ValueError:
        raise bad_request("chat not found") from None  # @channel usernames are not emulated


def message_id_of(params: JsonDict) -> int:
    message_id = params.get("message_id")
    if isinstance(message_id, bool) or not isinstance(message_id, int | str):
        raise bad_request("message identifier is not specified")
    try:
        return int(message_id)
    except ValueError:
        raise bad_request("message identifier is not specified") from None


def checked_text(
    text: Any, parse_mode: Any, *, caption: bool = False, always_html: bool = False
) -> str:
    """The visible text, or Telegram's refusal: bad HTML, empty, or over the limit.

    `always_html`: refuse text that is no valid HTML even when sent without parse_mode (a test
    that every text of ours would survive the HTML parse mode)."""
    if text is None or text == "":
        if caption:
            return ""
        raise bad_request("message text is empty")
    source = str(text)
    mode = parse_mode if isinstance(parse_mode, str) else None
    if is_html(mode) or always_html:
        errors = telegram_refusals(source)
        if errors:
            raise bad_request(f"can't parse entities: {errors[0]}")
    if is_html(mode):
        source = visible_text(source)
    visible = source.strip()  # Telegram trims surrounding whitespace before counting
    if not visible and not caption:
        raise bad_request("message text is empty")
    if caption and utf16_length(visible) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    if not caption and utf16_length(visible) > MAX_TEXT:
        raise bad_request("message is too long")
    return visible


def checked_markup(raw: Any) -> JsonDict | None:
    if raw is None or raw == "":
        return None
    markup = raw
    if isinstance(raw, str):
        try:
            markup = json.loads(raw)
        except ValueError:
            raise bad_request("can't parse reply keyboard markup JSON object") from None
    if not isinstance(markup, dict) or not any(kind in markup for kind in _MARKUP_KINDS):
        raise bad_request("can't parse reply keyboard markup JSON object")
    for row in markup.get("inline_keyboard", []):
        if not isinstance(row, list):
            raise bad_request(
                'can\'t parse inline keyboard button: field "text" must be of type String'
            )
        for button in row:
            _check_inline_button(button)
    return markup


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request(
            'can\'t parse inline keyboard button: field "text" must be of type String'
        )
    if not button["text"].strip():
        raise bad_request("BUTTON_TEXT_INVALID")
    actions = _BUTTON_ACTIONS.intersection(button)
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise bad_request(
            "can't parse inline keyboard button: exactly one of the optional fields must be used"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not _BUTTON_URL.match(url):
            raise bad_request("BUTTON_URL_INVALID")


def inline_markup(markup: JsonDict | None) -> JsonDict | None:
    """Only inline keyboards belong to a message; reply keyboards belong to the chat."""
    return markup if markup is not None and "inline_keyboard" in markup else None


def checked_commands(raw: Any) -> list[JsonDict]:
    commands = json.loads(raw) if isinstance(raw, str) else raw
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    checked: list[JsonDict] = []
    seen: set[str] = set()
    for command in commands:
        if not isinstance(command, dict):
            raise bad_request("can't parse BotCommand")
        name = str(command.get("command", ""))
        description = str(command.get("description", ""))
        if not _COMMAND.fullmatch(name):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        if name in seen:
            raise bad_request("BOT_COMMAND_DUPLICATE")
        seen.add(name)
        checked.append({"command": name, "description": description})
    return checked


def check_command_scope(params: JsonDict) -> None:
    """A scope Telegram knows, with the chat (and member) it needs; a language code or none."""
    language = params.get("language_code")
    if language not in (None, "") and not (
        isinstance(language, str) and _LANGUAGE.fullmatch(language)
    ):
        raise bad_request("invalid language code specified")
    raw = params.get("scope")
    if raw is None:
        return
    try:
        scope = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        raise bad_request("can't parse BotCommandScope JSON object") from None
    if not isinstance(scope, dict) or not isinstance(scope.get("type"), str):
        raise bad_request('can\'t parse BotCommandScope: field "type" must be of type String')
    needs = _SCOPES.get(scope["type"])
    if needs is None:
        raise bad_request(f'unsupported bot command scope type "{scope["type"]}"')
    for field in needs:
        value = scope.get(field)
        if value is None or value == "" or isinstance(value, bool | float | list | dict):
            raise bad_request(f'can\'t parse BotCommandScope: field "{field}" is required')
    unknown = set(scope) - {"type", *needs}
    if unknown:
        raise bad_request(f'can\'t parse BotCommandScope: unknown field "{sorted(unknown)[0]}"')


def checked_image(data: bytes) -> tuple[int, int]:
    """Width and height, or IMAGE_PROCESS_FAILED for bytes that are no picture."""
    if not data:
        raise bad_request("file must be non-empty")
    is_webp = data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    if not is_webp and not data.startswith(_IMAGE_MAGIC):
        raise bad_request("IMAGE_PROCESS_FAILED")
    if not data.startswith(_IMAGE_MAGIC[0]):
        return 800, 600  # good enough for formats whose header we do not read
    if len(data) < 24 or data[12:16] != b"IHDR":
        raise bad_request("IMAGE_PROCESS_FAILED")
    width, height = (int(side) for side in struct.unpack(">II", data[16:24]))
    if not _photo_fits(width, height):
        raise bad_request("PHOTO_INVALID_DIMENSIONS")
    return width, height


def _photo_fits(width: int, height: int) -> bool:
    """Telegram's rule for sendPhoto: sides summing to at most 10,000, ratio at most 20."""
    if width < 1 or height < 1:
        return False
    return width + height <= MAX_PHOTO_SIDES and max(width, height) <= MAX_PHOTO_RATIO * min(
        width, height
    )


def rate_limited(retry_after: int) -> ApiError:
    return ApiError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )
