"""The local Bot API server is as strict as Telegram (Bot API 10.1), so that what passes here
passes there: each refusal comes with Telegram's status and description.

The published specification, where it is at hand (SPEC below), checks our lists of parameters;
the server itself never reads it.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import struct
import sys
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramBadRequest

from bot.app import make_bot
from bot.config import Settings
from bot.local_api import DEFAULT_TOKEN, LocalBotAPI
from bot.local_api.parameters import PARAMETERS

ROOT = Path(__file__).resolve().parents[2]
# The public specification is not ours to ship: REFLEKS_BOT_API_SPEC, or beside the project.
SPEC = Path(os.environ.get("REFLEKS_BOT_API_SPEC", ROOT.parent / "shared" / "bot-api-10.1.json"))
MEMBER = 4301
HOOK = "https://refleks.example/telegram"


@pytest.fixture
async def api() -> AsyncIterator[LocalBotAPI]:
    async with LocalBotAPI() as server:
        server.push_message(MEMBER, "hei")  # Telegram lets a bot write only to who wrote first
        yield server


async def call(api: LocalBotAPI, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
    """One request as JSON, the way any HTTP client would send it: (status, body)."""
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{api.base_url}/bot{api.token}/{method}", json=params) as response,
    ):
        return response.status, await response.json()


def refusal(description: str, code: int = 400) -> tuple[int, dict[str, Any]]:
    return code, {"ok": False, "error_code": code, "description": description}


# Parameters


async def test_a_parameter_the_method_does_not_take_is_refused(api: LocalBotAPI) -> None:
    assert await call(api, "sendMessage", chat_id=MEMBER, text="hei", colour="red") == refusal(
        "Bad Request: unknown parameter colour for method sendMessage"
    )
    assert await call(api, "getMe", chat_id=MEMBER) == refusal(
        "Bad Request: unknown parameter chat_id for method getMe"
    )
    assert api.sent_messages(MEMBER) == []


async def test_the_retired_disable_web_page_preview_is_refused(api: LocalBotAPI) -> None:
    assert await call(
        api, "sendMessage", chat_id=MEMBER, text="hei", disable_web_page_preview=True
    ) == refusal(
        "Bad Request: parameter disable_web_page_preview is deprecated and no longer accepted: "
        "use link_preview_options instead"
    )
    status, body = await call(
        api, "sendMessage", chat_id=MEMBER, text="hei", link_preview_options={"is_disabled": True}
    )
    assert (status, body["ok"]) == (200, True)


async def test_aiogram_sends_the_retired_parameter_for_link_preview_is_disabled(
    api: LocalBotAPI,
) -> None:
    """Why Refleks's default is link_preview=LinkPreviewOptions(...): the shorthand makes
    aiogram send disable_web_page_preview too."""
    old_style = api.make_bot(default=DefaultBotProperties(link_preview_is_disabled=True))
    try:
        with pytest.raises(TelegramBadRequest, match="disable_web_page_preview is deprecated"):
            await old_style.send_message(MEMBER, "hei")
    finally:
        await old_style.session.close()


async def test_refleks_bot_sends_no_preview_the_current_way(api: LocalBotAPI) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=DEFAULT_TOKEN,
        telegram_api_url=api.base_url,
    )
    bot: Bot = make_bot(settings)
    try:
        await bot.send_message(MEMBER, "<b>hei</b> https://example.org")
    finally:
        await bot.session.close()
    sent = api.calls_to("sendMessage")[-1]
    assert sent.ok
    assert sent.params["link_preview_options"] == {"is_disabled": True}
    assert sent.params["parse_mode"] == ParseMode.HTML


@pytest.mark.skipif(not SPEC.exists(), reason="the Bot API specification is not at hand")
def test_each_method_takes_the_parameters_the_specification_lists() -> None:
    methods = json.loads(SPEC.read_text())["methods"]
    for name, ours in PARAMETERS.items():
        published = {field["name"] for field in methods[name].get("fields", [])}
        assert ours == published, name


# HTML


async def test_html_is_checked_in_html_mode_and_a_bare_ampersand_is_text(
    api: LocalBotAPI,
) -> None:
    status, body = await call(
        api, "sendMessage", chat_id=MEMBER, text="<b>Tom & Jerry</b> &nbsp;", parse_mode="HTML"
    )
    assert status == 200
    assert body["result"]["text"] == "Tom & Jerry &nbsp;"
    assert await call(
        api, "sendMessage", chat_id=MEMBER, text="<b>open", parse_mode="HTML"
    ) == refusal("Bad Request: can't parse entities: unclosed tag <b> opened at position 0")


async def test_unquoted_attribute_values_are_refused(api: LocalBotAPI) -> None:
    text = "<a href=https://example.org>lenke</a>"
    assert await call(api, "sendMessage", chat_id=MEMBER, text=text, parse_mode="HTML") == refusal(
        "Bad Request: can't parse entities: value of attribute 'href' of <a> at position 0 "
        "must be in quotes"
    )
    quoted = '<a href="https://example.org">lenke</a>'
    status, _ = await call(api, "sendMessage", chat_id=MEMBER, text=quoted, parse_mode="HTML")
    assert status == 200


async def test_html_can_be_checked_whatever_parse_mode_says(api: LocalBotAPI) -> None:
    assert (await call(api, "sendMessage", chat_id=MEMBER, text="1 < 2"))[0] == 200
    api.check_html_always = True
    assert await call(api, "sendMessage", chat_id=MEMBER, text="1 < 2") == refusal(
        "Bad Request: can't parse entities: bare '<' at position 2: write &lt;"
    )
    assert await call(
        api, "sendMessage", chat_id=MEMBER, text="<i>x", parse_mode="MarkdownV2"
    ) == refusal("Bad Request: can't parse entities: unclosed tag <i> opened at position 0")
    status, body = await call(api, "sendMessage", chat_id=MEMBER, text="<b>ok</b> & more")
    assert (status, body["result"]["text"]) == (200, "<b>ok</b> & more")  # not parsed as HTML


# Inline keyboards


async def send_buttons(api: LocalBotAPI, *buttons: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    markup = {"inline_keyboard": [list(buttons)]}
    return await call(api, "sendMessage", chat_id=MEMBER, text="Velg", reply_markup=markup)


@pytest.mark.parametrize(
    ("button", "description"),
    [
        ({"text": "Ja", "callback_data": "ja", "url": "https://example.org"}, "exactly one of"),
        ({"text": "Ja"}, "Text buttons are unallowed"),
        ({"text": "", "callback_data": "ja"}, "BUTTON_TEXT_INVALID"),
        ({"text": " ", "callback_data": "ja"}, "BUTTON_TEXT_INVALID"),
        ({"text": "Ja", "callback_data": ""}, "BUTTON_DATA_INVALID"),
        ({"text": "Ja", "callback_data": "æ" * 33}, "BUTTON_DATA_INVALID"),  # 66 bytes
        ({"text": "Ja", "url": "ftp://example.org/fil"}, "BUTTON_URL_INVALID"),
        ({"text": "Ja", "url": "javascript:alert(1)"}, "BUTTON_URL_INVALID"),
        ({"text": "Ja", "url": "example.org"}, "BUTTON_URL_INVALID"),
    ],
)
async def test_an_inline_button_is_text_plus_exactly_one_valid_action(
    api: LocalBotAPI, button: dict[str, Any], description: str
) -> None:
    status, body = await send_buttons(api, button)
    assert (status, body["ok"]) == (400, False)
    assert body["description"].startswith("Bad Request: ")
    assert description in body["description"]
    assert api.sent_messages(MEMBER) == []


async def test_inline_buttons_telegram_accepts(api: LocalBotAPI) -> None:
    status, _ = await send_buttons(
        api,
        {"text": "Ja", "callback_data": "æ" * 32},  # 64 bytes
        {"text": "Les", "url": "https://example.org/a?b=c"},
        {"text": "Les", "url": "http://example.org"},
        {"text": "Til boten", "url": "tg://resolve?domain=refleks_demo_bot"},
    )
    assert status == 200


# Commands

START = {"command": "start", "description": "Kom i gang"}
SCOPE = "can't parse BotCommandScope: "


@pytest.mark.parametrize(
    ("params", "description"),
    [
        ({"scope": {"type": "everyone"}}, 'unsupported bot command scope type "everyone"'),
        ({"scope": {"type": "chat"}}, 'can\'t parse BotCommandScope: field "chat_id" is required'),
        ({"scope": {"type": "chat_administrators"}}, f'{SCOPE}field "chat_id" is required'),
        (
            {"scope": {"type": "chat_member", "chat_id": -100}},
            f'{SCOPE}field "user_id" is required',
        ),
        ({"scope": {"type": "default", "chat_id": 1}}, f'{SCOPE}unknown field "chat_id"'),
        ({"scope": {}}, f'{SCOPE}field "type" must be of type String'),
        ({"language_code": "NB"}, "invalid language code specified"),
        ({"language_code": "nob"}, "invalid language code specified"),
        ({"language_code": "n"}, "invalid language code specified"),
    ],
)
async def test_a_command_scope_and_language_must_be_ones_telegram_knows(
    api: LocalBotAPI, params: dict[str, Any], description: str
) -> None:
    for method, extra in (("setMyCommands", {"commands": [START]}), ("getMyCommands", {})):
        status, body = await call(api, method, **params, **extra)
        assert (status, body["ok"]) == (400, False), method
        assert body["description"] == f"Bad Request: {description}"


async def test_every_scope_telegram_knows_is_accepted(api: LocalBotAPI) -> None:
    scopes: list[dict[str, Any]] = [
        {"type": "default"},
        {"type": "all_private_chats"},
        {"type": "all_group_chats"},
        {"type": "all_chat_administrators"},
        {"type": "chat", "chat_id": MEMBER},
        {"type": "chat_administrators", "chat_id": -100123},
        {"type": "chat_member", "chat_id": -100123, "user_id": MEMBER},
    ]
    for scope in scopes:
        for language in ("", "nb"):
            status, body = await call(
                api, "setMyCommands", commands=[START], scope=scope, language_code=language
            )
            assert (status, body) == (200, {"ok": True, "result": True}), scope
    assert api.commands({"type": "chat", "chat_id": MEMBER}, "nb") == [START]


@pytest.mark.parametrize(
    ("commands", "description"),
    [
        ([START, {**START, "description": "Igjen"}], "BOT_COMMAND_DUPLICATE"),
        ([{**START, "command": "Start"}], "BOT_COMMAND_INVALID"),
        ([{**START, "command": ""}], "BOT_COMMAND_INVALID"),
        ([{**START, "command": "a" * 33}], "BOT_COMMAND_INVALID"),
        ([{**START, "command": "/start"}], "BOT_COMMAND_INVALID"),
        ([{**START, "description": ""}], "BOT_COMMAND_DESCRIPTION_INVALID"),
        ([{**START, "description": "x" * 257}], "BOT_COMMAND_DESCRIPTION_INVALID"),
    ],
)
async def test_commands_telegram_refuses(
    api: LocalBotAPI, commands: list[dict[str, str]], description: str
) -> None:
    assert await call(api, "setMyCommands", commands=commands) == refusal(
        f"Bad Request: {description}"
    )


async def test_commands_at_the_limits_are_accepted(api: LocalBotAPI) -> None:
    commands = [{"command": "a_9" + "z" * 29, "description": "x" * 256}, START]
    assert (await call(api, "setMyCommands", commands=commands))[0] == 200


# Photos


async def send_photo(api: LocalBotAPI, png: bytes) -> tuple[int, dict[str, Any]]:
    form = aiohttp.FormData()
    form.add_field("chat_id", str(MEMBER))
    form.add_field("photo", png, filename="chart.png", content_type="image/png")
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{api.base_url}/bot{api.token}/sendPhoto", data=form) as response,
    ):
        return response.status, await response.json()


def png_header(width: int, height: int) -> bytes:
    """Enough of a PNG for Telegram to read its size: signature and IHDR."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    body = b"IHDR" + header
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + body + struct.pack(">I", zlib.crc32(body))


@pytest.mark.parametrize(("width", "height"), [(5001, 5000), (2100, 100), (100, 2001), (0, 10)])
async def test_a_photo_too_large_or_too_narrow_is_refused(
    api: LocalBotAPI, width: int, height: int
) -> None:
    assert await send_photo(api, png_header(width, height)) == refusal(
        "Bad Request: PHOTO_INVALID_DIMENSIONS"
    )


@pytest.mark.parametrize(("width", "height"), [(5000, 5000), (2000, 100), (100, 2000), (1, 1)])
async def test_a_photo_within_telegrams_limits_is_sent(
    api: LocalBotAPI, width: int, height: int
) -> None:
    status, body = await send_photo(api, png_header(width, height))
    assert status == 200
    largest = body["result"]["photo"][-1]
    assert (largest["width"], largest["height"]) == (width, height)


# Who the bot may write to


async def test_the_bot_cannot_start_a_private_chat_by_default() -> None:
    async with LocalBotAPI() as api:
        assert await call(api, "sendMessage", chat_id=MEMBER, text="hei") == refusal(
            "Forbidden: bot can't initiate conversation with a user", 403
        )
        api.push_message(MEMBER, "hei")
        assert (await call(api, "sendMessage", chat_id=MEMBER, text="hei"))[0] == 200
    async with LocalBotAPI(refuses_strangers=False) as lenient:  # for tests about other things
        assert (await call(lenient, "sendMessage", chat_id=MEMBER, text="hei"))[0] == 200


# Groups

GROUP, SUPERGROUP = -4001, -1004001


async def test_the_bot_writes_only_in_groups_it_is_a_member_of(api: LocalBotAPI) -> None:
    assert await call(api, "sendMessage", chat_id=GROUP, text="hei") == refusal(
        "Forbidden: bot is not a member of the group chat", 403
    )
    assert await call(api, "sendMessage", chat_id=SUPERGROUP, text="hei") == refusal(
        "Forbidden: bot is not a member of the supergroup chat", 403
    )
    api.push_message(MEMBER, "hei alle", chat_id=SUPERGROUP)  # the bot sees it: it is there
    api.add_to_group(GROUP)
    for chat in (GROUP, SUPERGROUP):
        assert (await call(api, "sendMessage", chat_id=chat, text="hei"))[0] == 200
    api.remove_from_group(SUPERGROUP)
    assert await call(api, "sendMessage", chat_id=SUPERGROUP, text="hei") == refusal(
        "Forbidden: bot was kicked from the supergroup chat", 403
    )
    assert await call(api, "sendChatAction", chat_id=SUPERGROUP, action="typing") == refusal(
        "Forbidden: bot was kicked from the supergroup chat", 403
    )


async def test_at_most_20_messages_a_minute_in_one_group(api: LocalBotAPI) -> None:
    api.add_to_group(GROUP)
    api.add_to_group(SUPERGROUP)
    for number in range(20):
        assert (await call(api, "sendMessage", chat_id=GROUP, text=f"{number}"))[0] == 200
    status, body = await call(api, "sendMessage", chat_id=GROUP, text="en til")
    retry_after = body["parameters"]["retry_after"]
    assert (status, body["description"]) == (429, f"Too Many Requests: retry after {retry_after}")
    assert 50 <= retry_after <= 60  # a minute after the first of the 20
    assert api.rate_limit_refusals == 1
    # another group, and the members' private chats, are not held back
    assert (await call(api, "sendMessage", chat_id=SUPERGROUP, text="hei"))[0] == 200
    assert (await call(api, "sendMessage", chat_id=MEMBER, text="hei"))[0] == 200
    assert len(api.sent_messages(GROUP)) == 20


# Webhooks


@pytest.mark.parametrize(
    ("params", "description"),
    [
        ({"url": "http://refleks.example/telegram"}, "bad webhook: An HTTPS URL must be provided"),
        ({"url": "refleks.example/telegram"}, "bad webhook: An HTTPS URL must be provided"),
        ({"url": HOOK, "secret_token": "has space"}, "secret token contains unallowed"),
        ({"url": HOOK, "secret_token": "ø"}, "secret token contains unallowed"),
        ({"url": HOOK, "secret_token": ""}, "secret token contains unallowed"),
        ({"url": HOOK, "secret_token": "a" * 257}, "secret token contains unallowed"),
        (
            {"url": HOOK, "max_connections": 0},
            "bad webhook: max_connections must be between 1 and 100",
        ),
        (
            {"url": HOOK, "max_connections": 101},
            "bad webhook: max_connections must be between 1 and 100",
        ),
    ],
)
async def test_a_webhook_telegram_would_refuse(
    api: LocalBotAPI, params: dict[str, Any], description: str
) -> None:
    status, body = await call(api, "setWebhook", **params)
    assert (status, body["ok"]) == (400, False)
    assert body["description"].startswith(f"Bad Request: {description}")
    assert (await call(api, "getWebhookInfo"))[1]["result"]["url"] == ""


async def test_a_webhook_at_the_limits_is_set(api: LocalBotAPI) -> None:
    params = {"url": HOOK, "secret_token": "A-z_9" * 51 + "x", "max_connections": 100}
    assert await call(api, "setWebhook", **params) == (200, {"ok": True, "result": True})
    assert (await call(api, "getWebhookInfo"))[1]["result"]["url"] == HOOK
    assert (await call(api, "setWebhook", url=HOOK, max_connections=1))[0] == 200
    assert (await call(api, "setWebhook", url=""))[0] == 200  # an empty URL removes it


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_refleks_webhook_mode_sets_a_webhook_the_server_accepts(
    api: LocalBotAPI, database_url: str
) -> None:
    """`refleks webhook` as it runs in production, against the local Bot API server."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "MORE_BOT"))}
    env.update(
        BOT_TOKEN=DEFAULT_TOKEN,
        TELEGRAM_API_URL=api.base_url,
        DATABASE_URL=database_url,
        WEBHOOK_URL="https://refleks.example",
        WEBHOOK_SECRET="s3cret-only-telegram-knows",
        WEBHOOK_HOST="127.0.0.1",
        WEBHOOK_PORT=str(port),
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "webhook", env=env, cwd=ROOT, stderr=asyncio.subprocess.PIPE
    )
    log: list[str] = []
    try:
        assert process.stderr is not None
        async with asyncio.timeout(60):
            while "serving webhooks" not in (log or [""])[-1]:  # set up, and listening for SIGTERM
                line = await process.stderr.readline()
                assert line, "".join(log)[-2000:]
                log.append(line.decode())
    finally:
        process.send_signal(signal.SIGTERM)
        _, rest = await asyncio.wait_for(process.communicate(), 60)
    hook = await api.wait_for("setWebhook", since=0)
    commands = await api.wait_for("setMyCommands", since=0)
    assert hook.ok, hook.response
    assert hook.params["url"] == "https://refleks.example/telegram"
    assert hook.params["secret_token"] == "s3cret-only-telegram-knows"
    assert commands.ok, commands.response
    refused = [(c.method, c.response) for c in api.calls if c.status not in (None, 200)]
    assert refused == []
    assert process.returncode == 0, ("".join(log) + rest.decode())[-2000:]


async def test_refleks_run_polls_ticks_and_stops_cleanly_on_sigterm(
    api: LocalBotAPI, database_url: str
) -> None:
    """`refleks run` with a token: polling and the same minute clock as webhooks; SIGTERM lets
    the tick in hand finish and exits 0."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "MORE_BOT"))}
    env.update(BOT_TOKEN=DEFAULT_TOKEN, TELEGRAM_API_URL=api.base_url, DATABASE_URL=database_url)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=ROOT, stderr=asyncio.subprocess.PIPE
    )
    try:
        await api.wait_for("getUpdates", 60, since=0, answered=False)
    finally:
        process.send_signal(signal.SIGTERM)
        _, rest = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, rest.decode()[-2000:]
    assert (await api.wait_for("deleteWebhook", since=0)).ok
    assert (await api.wait_for("setMyCommands", since=0)).ok
    assert "Traceback" not in rest.decode()
