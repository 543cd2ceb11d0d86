"""The local Bot API server in a process of its own, so the benchmarked engine does not share its
event loop (and CPU time) with the server pretending to be Telegram.

The parent asks through a pipe: "stats" (what the server saw), "answers" (updates a member would
send: a button press on one of their messages, a text reply to another), "arrivals" (every send
the server took, with its chat and when it came in), "stop".
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from collections import Counter
from multiprocessing.connection import Connection
from typing import Any

from bench import support  # noqa: F401  (puts the project on sys.path)
from bot.local_api import LocalBotAPI
from bot.local_api.pushes import Sender


def _stats(api: LocalBotAPI) -> dict[str, Any]:
    per_chat = Counter(sent.chat_id for sent in api.state.sent)
    statuses = Counter(call.status for call in api.calls)
    return {
        "sent": len(api.state.sent),
        "chats": len(per_chat),
        "duplicates": sum(n - 1 for n in per_chat.values() if n > 1),
        "refused_429": api.rate_limit_refusals,
        "calls": len(api.calls),
        "statuses": {str(k): v for k, v in statuses.items()},
    }


SEND_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument"})


def _arrivals(api: LocalBotAPI) -> list[tuple[int, float, bool]]:
    """(chat id, wall-clock arrival, sent as a paid broadcast) for every send the server took."""
    to_wall = time.time() - time.monotonic()  # Call.time is monotonic
    return [
        (
            int(call.params["chat_id"]),
            call.time + to_wall,
            bool(call.params.get("allow_paid_broadcast")),
        )
        for call in api.calls
        if call.ok and call.method in SEND_METHODS
    ]


def _answers(api: LocalBotAPI, spec: dict[str, Any]) -> list[dict[str, Any]]:
    """For each user: a press of the first answer button on their first message that has one,
    and a text reply to their last message. Update ids count from spec["first_id"]."""
    updates = []
    next_id = int(spec["first_id"])
    by_chat: dict[int, list[Any]] = {}
    for sent in api.state.sent:
        by_chat.setdefault(sent.chat_id, []).append(sent)
    for user in spec["users"]:
        messages = by_chat.get(user, [])
        pressable = [
            m
            for m in messages
            if any(str(b.get("callback_data", "")).startswith("a:") for b in m.buttons)
        ]
        if pressable:
            message = pressable[0]
            data = next(
                str(b["callback_data"])
                for b in message.buttons
                if str(b.get("callback_data", "")).startswith("a:")
            )
            update = api.factory.callback(Sender(user), message.message_id, data)
            updates.append({"update_id": next_id, **update})
            next_id += 1
        if messages:
            content = api.factory.text(spec["text"])
            update = api.factory.message(Sender(user), content, messages[-1].message_id)
            updates.append({"update_id": next_id, **update})
            next_id += 1
    return updates


def _serve(pipe: Connection, options: dict[str, Any]) -> None:
    async def main() -> None:
        api = LocalBotAPI(**options)
        await api.start()
        pipe.send(api.base_url)
        loop = asyncio.get_running_loop()
        while True:
            command, argument = await loop.run_in_executor(None, pipe.recv)
            if command == "stats":
                pipe.send(_stats(api))
            elif command == "arrivals":
                pipe.send(_arrivals(api))
            elif command == "answers":
                pipe.send(_answers(api, argument))
            elif command == "limit":
                api.limit_per_second = argument
                pipe.send(None)
            else:
                pipe.send(_stats(api))
                break
        await api.stop()

    asyncio.run(main())


class ApiProcess:
    def __init__(self, **options: Any) -> None:
        # The seeded staff joined by invite, so each wrote to the bot once, before this server
        # started: it must not refuse them as members who never wrote.
        options.setdefault("refuses_strangers", False)
        context = multiprocessing.get_context("spawn")
        self._pipe, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child, options), daemon=True)

    def __enter__(self) -> ApiProcess:
        self._process.start()
        self.base_url: str = self._pipe.recv()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._process.is_alive():
            self.ask("stop")
        self._process.join(10)

    def ask(self, command: str, argument: Any = None) -> Any:
        self._pipe.send((command, argument))
        return self._pipe.recv()
