"""The member's side of the chat: writing, sending media and tapping buttons."""

from __future__ import annotations

from bot.local_api.pushes import Sender, UpdateFactory, tiny_png
from bot.local_api.records import Call, JsonDict, SentMessage
from bot.local_api.state import TelegramState
from bot.local_api.updates import UpdateQueue


class MemberActions:
    """Every push_* returns the update_id of the update it queued for getUpdates.

    Plain methods, not coroutines: call them from the event loop the server runs on.
    """

    state: TelegramState
    updates: UpdateQueue
    factory: UpdateFactory
    calls: list[Call]
    push_mark: int  # calls made before the last push; wait_for looks from here

    def sent_messages(
        self, chat_id: int | None = None, *, include_deleted: bool = True
    ) -> list[SentMessage]:
        return [
            sent
            for sent in self.state.sent
            if chat_id in (None, sent.chat_id) and (include_deleted or not sent.deleted)
        ]

    def push_update(self, update: JsonDict) -> int:
        self.push_mark = len(self.calls)
        return self.updates.push(update)

    def push_message(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        first_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "nb",
        reply_to_message_id: int | None = None,
    ) -> int:
        sender = Sender(user_id, chat_id, first_name, username, language_code)
        content = self.factory.text(text)
        return self.push_update(self.factory.message(sender, content, reply_to_message_id))

    def push_command(
        self,
        user_id: int,
        command: str,
        args: str = "",
        *,
        chat_id: int | None = None,
        first_name: str | None = None,
        language_code: str | None = "nb",
    ) -> int:
        """`command` with or without the slash: push_command(7, "start", "INVITECODE")."""
        text = f"/{command.lstrip('/')}" + (f" {args}" if args else "")
        return self.push_message(
            user_id, text, chat_id=chat_id, first_name=first_name, language_code=language_code
        )

    def push_sticker(self, user_id: int, emoji: str = "👍", *, chat_id: int | None = None) -> int:
        file = self._member_file("sticker.webp", b"RIFF\x00\x00\x00\x00WEBP", "image/webp")
        content = self.factory.sticker(file, emoji)
        return self.push_update(self.factory.message(Sender(user_id, chat_id), content))

    def push_photo(
        self, user_id: int, *, caption: str | None = None, data: bytes | None = None
    ) -> int:
        file = self._member_file("photo.png", data or tiny_png(), "image/png")
        content = self.factory.photo(file, caption)
        return self.push_update(self.factory.message(Sender(user_id), content))

    def push_voice(self, user_id: int, *, duration: int = 3) -> int:
        file = self._member_file("voice.ogg", b"OggS" + bytes(60), "audio/ogg")
        content = self.factory.voice(file, duration)
        return self.push_update(self.factory.message(Sender(user_id), content))

    def push_document(
        self,
        user_id: int,
        *,
        file_name: str = "notat.pdf",
        mime_type: str = "application/pdf",
        data: bytes = b"%PDF-1.4\n",
        caption: str | None = None,
    ) -> int:
        file = self._member_file(file_name, data, mime_type)
        content = self.factory.document(file, file_name, mime_type, caption)
        return self.push_update(self.factory.message(Sender(user_id), content))

    def push_callback(
        self, user_id: int, message_id: int, data: str, *, chat_id: int | None = None
    ) -> int:
        update = self.factory.callback(Sender(user_id, chat_id), message_id, data)
        return self.push_update(update)

    def press_button(
        self, chat_id: int, text: str, *, message_id: int | None = None, user_id: int | None = None
    ) -> int:
        """Tap a button of the newest message in the chat that has one (or of `message_id`).

        Inline buttons become a callback query; reply-keyboard buttons send their text.
        """
        user_id = chat_id if user_id is None else user_id
        candidates = [
            sent
            for sent in self.sent_messages(chat_id, include_deleted=False)
            if sent.buttons and message_id in (None, sent.message_id)
        ]
        if not candidates:
            raise LookupError(f"no message with buttons in chat {chat_id}")
        message = candidates[-1]
        button = message.button(text)
        if not message.has_inline_keyboard:
            return self.push_message(user_id, text, chat_id=chat_id if chat_id < 0 else None)
        if "callback_data" not in button:
            raise LookupError(f"button {text!r} opens {button} rather than calling back the bot")
        target_chat = chat_id if chat_id < 0 else None
        data = button["callback_data"]
        return self.push_callback(user_id, message.message_id, data, chat_id=target_chat)

    def _member_file(self, filename: str, data: bytes, mime_type: str) -> JsonDict:
        return self.state.file_object(self.state.store_file(filename, data, mime_type))
