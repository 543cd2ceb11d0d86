"""Closing a week and what its summary may show, without Telegram. Threshold 5 throughout."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.summaries import Summaries
from dialogues.i18n import Texts
from dialogues.outgoing import Part, PhotoPart, TextPart
from domain.deliveries import Delivery, Kind
from domain.model import Group, Member, Role
from domain.summary import TextResult, WeekSummary
from services import admin
from services.answering import Outcome
from services.schedule import group_plans
from services.weekly import WeekSummaries
from tests.service.answering_help import CATALOGUE, OUTLINE, answer_all, owe_and_send
from tests.service.fakes import MemoryDatabase
from tests.service.seed import MONDAY, School, joined, oslo, school_with_rollout

THRESHOLD = 5
FRIDAY_CLOSE = oslo(MONDAY + timedelta(days=4), 14)
FIRST_STAFF = 7_000_001  # telegram ids no snapshot may contain
NB = Texts("nb")


def weekly() -> WeekSummaries:
    return WeekSummaries(CATALOGUE, THRESHOLD, OUTLINE)


async def a_week_answered_by(
    uows: MemoryDatabase, writers: int, staff: int = 8
) -> tuple[School, list[Member]]:
    """`staff` members; the first `writers` of them answer every step of the week."""
    berg = await school_with_rollout(uows)
    await joined(uows, berg.leader_code, 6_000_001)
    members = [await joined(uows, berg.staff_code, FIRST_STAFF + n) for n in range(staff)]
    for day in range(5):
        await owe_and_send(uows, oslo(MONDAY + timedelta(days=day), 8))
        for n, member in enumerate(members[:writers]):
            done = await answer_all(
                uows, member, oslo(MONDAY + timedelta(days=day), 9), f"Tanke {n}"
            )
            assert all(d.outcome is Outcome.STORED for d in done)
    return berg, members


async def close(uows: MemoryDatabase, berg: School, summaries: WeekSummaries) -> int:
    async with uows() as uow:
        (plan,) = await group_plans(uow, [berg.group.id], OUTLINE)
        return await summaries.close_week(uow, plan, MONDAY, FRIDAY_CLOSE)


async def test_six_writers_are_enough_and_the_frozen_week_names_nobody(
    uows: MemoryDatabase,
) -> None:
    berg, _ = await a_week_answered_by(uows, writers=6)
    summaries = weekly()
    owed = await close(uows, berg, summaries)
    assert owed == 1 + 8  # the leader's version and each staff member's
    async with uows() as uow:
        frozen = await summaries.snapshot(uow, berg.group.id, MONDAY)
        raw = await uow.summaries.get(berg.group.id, MONDAY)
    assert frozen is not None and raw is not None
    assert frozen.participation.members == 8
    texts = [t for r in frozen.results if isinstance(r, TextResult) for t in r.texts]
    assert sorted(set(texts)) == [f"Tanke {n}" for n in range(6)]
    assert all(str(FIRST_STAFF + n) not in raw for n in range(8))
    assert frozen.shown_answer_ids == frozenset()  # the snapshot keeps no row keys


async def test_groups_closed_together_get_what_each_would_get_alone(
    uows: MemoryDatabase,
) -> None:
    berg, _ = await a_week_answered_by(uows, writers=6)
    async with uows() as uow:
        team, _ = await admin.add_group(uow, "berg/team", "Teamet")
        invite = await admin.make_invite(uow, "berg/team", Role.STAFF, oslo(MONDAY, 7))
        await uow.commit()
    for n in range(3):
        await joined(uows, invite.code, FIRST_STAFF + 100 + n)
    summaries = weekly()
    async with uows() as uow:
        alone = await summaries.compute(uow, berg.group.id, MONDAY)
    async with uows() as uow:
        owed = await summaries.close_weeks(uow, [berg.group, team], MONDAY, FRIDAY_CLOSE)
    assert owed == {berg.group.id: 1 + 8, team.id: 3}
    async with uows() as uow:
        frozen = await summaries.snapshot(uow, berg.group.id, MONDAY)
        left = await uow.answers.unshown(berg.group.id, MONDAY)
        again = await summaries.close_weeks(uow, [team, berg.group], MONDAY, FRIDAY_CLOSE)
    assert frozen == replace(alone, shown_answer_ids=frozenset())
    assert alone.shown_answer_ids and left == []  # each shown answer marked as it was rewritten
    assert again == {}  # closed once: a second tick owes nothing


async def test_four_writers_show_no_answer_at_all(uows: MemoryDatabase) -> None:
    berg, _ = await a_week_answered_by(uows, writers=4)
    summaries = weekly()
    await close(uows, berg, summaries)
    async with uows() as uow:
        frozen = await summaries.snapshot(uow, berg.group.id, MONDAY)
    assert frozen is not None
    assert frozen.results == ()  # twenty-odd answers, but only four people behind them
    assert frozen.too_few


async def test_closing_twice_owes_nothing_twice(uows: MemoryDatabase) -> None:
    berg, _ = await a_week_answered_by(uows, writers=5)
    summaries = weekly()
    assert await close(uows, berg, summaries) > 0
    assert await close(uows, berg, summaries) == 0
    async with uows() as uow:
        leader = await uow.members.find(6_000_001)
        assert leader is not None
        mine = [d for d in await uow.deliveries.of_member(leader.id) if d.kind != Kind.STEP]
    assert [d.kind for d in mine if d.kind == Kind.LEADER_SUMMARY] == [Kind.LEADER_SUMMARY]


async def test_retention_blanks_the_texts_and_keeps_the_figures(uows: MemoryDatabase) -> None:
    berg, _ = await a_week_answered_by(uows, writers=5)
    summaries = weekly()
    await close(uows, berg, summaries)
    async with uows() as uow:
        assert await summaries.forget_texts(uow, before=MONDAY + timedelta(days=7)) == 1
        await uow.commit()
    async with uows() as uow:
        frozen = await summaries.snapshot(uow, berg.group.id, MONDAY)
    assert frozen is not None
    shown = [r for r in frozen.results if isinstance(r, TextResult)]
    assert shown and all(set(r.texts) == {""} and r.total >= THRESHOLD for r in shown)


async def test_the_week_so_far_knows_what_was_sent_and_when_it_closes(
    uows: MemoryDatabase,
) -> None:
    berg, _ = await a_week_answered_by(uows, writers=6)
    async with uows() as uow:
        so_far = await weekly().so_far(uow, berg.group, oslo(MONDAY + timedelta(days=4), 10))
    assert len(so_far.sent) == 5  # Monday to Friday's steps, all sent by Friday 10:00
    assert so_far.closes.hour == 14
    assert so_far.summary.participation.members == 8


async def test_a_leaders_note_is_owed_once_to_everyone_reachable(uows: MemoryDatabase) -> None:
    berg, members = await a_week_answered_by(uows, writers=0, staff=3)
    async with uows() as uow:
        await uow.members.mark_unreachable(members[2].telegram_id)  # blocked the bot
        await uow.commit()
    async with uows() as uow:
        owed = await weekly().send_note(uow, berg.group, "Vi prøver dette.", oslo(MONDAY, 15))
    assert owed == 3  # two staff and the leader; not the one who blocked the bot
    async with uows() as uow:
        notes = [d for m in members for d in await uow.deliveries.of_member(m.id)]
    assert sorted(d.member_id or 0 for d in notes if d.kind == Kind.NOTE) == sorted(
        m.id for m in members[:2]
    )


async def test_an_export_holds_the_closed_weeks_only(uows: MemoryDatabase) -> None:
    berg, _ = await a_week_answered_by(uows, writers=5)
    summaries = weekly()
    async with uows() as uow:
        assert await summaries.snapshots(uow, berg.group.id) == []  # nothing closed yet
    await close(uows, berg, summaries)
    async with uows() as uow:
        (exported,) = await summaries.snapshots(uow, berg.group.id)
    assert exported.week == MONDAY and exported.results


class TextOnly(Summaries):
    """The bot's summaries without the charts (drawn in worker processes, tested on their own)."""

    async def photos(self, summary: WeekSummary, texts: Texts, group: Group) -> list[PhotoPart]:
        return []


async def staff_summary(uows: MemoryDatabase, member: Member) -> Delivery:
    async with uows() as uow:
        owed = await uow.deliveries.of_member(member.id)
    (found,) = [d for d in owed if d.kind == Kind.STAFF_SUMMARY]
    return found


def text_of(parts: list[Part] | None) -> str:
    assert parts is not None
    return "".join(p.html for p in parts if isinstance(p, TextPart))


async def test_every_recipient_gets_the_week_as_it_stands_when_their_copy_goes(
    uows: MemoryDatabase,
) -> None:
    berg, members = await a_week_answered_by(uows, writers=6)
    summaries = TextOnly(CATALOGUE, THRESHOLD, OUTLINE)
    await close(uows, berg, summaries)
    first, second, third = [await staff_summary(uows, m) for m in members[:3]]
    async with uows() as uow:
        before = text_of(await summaries.render(uow, first, NB))
        await uow.groups.update(berg.group.id, name="Lærerne på Berg")
        await uow.commit()
    async with uows() as uow:
        renamed = text_of(await summaries.render(uow, second, NB))
        assert await summaries.forget_texts(uow, before=MONDAY + timedelta(days=7)) == 1
        await uow.commit()
    async with uows() as uow:
        forgotten = text_of(await summaries.render(uow, third, NB))
    assert "Personalet" in before and "Tanke 0" in before
    assert renamed == before.replace("Personalet", "Lærerne på Berg")  # read afresh, nothing else
    assert "Tanke" not in forgotten  # retention took the texts: no copy brings them back
