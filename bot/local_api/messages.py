"""Sending, editing and deleting messages, with Telegram's limits and refusals."""

from __future__ import annotations

import json
from typing import Any

from bot.local_api import checks
from bot.local_api.records import JsonDict, SentMessage, UploadedFile, bad_request
from bot.local_api.state import TelegramState


class MessageMethods:
    def __init__(self, state: TelegramState) -> None:
        self.state = state

    # Sending

    async def sendMessage(self, params: JsonDict, files: dict[str, UploadedFile]) -> Any:
        chat_id = checks.chat_id_of(params)
        text = params.get("text")
        visible = checks.checked_text(text, params.get("parse_mode"), **self._html)
        markup = checks.checked_markup(params.get("reply_markup"))
        return self._send(chat_id, "sendMessage", params, {"text": visible}, str(text), markup)

    async def sendPhoto(self, params: JsonDict, files: dict[str, UploadedFile]) -> Any:
        chat_id = checks.chat_id_of(params)
        photo = self._input_file(params, files, "photo")
        caption = checks.checked_text(
            params.get("caption"), params.get("parse_mode"), caption=True, **self._html
        )
        markup = checks.checked_markup(params.get("reply_markup"))
        width, height = (800, 600) if _from_url(photo) else checks.checked_image(photo.data)
        scale = min(1.0, 90 / max(width, height, 1))
        thumbnail = {"width": round(width * scale), "height": round(height * scale)}
        full = {"width": width, "height": height}
        sizes = [{**self.state.file_object(photo), **size} for size in (thumbnail, full)]
        content: JsonDict = {"photo": sizes}
        if caption:
            content["caption"] = caption
        message = self._send(
            chat_id, "sendPhoto", params, content, params.get("caption"), markup, photo=photo
        )
        return message

    async def sendDocument(self, params: JsonDict, files: dict[str, UploadedFile]) -> Any:
        chat_id = checks.chat_id_of(params)
        document = self._input_file(params, files, "document")
        if not document.data and not _from_url(document):
            raise bad_request("file must be non-empty")
        caption = checks.checked_text(
            params.get("caption"), params.get("parse_mode"), caption=True, **self._html
        )
        markup = checks.checked_markup(params.get("reply_markup"))
        content: JsonDict = {
            "document": {
                **self.state.file_object(document),
                "file_name": document.filename,
                "mime_type": document.mime_type,
            }
        }
        if caption:
            content["caption"] = caption
        return self._send(
            chat_id,
            "sendDocument",
            params,
            content,
            params.get("caption"),
            markup,
            document=document,
        )

    # Changing what was sent

    async def editMessageText(self, params: JsonDict, files: dict[str, UploadedFile]) -> Any:
        target = self._editable(params)
        if "text" not in target.message:
            raise bad_request("there is no text in the message to edit")
        text = params.get("text")
        parse_mode = params.get("parse_mode")
        visible = checks.checked_text(text, parse_mode, **self._html)
        # Telegram drops the inline keyboard when an edit does not repeat it.
        markup = checks.inline_markup(checks.checked_markup(params.get("reply_markup")))
        unchanged_text = _formatting_key(visible, str(text), parse_mode) == _formatting_key(
            target.message["text"], target.text, target.parse_mode
        )
        if unchanged_text and markup == checks.inline_markup(target.reply_markup):
            raise bad_request(checks.NOT_MODIFIED)
        target.history.append(target.text)
        target.text = str(text)
        target.parse_mode = parse_mode if isinstance(parse_mode, str) else None
        target.message["text"] = visible
        self._replace_markup(target, markup)
        return target.message

    async def editMessageReplyMarkup(self, params: JsonDict, files: dict[str, UploadedFile]) -> Any:
        target = self._editable(params)
        markup = checks.inline_markup(checks.checked_markup(params.get("reply_markup")))
        if markup == checks.inline_markup(target.reply_markup):
            raise bad_request(checks.NOT_MODIFIED)
        self._replace_markup(target, markup)
        return target.message

    async def deleteMessage(self, params: JsonDict, files: dict[str, UploadedFile]) -> Any:
        key = (checks.chat_id_of(params), checks.message_id_of(params))
        if self.state.messages.pop(key, None) is None:
            raise bad_request("message to delete not found")
        if key in self.state.sent_by_key:
            self.state.sent_by_key[key].deleted = True
        return True

    # Helpers

    @property
    def _html(self) -> dict[str, bool]:
        return {"always_html": self.state.check_html_always}

    def _send(
        self,
        chat_id: int,
        method: str,
        params: JsonDict,
        content: JsonDict,
        source_text: Any,
        markup: JsonDict | None,
        *,
        photo: UploadedFile | None = None,
        document: UploadedFile | None = None,
    ) -> JsonDict:
        reply_to = self._replied_message(chat_id, params)
        message: JsonDict = {
            "message_id": self.state.next_message_id(chat_id),
            "from": self.state.bot_user,
            "chat": self.state.chat(chat_id),
            "date": self.state.now(),
            **content,
        }
        if reply_to is not None:
            message["reply_to_message"] = {
                k: v for k, v in reply_to.items() if k != "reply_to_message"
            }
        if checks.inline_markup(markup) is not None:
            message["reply_markup"] = markup
        parse_mode = params.get("parse_mode")
        sent = SentMessage(
            chat_id=chat_id,
            message_id=message["message_id"],
            method=method,
            text=None if source_text is None else str(source_text),
            parse_mode=parse_mode if isinstance(parse_mode, str) else None,
            reply_markup=markup,
            message=message,
            photo=photo,
            document=document,
        )
        self.state.record_sent(sent)
        return message

    def _replied_message(self, chat_id: int, params: JsonDict) -> JsonDict | None:
        reply = params.get("reply_parameters")
        if isinstance(reply, str):
            reply = json.loads(reply)
        if not isinstance(reply, dict):
            return None
        message_id = reply.get("message_id")
        allow_missing = reply.get("allow_sending_without_reply")
        if message_id is None:
            return None
        replied = self.state.message(chat_id, int(message_id))
        if replied is None and not allow_missing:
            raise bad_request("message to be replied not found")
        return replied

    def _input_file(
        self, params: JsonDict, files: dict[str, UploadedFile], field: str
    ) -> UploadedFile:
        value = params.get(field)
        if field in files:
            return files[field]
        if not isinstance(value, str) or not value:
            raise bad_request(f"there is no {field} in the request")
        if value.startswith("attach://"):
            attached = files.get(value.removeprefix("attach://"))
            if attached is None:
                raise bad_request(f"there is no {field} in the request")
            return attached
        if value in self.state.files:
            return self.state.files[value]
        if value.startswith(("http://", "https://")):
            return self.state.store_file(value, b"", "application/octet-stream")
        raise bad_request("wrong file identifier/HTTP URL specified")

    def _editable(self, params: JsonDict) -> SentMessage:
        if params.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")  # inline-mode messages are not emulated
        key = (checks.chat_id_of(params), checks.message_id_of(params))
        if key not in self.state.messages:
            raise bad_request("message to edit not found")
        target = self.state.sent_by_key.get(key)
        if target is None:
            raise bad_request("message can't be edited")
        return target

    def _replace_markup(self, target: SentMessage, markup: JsonDict | None) -> None:
        target.reply_markup = markup
        target.message["edit_date"] = self.state.now()
        if markup is None:
            target.message.pop("reply_markup", None)
        else:
            target.message["reply_markup"] = markup


def _from_url(stored: UploadedFile) -> bool:
    return stored.filename.startswith(("http://", "https://"))


def _formatting_key(visible: str, source: str | None, parse_mode: Any) -> tuple[str, str | None]:
    """Same visible text and same markup source: Telegram would see the same entities."""
    return visible, (source if isinstance(parse_mode, str) and parse_mode else visible)
