"""The weekly summaries' use cases as a leader meets them, without Telegram: closing a week, the
week so far, the export, a leader's note, the retention of texts, and what pooling counts.
Threshold 5 throughout; Berg skole runs module 0 of skolemiljo (week 1: a choice, a text, a
scale, a choice and a text; the next Monday the pooled `trygghet` scale)."""

from __future__ import annotations

from datetime import datetime, timedelta

from dialogues.i18n import Texts
from dialogues.summary_views import export_csv, export_markdown, render_summary, so_far_text
from domain.deliveries import Kind
from domain.model import Member, QuestionKind, Role
from domain.summary import ChoiceResult, CountStatus, ScaleResult, TextResult, WeekSummary
from services import admin
from services.answering import Outcome, answer_step
from services.schedule import group_plans
from services.weekly import WeekSummaries
from tests.service.answering_help import CATALOGUE, OUTLINE, owe_and_send, value_for
from tests.service.fakes import MemoryDatabase
from tests.service.seed import MONDAY, School, joined, oslo, school_with_rollout

THRESHOLD = 5
FRIDAY_CLOSE = oslo(MONDAY + timedelta(days=4), 14)
NEXT_MONDAY = MONDAY + timedelta(weeks=1)
LEADER = 6_100_001
FIRST_STAFF = 7_100_001
NB = Texts("nb")


def said(n: int, day: int) -> str:
    return f"Dette skrev nummer {n} dag {day}"


async def answer_open(
    uows: MemoryDatabase, member: Member, at: datetime, text: str, *, write: bool = True
) -> int:
    """The member answers every open step they were sent; texts only when `write`."""
    async with uows() as uow:
        open_steps = await uow.answerable.unanswered(member.id)
    stored = 0
    for found in open_steps:
        _, step = CATALOGUE.step(found.package_id or "", found.step_id or "")
        kind = step.question.kind
        if kind is QuestionKind.TEXT and not write:
            continue
        options = len(step.question.options or [])
        async with uows() as uow:
            done = await answer_step(
                uow, member.id, found, kind, value_for(kind, text), at, options=options
            )
        assert done.outcome is Outcome.STORED
        stored += 1
    return stored


async def staffed_school(uows: MemoryDatabase, staff: int) -> tuple[School, list[Member]]:
    berg = await school_with_rollout(uows)
    await joined(uows, berg.leader_code, LEADER)
    members = [await joined(uows, berg.staff_code, FIRST_STAFF + n) for n in range(staff)]
    return berg, members


async def week_one(
    uows: MemoryDatabase, members: list[Member], answerers: int, writers: int
) -> None:
    """Monday to Friday: the first `answerers` answer every choice and scale, and the first
    `writers` of them the texts too."""
    for day in range(5):
        at = oslo(MONDAY + timedelta(days=day), 8)
        await owe_and_send(uows, at)
        for n, member in enumerate(members[:answerers]):
            await answer_open(
                uows, member, at + timedelta(hours=1), said(n, day), write=n < writers
            )


async def close(
    uows: MemoryDatabase, berg: School, summaries: WeekSummaries, week: datetime = FRIDAY_CLOSE
) -> int:
    monday = week.date() - timedelta(days=week.weekday())
    async with uows() as uow:
        (plan,) = await group_plans(uow, [berg.group.id], OUTLINE)
        return await summaries.close_week(uow, plan, monday, week)


async def frozen(uows: MemoryDatabase, berg: School, summaries: WeekSummaries) -> WeekSummary:
    async with uows() as uow:
        found = await summaries.snapshot(uow, berg.group.id, MONDAY)
    assert found is not None
    return found


def texts_in(summary: WeekSummary) -> list[str]:
    return [t for r in summary.results if isinstance(r, TextResult) for t in r.texts]


async def test_below_the_threshold_of_answerers_the_leader_sees_participation_only(
    uows: MemoryDatabase,
) -> None:
    berg, members = await staffed_school(uows, 8)
    await week_one(uows, members, answerers=4, writers=4)
    summaries = WeekSummaries(CATALOGUE, THRESHOLD, OUTLINE)
    assert await close(uows, berg, summaries) == 1 + 8
    summary = await frozen(uows, berg, summaries)
    assert summary.results == ()
    assert summary.participation.members == 8
    assert all(step.status is CountStatus.TOO_FEW for step in summary.participation.steps)
    assert all(step.answered is None for step in summary.participation.steps)
    html = render_summary(summary, NB, berg.group.name, leader=True, modules=[])
    assert not any(said(n, day) in html for n in range(4) for day in range(5))
    assert NB("summary.nothing_shown", threshold=THRESHOLD) in html


async def test_texts_are_shown_only_under_a_question_with_enough_writers(
    uows: MemoryDatabase,
) -> None:
    """Six answer every choice and scale, but only four of them write: the figures are shown,
    the texts wait (four writers could be told apart)."""
    berg, members = await staffed_school(uows, 8)
    await week_one(uows, members, answerers=6, writers=4)
    summaries = WeekSummaries(CATALOGUE, THRESHOLD, OUTLINE)
    await close(uows, berg, summaries)
    summary = await frozen(uows, berg, summaries)
    kinds = sorted(type(r).__name__ for r in summary.results)
    assert kinds and "TextResult" not in kinds
    assert all(isinstance(r, ScaleResult | ChoiceResult) for r in summary.results)
    assert all(r.total >= THRESHOLD for r in summary.results)
    assert {q.step_id for q in summary.too_few} == {"s0-2", "s0-5"}  # the two text questions
    html = render_summary(summary, NB, berg.group.name, leader=True, modules=[])
    assert not any(said(n, day) in html for n in range(6) for day in range(5))


async def test_texts_are_shown_once_five_have_written_them(uows: MemoryDatabase) -> None:
    berg, members = await staffed_school(uows, 8)
    await week_one(uows, members, answerers=5, writers=5)
    summaries = WeekSummaries(CATALOGUE, THRESHOLD, OUTLINE)
    await close(uows, berg, summaries)
    shown = texts_in(await frozen(uows, berg, summaries))
    assert sorted(shown) == sorted(said(n, day) for n in range(5) for day in (1, 4))


async def test_freezing_twice_changes_nothing_and_the_snapshot_names_no_one(
    uows: MemoryDatabase,
) -> None:
    berg, members = await staffed_school(uows, 6)
    await week_one(uows, members, answerers=6, writers=6)
    summaries = WeekSummaries(CATALOGUE, THRESHOLD, OUTLINE)
    assert await close(uows, berg, summaries) == 1 + 6
    async with uows() as uow:
        raw = await uow.summaries.get(berg.group.id, MONDAY)
        owed = [d for m in members for d in await uow.deliveries.of_member(m.id)]
    commits = uows.commits

    assert await close(uows, berg, summaries) == 0
    async with uows() as uow:
        assert await uow.summaries.get(berg.group.id, MONDAY) == raw
        again = [d for m in members for d in await uow.deliveries.of_member(m.id)]
    assert len(again) == len(owed)
    assert uows.commits == commits  # the second close wrote nothing
    assert raw is not None
    assert all(str(m.telegram_id) not in raw for m in members)
    assert str(LEADER) not in raw
    assert (await frozen(uows, berg, summaries)).shown_answer_ids == frozenset()


async def test_each_leader_and_staff_member_is_owed_one_summary_and_the_leader_the_leaders(
    uows: MemoryDatabase,
) -> None:
    berg, members = await staffed_school(uows, 6)
    await week_one(uows, members, answerers=6, writers=6)
    summaries = WeekSummaries(CATALOGUE, THRESHOLD, OUTLINE)
    await close(uows, berg, summaries)
    async with uows() as uow:
        leader = await uow.members.find(LEADER)
        assert leader is not None
        to_leader = [d.kind for d in await uow.deliveries.of_member(leader.id)]
        to_staff = [d.kind for m in members for d in await uow.deliveries.of_member(m.id)]
    assert to_leader.count(Kind.LEADER_SUMMARY) == 1 and Kind.STAFF_SUMMARY not in to_leader
    assert to_staff.count(Kind.STAFF_SUMMARY) == 6 and Kind.LEADER_SUMMARY not in to_staff


async def test_the_week_so_far_counts_people_and_shows_no_answer(uows: MemoryDatabase) -> None:
    berg, members = await staffed_school(uows, 8)
    for day in range(3):  # Monday to Wednesday; three of the eight answer
        at = oslo(MONDAY + timedelta(days=day), 8)
        await owe_and_send(uows, at)
        for n, member in enumerate(members[:3]):
            await answer_open(uows, member, at + timedelta(minutes=30), said(n, day))
    summaries = WeekSummaries(CATALOGUE, THRESHOLD, OUTLINE)
    async with uows() as uow:
        found = await summaries.so_far(uow, berg.group, oslo(MONDAY + timedelta(days=2), 10))
    assert found.sent == frozenset({"s0-1", "s0-2", "s0-3"})  # Monday to Wednesday's steps
    assert found.summary.participation.members == 8
    text = so_far_text(found, berg.group, NB)
    assert NB("summary.members", members=8) in text
    assert not any(said(n, day) in text for n in range(3) for day in range(5))
    async with uows() as uow:  # it only looked: the week is still open
        assert await summaries.closed_weeks(uow, berg.group.id) == []


async def test_the_week_so_far_before_any_step_says_nothing_was_sent(
    uows: MemoryDatabase,
) -> None:
    berg, _ = await staffed_school(uows, 2)
    summaries = WeekSummaries(CATALOGUE, THRESHOLD, OUTLINE)
    async with uows() as uow:
        found = await summaries.so_far(uow, berg.group, oslo(MONDAY, 7))
    assert found.sent == frozenset()
    assert NB("summary.so_far_nothing") in so_far_text(found, berg.group, NB)


async def test_an_export_holds_only_what_the_closed_weeks_showed(uows: MemoryDatabase) -> None:
    berg, members = await staffed_school(uows, 8)
    await week_one(uows, members, answerers=6, writers=4)
    summaries = WeekSummaries(CATALOGUE, THRESHOLD, OUTLINE)
    async with uows() as uow:
        assert await summaries.snapshots(uow, berg.group.id, "nb") == []
    await close(uows, berg, summaries)
    async with uows() as uow:
        weeks = await summaries.snapshots(uow, berg.group.id, "en")
    assert [w.week for w in weeks] == [MONDAY]
    english = CATALOGUE.step_words("en")
    assert weeks[0].results[0].questions[0].title == english["s0-1"].title  # the reader's words
    en = Texts("en")
    spreadsheet = export_csv(weeks, en).decode("utf-8-sig")
    minutes = export_markdown(weeks, berg.group.name, en).decode()
    for written in (said(n, day) for n in range(6) for day in range(5)):
        assert written not in spreadsheet and written not in minutes  # four writers: withheld
    assert all(f";{r.total};" in spreadsheet for r in weeks[0].results)


async def test_a_leaders_note_reaches_their_group_only_and_reads_as_written(
    uows: MemoryDatabase,
) -> None:
    berg, members = await staffed_school(uows, 2)
    async with uows() as uow:
        await admin.add_group(uow, "berg/other", "Andre")
        other = await admin.make_invite(uow, "berg/other", Role.STAFF, oslo(MONDAY, 7))
        await uow.commit()
    outsider = await joined(uows, other.code, 8_100_001)
    summaries = WeekSummaries(CATALOGUE, THRESHOLD, OUTLINE)
    async with uows() as uow:
        owed = await summaries.send_note(
            uow, berg.group, "Vi prøver &lt;dette&gt;.", oslo(MONDAY, 15)
        )
    assert owed == 3  # two staff and the leader
    async with uows() as uow:
        leader = await uow.members.find(LEADER)
        assert leader is not None
        notes = [
            d
            for m in (*members, leader, outsider)
            for d in await uow.deliveries.of_member(m.id)
            if d.kind == Kind.NOTE
        ]
        assert sorted(d.member_id or 0 for d in notes) == sorted(m.id for m in (*members, leader))
        assert {await summaries.note(uow, int(d.step_id or 0)) for d in notes} == {
            "Vi prøver &lt;dette&gt;."
        }


async def test_retention_blanks_old_texts_once_and_keeps_the_figures(
    uows: MemoryDatabase,
) -> None:
    berg, members = await staffed_school(uows, 6)
    await week_one(uows, members, answerers=6, writers=6)
    summaries = WeekSummaries(CATALOGUE, THRESHOLD, OUTLINE)
    await close(uows, berg, summaries)
    before = await frozen(uows, berg, summaries)
    async with uows() as uow:
        assert await summaries.forget_texts(uow, before=MONDAY) == 0  # not older than that
        await uow.commit()
    assert texts_in(await frozen(uows, berg, summaries)) == texts_in(before)

    async with uows() as uow:
        assert await summaries.forget_texts(uow, before=NEXT_MONDAY) == 1
        await uow.commit()
    async with uows() as uow:
        assert await summaries.forget_texts(uow, before=NEXT_MONDAY) == 0  # once a week
    after = await frozen(uows, berg, summaries)
    assert texts_in(after) and set(texts_in(after)) == {""}
    assert [r.total for r in after.results] == [r.total for r in before.results]
    assert after.participation == before.participation
    html = render_summary(after, NB, berg.group.name, leader=True, modules=[])
    assert NB("summary.texts_deleted") in html


async def test_two_people_answering_everything_are_never_pooled_into_a_shown_set(
    uows: MemoryDatabase,
) -> None:
    """Ten answers in week 1 and the pooled scale the next Monday: plenty of answers, but two
    people behind every set, so neither week shows any of them."""
    berg, members = await staffed_school(uows, 6)
    await week_one(uows, members, answerers=2, writers=2)
    summaries = WeekSummaries(CATALOGUE, THRESHOLD, OUTLINE)
    await close(uows, berg, summaries)
    at = oslo(NEXT_MONDAY, 8)
    await owe_and_send(uows, at)
    for n, member in enumerate(members[:2]):
        assert await answer_open(uows, member, at + timedelta(hours=1), said(n, 7)) == 1
    async with uows() as uow:
        waiting = await summaries.compute(uow, berg.group.id, NEXT_MONDAY)
        # What pooling counts: the two, behind every (step, week) still waiting.
        keys = {(f"s0-{n}", MONDAY) for n in range(1, 6)} | {("s0-6", NEXT_MONDAY)}
        people = await uow.participation.respondents(berg.group.id, keys)
    assert waiting.results == ()
    assert set(people) == keys and len(set(people.values())) == 1
    assert all(len(tokens) == 2 for tokens in people.values())
    await close(uows, berg, summaries, oslo(NEXT_MONDAY + timedelta(days=4), 14))
    async with uows() as uow:
        assert [s.results for s in await summaries.snapshots(uow, berg.group.id)] == [(), ()]


async def test_a_shown_step_stops_counting_its_people_for_later_pools(
    uows: MemoryDatabase,
) -> None:
    """Five choose on Monday, two write on Tuesday: the choice is shown at the close and its
    people are no longer input; the two writers' texts still wait, counted as two."""
    berg, members = await staffed_school(uows, 6)
    await owe_and_send(uows, oslo(MONDAY, 8))
    for n, member in enumerate(members[:5]):
        await answer_open(uows, member, oslo(MONDAY, 9), said(n, 0))
    await owe_and_send(uows, oslo(MONDAY + timedelta(days=1), 8))
    for n, member in enumerate(members[:2]):
        await answer_open(uows, member, oslo(MONDAY + timedelta(days=1), 9), said(n, 1))
    keys = {("s0-1", MONDAY), ("s0-2", MONDAY)}
    async with uows() as uow:
        people = await uow.participation.respondents(berg.group.id, keys)
    assert len(people[("s0-1", MONDAY)]) == 5
    assert people[("s0-2", MONDAY)] < people[("s0-1", MONDAY)]  # the same two, the same tokens

    summaries = WeekSummaries(CATALOGUE, THRESHOLD, OUTLINE)
    await close(uows, berg, summaries)
    summary = await frozen(uows, berg, summaries)
    assert [(type(r), r.total) for r in summary.results] == [(ChoiceResult, 5)]
    async with uows() as uow:
        people = await uow.participation.respondents(berg.group.id, keys)
    assert set(people) == {("s0-2", MONDAY)} and len(people[("s0-2", MONDAY)]) == 2
