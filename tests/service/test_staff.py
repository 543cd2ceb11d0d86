"""What a member does for themselves, and catching up, without Telegram."""

from __future__ import annotations

from datetime import time, timedelta
from functools import partial

from content.loader import load_packages
from content.outline import outline
from domain.model import Member, QuestionKind, Role
from services import membership, staff
from services.answering import Outcome, answer_step
from services.journey import Steps, claim_now
from services.planning import plan_due
from tests.service.answering_help import answer_all, owe_and_send
from tests.service.fakes import MemoryDatabase
from tests.service.seed import MONDAY, joined, oslo, school, school_with_rollout

TUESDAY = MONDAY + timedelta(days=1)
CATALOGUE = load_packages()


async def fresh(uows: MemoryDatabase, member: Member) -> Member:
    async with uows() as uow:
        return await uow.members.get(member.id)


async def test_a_pause_needs_a_day_after_today_and_resume_says_if_there_was_one(
    uows: MemoryDatabase,
) -> None:
    berg = await school(uows)
    anne = await joined(uows, berg.staff_code, 501)
    async with uows() as uow:
        assert not await staff.pause(uow, anne, MONDAY, today=MONDAY)  # today is not ahead
        assert not await staff.pause(uow, anne, MONDAY - timedelta(days=3), today=MONDAY)
        await uow.commit()
    assert not (await fresh(uows, anne)).paused
    async with uows() as uow:
        assert await staff.pause(uow, anne, MONDAY + timedelta(days=7), today=MONDAY)
        await uow.commit()
    paused = await fresh(uows, anne)
    assert paused.paused and paused.paused_until == MONDAY + timedelta(days=7)
    async with uows() as uow:
        assert await staff.resume(uow, paused)
        await uow.commit()
    async with uows() as uow:
        assert not await staff.resume(uow, await fresh(uows, anne))  # nothing to resume


async def test_an_own_send_time_is_kept_only_inside_the_writing_window(
    uows: MemoryDatabase,
) -> None:
    berg = await school(uows)
    anne = await joined(uows, berg.staff_code, 501)
    for refused in (time(6, 59), time(21, 1), time(3)):
        async with uows() as uow:
            assert not await staff.set_own_time(uow, anne, refused)
            await uow.commit()
        assert (await fresh(uows, anne)).send_time is None
    async with uows() as uow:
        assert await staff.set_own_time(uow, anne, time(21))
        await uow.commit()
    assert (await fresh(uows, anne)).send_time == time(21)
    async with uows() as uow:
        assert await staff.set_own_time(uow, anne, None)  # back to the group's time
        await uow.commit()
    assert (await fresh(uows, anne)).send_time is None


async def test_mydata_shows_groups_and_steps_answered_and_forget_leaves_only_the_anonymous_answer(
    uows: MemoryDatabase,
) -> None:
    berg = await school_with_rollout(uows)
    anne = await joined(uows, berg.staff_code, 501)
    await plan_due(uows, partial(outline, CATALOGUE), oslo(MONDAY, 8))
    async with uows() as uow:
        (delivery,) = await uow.deliveries.of_member(anne.id)
        await uow.deliveries.mark_sent(delivery.id, 77, oslo(MONDAY, 8))
        await uow.commit()
    step = CATALOGUE.step("skolemiljo", delivery.step_id or "")[1]
    async with uows() as uow:
        found = await uow.answerable.by_id(anne.id, delivery.id)
        assert found is not None
        value = 3 if step.question.kind is QuestionKind.SCALE else "Vi hilser i døra."
        if step.question.kind is QuestionKind.CHOICE:
            value = 0
        options = len(step.question.options or [])
        stored = await answer_step(
            uow, anne.id, found, step.question.kind, value, oslo(MONDAY, 9), options=options
        )
    assert stored.outcome is Outcome.STORED

    async with uows() as uow:
        about = await staff.stored_about(uow, anne)
    assert [(g.id, role) for g, role in about.groups] == [(berg.group.id, Role.STAFF)]
    assert [step_id for step_id, _ in about.answered] == [delivery.step_id]
    assert about.received == 1

    async with uows() as uow:
        await staff.forget(uow, anne)
    async with uows() as uow:
        assert await uow.members.find(501) is None
        assert await uow.members.of_group(berg.group.id, Role.STAFF) == []
        assert await uow.deliveries.of_member(anne.id) == []
        assert await uow.participation.of_member(anne.id) == []
        answers = await uow.answers.unshown(berg.group.id, MONDAY)
    assert len(answers) == 1  # the group's anonymous answer stays: nothing ties it to Anne


async def test_catching_up_sends_a_missed_step_once(uows: MemoryDatabase) -> None:
    berg = await school_with_rollout(uows)
    # Anne joins on Tuesday: Monday's step was never hers, and its week is still open
    anne = await joined(uows, berg.staff_code, 501, at=oslo(TUESDAY, 9))
    steps = Steps(CATALOGUE)
    async with uows() as uow:
        missed = await steps.missed(uow, anne.id, oslo(TUESDAY, 9))
    assert [plan.steps[i].step_id for plan, i in missed][:1] == ["s0-1"]
    plan, index = missed[0]
    async with uows() as uow:
        first = await claim_now(uow, anne.id, 501, plan, index, oslo(TUESDAY, 9))
        again = await claim_now(uow, anne.id, 501, plan, index, oslo(TUESDAY, 9, 1))
    assert first is not None and first.status == "claimed"
    assert again is None  # asked twice (a double tap): still one delivery
    async with uows() as uow:
        assert [d.step_id for d in await uow.deliveries.of_member(anne.id)] == ["s0-1"]
        still_missed = await steps.missed(uow, anne.id, oslo(TUESDAY, 9, 2))
    assert all(plan.steps[i].step_id != "s0-1" for plan, i in still_missed)


async def test_help_and_menus_know_who_leads_and_who_administers(uows: MemoryDatabase) -> None:
    berg = await school(uows)
    anne = await joined(uows, berg.staff_code, 501)
    rektor = await joined(uows, berg.leader_code, 601)
    async with uows() as uow:
        assert await staff.standing(uow, 501, anne, frozenset()) == staff.Standing(False, False)
        assert await staff.standing(uow, 601, rektor, frozenset()) == staff.Standing(False, True)
        assert await staff.standing(uow, 999, None, frozenset({999})) == staff.Standing(True, False)
        assert [g.id for g in await staff.groups_of(uow, rektor, Role.LEADER)] == [berg.group.id]
        assert await staff.groups_of(uow, anne, Role.LEADER) == []


async def test_a_staff_chat_is_unlinked_only_by_the_chat_that_is_linked(
    uows: MemoryDatabase,
) -> None:
    berg = await school(uows)
    async with uows() as uow:
        await membership.link_chat(uow, berg.group, -1001)
        await uow.commit()
    async with uows() as uow:
        linked = await uow.groups.get(berg.group.id)
        assert linked.linked_chat_id == -1001
        assert not await membership.unlink_chat(uow, linked, -2002)  # another chat's /unlinkchat
        assert await membership.unlink_chat(uow, linked, -1001)
        await uow.commit()
    async with uows() as uow:
        assert (await uow.groups.get(berg.group.id)).linked_chat_id is None


async def step_ids(uows: MemoryDatabase, member: Member) -> list[str | None]:
    async with uows() as uow:
        return [d.step_id for d in await uow.deliveries.of_member(member.id)]


async def test_a_paused_member_is_sent_nothing_until_they_resume(uows: MemoryDatabase) -> None:
    berg = await school_with_rollout(uows)
    anne = await joined(uows, berg.staff_code, 501)
    bo = await joined(uows, berg.staff_code, 502)
    async with uows() as uow:
        assert await staff.pause(uow, anne, None, today=MONDAY - timedelta(days=1))  # no end
        await uow.commit()
    paused = await fresh(uows, anne)
    assert paused.paused and paused.paused_until is None
    await owe_and_send(uows, oslo(MONDAY, 8))
    assert (await step_ids(uows, anne), await step_ids(uows, bo)) == ([], ["s0-1"])
    async with uows() as uow:
        assert await staff.resume(uow, paused)
        await uow.commit()
    assert not (await fresh(uows, anne)).paused
    await owe_and_send(uows, oslo(MONDAY, 9))  # the clock's next tick: today's step comes
    assert await step_ids(uows, anne) == ["s0-1"]


async def test_after_forget_and_rejoining_a_step_answered_before_is_not_answered_twice(
    uows: MemoryDatabase,
) -> None:
    """What the law of anonymity lets stay after /forget: the anonymous answer, and the keyed
    mark that keeps one person to one answer per step."""
    berg = await school_with_rollout(uows)
    anne = await joined(uows, berg.staff_code, 501)
    await owe_and_send(uows, oslo(MONDAY, 8))
    assert [a.outcome for a in await answer_all(uows, anne, oslo(MONDAY, 9))] == [Outcome.STORED]
    async with uows() as uow:
        await staff.forget(uow, anne)
    again = await joined(uows, berg.staff_code, 501, at=oslo(MONDAY, 10))
    async with uows() as uow:
        about = await staff.stored_about(uow, again)
    assert (about.answered, about.received) == ([], 0)  # a new member: nothing of the old one
    await owe_and_send(uows, oslo(MONDAY, 10, 1))
    assert [a.outcome for a in await answer_all(uows, again, oslo(MONDAY, 11))] == [Outcome.ALREADY]
    async with uows() as uow:
        assert len(await uow.answers.unshown(berg.group.id, MONDAY)) == 1


async def test_language_and_being_back_after_blocking(uows: MemoryDatabase) -> None:
    berg = await school(uows)
    anne = await joined(uows, berg.staff_code, 501)
    async with uows() as uow:
        await staff.choose_language(uow, anne, "nn")
        await uow.members.mark_unreachable(501, True)  # she blocked the bot
        await uow.commit()
    blocked = await fresh(uows, anne)
    assert blocked.reads == "nn" and blocked.unreachable
    async with uows() as uow:
        assert await staff.back_after_blocking(uow, blocked)  # /start after unblocking
        assert not await staff.back_after_blocking(uow, None)  # a stranger
        await uow.commit()
    assert not (await fresh(uows, anne)).unreachable


async def test_a_concern_shows_the_routine_of_each_organisation_the_member_works_in(
    uows: MemoryDatabase,
) -> None:
    berg = await school(uows)
    anne = await joined(uows, berg.staff_code, 501)
    async with uows() as uow:
        assert [o.name for o in await staff.organisations_of(uow, anne)] == ["Berg skole"]
        assert await staff.organisations_of(uow, None) == []
