"""An update arriving: handled once however often Telegram delivers it, and answered in the
language its sender reads."""

from __future__ import annotations

from services import arrivals
from services.joining import Joined, join
from tests.service.fakes import MemoryDatabase
from tests.service.seed import MONDAY, oslo, school

BOT = 42


async def test_an_update_delivered_again_is_recognised_but_only_once_committed(
    uows: MemoryDatabase,
) -> None:
    async with uows() as uow:
        assert await arrivals.first_time(uow, BOT, 1001, MONDAY)
        # its handler failed: nothing committed, so the redelivery is handled afresh
    async with uows() as uow:
        assert await arrivals.first_time(uow, BOT, 1001, MONDAY)
        await uow.commit()
    async with uows() as uow:
        assert not await arrivals.first_time(uow, BOT, 1001, MONDAY)
        assert await arrivals.first_time(uow, BOT + 1, 1001, MONDAY)  # another bot's update


async def test_a_stranger_reads_what_their_telegram_app_speaks(uows: MemoryDatabase) -> None:
    async with uows() as uow:
        assert await arrivals.sender(uow, 501, "en-GB") == arrivals.Sender(None, "en")
        assert await arrivals.sender(uow, 501, "nn") == arrivals.Sender(None, "nn")
        assert await arrivals.sender(uow, None, None) == arrivals.Sender(None, "nb")


async def test_a_members_telegram_language_is_kept_until_they_choose_one(
    uows: MemoryDatabase,
) -> None:
    berg = await school(uows)
    async with uows() as uow:
        assert isinstance(await join(uow, berg.staff_code, 501, oslo(MONDAY, 9)), Joined)
        await uow.commit()
    async with uows() as uow:
        first = await arrivals.sender(uow, 501, "en")
        await uow.commit()
    assert first.member is not None and first.language == "en"
    async with uows() as uow:
        # what Telegram said is kept for what is sent unasked (steps, reminders)
        later = await arrivals.sender(uow, 501, None)
        assert later.member is not None and later.member.reads == "en"
        await uow.members.set_language(later.member.id, "nn")
        await uow.commit()
    async with uows() as uow:
        assert (await arrivals.sender(uow, 501, "en")).language == "nn"
        assert await arrivals.languages_read(uow, [501, 999]) == {501: "nn"}


async def test_no_answers_stored_in_a_unit_of_work_that_stored_none(uows: MemoryDatabase) -> None:
    async with uows() as uow:
        assert arrivals.answers_stored(uow) == 0
