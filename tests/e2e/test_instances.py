"""Several instances on one database: one plans each tick, every one may send, and nothing is
sent twice. PostgreSQL is what several instances run on; SQLite is single-instance and says so."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from bot.app import App, ManualClock, build_app
from bot.clock import tick
from bot.config import Settings
from bot.local_api import DEFAULT_TOKEN, LocalBotAPI
from bot.metrics import Metrics
from content.outline import outline
from domain.deliveries import Kind
from domain.model import QuestionKind
from services import answering
from services.answering import Outcome
from services.joining import join
from services.planning import plan_due
from storage.db import make_engine
from storage.locks import SQLiteLocks, tick_lock
from storage.models import DeliveryRow, MemberRow
from tests.conftest import PG_HOST, PG_PORT, empty_postgres
from tests.support.harness import oslo, seed_school


async def test_sqlite_warns_at_start_up_when_a_second_instance_opens_the_database(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    database = tmp_path / "refleks.db"
    first = make_engine(f"sqlite+aiosqlite:///{database}")
    second = make_engine(f"sqlite+aiosqlite:///{database}")
    with caplog.at_level(logging.WARNING, logger="storage.locks"):
        one = tick_lock(first)
        assert not caplog.records  # alone: nothing to say
        other = tick_lock(second)
    assert isinstance(one, SQLiteLocks) and isinstance(other, SQLiteLocks)
    assert one.alone and not other.alone
    assert "SQLite is single-instance" in caplog.text
    assert "use PostgreSQL to run several instances" in caplog.text
    async with one.hold() as got_first, other.hold() as got_second:
        assert got_first and not got_second
    async with other.hold() as got_after:
        assert got_after  # released when the first tick ended
    one.close()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="storage.locks"):
        third = tick_lock(first)  # the first process is gone: a restart is alone again
    assert isinstance(third, SQLiteLocks) and third.alone and not caplog.records
    for lock in (other, third):
        lock.close()
    await first.dispose()
    await second.dispose()


@pytest.mark.postgres
async def test_one_advisory_lock_holder_at_a_time_and_a_dead_holder_frees_it(
    postgres_url: str,
) -> None:
    first, second = make_engine(postgres_url), make_engine(postgres_url)
    try:
        one, other = tick_lock(first), tick_lock(second)
        async with one.hold() as got_first, other.hold() as got_second:
            assert got_first and not got_second
        async with other.hold() as got_after:
            assert got_after

        async with one.hold() as got_first:
            assert got_first
            async with second.connect() as connection:  # the holder dies (waited for: 5 s)
                await connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid, 5000) FROM pg_locks"
                        " WHERE locktype = 'advisory' AND pid <> pg_backend_pid()"
                        " AND database = (SELECT oid FROM pg_database"
                        " WHERE datname = current_database())"
                    )
                )
                await connection.commit()
            async with other.hold() as got_second:
                assert got_second  # PostgreSQL freed the dead session's lock
        async with one.hold() as got_again:
            assert got_again  # the broken connection was dropped, not handed out again
    finally:
        await first.dispose()
        await second.dispose()


@pytest.mark.postgres
async def test_instances_starting_together_on_a_new_database_all_start(postgres_url: str) -> None:
    """Each migrates the schema at start-up: without taking turns, two would both create the
    tables and one would fail to start."""
    base, _, _ = postgres_url.rpartition("/")
    name = postgres_url.rpartition("/")[2] + "_fresh"
    admin = make_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    settings = Settings(
        _env_file=None,
        bot_token=DEFAULT_TOKEN,
        telegram_api_url="http://127.0.0.1:9",
        database_url=f"{base}/{name}",
    )
    try:
        apps = await asyncio.gather(*(build_app(settings) for _ in range(3)))
        async with apps[0].uow_factory() as uow:
            assert await uow.deliveries.counts() == {}  # the schema is there, once
        for app in apps:
            await app.close()
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


# --- several instances against one PostgreSQL, with faults -------------------------------------
#
# A school week: 12 staff (one never answers, so reminders go out too) and 2 leaders; a step each
# weekday at 08:00, answered at once; the week's summary on Friday at 14:00. Every tick runs again
# five minutes later, after the lease (two minutes) of anything a failure left claimed.
# The end state is always checked the same way (`assert_each_once`): every delivery sent, each
# staff member holds the week's five steps and each member the week's summary once, and the local
# Telegram holds exactly the messages those deliveries account for: one each (a summary in
# several parts: its parts), so a message sent twice or sent and forgotten shows up.

MONDAY = date(2026, 11, 23)
FRIDAY = MONDAY + timedelta(days=4)
STAFF = tuple(range(5001, 5013))
SILENT = STAFF[-1]
LEADERS = (6001, 6002)
LEASE = timedelta(minutes=2)
LATER = timedelta(minutes=5)
Moment = tuple[datetime, bool]  # (when, answer the day's step afterwards)
WEEK: list[Moment] = [(oslo(MONDAY + timedelta(days=d), 8), True) for d in range(5)]
SUMMARY_AT = oslo(FRIDAY, 14)
WEEK.append((SUMMARY_AT, False))


class TcpProxy:
    """Stands between one engine and PostgreSQL: stop() cuts every connection and refuses new
    ones, as a database restart or a network cut would; start() lets them through again."""

    def __init__(self, target_port: int = PG_PORT) -> None:
        self.target_port = target_port
        self.port = 0
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._pipe, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._open):
            writer.transport.abort()
        self._open.clear()

    def url(self, database_url: str) -> str:
        return database_url.replace(f"{PG_HOST}:{PG_PORT}", f"127.0.0.1:{self.port}")

    async def _pipe(
        self, client_reader: asyncio.StreamReader, client: asyncio.StreamWriter
    ) -> None:
        try:
            upstream_reader, upstream = await asyncio.open_connection(PG_HOST, self.target_port)
        except OSError:
            client.transport.abort()
            return
        self._open |= {client, upstream}

        async def copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.CancelledError):
                while data := await reader.read(65536):
                    writer.write(data)
                    await writer.drain()
            writer.transport.abort()
            self._open.discard(writer)

        await asyncio.gather(copy(client_reader, upstream), copy(upstream_reader, client))


@dataclass
class Fleet:
    api: LocalBotAPI
    database_url: str
    invites: dict[str, str] = field(default_factory=dict)
    apps: list[App] = field(default_factory=list)

    async def instance(self, database_url: str | None = None, *, batch: int = 200) -> App:
        settings = Settings(
            _env_file=None,
            bot_token=DEFAULT_TOKEN,
            telegram_api_url=self.api.base_url,
            database_url=database_url or self.database_url,
            anonymity_threshold=3,
            messages_per_second=1000,
            chat_messages_per_second=30,
            lease_seconds=int(LEASE.total_seconds()),
        )
        app = await build_app(settings, clock=ManualClock(oslo(MONDAY, 7)))
        app.deliverer.batch = batch
        app.deliverer.quick_retry_delay = 0.05
        self.apps.append(app)
        return app

    async def kill(self, app: App, task: asyncio.Task[Any]) -> None:
        """The process dies: its work is cut wherever it was, its connections go."""
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        self.apps.remove(app)
        await app.close()

    async def seed(self) -> None:
        app = self.apps[0]
        self.invites = await seed_school(app, start=MONDAY)
        for user in (*STAFF, *LEADERS):
            invite = self.invites["leader" if user in LEADERS else "staff"]
            self.api.push_message(user, f"/start {invite}")  # they wrote; joined below directly
            async with app.uow_factory() as uow:
                await join(uow, invite, user, oslo(MONDAY, 7))

    async def answer_today(self, at: datetime) -> None:
        """Everyone but SILENT answers the step they got today."""
        app = self.apps[0]
        for user in STAFF:
            if user == SILENT:
                continue
            async with app.uow_factory() as uow:
                member = await uow.members.find(user)
                assert member is not None
                step = (await uow.deliveries.steps_of_member(member.id))[0]
                _, content = app.catalogue.step("skolemiljo", step.step_id or "")
                kind, options = content.question.kind, len(content.question.options or ())
                if kind is QuestionKind.NONE:
                    continue
                value: int | str = {"scale": 4, "choice": user % options if options else 0}.get(
                    kind.value, "Vi prøvde det i klassen, og det gikk godt"
                )
                outcome = await answering.answer(
                    uow, member.id, step, kind, value, at, options=options
                )
                assert outcome.outcome is Outcome.STORED


@contextlib.asynccontextmanager
async def fleet_of(database_url: str) -> AsyncIterator[Fleet]:
    async with LocalBotAPI() as api:
        fleet = Fleet(api, database_url)
        await fleet.instance()
        await fleet.seed()
        try:
            yield fleet
        finally:
            for app in fleet.apps:
                await app.close()


async def run_week(fleet: Fleet, tick_at: Callable[[datetime], Awaitable[object]]) -> None:
    """The week's moments, each ticked by `tick_at` and again (plainly) five minutes later."""
    for at, answer in WEEK:
        await tick_at(at)
        await tick(fleet.apps[0], at + LATER)
        if answer:
            await fleet.answer_today(at + LATER)


async def assert_each_once(fleet: Fleet) -> None:
    engine = make_engine(fleet.database_url)
    async with engine.connect() as connection:
        rows = (await connection.execute(select(DeliveryRow))).mappings().all()
        members = dict(
            (await connection.execute(select(MemberRow.id, MemberRow.telegram_id))).all()
        )
    await engine.dispose()

    unsent = [(row["kind"], row["status"], row["error"]) for row in rows if row["status"] != "sent"]
    assert unsent == []

    owed = Counter[tuple[int, str, str]]()
    for row in rows:
        who = members.get(row["member_id"], row["chat_id"])
        owed[who, row["kind"], str(row["step_id"] or row["week"])] += 1
    assert set(owed.values()) == {1}
    module0 = [s.id for s in fleet.apps[0].catalogue["skolemiljo"].module(0).steps][:5]
    for user in STAFF:
        assert sorted(k[2] for k in owed if k[0] == user and k[1] == Kind.STEP) == sorted(module0)
        assert (user, Kind.STAFF_SUMMARY, str(MONDAY)) in owed
    for user in LEADERS:
        assert (user, Kind.LEADER_SUMMARY, str(MONDAY)) in owed
    assert any(kind == Kind.REMINDER for _, kind, _ in owed)  # SILENT was reminded

    expected = Counter[int]()
    for row in rows:
        expected[row["chat_id"]] += max(1, row["parts_sent"])
    delivered = Counter(message.chat_id for message in fleet.api.sent_messages())
    assert delivered == expected


pg = pytest.mark.postgres


@pg
async def test_a_week_with_no_faults_meets_the_check(postgres_url: str) -> None:
    """The yardstick: what every fault test must still end with."""
    await empty_postgres(postgres_url)
    async with fleet_of(postgres_url) as fleet:
        await run_week(fleet, lambda at: tick(fleet.apps[0], at))
        await assert_each_once(fleet)
        leader_parts = [m for m in fleet.api.sent_messages(LEADERS[0]) if m.method == "sendPhoto"]
        assert leader_parts  # the summary came in several parts: the parts check has teeth


@pg
async def test_two_instances_ticking_at_once_send_each_message_once(postgres_url: str) -> None:
    await empty_postgres(postgres_url)
    async with fleet_of(postgres_url) as fleet:
        first = fleet.apps[0]
        first.deliverer.batch = 3  # small claims, so the two interleave
        second = await fleet.instance(batch=3)
        outline_of = partial(outline, first.catalogue)
        summaries = first.dispatcher.workflow_data["summaries"]
        planned_by: list[bool] = []

        async def both(at: datetime) -> None:
            if at.weekday() in (2, 4):  # Wednesday and Friday: plan on both, as if unlocked
                await asyncio.gather(
                    *(
                        plan_due(app.uow_factory, outline_of, at, summaries.close_week)
                        for app in (first, second)
                    )
                )
                await asyncio.gather(first.deliverer.send_due(at), second.deliverer.send_due(at))
                return
            reports = await asyncio.gather(tick(first, at), tick(second, at))
            planned_by.extend(report.planned_here for report in reports)

        await run_week(fleet, both)
        await assert_each_once(fleet)
        assert any(planned_by)


@pg
async def test_a_long_send_is_not_taken_over_by_a_later_tick_elsewhere(postgres_url: str) -> None:
    """Instance A has been sending for 2.5 minutes (its timer says so) when B ticks at 08:03:
    A's claims run from when they were made, so B leaves them alone and sends only the rest."""
    await empty_postgres(postgres_url)
    async with fleet_of(postgres_url) as fleet:
        first = fleet.apps[0]
        second = await fleet.instance()
        calls = 0

        def two_and_a_half_minutes_on() -> float:  # after the first reading
            nonlocal calls
            calls += 1
            return time.monotonic() + (150 if calls > 1 else 0)

        first.deliverer.timer = two_and_a_half_minutes_on
        first.deliverer.batch, first.deliverer.workers = 4, 1
        at = oslo(MONDAY, 8)
        fleet.api.delay_next("sendMessage", 0.2, count=len(STAFF) + len(LEADERS))
        since = fleet.api.call_count
        sending = asyncio.create_task(tick(first, at))
        await fleet.api.wait_for("sendMessage", answered=False, since=since)
        await asyncio.gather(sending, tick(second, at + timedelta(minutes=3)))
        fleet.api.faults.delays.clear()
        await run_week(fleet, lambda at: tick(fleet.apps[0], at))
        await assert_each_once(fleet)


@pg
async def test_an_instance_killed_mid_delivery_and_mid_summary_loses_and_doubles_nothing(
    postgres_url: str,
) -> None:
    await empty_postgres(postgres_url)
    async with fleet_of(postgres_url) as fleet:

        async def killed_then_restarted(at: datetime) -> None:
            if at.weekday() not in (0, 4):
                await tick(fleet.apps[0], at)
                return
            doomed = await fleet.instance()
            doomed.deliverer.workers = 1  # one send in flight: the one the kill cuts
            # Monday: after two messages; Friday 14:00: after a summary's first chart (a
            # summary is charts, then its text). The next send hangs, and the process dies.
            method, went_out = ("sendPhoto", 1) if at == SUMMARY_AT else ("sendMessage", 2)
            since = fleet.api.call_count
            task = asyncio.create_task(tick(doomed, at))
            for _ in range(went_out):
                # a cold chart worker on a busy machine takes seconds to draw the first page
                call = await fleet.api.wait_for(method, since=since, timeout=60)
                since = call.index + 1
            fleet.api.delay_next(method, 5, count=100)
            await fleet.api.wait_for(method, answered=False, since=since)
            await fleet.kill(doomed, task)
            fleet.api.faults.delays.clear()
            async with fleet.apps[0].uow_factory() as uow:
                assert (await uow.deliveries.counts()).get("claimed")  # it died holding claims
            restarted = await fleet.instance()
            await tick(restarted, at + LEASE + timedelta(minutes=1))

        await run_week(fleet, killed_then_restarted)
        await assert_each_once(fleet)


@pg
async def test_postgresql_cut_between_and_during_ticks_loses_and_doubles_nothing(
    postgres_url: str,
) -> None:
    await empty_postgres(postgres_url)
    proxy = TcpProxy()
    await proxy.start()
    try:
        async with fleet_of(postgres_url) as fleet:
            cut_off = await fleet.instance(proxy.url(postgres_url))

            async def through_the_proxy(at: datetime) -> None:
                if at.weekday() == 1:  # Tuesday: the database is away when the tick comes
                    await proxy.stop()
                    with pytest.raises((OSError, DBAPIError)):
                        await tick(cut_off, at)
                    await proxy.start()
                    await tick(cut_off, at + timedelta(minutes=1))
                elif at.weekday() == 3:  # Thursday: it goes away mid-send, back 2 s later
                    fleet.api.delay_next("sendMessage", 0.3, count=100)
                    since = fleet.api.call_count
                    sending = asyncio.create_task(tick(cut_off, at))
                    await fleet.api.wait_for("sendMessage", answered=False, since=since)
                    await proxy.stop()
                    await asyncio.sleep(2)
                    await proxy.start()
                    with contextlib.suppress(OSError, DBAPIError):
                        await sending  # it may fail on what it read while the database was away
                    fleet.api.faults.delays.clear()
                else:
                    await tick(cut_off, at)

            await run_week(fleet, through_the_proxy)
            await assert_each_once(fleet)
    finally:
        await proxy.stop()


@pg
async def test_429s_server_errors_and_time_outs_lose_and_double_nothing(postgres_url: str) -> None:
    await empty_postgres(postgres_url)
    async with fleet_of(postgres_url) as fleet:
        app = fleet.apps[0]
        app.bot.session.timeout = 1  # a send Telegram sits on for longer is a time-out

        async def with_trouble(at: datetime) -> None:
            api = fleet.api
            if at.weekday() == 0:
                api.fail_next("sendMessage", 429, retry_after=1)
                api.fail_next("sendMessage", 500, chat_id=STAFF[1], count=5)  # deferred
            elif at.weekday() == 1:
                api.fail_next("sendMessage", 502, count=2)
                api.delay_next("sendMessage", 3, count=2)  # two time-outs
            elif at == SUMMARY_AT:
                api.fail_next("sendPhoto", 429, retry_after=1)
                api.fail_next("sendPhoto", 500, chat_id=LEADERS[0], count=5)  # mid-summary
            report = await tick(app, at)
            if at.weekday() == 0:
                assert report.sent.deferred == 1
            if at == SUMMARY_AT:
                assert report.sent.deferred >= 1

        await run_week(fleet, with_trouble)
        await assert_each_once(fleet)
        assert fleet.api.calls_to("sendMessage")[0].status == 429
        assert Metrics.total(app.metrics.rate_limited) >= 2
        assert Metrics.total(app.metrics.retries) >= 2
