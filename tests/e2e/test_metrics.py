"""What an operator's Prometheus reads: counters that count what they say, per bot, histograms
of delivery lag and handler time, the queue's depth; served on /metrics in polling mode too."""

from __future__ import annotations

import socket
from datetime import date

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from bot.local_api import DEFAULT_TOKEN
from bot.metrics import Metrics, serve_metrics
from tests.support.harness import oslo, running_refleks, seed_school

MONDAY = date(2026, 11, 23)
ANNE, BJORN = 1001, 1002
BOT = DEFAULT_TOKEN.partition(":")[0]


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_a_morning_and_an_answer_are_counted_per_bot_and_served(database_url: str) -> None:
    async with running_refleks(database_url, oslo(MONDAY, 7)) as refleks:
        refleks.invites = await seed_school(refleks.app, start=MONDAY)
        for user in (ANNE, BJORN):
            await refleks.join(user)
        await refleks.tick(oslo(MONDAY, 8, 0))
        await refleks.tick(oslo(MONDAY, 8, 3))  # nothing left: the queue is empty again
        step = refleks.messages(ANNE)[-1]
        buttons = [b for b in step.buttons if str(b.get("callback_data", "")).startswith("a:")]
        if buttons:
            await refleks.press(ANNE, buttons[0]["text"], step.message_id)
        else:
            await refleks.say(ANNE, "Vi prøvde det i dag.", reply_to_message_id=step.message_id)

        port = free_port()
        server = await serve_metrics(refleks.app.metrics, "127.0.0.1", port)
        try:
            async with (
                aiohttp.ClientSession() as session,
                session.get(f"http://127.0.0.1:{port}/metrics") as response,
            ):
                assert response.status == 200
                assert response.headers["Content-Type"].startswith("text/plain")
                body = await response.text()
        finally:
            await server.cleanup()

    found = samples(body)
    bot = (("bot", BOT),)
    assert found[("refleks_messages_sent_total", bot)] == 2  # one step each
    assert found[("refleks_answers_stored_total", bot)] == 1
    assert found[("refleks_updates_handled_total", bot)] == 3  # two joins and the answer
    assert found[("refleks_handler_seconds_count", bot)] == 3
    assert found[("refleks_delivery_lag_seconds_count", bot)] == 2
    assert found[("refleks_queue_depth", ())] == 0
    assert Metrics.total(refleks.app.metrics.rate_limited) == 0


async def test_the_queue_depth_counts_what_is_due_and_not_sent(database_url: str) -> None:
    async with running_refleks(database_url, oslo(MONDAY, 7)) as refleks:
        refleks.invites = await seed_school(refleks.app, start=MONDAY)
        for user in (ANNE, BJORN):
            await refleks.join(user)
        refleks.app.deliverer.stopping = True  # plans, claims nothing: both steps wait
        await refleks.tick(oslo(MONDAY, 8, 0))
        assert refleks.app.metrics.queue_depth._value.get() == 2
