"""/bekymring: a worry about a child goes to the school's routine, never into Refleks.

Staff will write things like "I think a pupil in 5B is being excluded". The free-text question
says where such a worry goes; /bekymring shows the organisation's own routine; and neither the
command nor what is written after it leaves a trace in the database.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from dialogues.i18n import Texts
from services import admin
from storage.models import Base, ProcessedUpdateRow
from storage.uow import UnitOfWork
from tests.support.harness import Refleks, oslo, running_refleks, seed_school

MONDAY = date(2026, 11, 23)
KARI = 1001
WORRY = "Jeg tror en elev i 5B blir holdt utenfor i friminuttene"
NB, EN = Texts("nb"), Texts("en")


async def everything_stored(refleks: Refleks) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table but the update log, which holds update ids and days only."""
    async with refleks.app.uow_factory() as uow:
        return await _rows(uow)


async def _rows(uow: UnitOfWork) -> dict[str, list[tuple[object, ...]]]:
    tables: dict[str, list[tuple[object, ...]]] = {}
    for table in Base.metadata.sorted_tables:
        if table.name != ProcessedUpdateRow.__tablename__:
            rows = await uow.session.execute(select(table))
            tables[table.name] = sorted((tuple(row) for row in rows), key=repr)
    return tables


async def test_the_concern_command_shows_the_routine_and_stores_nothing(
    database_url: str,
) -> None:
    async with running_refleks(database_url, oslo(MONDAY, 7)) as refleks:
        refleks.invites = await seed_school(refleks.app, start=MONDAY)
        async with refleks.app.uow_factory() as uow:
            org = await admin.org(uow, "nordby")
            await admin.set_concern_routine(
                uow, org, "Rektor Eva <Berg>, telefon 22 22 22 22", "https://nordby.no/rutine"
            )
            await uow.commit()
        await refleks.join(KARI)
        tuesday = MONDAY + timedelta(days=1)
        await refleks.tick(oslo(tuesday, 8))  # Tuesday asks a free-text question
        step = refleks.messages(KARI)[-1]
        assert NB("step.text_note_school") in (step.text or "")  # the line under the question
        await refleks.say(KARI, "/start")  # settles what every first message stores
        before = await everything_stored(refleks)
        async with refleks.app.uow_factory() as uow:
            updates_before = len((await uow.session.execute(select(ProcessedUpdateRow))).all())

        routine = await refleks.say(KARI, "/bekymring")
        assert "Rektor Eva &lt;Berg&gt;, telefon 22 22 22 22" in (routine.text or "")  # escaped
        assert "https://nordby.no/rutine" in (routine.text or "")
        assert NB("concern.nothing_stored") in (routine.text or "")
        reply = await refleks.say(KARI, WORRY)  # the worry, written in the chat: not an answer
        assert reply.text == NB("concern.not_stored")

        assert await everything_stored(refleks) == before
        async with refleks.app.uow_factory() as uow:
            updates = (await uow.session.execute(select(ProcessedUpdateRow))).all()
        assert len(updates) == updates_before + 2  # the two updates, by id only
        assert all(WORRY not in repr(tuple(row)) for row in updates)

        # after it, an answer to the step is an answer again
        stored = await refleks.say(KARI, "Vi snakket om det.", reply_to_message_id=step.message_id)
        assert stored.text != NB("concern.not_stored")
        assert await everything_stored(refleks) != before


async def test_a_reply_to_the_step_after_the_concern_command_is_still_an_answer(
    database_url: str,
) -> None:
    async with running_refleks(database_url, oslo(MONDAY, 7)) as refleks:
        refleks.invites = await seed_school(refleks.app, start=MONDAY)
        await refleks.join(KARI)
        await refleks.tick(oslo(MONDAY + timedelta(days=1), 8))  # a free-text question
        step = refleks.messages(KARI)[-1]
        await refleks.say(KARI, "/bekymring")
        reply = await refleks.say(KARI, "Vi snakket om det.", reply_to_message_id=step.message_id)
        assert (reply.text or "").startswith(NB("answer.stored"))
        async with refleks.app.uow_factory() as uow:
            org = await uow.orgs.by_slug("nordby")
            group = await uow.groups.find(org.id, "laerere")
            assert group is not None and await uow.answers.count(group.id) == 1


async def test_without_a_routine_of_its_own_the_law_s_default_is_shown_in_english(
    database_url: str,
) -> None:
    async with running_refleks(database_url, oslo(MONDAY, 7)) as refleks:
        refleks.invites = await seed_school(refleks.app, start=MONDAY)
        await refleks.join(KARI, language="en")
        routine = await refleks.say(KARI, "/concern", language_code="en")
        assert EN("concern.tell_rektor") in (routine.text or "")
        assert EN("concern.emergency") in (routine.text or "")
        stranger = await refleks.say(4242, "/bekymring", language_code="nb")  # not a member
        assert NB("concern.routine_unknown") in (stranger.text or "")
