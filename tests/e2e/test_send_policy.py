"""Handlers' replies keep the deliveries' send policy: one path to Telegram."""

from __future__ import annotations

from datetime import date

from tests.support.harness import oslo, running_refleks

MONDAY = date(2026, 11, 23)
STRANGER = 4242


async def test_a_reply_survives_a_telegram_hiccup_and_goes_out_once(database_url: str) -> None:
    async with running_refleks(database_url, oslo(MONDAY, 9)) as refleks:
        refleks.app.deliverer.quick_retry_delay = 0.01
        help_text = (await refleks.say(STRANGER, "/help")).text
        refleks.api.fail_next("sendMessage", 502, chat_id=STRANGER)
        reply = await refleks.say(STRANGER, "/help")
        assert reply.text == help_text  # answered, though Telegram's first answer was a 502
        assert len(refleks.messages(STRANGER)) == 2  # and answered once
        tried = [c for c in refleks.api.calls_to("sendMessage") if c.params["chat_id"] == STRANGER]
        assert len(tried) == 3


async def test_a_reply_waits_out_a_429_and_goes_out_once(database_url: str) -> None:
    async with running_refleks(database_url, oslo(MONDAY, 9)) as refleks:
        refleks.api.fail_next("sendMessage", 429, retry_after=1, chat_id=STRANGER)
        reply = await refleks.say(STRANGER, "/help")
        assert reply.text
        assert len(refleks.messages(STRANGER)) == 1
        assert refleks.app.metrics.rate_limited.labels(refleks.app.bot.id)._value.get() == 1


async def test_when_telegram_keeps_failing_the_member_is_told_to_try_again(
    database_url: str,
) -> None:
    async with running_refleks(database_url, oslo(MONDAY, 9)) as refleks:
        refleks.app.deliverer.quick_retry_delay = 0.01
        help_text = (await refleks.say(STRANGER, "/help")).text
        refleks.api.fail_next("sendMessage", 500, chat_id=STRANGER, count=3)
        sorry = await refleks.say(STRANGER, "/help")  # three tries fail: the error handler
        assert sorry.text == "Beklager, noe gikk galt hos meg. Prøv igjen om litt."
        again = await refleks.say(STRANGER, "/help")  # and the next update is handled as usual
        assert again.text == help_text
        assert len(refleks.messages(STRANGER)) == 3
