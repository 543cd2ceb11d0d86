"""`refleks tick --at`: one tick as of a given time, as an operator (or cron) runs it."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import date
from pathlib import Path

from bot.local_api import DEFAULT_TOKEN, LocalBotAPI
from domain.model import Role
from storage.db import make_engine, make_sessions
from storage.uow import UnitOfWorkFactory

ROOT = Path(__file__).resolve().parents[2]
MONDAY = date(2026, 11, 23)


async def refleks(api: LocalBotAPI, database_url: str, *args: str) -> tuple[int, str, str]:
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        BOT_TOKEN=DEFAULT_TOKEN,
        TELEGRAM_API_URL=api.base_url,
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode or 0, out.decode(), err.decode()


async def test_a_tick_at_send_time_sends_the_step_once(database_url: str) -> None:
    async with LocalBotAPI() as api:
        for args in (
            ("admin", "org", "add", "nordby", "--name", "Nordby skole", "--kind", "school"),
            ("admin", "group", "add", "nordby/laerere", "--name", "Lærerne"),
            (
                "admin",
                "rollout",
                "add",
                "nordby/laerere",
                "--package",
                "skolemiljo",
                "--modules",
                "0",
                "--start",
                MONDAY.isoformat(),
            ),
        ):
            code, _, err = await refleks(api, database_url, *args)
            assert code == 0, err
        api.push_message(5001, "/start")  # the member wrote to the bot; joined below directly
        engine = make_engine(database_url)
        async with UnitOfWorkFactory(make_sessions(engine))() as uow:  # a member joined
            member = await uow.members.ensure(5001, language="nb")
            await uow.members.join(member.id, 1, Role.STAFF, MONDAY)
            await uow.commit()
        await engine.dispose()

        early = await refleks(api, database_url, "tick", "--at", "2026-11-23T07:59+01:00")
        assert early[0] == 0 and "sent 0" in early[1]
        first = await refleks(api, database_url, "tick", "--at", "2026-11-23T08:00+01:00")
        assert first[0] == 0 and "sent 1" in first[1], first
        again = await refleks(api, database_url, "tick", "--at", "2026-11-23T08:05+01:00")
        assert again[0] == 0 and "sent 0" in again[1]
        sent = api.sent_messages(5001)
        assert len(sent) == 1  # once, however often the tick runs


async def test_a_tick_without_a_token_says_what_is_missing(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "BOT_TOKEN"}
    env["DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path}/t.db"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "tick",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await process.communicate()
    assert process.returncode == 2
    assert "BOT_TOKEN" in err.decode() and "Traceback" not in err.decode()
