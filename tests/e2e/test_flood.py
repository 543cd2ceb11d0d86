"""Fair service under a flood, end to end, with the local server enforcing Telegram's limits (30
messages a second, one a second per chat, 429 beyond): one member sends 300 messages in a burst,
another sends /help just after. The other is answered while the flood is still being worked
through, no send earns a 429, and the flooder gets one "slow down", not one reply per message.

How long the other member waits, with and without the flood, is printed by bench/bench_flood.py;
here it is only required to come before the flood is done.
"""

from __future__ import annotations

from datetime import date

from dialogues.i18n import Texts
from domain.telegram_html import visible_text
from tests.support.harness import Refleks, oslo, running_refleks, seed_school

MONDAY = date(2026, 11, 23)
FLOODER, OTHER = 1001, 1002
BURST = 300
NB = Texts("nb")


async def flood_with_help(refleks: Refleks) -> tuple[int, int]:
    """The burst, then /help from the other member; the ids of the last flood update and of
    the /help update."""
    last = 0
    for n in range(BURST):
        last = refleks.api.push_message(FLOODER, f"melding {n}")
    return last, refleks.api.push_command(OTHER, "help")


async def test_one_members_flood_does_not_stall_the_others(database_url: str) -> None:
    async with running_refleks(
        database_url,
        oslo(MONDAY, 9),
        inbound_limit=5,
        inbound_window_seconds=60,
        messages_per_second=25,
        chat_messages_per_second=1,
    ) as refleks:
        refleks.invites = await seed_school(refleks.app, start=MONDAY)
        await refleks.join(FLOODER)
        await refleks.join(OTHER)
        refleks.api.limit_per_second = 30  # Telegram's limits from here on
        refleks.api.flood.per_chat_per_second = 1
        before = len(refleks.api.sent_messages())

        last_flood, help_update = await flood_with_help(refleks)
        helped = await refleks.api.wait_for_message(OTHER, timeout=60)
        await refleks.handled(max(last_flood, help_update))

        assert visible_text(NB("help.staff"))[:40] in (helped.visible_text or "")
        assert refleks.api.rate_limit_refusals == 0
        to_flooder = [m for m in refleks.api.sent_messages()[before:] if m.chat_id == FLOODER]
        slow_downs = [m for m in to_flooder if m.text == NB("flood.slow_down")]
        assert len(slow_downs) == 1
        assert len(to_flooder) <= 5 + 1  # replies to at most five allowed ones, one "slow down"
