"""Answer validation: what is refused, what is stored, and that nothing else is, without
Telegram. Anne and Bo were sent Monday's step."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.answerable import Answerable
from domain.model import Member, QuestionKind
from services.answering import TEXT_MAX, Outcome, answer_step
from storage.repositories.answers import StoredAnswer
from tests.service.answering_help import owe_and_send
from tests.service.fakes import MemoryDatabase
from tests.service.seed import MONDAY, School, joined, oslo, school_with_rollout

NOW = oslo(MONDAY, 9)


async def sent_a_step(uows: MemoryDatabase) -> tuple[School, Member, Member, Answerable]:
    berg = await school_with_rollout(uows)
    anne = await joined(uows, berg.staff_code, 501)
    bo = await joined(uows, berg.staff_code, 502)
    await owe_and_send(uows, oslo(MONDAY, 8))
    async with uows() as uow:
        (step,) = await uow.answerable.unanswered(anne.id)
    return berg, anne, bo, step


async def stored(uows: MemoryDatabase, berg: School) -> list[StoredAnswer]:
    async with uows() as uow:
        return await uow.answers.unshown(berg.group.id, MONDAY)


@pytest.mark.parametrize(
    ("kind", "value", "options"),
    [
        (QuestionKind.SCALE, 0, 0),
        (QuestionKind.SCALE, 6, 0),
        (QuestionKind.SCALE, "3", 0),
        (QuestionKind.CHOICE, -1, 3),
        (QuestionKind.CHOICE, 3, 3),
        (QuestionKind.TEXT, "", 0),
        (QuestionKind.TEXT, "   \n\t ", 0),
        (QuestionKind.TEXT, "\x00\x07\x1b\x7f", 0),
        (QuestionKind.TEXT, 4, 0),
        (QuestionKind.NONE, "svar", 0),
    ],
)
async def test_a_value_the_question_does_not_take_is_refused_and_nothing_is_stored(
    uows: MemoryDatabase, kind: QuestionKind, value: int | str, options: int
) -> None:
    berg, anne, _, step = await sent_a_step(uows)
    async with uows() as uow:
        done = await answer_step(uow, anne.id, step, kind, value, NOW, options=options)
    assert done.outcome is Outcome.INVALID
    assert await stored(uows, berg) == []
    async with uows() as uow:
        assert await uow.participation.answered_steps(anne.id) == set()  # still open to answer


async def test_a_long_text_is_cut_at_the_limit_and_control_characters_go(
    uows: MemoryDatabase,
) -> None:
    berg, anne, _, step = await sent_a_step(uows)
    async with uows() as uow:
        written = "<b>Vi</b>\x07 hilser" + "å" * (TEXT_MAX + 500)
        done = await answer_step(uow, anne.id, step, QuestionKind.TEXT, written, NOW)
    assert done.outcome is Outcome.STORED
    (answer,) = await stored(uows, berg)
    assert answer.text is not None and len(answer.text) == TEXT_MAX
    assert answer.text.startswith("<b>Vi</b> hilser")  # kept as written: escaped when shown


async def test_a_phone_number_is_masked_before_it_is_stored(uows: MemoryDatabase) -> None:
    berg, anne, _, step = await sent_a_step(uows)
    async with uows() as uow:
        text = "Ring meg på 912 34 567"
        done = await answer_step(uow, anne.id, step, QuestionKind.TEXT, text, NOW)
    assert done.outcome is Outcome.STORED and "phone" in done.masked
    (answer,) = await stored(uows, berg)
    assert answer.text is not None and "912 34 567" not in answer.text


async def test_one_answer_per_person_and_step(uows: MemoryDatabase) -> None:
    berg, anne, _, step = await sent_a_step(uows)
    for expected in (Outcome.STORED, Outcome.ALREADY, Outcome.ALREADY):
        async with uows() as uow:
            done = await answer_step(uow, anne.id, step, QuestionKind.SCALE, 4, NOW)
        assert done.outcome is expected
    assert [a.scale for a in await stored(uows, berg)] == [4]


async def test_someone_elses_step_and_a_closed_week_are_refused(uows: MemoryDatabase) -> None:
    berg, anne, bo, step = await sent_a_step(uows)
    async with uows() as uow:
        crafted = await answer_step(uow, bo.id, step, QuestionKind.SCALE, 4, NOW)
        after_close = oslo(MONDAY + timedelta(days=4), 14)
        late = await answer_step(uow, anne.id, step, QuestionKind.SCALE, 4, after_close)
        gone = await uow.answerable.by_id(bo.id, step.delivery_id)  # Bo asking for Anne's
    assert crafted.outcome is Outcome.NOT_YOURS
    assert late.outcome is Outcome.CLOSED
    assert gone is None
    assert await stored(uows, berg) == []
