"""Every step of both packages, as the engine renders it, in every language, sent by the real
Bot through the local Bot API server: Telegram's limits and HTML rules refuse nothing."""

from __future__ import annotations

import pytest

from bot.local_api import LocalBotAPI
from content.loader import load_packages
from dialogues.i18n import Texts
from dialogues.outgoing import TextPart
from dialogues.render import kickoff_message, reminder_message, step_message

CATALOGUE = load_packages()
CHAT = 4242


@pytest.mark.parametrize("package_id", sorted(CATALOGUE))
@pytest.mark.parametrize("language", ["nb", "nn", "en"])
async def test_every_step_and_kick_off_is_a_message_telegram_accepts(
    package_id: str, language: str
) -> None:
    package = CATALOGUE[package_id]
    texts = Texts(language)
    # Sent without parse_mode, but checked as HTML all the same: the bot sends them as HTML.
    async with LocalBotAPI(check_html_always=True) as api:
        api.push_message(CHAT, "hei")  # the member wrote first, as Telegram requires
        bot = api.make_bot()
        try:
            sent = 0
            for module in package.modules:
                parts = kickoff_message(package, module, texts, "Lærerne & co <3")
                for number, step in enumerate(module.steps, start=1):
                    position = (number, len(module.steps))
                    parts += step_message(
                        package, module, step, texts, 2**31, position=position, missed=3, again=True
                    )
                    parts += reminder_message(package, step, texts, 2**31)
                for part in parts:
                    assert isinstance(part, TextPart)
                    await bot.send_message(CHAT, part.html, reply_markup=part.keyboard)
                    sent += 1
            refused = [call for call in api.calls if not call.ok]
            assert refused == []
            steps = sum(len(m.steps) for m in package.modules)
            assert sent == len(package.modules) + 2 * steps
        finally:
            await bot.session.close()
