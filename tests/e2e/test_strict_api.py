"""The local Bot API server is as strict as Telegram (Bot API 10.1), so that what passes here
passes there: each refusal comes with Telegram's status and description.

The published specification, where it is at hand (SPEC below), checks our lists of parameters;
the server itself never reads it.
"""

from __future__ import annotations

import json
import struct
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

SPEC = Path("/work/shared/bot-api-10.1.json")
MEMBER = 4301


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
