"""The local Bot API server answers a real aiogram Bot the way Telegram would.

The routers here are tiny stand-ins: these tests check the server, not Refleks.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
)
from aiogram.filters import CommandStart
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
)

from bot.local_api import Call, LocalBotAPI, tiny_png

MEMBER = 4201
OTHER_MEMBER = 4202


@pytest.fixture
async def api() -> AsyncIterator[LocalBotAPI]:
    # These tests are about other things than who wrote first (tests/e2e/test_strict_api.py):
    # the bot may write to members who have not written.
    async with LocalBotAPI(refuses_strangers=False) as server:
        yield server


@pytest.fixture
async def bot(api: LocalBotAPI) -> AsyncIterator[Bot]:
    bot = api.make_bot(default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    yield bot
    await bot.session.close()


def keyboard(*callback_data: str) -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(text=f"Valg {d}", callback_data=d) for d in callback_data]
    return InlineKeyboardMarkup(inline_keyboard=[buttons])


def greeting_router() -> Router:
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        name = message.from_user.first_name if message.from_user else "deg"
        await message.answer(f"Hei, <b>{name}</b>!", reply_markup=keyboard("ready"))

    @router.callback_query(F.data == "ready")
    async def ready(query: CallbackQuery) -> None:
        await query.answer("Flott")
        if isinstance(query.message, Message):
            await query.message.edit_text("Da setter vi i gang.")

    return router


# Polling


async def test_start_is_answered_through_polling_and_a_button_press_edits(
    api: LocalBotAPI, bot: Bot
) -> None:
    dispatcher = Dispatcher()
    dispatcher.include_router(greeting_router())
    polling = asyncio.create_task(
        dispatcher.start_polling(
            bot, polling_timeout=1, handle_signals=False, close_bot_session=False
        )
    )
    try:
        update_id = api.push_command(MEMBER, "start")
        greeting = await api.wait_for_message(MEMBER)
        assert greeting.text == f"Hei, <b>User {MEMBER}</b>!"
        assert greeting.visible_text == f"Hei, User {MEMBER}!"
        assert [button["text"] for button in greeting.buttons] == ["Valg ready"]

        # aiogram confirms the update with the next offset, and Telegram then forgets it
        def confirms_it(call: Call) -> bool:
            return call.method == "getUpdates" and call.params.get("offset") == update_id + 1

        await api.wait_for(confirms_it, answered=False)
        assert api.pending_updates == []

        api.press_button(MEMBER, "Valg ready")
        await api.wait_for("editMessageText")
        answer = await api.wait_for("answerCallbackQuery")
        assert answer.params["text"] == "Flott"
        edited = api.last_message(MEMBER)
        assert edited.message_id == greeting.message_id
        assert edited.text == "Da setter vi i gang."
        assert edited.history == [f"Hei, <b>User {MEMBER}</b>!"]
        assert edited.buttons == []  # an edit without reply_markup drops the keyboard
        assert len(api.sent_messages(MEMBER)) == 1
    finally:
        await dispatcher.stop_polling()
        await polling


async def test_updates_stay_until_an_offset_above_them_confirms_them(
    api: LocalBotAPI, bot: Bot
) -> None:
    first, second, third = (api.push_message(MEMBER, f"melding {n}") for n in range(3))

    assert [u.update_id for u in await bot.get_updates()] == [first, second, third]
    assert [u.update_id for u in await bot.get_updates()] == [first, second, third]
    assert [u.update_id for u in await bot.get_updates(limit=1)] == [first]

    assert [u.update_id for u in await bot.get_updates(offset=second)] == [second, third]
    assert [u.update_id for u in await bot.get_updates()] == [second, third]

    fourth = api.push_message(MEMBER, "melding 3")
    assert [u.update_id for u in await bot.get_updates(offset=-1)] == [fourth]
    assert [u.update_id for u in await bot.get_updates()] == [fourth]  # older ones forgotten

    assert await bot.get_updates(offset=fourth + 1) == []
    assert api.pending_updates == []


async def test_pushed_updates_look_like_telegrams(api: LocalBotAPI, bot: Bot) -> None:
    api.push_message(MEMBER, "hei", first_name="Kari", language_code="en")
    api.push_sticker(MEMBER, "🙂")
    api.push_photo(MEMBER, caption="tavla")
    api.push_voice(MEMBER, duration=7)
    api.push_document(MEMBER, file_name="plan.pdf")

    text, sticker, photo, voice, document = [u.message for u in await bot.get_updates()]
    assert text is not None and text.from_user is not None
    assert (text.text, text.from_user.first_name, text.from_user.language_code) == (
        "hei",
        "Kari",
        "en",
    )
    assert text.chat.type == "private"
    assert sticker is not None and sticker.sticker is not None
    assert sticker.sticker.emoji == "🙂"
    assert photo is not None and photo.photo and photo.caption == "tavla"
    assert voice is not None and voice.voice is not None and voice.voice.duration == 7
    assert document is not None and document.document is not None
    assert document.document.file_name == "plan.pdf"
    assert [m.message_id for m in (text, sticker, photo, voice, document)] == [1, 2, 3, 4, 5]


async def test_a_long_poll_returns_as_soon_as_an_update_arrives(api: LocalBotAPI, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=4))
    await api.wait_for("getUpdates", answered=False, since=0)
    update_id = api.push_message(MEMBER, "er du der?")
    updates = await asyncio.wait_for(poll, 3)
    assert [u.update_id for u in updates] == [update_id]


async def test_a_second_long_poll_ends_the_first_with_409(api: LocalBotAPI, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=4))
    await api.wait_for("getUpdates", answered=False, since=0)
    second = asyncio.create_task(bot.get_updates(timeout=4))
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates"):
        await asyncio.wait_for(first, 3)
    api.push_message(MEMBER, "hei")
    assert len(await asyncio.wait_for(second, 3)) == 1


async def test_getupdates_is_refused_while_a_webhook_is_set(api: LocalBotAPI, bot: Bot) -> None:
    await bot.set_webhook("https://refleks.example.org/hook")
    assert (await bot.get_webhook_info()).url == "https://refleks.example.org/hook"
    with pytest.raises(TelegramConflictError, match="webhook is active"):
        await bot.get_updates()
    await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates() == []


# Telegram's limits


async def test_text_limit_is_4096_utf16_units_after_parsing(api: LocalBotAPI, bot: Bot) -> None:
    await bot.send_message(MEMBER, "x" * 4096)
    await bot.send_message(MEMBER, "<b>" + "x" * 4096 + "</b>")  # tags do not count
    await bot.send_message(MEMBER, "🎉" * 2048)  # each emoji is two UTF-16 units
    for too_long in ("x" * 4097, "🎉" * 2049):
        with pytest.raises(TelegramBadRequest, match="message is too long"):
            await bot.send_message(MEMBER, too_long)
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(MEMBER, "  <b> </b>  ")
    assert len(api.sent_messages(MEMBER)) == 3


async def test_caption_limit_is_1024(api: LocalBotAPI, bot: Bot) -> None:
    photo = BufferedInputFile(tiny_png(), "chart.png")
    await bot.send_photo(MEMBER, photo, caption="c" * 1024)
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_photo(MEMBER, photo, caption="c" * 1025)


async def test_callback_data_may_be_at_most_64_bytes(api: LocalBotAPI, bot: Bot) -> None:
    await bot.send_message(MEMBER, "velg", reply_markup=keyboard("d" * 64))
    for too_long in ("d" * 65, "æ" * 33):  # æ is two bytes in UTF-8
        with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
            await bot.send_message(MEMBER, "velg", reply_markup=keyboard(too_long))
    assert len(api.sent_messages(MEMBER)) == 1


async def test_broken_html_is_refused_only_in_html_mode(api: LocalBotAPI, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="can't parse entities: unsupported tag <div>"):
        await bot.send_message(MEMBER, "<div>hei</div>")
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(MEMBER, "3 < 4")
    sent = await bot.send_message(MEMBER, "3 < 4", parse_mode=None)
    assert sent.text == "3 < 4"


async def test_editing_to_the_same_text_and_keyboard_is_not_modified(
    api: LocalBotAPI, bot: Bot
) -> None:
    sent = await bot.send_message(MEMBER, "<i>Steg 1</i>", reply_markup=keyboard("a"))
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            "<i>Steg 1</i>", chat_id=MEMBER, message_id=sent.message_id, reply_markup=keyboard("a")
        )
    await bot.edit_message_reply_markup(
        chat_id=MEMBER, message_id=sent.message_id, reply_markup=keyboard("b")
    )
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(
            chat_id=MEMBER, message_id=sent.message_id, reply_markup=keyboard("b")
        )
    await bot.edit_message_text("<b>Steg 1</b>", chat_id=MEMBER, message_id=sent.message_id)
    assert api.last_message(MEMBER).buttons == []
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=MEMBER, message_id=99)


async def test_deleted_messages_are_gone(api: LocalBotAPI, bot: Bot) -> None:
    sent = await bot.send_message(MEMBER, "midlertidig")
    assert await bot.delete_message(MEMBER, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(MEMBER, sent.message_id)
    assert api.sent_messages(MEMBER)[0].deleted
    with pytest.raises(LookupError):
        api.last_message(MEMBER)


# Faults


async def test_an_injected_429_reaches_aiogram_as_retry_after(api: LocalBotAPI, bot: Bot) -> None:
    api.fail_next("sendMessage", 429, retry_after=3)
    with pytest.raises(TelegramRetryAfter) as refused:
        await bot.send_message(MEMBER, "hei")
    assert refused.value.retry_after == 3
    await bot.send_message(MEMBER, "hei")  # only the next call fails
    assert [call.status for call in api.calls_to("sendMessage")] == [429, 200]
    assert api.calls_to("sendMessage")[0].response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 3",
        "parameters": {"retry_after": 3},
    }


async def test_a_member_who_blocked_the_bot_gets_403(api: LocalBotAPI, bot: Bot) -> None:
    api.blocked_users.add(MEMBER)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(MEMBER, "hei")
    with pytest.raises(TelegramForbiddenError):
        await bot.send_photo(MEMBER, BufferedInputFile(tiny_png(), "chart.png"))
    await bot.send_message(OTHER_MEMBER, "hei")
    assert [sent.chat_id for sent in api.sent_messages()] == [OTHER_MEMBER]


async def test_faults_can_target_one_chat_and_repeat(api: LocalBotAPI, bot: Bot) -> None:
    api.fail_next("sendMessage", 403, chat_id=OTHER_MEMBER, count=2)
    api.fail_next("sendMessage", 500, chat_id=MEMBER)
    await bot.send_message(5000, "upåvirket")
    for _ in range(2):
        with pytest.raises(TelegramForbiddenError):
            await bot.send_message(OTHER_MEMBER, "hei")
    await bot.send_message(OTHER_MEMBER, "hei")
    with pytest.raises(Exception, match="Internal Server Error"):
        await bot.send_message(MEMBER, "hei")


async def test_a_delayed_answer_times_the_client_out(api: LocalBotAPI) -> None:
    impatient = api.make_bot(timeout=0.2)
    api.delay_next("sendMessage", 3)
    try:
        with pytest.raises(TelegramNetworkError, match="timeout"):
            await impatient.send_message(MEMBER, "hei")
        await impatient.send_message(MEMBER, "igjen")
    finally:
        await impatient.session.close()


async def test_flood_limits_answer_429_and_are_counted(api: LocalBotAPI, bot: Bot) -> None:
    api.flood.clock = lambda: 1000.0  # a frozen clock: every send lands in the same second
    api.limit_per_second = 3
    await bot.send_message(MEMBER, "første")
    with pytest.raises(TelegramRetryAfter) as per_chat:
        await bot.send_message(MEMBER, "andre")  # one message per second per chat
    assert per_chat.value.retry_after == 1
    await bot.send_message(OTHER_MEMBER, "hei")
    await bot.send_message(OTHER_MEMBER + 1, "hei")
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(OTHER_MEMBER + 2, "hei")  # the fourth in a second, globally
    assert api.rate_limit_refusals == 2
    assert len(api.sent_messages()) == 3


# Files and the rest


async def test_uploaded_photo_and_document_bytes_are_kept(api: LocalBotAPI, bot: Bot) -> None:
    png = tiny_png(3, 2)
    csv = b"navn;svar\nKari;ja\n"
    photo = await bot.send_photo(
        MEMBER, BufferedInputFile(png, "uke47.png"), caption="<b>Uke 47</b>"
    )
    document = await bot.send_document(MEMBER, BufferedInputFile(csv, "svar.csv"))

    assert photo.photo is not None and (photo.photo[-1].width, photo.photo[-1].height) == (3, 2)
    assert photo.caption == "Uke 47"
    assert document.document is not None and document.document.file_name == "svar.csv"
    sent_photo, sent_document = api.sent_messages(MEMBER)
    assert sent_photo.photo is not None and sent_photo.photo.data == png
    assert sent_document.document is not None and sent_document.document.data == csv
    assert sent_document.document.mime_type == "text/csv"

    await bot.send_photo(OTHER_MEMBER, photo.photo[-1].file_id)  # re-sending by file_id works
    assert api.last_message(OTHER_MEMBER).photo == sent_photo.photo
    with pytest.raises(TelegramBadRequest, match="IMAGE_PROCESS_FAILED"):
        await bot.send_photo(MEMBER, BufferedInputFile(csv, "not-a-picture.png"))


async def test_reply_keyboard_buttons_send_their_text(api: LocalBotAPI, bot: Bot) -> None:
    markup = ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text="Ja"), KeyboardButton(text="Nei")]])
    sent = await bot.send_message(MEMBER, "Klar?", reply_markup=markup)
    assert sent.reply_markup is None  # Telegram echoes only inline keyboards
    api.press_button(MEMBER, "Nei")
    (update,) = await bot.get_updates()
    assert update.message is not None and update.message.text == "Nei"


async def test_answering_an_unknown_callback_query_is_refused(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="query ID is invalid"):
        await bot.answer_callback_query("1234")


async def test_commands_round_trip_and_bad_names_are_refused(bot: Bot) -> None:
    commands = [BotCommand(command="start", description="Kom i gang")]
    await bot.set_my_commands(commands, language_code="nb")
    listed = await bot.get_my_commands(language_code="nb")
    assert [(c.command, c.description) for c in listed] == [("start", "Kom i gang")]
    assert await bot.get_my_commands() == []
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Start!", description="x")])


async def test_get_me_and_chat_actions(api: LocalBotAPI, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.username, me.is_bot) == ("refleks_demo_bot", True)
    await bot.send_chat_action(MEMBER, "typing")
    with pytest.raises(TelegramBadRequest, match="wrong parameter action"):
        await bot.send_chat_action(MEMBER, "dancing")


async def test_plain_http_clients_get_telegrams_answers(api: LocalBotAPI) -> None:
    base = f"{api.base_url}/bot{api.token}"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/noSuchMethod") as response:
            assert response.status == 404
            assert await response.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found",
            }
        async with http.get(f"{api.base_url}/bot1:wrong/getMe") as response:
            assert response.status == 401
        markup = {"inline_keyboard": [[{"text": "OK", "callback_data": "ok"}]]}
        payload = {"chat_id": MEMBER, "text": "json", "reply_markup": markup}
        async with http.post(f"{base}/sendmessage", json=payload) as response:
            body = await response.json()
            assert body["ok"] and body["result"]["reply_markup"] == markup
        async with http.get(f"{base}/sendMessage", params={"chat_id": MEMBER, "text": "42"}) as r:
            assert (await r.json())["result"]["text"] == "42"
    assert [sent.text for sent in api.sent_messages(MEMBER)] == ["json", "42"]


SECOND_TOKEN = "987654321:LOCAL-second-municipality-bot"


async def test_one_server_serves_two_bots_each_with_its_own_chats_and_updates(
    api: LocalBotAPI, bot: Bot
) -> None:
    second = api.add_bot(SECOND_TOKEN, username="vestby_refleks_bot")
    other = second.make_bot()
    try:
        assert second.base_url == api.base_url
        assert (await bot.get_me()).username == "refleks_demo_bot"
        me = await other.get_me()
        assert (me.id, me.username) == (987654321, "vestby_refleks_bot")

        first_update = api.push_message(MEMBER, "til den første")
        second_update = second.push_message(MEMBER, "til den andre")
        got_first = await bot.get_updates(timeout=0)
        got_second = await other.get_updates(timeout=0)
        assert [(u.update_id, u.message.text) for u in got_first if u.message] == [
            (first_update, "til den første")
        ]
        assert [(u.update_id, u.message.text) for u in got_second if u.message] == [
            (second_update, "til den andre")
        ]

        await other.send_message(MEMBER, "svar fra den andre")
        assert [m.text for m in second.sent_messages(MEMBER)] == ["svar fra den andre"]
        assert api.sent_messages(MEMBER) == []  # the first bot's chat with the member is apart
    finally:
        await other.session.close()


async def test_a_bot_cannot_write_first_to_a_member() -> None:
    async with LocalBotAPI() as api:
        bot = api.make_bot()
        try:
            with pytest.raises(TelegramForbiddenError, match="initiate conversation"):
                await bot.send_message(MEMBER, "hei")
            api.push_message(MEMBER, "i gruppa", chat_id=-100777)  # a group is not enough
            with pytest.raises(TelegramForbiddenError, match="initiate conversation"):
                await bot.send_message(MEMBER, "hei")
            api.push_message(MEMBER, "hei selv")
            assert (await bot.send_message(MEMBER, "nå går det")).text == "nå går det"
        finally:
            await bot.session.close()


async def test_an_unknown_token_is_refused_with_401(api: LocalBotAPI) -> None:
    api.add_bot(SECOND_TOKEN, username="vestby_refleks_bot")
    stranger = Bot("555:LOCAL-nobody-knows-this-token-at-all", session=api.session())
    try:
        with pytest.raises(Exception, match="Unauthorized"):
            await stranger.get_me()
    finally:
        await stranger.session.close()
