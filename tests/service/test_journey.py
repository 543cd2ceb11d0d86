"""A member's steps as /today, /progress, the answer buttons and catching up see them, without
Telegram. Berg skole's staff get module 0 of skolemiljo, one step a school day from Monday."""

from __future__ import annotations

from datetime import timedelta

from domain.model import Member, QuestionKind, Role
from services import admin
from services.journey import Steps, Today, claim_now, mark_sent
from services.planning import plan_due
from tests.service.answering_help import CATALOGUE, OUTLINE, answer_all, owe_and_send
from tests.service.fakes import MemoryDatabase
from tests.service.seed import MONDAY, School, joined, oslo, school_with_rollout

TUESDAY, WEDNESDAY = MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)
STEPS = Steps(CATALOGUE)


async def anne_at_berg(uows: MemoryDatabase) -> tuple[School, Member]:
    berg = await school_with_rollout(uows)
    return berg, await joined(uows, berg.staff_code, 501)


async def step_ids_sent_to(uows: MemoryDatabase, member: Member) -> list[str]:
    async with uows() as uow:
        return sorted(d.step_id or "" for d in await uow.deliveries.of_member(member.id))


async def test_today_shows_the_open_step_again_until_it_is_answered(
    uows: MemoryDatabase,
) -> None:
    _, anne = await anne_at_berg(uows)
    async with uows() as uow:
        assert await STEPS.today(uow, anne.id, oslo(MONDAY, 7)) == Today()  # nothing due yet
    await owe_and_send(uows, oslo(MONDAY, 8))
    async with uows() as uow:
        shown = await STEPS.today(uow, anne.id, oslo(MONDAY, 9))
    assert shown.open is not None and shown.missed is None
    assert shown.open.delivery.step_id == "s0-1"
    assert shown.open.plan.module_span(shown.open.index) == (1, 6)
    await answer_all(uows, anne, oslo(MONDAY, 9))
    async with uows() as uow:
        assert await STEPS.today(uow, anne.id, oslo(MONDAY, 10)) == Today()


async def test_today_offers_someone_who_joined_late_the_newest_step_they_missed(
    uows: MemoryDatabase,
) -> None:
    berg = await school_with_rollout(uows)
    await owe_and_send(uows, oslo(TUESDAY, 8))  # the others got Tuesday's step
    anne = await joined(uows, berg.staff_code, 501, at=oslo(WEDNESDAY, 7))
    async with uows() as uow:
        shown = await STEPS.today(uow, anne.id, oslo(WEDNESDAY, 7))
    assert shown.open is None and shown.missed is not None
    plan, index = shown.missed
    assert plan.steps[index].step_id == "s0-2"  # the newest whose day has come
    async with uows() as uow:
        missed = await STEPS.missed(uow, anne.id, oslo(WEDNESDAY, 7))
    assert [p.steps[i].step_id for p, i in missed] == ["s0-1", "s0-2"]  # catch-up: oldest first


async def test_a_caught_up_step_goes_out_once_and_the_clock_does_not_send_it_again(
    uows: MemoryDatabase,
) -> None:
    berg = await school_with_rollout(uows)
    anne = await joined(uows, berg.staff_code, 501, at=oslo(TUESDAY, 9))
    async with uows() as uow:
        (plan, index), *_ = await STEPS.missed(uow, anne.id, oslo(TUESDAY, 9))
    async with uows() as uow:
        claimed = await claim_now(uow, anne.id, 501, plan, index, oslo(TUESDAY, 9))
        assert claimed is not None
        await mark_sent(uow, claimed, 4242, oslo(TUESDAY, 9))
    async with uows() as uow:  # the catch-up button pressed a second time
        assert await claim_now(uow, anne.id, 501, plan, index, oslo(TUESDAY, 9, 1)) is None
    await owe_and_send(uows, oslo(TUESDAY, 9, 2))  # the clock's tick: Tuesday's step, not Monday's
    assert await step_ids_sent_to(uows, anne) == ["s0-1", "s0-2"]
    async with uows() as uow:
        assert await STEPS.missed(uow, anne.id, oslo(TUESDAY, 10)) == []
        assert await claim_now(uow, anne.id, 501, plan, index + 1, oslo(TUESDAY, 10)) is None
    await answer_all(uows, anne, oslo(TUESDAY, 10))
    assert await step_ids_sent_to(uows, anne) == ["s0-1", "s0-2"]  # answering sends nothing


async def test_progress_says_what_was_sent_and_answered_and_when_the_next_step_comes(
    uows: MemoryDatabase,
) -> None:
    berg, anne = await anne_at_berg(uows)
    async with uows() as uow:
        (before,) = await STEPS.progress(uow, anne.id, oslo(MONDAY, 7))
    assert before.group.id == berg.group.id and before.package.id == "skolemiljo"
    assert (before.module, before.sent, before.answered, before.next_day) == (None, 0, 0, MONDAY)
    await owe_and_send(uows, oslo(MONDAY, 8))
    await answer_all(uows, anne, oslo(MONDAY, 9))
    await owe_and_send(uows, oslo(TUESDAY, 8))
    async with uows() as uow:
        (now,) = await STEPS.progress(uow, anne.id, oslo(TUESDAY, 9))
    assert now.module is not None and now.module.number == 0
    assert (now.position, now.size, now.sent, now.answered) == (2, 6, 2, 1)
    assert now.next_day == WEDNESDAY


async def test_progress_is_empty_for_someone_whose_group_runs_nothing(
    uows: MemoryDatabase,
) -> None:
    await school_with_rollout(uows)
    async with uows() as uow:
        await admin.add_group(uow, "berg/kantine", "Kantina")
        invite = await admin.make_invite(uow, "berg/kantine", Role.STAFF, oslo(MONDAY, 7))
        await uow.commit()
    ola = await joined(uows, invite.code, 777)
    async with uows() as uow:
        assert await STEPS.progress(uow, ola.id, oslo(TUESDAY, 9)) == []
        assert await STEPS.today(uow, ola.id, oslo(TUESDAY, 9)) == Today()


async def test_a_button_names_only_the_members_own_step_of_a_running_rollout(
    uows: MemoryDatabase,
) -> None:
    berg, anne = await anne_at_berg(uows)
    bo = await joined(uows, berg.staff_code, 502)
    await owe_and_send(uows, oslo(MONDAY, 8))
    async with uows() as uow:
        (mine,) = await uow.deliveries.of_member(anne.id)
        pressed = await STEPS.pressed(uow, anne.id, mine.id)
        assert await STEPS.pressed(uow, bo.id, mine.id) is None  # Anne's button, crafted by Bo
        assert await STEPS.pressed(uow, anne.id, mine.id + 10_000) is None  # no such delivery
    assert pressed is not None and pressed[1].id == "s0-1"
    assert pressed[1].question.kind is QuestionKind.CHOICE
    async with uows() as uow:
        rollout = (await uow.rollouts.of_groups([berg.group.id]))[0]
        await admin.cancel_rollout(uow, rollout)
        await uow.commit()
    async with uows() as uow:  # a stale button: the rollout no longer runs
        assert await STEPS.pressed(uow, anne.id, mine.id) is None
        assert await STEPS.replied_to(uow, anne.id, 501, mine.message_id, oslo(MONDAY, 9)) is None
        assert await STEPS.replied_to(uow, anne.id, 501, None, oslo(MONDAY, 9)) is None


async def test_a_text_answers_the_step_replied_to_else_the_newest_open_one(
    uows: MemoryDatabase,
) -> None:
    _, anne = await anne_at_berg(uows)
    await owe_and_send(uows, oslo(MONDAY, 8))
    await owe_and_send(uows, oslo(TUESDAY, 8))
    async with uows() as uow:
        by_step = {d.step_id: d for d in await uow.deliveries.of_member(anne.id)}
        monday, tuesday = by_step["s0-1"], by_step["s0-2"]
        at = oslo(TUESDAY, 9)
        replied = await STEPS.replied_to(uow, anne.id, 501, monday.message_id, at)
        plain = await STEPS.replied_to(uow, anne.id, 501, None, at)
        elsewhere = await STEPS.replied_to(uow, anne.id, -100, monday.message_id, at)
    assert replied is not None and replied[0].delivery_id == monday.id
    assert plain is not None and plain[0].delivery_id == tuesday.id
    assert plain[1].question.kind is QuestionKind.TEXT
    # the same message id in another chat is not Anne's step: the newest open one is answered
    assert elsewhere is not None and elsewhere[0].delivery_id == tuesday.id


async def test_the_clock_and_a_catch_up_share_one_key(uows: MemoryDatabase) -> None:
    """Whichever comes first, the clock's step or the member's request, the other finds it."""
    berg = await school_with_rollout(uows)
    anne = await joined(uows, berg.staff_code, 501)
    await plan_due(uows, OUTLINE, oslo(MONDAY, 8))  # queued, not yet sent
    async with uows() as uow:
        (plan,) = await STEPS.plans_of(uow, anne.id)
        assert await claim_now(uow, anne.id, 501, plan, 0, oslo(MONDAY, 8, 1)) is None
    assert await step_ids_sent_to(uows, anne) == ["s0-1"]
