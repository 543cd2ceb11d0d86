"""Control characters in an answer, end to end on PostgreSQL (which refuses a NUL in text): the
answer is stored without them, the member is told it is saved, and no log holds the text.

Before, a NUL made PostgreSQL fail the insert, and the error log carried the whole answer in the
SQL parameters. Telegram's JSON can carry a NUL (\\u0000) and lone surrogates (\\ud800).
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from dialogues.i18n import Texts
from storage.models import AnswerRow
from tests.conftest import empty_postgres
from tests.support.harness import Refleks, oslo, running_refleks, seed_school

pytestmark = pytest.mark.postgres

MONDAY = date(2026, 11, 23)
ANNE, LEADER = 2001, 2002
NB = Texts("nb")


@pytest.fixture
async def pg_url(postgres_url: str) -> str:
    await empty_postgres(postgres_url)
    return postgres_url


async def text_step(refleks: Refleks) -> int:
    """Tuesday 08:00: the day's step asks a text; the message id Anne got it in."""
    await refleks.tick(oslo(MONDAY + timedelta(days=1), 8))
    return refleks.messages(ANNE)[-1].message_id


def logged(caplog: pytest.LogCaptureFixture) -> str:
    """Every record's message, and the log as a handler writes it (tracebacks included)."""
    return "\n".join([r.getMessage() for r in caplog.records] + [caplog.text])


@pytest.mark.parametrize(
    "written", ["Hemmelig\x00svar fra Anne", "Hemmelig\ud800svar fra Anne\x07"]
)
async def test_a_nul_in_an_answer_is_dropped_and_never_logged(
    pg_url: str, caplog: pytest.LogCaptureFixture, written: str
) -> None:
    caplog.set_level(logging.DEBUG)
    async with running_refleks(pg_url, oslo(MONDAY, 7)) as refleks:
        refleks.invites = await seed_school(refleks.app, start=MONDAY)
        await refleks.join(ANNE)
        step = await text_step(refleks)
        reply = await refleks.say(ANNE, written, reply_to_message_id=step)
        assert reply.text == NB("answer.stored")
        async with refleks.app.uow_factory() as uow:
            stored = list(await uow.session.scalars(select(AnswerRow.text)))
        assert stored == ["Hemmeligsvar fra Anne"]  # the control characters dropped, no space
    log = logged(caplog)
    assert "planned 1 steps" in log  # the journey did log
    assert "Hemmelig" not in log and "svar fra Anne" not in log


async def test_an_answer_of_control_characters_only_is_refused_kindly(
    pg_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with running_refleks(pg_url, oslo(MONDAY, 7)) as refleks:
        refleks.invites = await seed_school(refleks.app, start=MONDAY)
        await refleks.join(ANNE)
        step = await text_step(refleks)
        reply = await refleks.say(ANNE, "\x00\x00 \x1b", reply_to_message_id=step)
        assert reply.text == NB("answer.invalid")
        again = await refleks.say(ANNE, "Nå med tekst", reply_to_message_id=step)
        assert again.text == NB("answer.stored")  # the step stayed open
    assert " failed: " not in logged(caplog)  # nothing went to the error handler


async def test_a_leaders_note_with_a_nul_goes_out_without_it(
    pg_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with running_refleks(pg_url, oslo(MONDAY, 7)) as refleks:
        refleks.invites = await seed_school(refleks.app, start=MONDAY)
        await refleks.join(LEADER, "leader")
        await refleks.join(ANNE)
        queued = await refleks.say(LEADER, "/note Hemmelig\x00svar fra Anne")
        assert queued.text == NB("leader.note_queued", count=2)
        empty = await refleks.say(LEADER, "/note \x00\x1b")
        assert empty.text == NB("leader.note_usage")
        await refleks.tick(oslo(MONDAY, 7, 1))
        assert "Hemmeligsvar fra Anne" in (refleks.messages(ANNE)[-1].text or "")
    assert " failed: " not in logged(caplog)
