"""Answer validation: what is refused, what is stored, and that nothing else is, without
Telegram. Anne and Bo were sent Monday's step."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from domain.answerable import Answerable
from domain.deliveries import Kind
from domain.model import Member, QuestionKind
from services.answering import TEXT_MAX, Outcome, answer, answer_step, answerable
from storage.models import AnswerMarkRow, AnswerRow
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


async def what_is_kept(uows: MemoryDatabase, berg: School, *members: Member) -> object:
    """Every trace an answer leaves: the anonymous answers, who took part, the answer marks."""
    async with uows() as uow:
        answers = await uow.answers.unshown(berg.group.id, MONDAY)
        took_part = [await uow.participation.of_member(m.id) for m in members]
    async with uows.sessions() as session:
        marks = await session.scalar(select(func.count()).select_from(AnswerMarkRow))
    return sorted(a.answer_id for a in answers), took_part, marks


REFUSED: dict[str, tuple[QuestionKind, int | str, int, Outcome]] = {
    "scale below 1": (QuestionKind.SCALE, 0, 0, Outcome.INVALID),
    "scale above 5": (QuestionKind.SCALE, 6, 0, Outcome.INVALID),
    "choice past the last option": (QuestionKind.CHOICE, 5, 5, Outcome.INVALID),
    "choice with no options": (QuestionKind.CHOICE, 0, 0, Outcome.INVALID),
    "only control characters": (QuestionKind.TEXT, "\x00\x1b\x7f\x9f\u0085", 0, Outcome.INVALID),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
async def test_a_refused_value_commits_nothing_and_leaves_no_trace(
    uows: MemoryDatabase, case: str
) -> None:
    kind, value, options, outcome = REFUSED[case]
    berg, anne, bo, step = await sent_a_step(uows)
    before, commits = await what_is_kept(uows, berg, anne, bo), uows.commits
    async with uows() as uow:
        done = await answer_step(uow, anne.id, step, kind, value, NOW, options=options)
    assert done.outcome is outcome
    assert (await what_is_kept(uows, berg, anne, bo), uows.commits) == (before, commits)


async def test_a_second_answer_a_late_one_and_someone_elses_change_nothing(
    uows: MemoryDatabase,
) -> None:
    berg, anne, bo, step = await sent_a_step(uows)
    async with uows() as uow:
        first = await answer_step(uow, anne.id, step, QuestionKind.CHOICE, 2, NOW, options=5)
    assert first.outcome is Outcome.STORED
    kept, commits = await what_is_kept(uows, berg, anne, bo), uows.commits
    async with uows() as uow:
        bos_step = (await uow.answerable.unanswered(bo.id))[0]
    friday_afternoon = oslo(MONDAY + timedelta(days=4), 14)
    tries = [
        (anne.id, step, NOW, Outcome.ALREADY),  # a double tap, or the same step another way
        (bo.id, step, NOW, Outcome.NOT_YOURS),  # Anne's button, crafted by Bo
        (bo.id, bos_step, friday_afternoon, Outcome.CLOSED),  # the week's summary is out
    ]
    for member_id, found, at, outcome in tries:
        async with uows() as uow:
            done = await answer_step(uow, member_id, found, QuestionKind.CHOICE, 1, at, options=5)
        assert done.outcome is outcome
    assert (await what_is_kept(uows, berg, anne, bo), uows.commits) == (kept, commits)


async def test_a_stale_or_unknown_delivery_is_not_the_members_to_answer(
    uows: MemoryDatabase,
) -> None:
    berg, anne, bo, step = await sent_a_step(uows)
    before, commits = await what_is_kept(uows, berg, anne, bo), uows.commits
    async with uows() as uow:
        (delivery,) = await uow.deliveries.of_member(anne.id)
        gone = replace(delivery, id=delivery.id + 10_000)
        assert await answerable(uow, anne.id, gone.id) is None
        assert await answerable(uow, bo.id, delivery.id) is None
        unknown = await answer(uow, anne.id, gone, QuestionKind.CHOICE, 1, NOW, options=5)
        crafted = await answer(uow, bo.id, delivery, QuestionKind.CHOICE, 1, NOW, options=5)
        # a reply to something that is not a step (here: a step made to look like a reminder)
        reminder = replace(step, kind=Kind.REMINDER)
        not_a_step = await answer_step(uow, anne.id, reminder, QuestionKind.SCALE, 3, NOW)
    assert unknown.outcome is crafted.outcome is not_a_step.outcome is Outcome.NOT_YOURS
    assert (await what_is_kept(uows, berg, anne, bo), uows.commits) == (before, commits)


async def test_control_characters_go_and_the_rest_of_the_text_is_kept(
    uows: MemoryDatabase,
) -> None:
    berg, anne, _, step = await sent_a_step(uows)
    written = "\x00Vi hilser\x1b i døra,\r\nhver\x7f morgen.\u0085\t"
    async with uows() as uow:
        done = await answer_step(uow, anne.id, step, QuestionKind.TEXT, written, NOW)
    assert done.outcome is Outcome.STORED
    (kept,) = await stored(uows, berg)
    assert kept.text == "Vi hilser i døra,\nhver morgen."


async def test_a_stored_answer_names_no_member_no_chat_and_no_message(
    uows: MemoryDatabase,
) -> None:
    berg, anne, _, step = await sent_a_step(uows)
    async with uows() as uow:
        (delivery,) = await uow.deliveries.of_member(anne.id)
        done = await answer_step(uow, anne.id, step, QuestionKind.SCALE, 4, NOW)
    assert done.outcome is Outcome.STORED
    assert set(AnswerRow.__table__.columns.keys()) == {
        "id", "group_id", "rollout_id", "step_id", "week", "kind", "scale", "choice", "text",
        "shown_in_week",
    }  # fmt: skip
    async with uows.sessions() as session:
        (row,) = (await session.execute(select(AnswerRow.__table__))).mappings().all()
    assert (row["group_id"], row["step_id"], row["week"], row["scale"]) == (
        berg.group.id,
        step.step_id,
        MONDAY,
        4,
    )
    # its key is drawn at random: not the member's, the chat's, the message's or a counter
    assert len(row["id"]) == 32 and row["id"] not in {
        str(v) for v in (anne.id, anne.telegram_id, delivery.chat_id, delivery.message_id, 1)
    }
