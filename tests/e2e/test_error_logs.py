"""A database error never puts the row it was writing into the log: neither the error handler
(the member is told something went wrong) nor any other logger (a failed tick, aiogram's own
"Cause exception ..."), on SQLite and PostgreSQL.

The errors are real ones, from an engine made without `hide_parameters`, so that SQLAlchemy's
message does carry the secret text, and on PostgreSQL the driver's message quotes it too.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import date

import pytest
from aiogram.types import ErrorEvent, Update
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from bot.logs import hide_secrets
from dialogues.fallback import on_error
from dialogues.i18n import Texts
from storage.db import make_engine, normalise_url
from storage.errors import DESCRIPTION
from tests.support.harness import oslo, running_refleks, seed_school

MONDAY = date(2026, 11, 23)
ANNE = 2001
NB = Texts("nb")
SECRET = "Hemmelig svar fra Anne"
TOKEN = "123456789:AAHiddenTokenPartThatMustNeverBeLogged"


async def database_error(url: str, engine_hides_parameters: bool = False) -> DBAPIError:
    """A real DBAPIError whose message holds SECRET: in the parameters, and on PostgreSQL in
    the driver's own text as well ('invalid input syntax for type integer: "..."')."""
    if engine_hides_parameters:
        engine = make_engine(url)
    else:
        engine = create_async_engine(normalise_url(url))
    failing = (
        "SELECT CAST(:said AS INTEGER)"
        if url.startswith("postgresql")
        else "SELECT :said FROM no_such_table"
    )
    try:
        async with engine.connect() as connection:
            await connection.execute(text(failing), {"said": SECRET})
    except DBAPIError as error:
        return error
    finally:
        await engine.dispose()
    raise AssertionError("the statement did not fail")


def logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join([r.getMessage() for r in caplog.records] + [caplog.text])


@pytest.fixture
async def error(database_url: str) -> AsyncIterator[DBAPIError]:
    found = await database_error(database_url)
    assert SECRET in str(found)  # the fault this guards against is real
    yield found


async def test_the_error_handler_logs_a_database_error_without_its_row(
    database_url: str, error: DBAPIError, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with running_refleks(database_url, oslo(MONDAY, 7)) as refleks:
        refleks.invites = await seed_school(refleks.app, start=MONDAY)
        await refleks.join(ANNE)
        update = Update.model_validate(
            {
                "update_id": 900_001,
                "message": {
                    "message_id": 100,
                    "date": 1795400000,
                    "chat": {"id": ANNE, "type": "private", "first_name": "Anne"},
                    "from": {"id": ANNE, "is_bot": False, "first_name": "Anne"},
                    "text": "hidden from the log anyway",
                },
            },
            context={"bot": refleks.app.bot},
        )
        before = len(refleks.messages(ANNE))
        try:
            raise error
        except DBAPIError as raised:  # with a traceback, as in a handler
            assert await on_error(ErrorEvent(update=update, exception=raised), texts=NB)
        told = refleks.messages(ANNE)[before:]
    assert [m.text for m in told] == [NB("error.generic")]
    log = logged(caplog)
    assert f"update 900001 failed: {type(error).__name__}" in log and DESCRIPTION in log
    assert "Traceback (most recent call last)" in log  # the frames are kept
    assert "test_error_logs.py" in log
    assert SECRET not in log and "Hemmelig" not in log and "svar fra Anne" not in log


async def test_any_logger_gets_a_database_error_without_its_row(
    error: DBAPIError, caplog: pytest.LogCaptureFixture
) -> None:
    """Every record is rewritten when it is made (bot/logs.py), whatever logs it."""
    hide_secrets([])
    caplog.set_level(logging.DEBUG)
    try:
        try:
            raise error
        except DBAPIError:  # implicitly chained, as in a handler that fails while cleaning up
            raise RuntimeError(f"while talking to {TOKEN}")  # noqa: B904
    except RuntimeError as outer:
        logging.getLogger("bot.clock").exception("tick failed")
        logging.getLogger("aiogram.event").exception("Cause exception\n%s: %s", "X", error)
        logging.getLogger("refleks.test").error("as a mapping: %(error)s", {"error": error})
        logging.getLogger("refleks.test").warning("no traceback", exc_info=outer.__context__)
    log = logged(caplog)
    assert "tick failed" in log and "Cause exception" in log and "as a mapping" in log
    assert type(error).__name__ in log and DESCRIPTION in log
    assert "RuntimeError: while talking to [hidden]" in log  # other errors keep their message
    assert "During handling of the above exception" in log
    assert SECRET not in log and "Hemmelig" not in log and "svar fra Anne" not in log
    assert "AAHiddenTokenPart" not in log


async def test_the_engine_hides_the_parameters(database_url: str) -> None:
    error = await database_error(database_url, engine_hides_parameters=True)
    assert "[SQL parameters hidden due to hide_parameters=True]" in str(error)
    if database_url.startswith("sqlite"):
        assert SECRET not in str(error)  # (PostgreSQL's own message still quotes the value)
