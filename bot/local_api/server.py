"""A local Telegram Bot API server: the real aiogram `Bot` talks HTTP to it.

Tests and the demo drive it from the member's side (push_message, press_button), read what the
bot did (calls, sent_messages, wait_for) and make Telegram misbehave (fail_next, delay_next,
blocked_users, limit_per_second).

One server can serve several bots (one token per municipality): `add_bot` returns another
LocalBotAPI on the same address with its own id, username, updates, chats, calls and faults, as
each bot has on Telegram. A request goes to the bot whose token is in its URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiohttp import web

from bot.local_api.faults import (
    CHAT_METHODS,
    SEND_METHODS,
    Delay,
    Fault,
    FaultPlan,
    FloodControl,
    injected_error,
    not_in_group,
)
from bot.local_api.members import MemberActions
from bot.local_api.methods import BotApiMethods, commands_key
from bot.local_api.parameters import check_parameters
from bot.local_api.pushes import UpdateFactory
from bot.local_api.records import ApiError, Call, JsonDict, SentMessage, UploadedFile
from bot.local_api.requests import read_request
from bot.local_api.state import TelegramState
from bot.local_api.updates import UpdateQueue

DEFAULT_TOKEN = "123456789:LOCAL-refleks-demo-token"
CallMatch = str | Callable[[Call], bool]
NEVER_STARTED = "Forbidden: bot can't initiate conversation with a user"


class LocalBotAPI(MemberActions):
    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        username: str = "refleks_demo_bot",
        first_name: str = "Refleks",
        limit_per_second: float | None = None,
        per_chat_per_second: float = 1.0,
        check_html_always: bool = False,
        refuses_strangers: bool = True,
    ) -> None:
        self.token = token
        bot_user: JsonDict = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": first_name,
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.state = TelegramState(bot_user)
        self.state.check_html_always = check_html_always
        self.updates = UpdateQueue()
        self.faults = FaultPlan()
        self.flood = FloodControl(limit_per_second, per_chat_per_second)
        self.calls: list[Call] = []
        self.factory = UpdateFactory(self.state)
        self._methods = BotApiMethods(self.state, self.updates).handlers()
        self._waiters: list[_Waiter] = []
        self.push_mark = 0
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._base_url: str | None = None
        self._host: LocalBotAPI | None = None  # the server this bot is served by, if another
        self._bots: dict[str, LocalBotAPI] = {token: self}  # by token, on the host
        # Telegram's rule: a bot cannot start a private chat with someone who has not written
        # to it there first. A test about something else may switch it off.
        self.refuses_strangers = refuses_strangers

    def add_bot(self, token: str, *, username: str, first_name: str = "Refleks") -> LocalBotAPI:
        """Another bot on this server, with a state of its own; returns its side of the API."""
        if self._host is not None:
            return self._host.add_bot(token, username=username, first_name=first_name)
        if token in self._bots:
            raise ValueError(f"bot {token.split(':', 1)[0]} is served already")
        other = LocalBotAPI(
            token=token,
            username=username,
            first_name=first_name,
            limit_per_second=self.flood.per_second,
            per_chat_per_second=self.flood.per_chat_per_second,
            check_html_always=self.check_html_always,
            refuses_strangers=self.refuses_strangers,
        )
        other._host = self
        self._bots[token] = other
        return other

    # Lifecycle

    def served_bot(self, token: str) -> LocalBotAPI:
        """The side of the API of a bot this server serves (this one, or one from add_bot)."""
        host = self._host or self
        return host._bots[token]

    async def start(self) -> None:
        if self._host is not None:
            raise RuntimeError("a bot added with add_bot is served by its host's server")
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(
            app, handle_signals=False, shutdown_timeout=1.0, handler_cancellation=True
        )
        await self._runner.setup()
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        site = web.SockSite(self._runner, listener)
        await site.start()
        host, port = listener.getsockname()[:2]
        self._base_url = f"http://{host}:{port}"

    async def stop(self) -> None:
        for served in self._bots.values():
            served._closing.set()
            served.updates.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> LocalBotAPI:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        if self._host is not None:
            return self._host.base_url
        if self._base_url is None:
            raise RuntimeError("LocalBotAPI is not started: await start() first")
        return self._base_url

    def session(self, timeout: float = 5.0) -> AiohttpSession:
        return AiohttpSession(api=TelegramAPIServer.from_base(self.base_url), timeout=timeout)

    def make_bot(self, *, timeout: float = 5.0, **bot_options: Any) -> Bot:
        """A real aiogram Bot wired to this server (bot_options: e.g. default=...)."""
        return Bot(self.token, session=self.session(timeout), **bot_options)

    # Settings

    @property
    def bot_user(self) -> JsonDict:
        return self.state.bot_user

    @property
    def check_html_always(self) -> bool:
        """Refuse texts and captions that are no valid HTML whatever their parse_mode says."""
        return self.state.check_html_always

    @check_html_always.setter
    def check_html_always(self, value: bool) -> None:
        self.state.check_html_always = value

    @property
    def blocked_users(self) -> set[int]:
        return self.faults.blocked_users

    @property
    def limit_per_second(self) -> float | None:
        return self.flood.per_second

    @limit_per_second.setter
    def limit_per_second(self, value: float | None) -> None:
        self.flood.per_second = value

    @property
    def rate_limit_refusals(self) -> int:
        """How many 429s the flood limit gave (injected faults not counted)."""
        return self.flood.refusals

    def fail_next(
        self,
        method: str,
        error_code: int = 429,
        *,
        retry_after: int | None = None,
        count: int = 1,
        chat_id: int | None = None,
        description: str | None = None,
    ) -> None:
        error = injected_error(error_code, retry_after, description)
        self.faults.faults.append(Fault(method.lower(), error, count, chat_id))

    def delay_next(self, method: str, seconds: float, *, count: int = 1) -> None:
        self.faults.delays.append(Delay(method.lower(), seconds, count))

    # Groups

    def add_to_group(self, chat_id: int) -> None:
        """Someone added the bot to a group (a member writing there does so too)."""
        self.state.join_group(chat_id)

    def remove_from_group(self, chat_id: int) -> None:
        """Someone removed the bot from a group: it can no longer write there."""
        self.state.groups.discard(chat_id)
        self.state.left_groups.add(chat_id)

    # What the bot did

    @property
    def pending_updates(self) -> list[JsonDict]:
        return self.updates.pending

    @property
    def callback_answers(self) -> dict[str, JsonDict]:
        return self.state.callback_answers

    @property
    def call_count(self) -> int:
        """Pass as `since=` to wait only for calls made from now on."""
        return len(self.calls)

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method.lower() == method.lower()]

    def last_message(self, chat_id: int) -> SentMessage:
        sent = self.sent_messages(chat_id, include_deleted=False)
        if not sent:
            raise LookupError(f"the bot has sent nothing (still visible) to chat {chat_id}")
        return sent[-1]

    def commands(self, scope: JsonDict | None = None, language_code: str = "") -> list[JsonDict]:
        key_params: JsonDict = {"scope": scope, "language_code": language_code}
        return self.state.commands.get(commands_key(key_params), [])

    async def wait_for(
        self,
        match: CallMatch,
        timeout: float = 5.0,  # noqa: ASYNC109 - a test helper's deadline, not cancellation
        *,
        since: int | None = None,
        answered: bool = True,
    ) -> Call:
        """The first call matching a method name or predicate, once answered (or on arrival).

        Looks at calls from `since` (default: the last push_*), so "push, then wait for the
        reply" cannot miss a reply that came before the wait began. A long poll is answered
        only when it ends: wait for it with answered=False.
        """
        start = self.push_mark if since is None else since
        for call in self.calls[start:]:
            if (call.status is not None or not answered) and _matches(match, call):
                return call
        waiter = _Waiter(match, start, answered, asyncio.get_running_loop().create_future())
        self._waiters.append(waiter)
        try:
            return await asyncio.wait_for(waiter.future, timeout)
        except TimeoutError:
            seen = [f"{call.method}->{call.status}" for call in self.calls[start:]]
            raise TimeoutError(
                f"no call matching {match!r} within {timeout}s; saw {seen}"
            ) from None
        finally:
            self._waiters.remove(waiter)

    async def wait_for_message(
        self,
        chat_id: int | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - as in wait_for
        *,
        since: int | None = None,
    ) -> SentMessage:
        """The next message the bot managed to send (to `chat_id`, if given)."""

        def is_sent_message(call: Call) -> bool:
            return (
                call.ok
                and call.method.lower() in SEND_METHODS
                and chat_id in (None, call.result["chat"]["id"])
            )

        call = await self.wait_for(is_sent_message, timeout, since=since)
        return self.state.sent_by_key[call.result["chat"]["id"], call.result["message_id"]]

    # HTTP

    async def _handle(self, request: web.Request) -> web.Response:
        """A call goes to the bot whose token it carries (an unknown token: 401, here)."""
        served = self._bots.get(request.match_info["token"], self)
        return await served._serve(request)

    async def _serve(self, request: web.Request) -> web.Response:
        key = request.match_info["method"].lower()
        name, handler = self._methods.get(key, (request.match_info["method"], None))
        try:
            params, uploads = await read_request(request)
        except ApiError as error:
            return web.json_response(error.body(), status=error.error_code)
        files = {
            field: self.state.store_file(filename, data, mime_type)
            for field, (filename, data, mime_type) in uploads.items()
        }
        call = Call(len(self.calls), name, params, files, time.monotonic())
        self.calls.append(call)
        self._notify(call)
        try:
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            if handler is None:
                raise ApiError(404, "Not Found")
            check_parameters(name, params)
            await self._pause(self.faults.take_delay(key))
            chat_id = _chat_id(params)
            self.faults.raise_injected(key, chat_id)
            self.faults.raise_if_blocked(key, chat_id)
            if key in CHAT_METHODS:
                self._refuse_outsider(chat_id)
            if key in SEND_METHODS:
                self._refuse_stranger(chat_id)
                self.flood.check(chat_id, paid=params.get("allow_paid_broadcast") is True)
            body: JsonDict = {"ok": True, "result": await handler(params, files)}
            call.status = 200
        except ApiError as error:
            body = error.body()
            call.status = error.error_code
        call.response = body
        self._notify(call)
        return web.json_response(body, status=call.status)

    def _refuse_outsider(self, chat_id: int | None) -> None:
        """A bot writes only in groups it is a member of."""
        if chat_id is None or chat_id >= 0 or chat_id in self.state.groups:
            return
        raise not_in_group(chat_id, kicked=chat_id in self.state.left_groups)

    def _refuse_stranger(self, chat_id: int | None) -> None:
        stranger = chat_id is not None and chat_id > 0 and chat_id not in self.state.started
        if self.refuses_strangers and stranger:
            raise ApiError(403, NEVER_STARTED)

    async def _pause(self, seconds: float) -> None:
        if seconds > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), seconds)

    def _notify(self, call: Call) -> None:
        """Called when a call arrives and again when it is answered."""
        for waiter in self._waiters:
            if waiter.future.done() or call.index < waiter.start:
                continue
            if waiter.answered and call.status is None:
                continue
            try:
                if _matches(waiter.match, call):
                    waiter.future.set_result(call)
            except Exception as error:  # a broken predicate fails the test, not the server
                waiter.future.set_exception(error)


@dataclass
class _Waiter:
    match: CallMatch
    start: int
    answered: bool
    future: asyncio.Future[Call]


def _matches(match: CallMatch, call: Call) -> bool:
    if isinstance(match, str):
        return call.method.lower() == match.lower()
    return match(call)


def _chat_id(params: JsonDict) -> int | None:
    try:
        return int(params["chat_id"])
    except (KeyError, TypeError, ValueError):
        return None


__all__ = ["DEFAULT_TOKEN", "LocalBotAPI", "SentMessage", "UploadedFile"]
