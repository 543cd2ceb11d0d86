"""Operator-proof storage, end to end: once a week is frozen, a copy of the database ties no
answer to its writer. Ten staff answer a text step one after another; the week closes; then the
test reads the database the way an operator could: on PostgreSQL every row's transaction id
(xmin) and physical place (ctid), and the raw pages of the table and its indexes (dead versions
and free space included); on SQLite the row order and the bytes of the file and its log.

Each writer's text is distinct, so the test can follow an answer from arrival to its frozen row;
the bot knows nothing of that.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import make_engine
from tests.conftest import empty_postgres
from tests.support.harness import Refleks, oslo, running_refleks, seed_school

MONDAY = date(2026, 11, 23)
TUESDAY = MONDAY + timedelta(days=1)
FRIDAY_CLOSE = oslo(MONDAY + timedelta(days=4), 14)
STAFF = tuple(range(1101, 1111))
LEADER = 2001


def said_by(user: int) -> str:
    return f"Svar nummer {user - 1100} om trygghet i friminuttet"


async def answer_one_by_one(
    refleks: Refleks, database_url: str, staff: tuple[int, ...] = STAFF
) -> list[tuple[str, int]]:
    """Every staff member answers Tuesday's text step in turn; for each answer, the key its row
    got and (on PostgreSQL) the id of the transaction that wrote it, as an operator watching
    the live table would see them."""
    before = len(refleks.api.sent_messages())
    await refleks.tick(oslo(TUESDAY, 8))
    sent = {m.chat_id: m.message_id for m in refleks.api.sent_messages()[before:]}
    arrived: list[tuple[str, int]] = []
    engine = make_engine(database_url)
    try:
        for user in staff:
            await refleks.say(user, said_by(user), reply_to_message_id=sent[user])
            async with engine.connect() as connection:
                xmin = "xmin::text::bigint" if engine.dialect.name == "postgresql" else "0"
                rows = await connection.execute(text(f"SELECT id, {xmin} FROM answers"))
                new = [(key, int(tx)) for key, tx in rows if key not in dict(arrived)]
            assert len(new) == 1
            arrived += new
    finally:
        await engine.dispose()
    return arrived


async def school_week(
    database_url: str, folder: Path | None = None
) -> tuple[list[tuple[str, int]], list[str], bytes]:
    """The week with its ten answers, then its freeze; returns what arrived, the texts in
    arrival order, and (for a SQLite file in `folder`) the bytes of the database's files as a
    copy taken right after the freeze, the bot still running, would hold them."""
    async with running_refleks(database_url, oslo(MONDAY, 7), threshold=5) as refleks:
        refleks.invites = await seed_school(refleks.app, start=MONDAY)
        await refleks.join(LEADER, "leader")
        for user in STAFF:
            await refleks.join(user)
        arrived = await answer_one_by_one(refleks, database_url)
        await refleks.tick(FRIDAY_CLOSE)
        summary = "\n".join(m.visible_text or "" for m in refleks.messages(LEADER))
        assert said_by(STAFF[0]) in summary  # the week was frozen and its texts shown
        copy = copy_of_files(folder) if folder is not None else b""
    return arrived, [said_by(user) for user in STAFF], copy


def copy_of_files(folder: Path) -> bytes:
    """The SQLite database's files (the database, its write-ahead log), as a copy holds them."""
    files = sorted(folder.iterdir())
    return b"".join(file.read_bytes() for file in files if file.name.startswith("refleks.db"))


async def frozen_texts(connection: AsyncConnection, order: str) -> list[str]:
    rows = await connection.execute(text(f"SELECT text FROM answers ORDER BY {order}"))
    return [row[0] for row in rows]


@pytest.mark.postgres
async def test_a_frozen_week_on_postgresql_ties_no_answer_to_its_writer(
    postgres_url: str,
) -> None:
    await empty_postgres(postgres_url)
    arrived, in_arrival_order, _ = await school_week(postgres_url)
    engine = make_engine(postgres_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT id, xmin::text::bigint FROM answers"))
            frozen = dict(rows.all())
            taken = await connection.execute(
                text(
                    "SELECT m.telegram_id, p.xmin::text::bigint FROM participation p"
                    " JOIN members m ON m.id = p.member_id"
                )
            )
            writer_xids = {int(user): int(x) for user, x in taken}
            participation_xids = set(writer_xids.values())
            by_place = await frozen_texts(connection, "ctid")
            raw = await raw_pages(connection)
    finally:
        await engine.dispose()

    assert len(frozen) == len(STAFF)
    # xmin: one transaction wrote them all, and it wrote no participation row
    assert len(set(frozen.values())) == 1
    assert not set(frozen.values()) & participation_xids
    # while the week was open, each answer had its own transaction, next to its writer's
    assert len({xid for _, xid in arrived}) == len(STAFF)
    # (transaction ids are the whole server's: other databases' transactions may come between,
    # so "next to" is: after its writer's participation, before the next writer's)
    bounds = [writer_xids[user] for user in STAFF] + [2**63]
    assert all(bounds[n] < xid < bounds[n + 1] for n, (_, xid) in enumerate(arrived))
    # no key survived, and physical order is not the order of arrival
    assert not set(frozen) & {key for key, _ in arrived}
    assert sorted(by_place) == sorted(in_arrival_order)
    assert by_place != in_arrival_order
    # dead versions and free space: the old keys are nowhere in the table's or indexes' pages
    for key, _ in arrived:
        assert key.encode() not in raw


@pytest.mark.postgres
async def test_a_write_still_running_at_the_freeze_keeps_no_old_key_in_the_pages(
    postgres_url: str,
) -> None:
    """A transaction that began before the freeze (a reply being handled, a send being written
    down) would let VACUUM FULL copy the answers' old versions into the new files."""
    await empty_postgres(postgres_url)
    engine = make_engine(postgres_url)
    try:
        async with running_refleks(postgres_url, oslo(MONDAY, 7), threshold=5) as refleks:
            refleks.invites = await seed_school(refleks.app, start=MONDAY)
            await refleks.join(LEADER, "leader")
            for user in STAFF:
                await refleks.join(user)
            arrived = await answer_one_by_one(refleks, postgres_url)
            async with engine.connect() as running:
                await running.execute(text("UPDATE members SET paused = paused"))  # an xid
                freeze = asyncio.create_task(refleks.tick(FRIDAY_CLOSE))
                await asyncio.sleep(0.5)  # the freeze commits; compaction waits for this one
                await running.commit()
            await freeze
        async with engine.connect() as connection:
            raw = await raw_pages(connection)
    finally:
        await engine.dispose()
    assert raw
    for key, _ in arrived:
        assert key.encode() not in raw


async def raw_pages(connection: AsyncConnection) -> bytes:
    """Every page of the answers table and its indexes, as stored (pageinspect)."""
    await connection.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
    relations = await connection.execute(
        text(
            "SELECT c.relname FROM pg_class c WHERE c.oid = 'answers'::regclass "
            "OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = 'answers'::regclass)"
        )
    )
    pages = []
    for (name,) in relations.all():
        count = await connection.scalar(text(f"SELECT pg_relation_size('{name}') / 8192"))
        for block in range(int(count or 0)):
            page = await connection.scalar(text(f"SELECT get_raw_page('{name}', {block})"))
            pages.append(bytes(page))
    return b"".join(pages)


async def test_a_frozen_week_on_sqlite_keeps_no_order_and_no_old_bytes(tmp_path: Path) -> None:
    path = tmp_path / "refleks.db"
    url = f"sqlite+aiosqlite:///{path}"
    arrived, in_arrival_order, on_disk = await school_week(url, tmp_path)
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            stored = await frozen_texts(connection, "id")  # the table's own (key) order
            natural = [row[0] for row in await connection.execute(text("SELECT text FROM answers"))]
            keys = {row[0] for row in await connection.execute(text("SELECT id FROM answers"))}
    finally:
        await engine.dispose()
    assert sorted(stored) == sorted(in_arrival_order)
    assert stored != in_arrival_order and natural != in_arrival_order
    assert not keys & {key for key, _ in arrived}
    assert len(on_disk) > 4096
    for key, _ in arrived:  # not in a free page, not in a deleted cell, not in the log
        assert key.encode() not in on_disk


async def test_the_night_after_answering_unties_an_open_weeks_answers(database_url: str) -> None:
    """The week is still open, but the first tick after 03:00 rewrites its answers and compacts:
    the window in which an answer is tied to its writer is a night, not a week."""
    async with running_refleks(database_url, oslo(MONDAY, 7), threshold=5) as refleks:
        refleks.invites = await seed_school(refleks.app, start=MONDAY)
        for user in STAFF[:6]:
            await refleks.join(user)
        arrived = await answer_one_by_one(refleks, database_url, STAFF[:6])
        await refleks.tick(oslo(TUESDAY, 23, 59))  # the same day: nothing changes yet
        assert await keys_and_xids(database_url) == dict(arrived)
        await refleks.tick(oslo(TUESDAY + timedelta(days=1), 3, 1))
        sealed = await keys_and_xids(database_url)
    assert len(sealed) == 6 and not set(sealed) & dict(arrived).keys()
    if database_url.startswith("postgresql"):
        assert len(set(sealed.values())) == 1
        engine = make_engine(database_url)
        try:
            async with engine.connect() as connection:
                raw = await raw_pages(connection)
        finally:
            await engine.dispose()
        assert not any(key.encode() in raw for key, _ in arrived)


async def keys_and_xids(database_url: str) -> dict[str, int]:
    engine = make_engine(database_url)
    xmin = "xmin::text::bigint" if engine.dialect.name == "postgresql" else "0"
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text(f"SELECT id, {xmin} FROM answers"))
            return {key: int(xid) for key, xid in rows}
    finally:
        await engine.dispose()
