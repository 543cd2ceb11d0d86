"""The rollout plan: dates, due and open steps, and one rollout at a time per group."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from domain.model import Group, Organisation, OrgKind, Pause, Rollout
from domain.plan import (
    RolloutPlan,
    StepRef,
    build_plan,
    next_owed_moment,
    queue_after_each_other,
)

OSLO = ZoneInfo("Europe/Oslo")
ORG = Organisation(1, "nordby", "Nordby skole", OrgKind.SCHOOL)
GROUP = Group(1, 1, "laerere", "Lærerne")
MON_FRI = frozenset(range(5))


def steps(n: int, module: int = 0) -> tuple[StepRef, ...]:
    return tuple(StepRef(module, f"s{module}-{i + 1}", True) for i in range(n))


def rollout(rollout_id: int, start: date, pauses: tuple[Pause, ...] = ()) -> Rollout:
    return Rollout(rollout_id, 1, "skolemiljo", (0,), start, MON_FRI, time(8), pauses=pauses)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), OSLO).astimezone(UTC)


def test_a_second_rollout_of_a_group_starts_after_the_first_ends() -> None:
    first = build_plan(rollout(1, date(2027, 1, 4)), GROUP, ORG, steps(5))
    second = build_plan(rollout(2, date(2027, 1, 6)), GROUP, ORG, steps(3, module=1))
    queued = {p.rollout.id: p for p in queue_after_each_other([second, first])}
    assert queued[1].dates[-1] == date(2027, 1, 8)
    assert queued[2].dates == (date(2027, 1, 11), date(2027, 1, 12), date(2027, 1, 13))


def test_a_rollout_paused_without_an_end_holds_the_queue() -> None:
    paused = rollout(1, date(2027, 1, 4), pauses=(Pause(date(2027, 1, 6)),))
    first = build_plan(paused, GROUP, ORG, steps(5))
    second = build_plan(rollout(2, date(2027, 1, 4)), GROUP, ORG, steps(3, module=1))
    queued = {p.rollout.id: p for p in queue_after_each_other([first, second])}
    assert queued[1].dates[:2] == (date(2027, 1, 4), date(2027, 1, 5))
    assert queued[1].dates[2:] == (None, None, None)
    assert queued[2].dates == (None, None, None)


def test_rollouts_of_different_groups_do_not_queue() -> None:
    other = Group(2, 1, "assistenter", "Assistentene")
    a = build_plan(rollout(1, date(2027, 1, 4)), GROUP, ORG, steps(5))
    b = build_plan(
        Rollout(2, 2, "skolemiljo", (0,), date(2027, 1, 4), MON_FRI, time(8)), other, ORG, steps(2)
    )
    queued = {p.rollout.id: p for p in queue_after_each_other([a, b])}
    assert queued[2].dates[0] == date(2027, 1, 4)


def plan_of_a_week() -> RolloutPlan:
    return build_plan(rollout(1, date(2027, 1, 4)), GROUP, ORG, steps(6))


def test_the_due_step_is_the_latest_whose_send_time_has_come() -> None:
    plan = plan_of_a_week()
    assert plan.due_index(at(date(2027, 1, 4), 7, 59)) is None
    assert plan.due_index(at(date(2027, 1, 4), 8)) == 0
    assert plan.due_index(at(date(2027, 1, 6), 12)) == 2


def test_open_steps_are_those_of_the_week_not_yet_summarised() -> None:
    plan = plan_of_a_week()
    assert plan.open_indexes(at(date(2027, 1, 7), 9)) == [0, 1, 2, 3]
    # Friday 14:00 closes the week: Monday-Friday's steps are closed, next Monday's is open
    assert plan.open_indexes(at(date(2027, 1, 8), 14)) == []
    assert plan.open_indexes(at(date(2027, 1, 11), 9)) == [5]


def test_a_step_knows_its_place_in_its_module_and_its_week() -> None:
    plan = build_plan(rollout(1, date(2027, 1, 4)), GROUP, ORG, steps(2) + steps(3, module=1))
    assert plan.module_span(0) == (1, 2)
    assert plan.module_span(3) == (2, 3)
    assert plan.week(4) == date(2027, 1, 4)  # Friday 08:00 is before Friday's 14:00 close
    assert plan.send_at(0) == at(date(2027, 1, 4), 8)
    assert plan.send_at(0, time(9, 30)) == at(date(2027, 1, 4), 9, 30)


def two_modules() -> RolloutPlan:
    """Module 0's five steps from Monday 4 January 2027, module 1's three from the 11th."""
    return build_plan(rollout(1, date(2027, 1, 4)), GROUP, ORG, steps(5) + steps(3, module=1))


def test_the_next_owed_moment_is_the_next_kickoff_step_reminder_or_summary() -> None:
    plan = two_modules()
    assert GROUP.summary_weekday == 4 and GROUP.summary_time == time(14)
    moments = [
        (at(date(2027, 1, 2), 12), at(date(2027, 1, 3), 8)),  # module 0's kick-off
        (at(date(2027, 1, 3), 12), at(date(2027, 1, 4), 8)),  # the first step
        (at(date(2027, 1, 4), 8), at(date(2027, 1, 5), 8)),  # the next step and a reminder
        (at(date(2027, 1, 8), 8), at(date(2027, 1, 8), 14)),  # the week's summary
        (at(date(2027, 1, 8), 14), at(date(2027, 1, 10), 8)),  # module 1's kick-off
        (at(date(2027, 1, 13), 8), at(date(2027, 1, 14), 8)),  # the last step's reminder
        (at(date(2027, 1, 14), 8), at(date(2027, 1, 15), 14)),  # the last week's summary
    ]
    for now, expected in moments:
        assert next_owed_moment([plan], now) == expected, now
    assert next_owed_moment([plan], at(date(2027, 1, 15), 14)) is None


def test_a_group_waits_for_the_earliest_of_its_rollouts_and_not_for_a_paused_one() -> None:
    paused = rollout(2, date(2027, 1, 4), pauses=(Pause(date(2027, 1, 4)),))
    held = build_plan(paused, GROUP, ORG, steps(3, module=1))
    assert next_owed_moment([held], at(date(2027, 1, 2), 12)) is None
    assert next_owed_moment([held, two_modules()], at(date(2027, 1, 2), 12)) == at(
        date(2027, 1, 3), 8
    )
