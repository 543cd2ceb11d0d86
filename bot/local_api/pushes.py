"""Updates as Telegram would deliver them when a member writes, sends media or taps a button."""

from __future__ import annotations

import copy
import struct
import zlib
from dataclasses import dataclass

from bot.local_api.records import JsonDict
from bot.local_api.state import TelegramState


def tiny_png(width: int = 1, height: int = 1) -> bytes:
    """A valid, all-white greyscale PNG: a stand-in for a member's photo or a chart."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\xff" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@dataclass(frozen=True)
class Sender:
    user_id: int
    chat_id: int | None = None  # None: the member's private chat with the bot
    first_name: str | None = None
    username: str | None = None
    language_code: str | None = "nb"

    @property
    def chat(self) -> int:
        return self.user_id if self.chat_id is None else self.chat_id


class UpdateFactory:
    def __init__(self, state: TelegramState) -> None:
        self.state = state

    def user(self, sender: Sender) -> JsonDict:
        user = self.state.user(
            sender.user_id,
            first_name=sender.first_name,
            username=sender.username,
            language_code=sender.language_code,
        )
        if sender.language_code is None:
            user.pop("language_code", None)
        self.state.remember_user(user)
        return user

    def message(
        self, sender: Sender, content: JsonDict, reply_to_message_id: int | None = None
    ) -> JsonDict:
        user = self.user(sender)
        if sender.chat == sender.user_id:
            self.state.started.add(sender.user_id)  # the bot may write to them from now on
        elif sender.chat < 0 and sender.chat not in self.state.left_groups:
            self.state.join_group(sender.chat)  # the bot sees the group's messages: it is in it
        message: JsonDict = {
            "message_id": self.state.next_message_id(sender.chat),
            "from": user,
            "chat": self.state.chat(sender.chat),
            "date": self.state.now(),
            **content,
        }
        if reply_to_message_id is not None:
            replied = self._existing(sender.chat, reply_to_message_id)
            message["reply_to_message"] = {
                key: value for key, value in replied.items() if key != "reply_to_message"
            }
        self.state.messages[sender.chat, message["message_id"]] = message
        return {"message": message}

    def callback(self, sender: Sender, message_id: int, data: str) -> JsonDict:
        message = copy.deepcopy(self._existing(sender.chat, message_id))
        query_id = self.state.next_callback_query_id()
        self.state.open_callback_queries.add(query_id)
        query: JsonDict = {
            "id": query_id,
            "from": self.user(sender),
            "message": message,
            "chat_instance": f"local-{sender.chat}",
            "data": data,
        }
        return {"callback_query": query}

    def _existing(self, chat_id: int, message_id: int) -> JsonDict:
        message = self.state.message(chat_id, message_id)
        if message is None:
            raise LookupError(f"no message {message_id} in chat {chat_id} (deleted or never sent)")
        return message

    # Message contents

    @staticmethod
    def text(text: str) -> JsonDict:
        content: JsonDict = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return content

    @staticmethod
    def sticker(file: JsonDict, emoji: str) -> JsonDict:
        sticker = {
            **file,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return {"sticker": sticker}

    @staticmethod
    def photo(file: JsonDict, caption: str | None) -> JsonDict:
        content: JsonDict = {"photo": [{**file, "width": 1, "height": 1}]}
        if caption:
            content["caption"] = caption
        return content

    @staticmethod
    def voice(file: JsonDict, duration: int) -> JsonDict:
        return {"voice": {**file, "duration": duration, "mime_type": "audio/ogg"}}

    @staticmethod
    def document(file: JsonDict, file_name: str, mime_type: str, caption: str | None) -> JsonDict:
        content: JsonDict = {"document": {**file, "file_name": file_name, "mime_type": mime_type}}
        if caption:
            content["caption"] = caption
        return content
