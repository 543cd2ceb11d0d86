"""What the local Bot API remembers, shaped for tests that do not care about the wire format."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from domain.telegram_html import visible_text

JsonDict = dict[str, Any]


class ApiError(Exception):
    """A refusal in Telegram's own shape: HTTP status = error_code, `description` verbatim."""

    def __init__(
        self, error_code: int, description: str, parameters: JsonDict | None = None
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def body(self) -> JsonDict:
        body: JsonDict = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")


@dataclass(frozen=True)
class UploadedFile:
    """A file the bot uploaded (multipart) or one we invented for a pushed update."""

    file_id: str
    filename: str
    data: bytes
    mime_type: str


@dataclass
class Call:
    """One request the bot made. `status` and `response` stay None until it is answered."""

    index: int
    method: str
    params: JsonDict
    files: dict[str, UploadedFile]
    time: float  # time.monotonic() on arrival
    status: int | None = None
    response: JsonDict | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def chat_id(self) -> int | str | None:
        chat_id = self.params.get("chat_id")
        return chat_id if isinstance(chat_id, int | str) else None

    @property
    def result(self) -> Any:
        return None if self.response is None else self.response.get("result")


@dataclass
class SentMessage:
    """A message the bot sent; edits update it in place and keep the earlier texts in `history`."""

    chat_id: int
    message_id: int
    method: str
    text: str | None  # text or caption as the bot sent it (HTML source when parse_mode is HTML)
    parse_mode: str | None
    reply_markup: JsonDict | None  # any kind: inline, reply keyboard, remove, force reply
    message: JsonDict  # the Message object Telegram returned
    photo: UploadedFile | None = None
    document: UploadedFile | None = None
    history: list[str | None] = field(default_factory=list)
    deleted: bool = False

    @property
    def visible_text(self) -> str | None:
        """The text as the member reads it: tags stripped when it was sent as HTML."""
        if self.text is None or not is_html(self.parse_mode):
            return self.text
        return visible_text(self.text)

    @property
    def buttons(self) -> list[JsonDict]:
        """Every button of an inline or reply keyboard, row by row."""
        if self.reply_markup is None:
            return []
        rows = self.reply_markup.get("inline_keyboard") or self.reply_markup.get("keyboard") or []
        return [button for row in rows for button in row]

    def button(self, text: str) -> JsonDict:
        for button in self.buttons:
            if button.get("text") == text:
                return button
        labels = [button.get("text") for button in self.buttons]
        raise LookupError(f"no button {text!r} in message {self.message_id}; buttons: {labels}")

    @property
    def has_inline_keyboard(self) -> bool:
        return self.reply_markup is not None and "inline_keyboard" in self.reply_markup


def is_html(parse_mode: str | None) -> bool:
    return parse_mode is not None and parse_mode.lower() == "html"
