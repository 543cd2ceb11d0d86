"""A whole spring term, day by day: what the admin's preview promised is what `refleks tick`
sends, across Easter, the change to summer time (28 March 2027), the school's own break,
Ascension Day (6 May 2027) and a pause the admin presses in the middle."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from dialogues.i18n import Texts
from domain.calendar import local_datetime
from tests.e2e.test_admin_bot import (
    LEADER,
    ORG_ADMIN,
    STAFF,
    Admin,
    seed,
    sent_steps,
    step_lines,
    summary_lines,
    tap_and_read,
)
from tests.support.harness import Refleks, oslo, running_refleks

NB = Texts("nb")
FIRST_DAY, LAST_DAY = date(2027, 3, 15), date(2027, 6, 4)
PAUSED_ON, RESUMED_ON = date(2027, 4, 21), date(2027, 4, 26)  # Thursday 22 and Friday 23 lost
FRIDAY = 4


def moments(lines: list[tuple[str, str]]) -> list[datetime]:
    return [datetime.strptime(f"{day} {at}", "%d.%m.%Y %H:%M") for day, at in lines]


def step_moments(text: str) -> list[datetime]:
    return moments([(day, at) for _, day, at in step_lines(text)])


async def closed_weeks(refleks: Refleks) -> list[date]:
    async with refleks.app.uow_factory() as uow:
        org = await uow.orgs.by_slug("nordby")
        group = await uow.groups.find(org.id, "laerere")
        assert group is not None
        return await uow.summaries.weeks(group.id)


async def test_the_preview_is_what_a_term_of_ticks_sends(database_url: str) -> None:
    async with running_refleks(database_url, oslo(date(2027, 3, 8), 9)) as refleks:
        await seed(refleks, admins=(ORG_ADMIN,))
        await refleks.join(STAFF)
        await refleks.join(LEADER, "leader")
        boss = Admin(refleks, ORG_ADMIN)
        await boss.command("/admin")
        for label in ("Nordby skole", NB("admin.breaks_button"), NB("admin.add_break")):
            await boss.tap(label)
        await boss.type("Planleggingsdager")
        for label in ("›", "15", "16", NB("admin.back"), "Lærerne"):
            await boss.tap(label)
        await boss.tap(NB("admin.schedule_button"))
        await boss.tap("Trygt og godt skolemiljø")
        for label in [b for b in boss.labels() if b[0].isdigit()]:
            await boss.tap(label)  # every module, 0-6
        for label in (NB("admin.next"), "15", NB("admin.next")):
            await boss.tap(label)
        promised = "\n".join(await tap_and_read(boss, "08:00"))
        for closed in ("Skjærtorsdag", "Langfredag", "Andre påskedag", "Planleggingsdager"):
            assert closed in promised
        assert "tor 06.05.2027: Kristi himmelfartsdag" in promised
        assert await boss.tap(NB("admin.save")) == NB("admin.saved")
        previewed, previewed_summaries = step_moments(promised), moments(summary_lines(promised))
        assert len(previewed) == 44

        closed_at: dict[date, datetime] = {}
        replanned = ""
        day = FIRST_DAY
        while day <= LAST_DAY:
            if day == RESUMED_ON:
                refleks.clock.now = oslo(day, 7)
                assert await boss.tap(NB("admin.resume")) == NB("admin.resumed")
                replanned = "\n".join(await tap_and_read(boss, NB("admin.show_plan")))
                await boss.tap(NB("admin.back"))
            ticks = [oslo(day, 7, 59), oslo(day, 8)]
            if day.weekday() == FRIDAY:
                ticks += [oslo(day, 13, 59), oslo(day, 14)]
            for moment in ticks:
                await refleks.tick(moment)
                for week in await closed_weeks(refleks):
                    closed_at.setdefault(week, local_datetime(moment, "Europe/Oslo"))
            if day == PAUSED_ON:
                refleks.clock.now = oslo(day, 12)
                assert await boss.tap(NB("admin.pause")) == NB("admin.paused")
            day += timedelta(days=1)

        sent = await sent_steps(refleks, STAFF)
        package = refleks.app.catalogue["skolemiljo"]
        assert [step for step, _ in sent] == [s.id for m in package.modules for s in m.steps]
        sent_at = [moment for _, moment in sent]
        # Before the pause, to the minute what the preview said; every later step moved by
        # exactly the two paused school days, none skipped, none sent at once on resuming.
        paused = previewed.index(datetime(2027, 4, 22, 8))
        assert sent_at[:paused] == previewed[:paused]
        assert sent_at[paused : len(previewed) - 2] == previewed[paused + 2 :]
        assert sent_at == step_moments(replanned)  # the plan as shown after resuming
        assert all(moment.time() == time(8) for moment in sent_at)  # summer time or not
        assert datetime(2027, 3, 24, 8) in sent_at and datetime(2027, 3, 30, 8) in sent_at
        for closed in (date(2027, 3, 25), date(2027, 3, 29), date(2027, 4, 15), date(2027, 5, 6)):
            assert closed not in {moment.date() for moment in sent_at}
        weekly = sorted(closed_at.values())
        assert weekly == moments(summary_lines(replanned))
        assert weekly[: len(previewed_summaries) - 1] == previewed_summaries[:-1]
        assert all(moment.weekday() == FRIDAY and moment.time() == time(14) for moment in weekly)
