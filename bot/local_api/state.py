"""The fake Telegram's memory: users, chats, every message in every chat, files, commands."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from bot.local_api.records import JsonDict, SentMessage, UploadedFile


class TelegramState:
    def __init__(self, bot_user: JsonDict, clock: Callable[[], float] = time.time) -> None:
        self.bot_user = bot_user
        self.clock = clock
        self.users: dict[int, JsonDict] = {}
        self.started: set[int] = set()  # users who wrote to the bot in their private chat
        self.groups: set[int] = set()  # group chats the bot is a member of
        self.left_groups: set[int] = set()  # group chats the bot was removed from
        self.messages: dict[tuple[int, int], JsonDict] = {}  # (chat_id, message_id) -> Message
        self.sent: list[SentMessage] = []
        self.sent_by_key: dict[tuple[int, int], SentMessage] = {}
        self.files: dict[str, UploadedFile] = {}
        self.commands: dict[str, list[JsonDict]] = {}  # key: scope JSON + language code
        self.webhook_url = ""
        self.webhook_secret = ""
        self.check_html_always = False  # check texts as HTML whatever their parse_mode says
        self.open_callback_queries: set[str] = set()
        self.callback_answers: dict[str, JsonDict] = {}
        self._last_message_id: dict[int, int] = {}
        self._file_counter = 0
        self._callback_counter = 0

    def now(self) -> int:
        return int(self.clock())

    def next_message_id(self, chat_id: int) -> int:
        """Bot and member messages share one counter per chat, as in Telegram."""
        message_id = self._last_message_id.get(chat_id, 0) + 1
        self._last_message_id[chat_id] = message_id
        return message_id

    def next_callback_query_id(self) -> str:
        self._callback_counter += 1
        return f"{self._callback_counter:019d}"

    def remember_user(self, user: JsonDict) -> None:
        self.users[int(user["id"])] = user

    def user(self, user_id: int, **overrides: Any) -> JsonDict:
        known = self.users.get(user_id, {})
        user: JsonDict = {
            "id": user_id,
            "is_bot": False,
            "first_name": known.get("first_name", f"User {user_id}"),
        }
        for key in ("last_name", "username", "language_code"):
            if key in known:
                user[key] = known[key]
        user.update({key: value for key, value in overrides.items() if value is not None})
        return user

    def chat(self, chat_id: int) -> JsonDict:
        if chat_id > 0:
            user = self.users.get(chat_id, {"first_name": f"User {chat_id}"})
            chat: JsonDict = {"id": chat_id, "type": "private", "first_name": user["first_name"]}
            if "username" in user:
                chat["username"] = user["username"]
            return chat
        kind = "supergroup" if str(chat_id).startswith("-100") else "group"
        return {"id": chat_id, "type": kind, "title": f"Group {chat_id}"}

    def join_group(self, chat_id: int) -> None:
        self.groups.add(chat_id)
        self.left_groups.discard(chat_id)

    def store_file(self, filename: str, data: bytes, mime_type: str) -> UploadedFile:
        self._file_counter += 1
        file_id = f"LOCAL-FILE-{self._file_counter:06d}"
        stored = UploadedFile(file_id=file_id, filename=filename, data=data, mime_type=mime_type)
        self.files[file_id] = stored
        return stored

    def file_object(self, stored: UploadedFile) -> JsonDict:
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_id.replace("LOCAL-FILE-", "U"),
            "file_size": len(stored.data),
        }

    def message(self, chat_id: int, message_id: int) -> JsonDict | None:
        return self.messages.get((chat_id, message_id))

    def record_sent(self, sent: SentMessage) -> None:
        self.sent.append(sent)
        self.sent_by_key[sent.chat_id, sent.message_id] = sent
        self.messages[sent.chat_id, sent.message_id] = sent.message
