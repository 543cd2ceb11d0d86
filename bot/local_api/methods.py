"""The Bot API methods we emulate, each refusing what Telegram refuses with Telegram's words."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from bot.local_api import checks
from bot.local_api.messages import MessageMethods
from bot.local_api.records import ApiError, JsonDict, UploadedFile, bad_request
from bot.local_api.state import TelegramState
from bot.local_api.updates import UpdateQueue

Handler = Callable[[JsonDict, dict[str, UploadedFile]], Awaitable[Any]]
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_WEBHOOK_URL = re.compile(r"https://[^\s/?#]+\S*", re.IGNORECASE)
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
MAX_WEBHOOK_CONNECTIONS = 100
WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
    "delete the webhook first"
)


class BotApiMethods(MessageMethods):
    def __init__(self, state: TelegramState, queue: UpdateQueue) -> None:
        super().__init__(state)
        self.queue = queue

    def handlers(self) -> dict[str, tuple[str, Handler]]:
        """Lower-case name -> (Telegram's spelling, handler): names match case-insensitively."""
        methods: list[Handler] = [
            self.getMe,
            self.getUpdates,
            self.sendMessage,
            self.sendPhoto,
            self.sendDocument,
            self.editMessageText,
            self.editMessageReplyMarkup,
            self.deleteMessage,
            self.answerCallbackQuery,
            self.sendChatAction,
            self.setMyCommands,
            self.getMyCommands,
            self.deleteMyCommands,
            self.setWebhook,
            self.deleteWebhook,
            self.getWebhookInfo,
        ]
        return {method.__name__.lower(): (method.__name__, method) for method in methods}

    # Updates and webhooks

    async def getMe(self, params: JsonDict, files: dict[str, UploadedFile]) -> Any:
        return self.state.bot_user

    async def getUpdates(self, params: JsonDict, files: dict[str, UploadedFile]) -> Any:
        if self.state.webhook_url:
            raise ApiError(409, WEBHOOK_ACTIVE)
        allowed = params.get("allowed_updates")
        return await self.queue.get(
            offset=int(params.get("offset") or 0),
            limit=int(params.get("limit") or 100),
            wait_seconds=float(params.get("timeout") or 0),
            allowed_updates=list(allowed) if isinstance(allowed, list) else None,
        )

    async def setWebhook(self, params: JsonDict, files: dict[str, UploadedFile]) -> Any:
        url = params.get("url")
        if not isinstance(url, str):
            raise bad_request("bad webhook: Webhook URL must be a string")
        if url and not _WEBHOOK_URL.match(url):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not (isinstance(secret, str) and _SECRET_TOKEN.fullmatch(secret)):
            raise bad_request("secret token contains unallowed characters or is too long")
        connections = params.get("max_connections")
        if connections is not None and (
            isinstance(connections, bool)
            or not isinstance(connections, int)
            or not 1 <= connections <= MAX_WEBHOOK_CONNECTIONS
        ):
            raise bad_request("bad webhook: max_connections must be between 1 and 100")
        self.state.webhook_url = url
        self.state.webhook_secret = secret or ""
        if params.get("drop_pending_updates"):
            self.queue.clear()
        return True

    async def deleteWebhook(self, params: JsonDict, files: dict[str, UploadedFile]) -> Any:
        self.state.webhook_url = self.state.webhook_secret = ""
        if params.get("drop_pending_updates"):
            self.queue.clear()
        return True

    async def getWebhookInfo(self, params: JsonDict, files: dict[str, UploadedFile]) -> Any:
        return {
            "url": self.state.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self.queue.pending),
        }

    # Chats and callbacks

    async def sendChatAction(self, params: JsonDict, files: dict[str, UploadedFile]) -> Any:
        checks.chat_id_of(params)
        if params.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    async def answerCallbackQuery(self, params: JsonDict, files: dict[str, UploadedFile]) -> Any:
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self.state.open_callback_queries:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        if len(str(params.get("text") or "")) > checks.MAX_CALLBACK_ANSWER:
            raise bad_request("MESSAGE_TOO_LONG")
        self.state.open_callback_queries.discard(query_id)
        self.state.callback_answers[query_id] = params
        return True

    # Commands

    async def setMyCommands(self, params: JsonDict, files: dict[str, UploadedFile]) -> Any:
        checks.check_command_scope(params)
        self.state.commands[commands_key(params)] = checks.checked_commands(params.get("commands"))
        return True

    async def getMyCommands(self, params: JsonDict, files: dict[str, UploadedFile]) -> Any:
        checks.check_command_scope(params)
        return self.state.commands.get(commands_key(params), [])

    async def deleteMyCommands(self, params: JsonDict, files: dict[str, UploadedFile]) -> Any:
        checks.check_command_scope(params)
        self.state.commands.pop(commands_key(params), None)
        return True


def commands_key(params: JsonDict) -> str:
    scope = params.get("scope") or {"type": "default"}
    if isinstance(scope, str):
        scope = json.loads(scope)
    return json.dumps(scope, sort_keys=True) + "|" + str(params.get("language_code") or "")
