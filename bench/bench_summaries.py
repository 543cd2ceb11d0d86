"""How long Friday 14:00 takes: the weekly summaries of 1,000 groups of 20 staff.

    .venv/bin/python bench/bench_summaries.py [--groups 1000] [--members 20] [--chart-groups 100]
        [--chart-workers N] [--postgresql]

A SQLite file in a temporary folder (with --postgresql: a PostgreSQL database of its own) is
seeded with bulk inserts (not through Telegram): one school, the groups, a staff member's
answers to each of the week's five steps (about 85 % answer each), and their participation.
Then, timed:

- freeze: `Summaries.close_weeks` for every group, as the tick does at the summary moment (200
  groups per transaction): read the unshown answers, aggregate, store the snapshots, mark the
  answers shown, seal the week, owe the summary to the leader and every staff member;
- render: every group's summary as its leader and its staff get it (the text parts, read from
  the frozen snapshot, through the delivery engine's Renderer, a claimed batch of 200 per unit
  of work);
- charts: the PNG pages of a sample of groups (Pillow, some 15 ms a page, is the slow part;
  a week's charts are drawn once per group and language, then shared by its recipients), three
  ways in the same run: inline on the event loop (the baseline), in the worker processes one
  group at a time (as the Deliverer renders a batch), and two per worker at a time (the workers
  kept busy). Meanwhile a probe task sleeps 10 ms in a loop and records how late it wakes: the
  longest event-loop stall, which an idle loop's own (measured first) puts in proportion.

The baseline is measured in the same run on the same answers: `domain.summary.summarize` alone,
in memory, so "x times the pure aggregation" says what the database and the rendering add. The
per-group freeze cost of the first and of the last 100 groups shows whether it grows as the
tables fill. No assertions: figures to read, not to pass.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import secrets
import statistics
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from datetime import time as clock_time
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert

from bench.support import bench_database, emit, sqlite_database
from bot.charts import ChartDrawer, chart_items, default_workers
from bot.rendering import Renderer
from bot.summaries import Summaries, chart_pngs, render_summary
from content.loader import Catalogue, load_packages
from content.outline import outline
from dialogues.i18n import Texts
from dialogues.outgoing import PhotoPart
from domain.calendar import local_to_utc
from domain.deliveries import Delivery, Kind
from domain.model import Group, QuestionKind, Role
from domain.summary import (
    AnswerIn,
    ParticipationIn,
    QuestionInfo,
    SummaryInput,
    WeekSummary,
    split_message,
    summarize,
)
from services.planning import WEEKS_CLOSED_PER_TRANSACTION
from services.schedule import live_plans
from services.weekly import question_info
from storage.db import make_engine, make_sessions, upgrade
from storage.models import (
    AnswerRow,
    GroupRow,
    MemberRow,
    MembershipRow,
    OrganisationRow,
    ParticipationRow,
    RolloutRow,
)
from storage.repositories.answers import respondent_token
from storage.uow import UnitOfWorkFactory

MONDAY = date(2026, 11, 23)
CLOSES = local_to_utc(date(2026, 11, 27), clock_time(14), "Europe/Oslo")
PACKAGE, MODULE = "skolemiljo", 0
THRESHOLD = 5
DELIVERIES_PER_BATCH = 200  # as many as the Deliverer claims and renders at a time
ANSWER_RATE = 0.85
VOCABULARY = (
    "elevene friminuttet trygge voksne samtale klassen garderoben tiltak ro lunsj rutiner "
    "kollegaer vennskap gangen pause oversikt foreldre plan uke lærer gruppe samarbeid leken "
    "møtet tydelig raskere sammen alle noen ofte sjelden prøvde merket fungerte bedre"
)
WORDS = tuple(VOCABULARY.split())


@dataclass
class Seeded:
    groups: int
    answers: int
    inputs: list[SummaryInput]  # the same data, in memory, for the baseline


class TextOnly(Summaries):
    """The summaries as the bot renders them, less the charts (timed on their own)."""

    def chart_photos(self, summary: WeekSummary, texts: Texts, group: Group) -> list[PhotoPart]:
        return []

    async def photos(self, summary: WeekSummary, texts: Texts, group: Group) -> list[PhotoPart]:
        return []


@dataclass
class Drawn:
    seconds: float
    pages: int
    worst_stall: float  # seconds the event loop was late at worst meanwhile
    p99_stall: float  # ... in 99 of 100 wake-ups (the worst alone can be the machine's noise)

    def stalls(self) -> str:
        return (
            f"loop stall longest {self.worst_stall * 1000:6.1f} ms, "
            f"p99 {self.p99_stall * 1000:5.1f} ms"
        )


@contextlib.asynccontextmanager
async def stall_probe(period: float = 0.01) -> AsyncIterator[list[float]]:
    """A task that sleeps `period` in a loop while the body runs; yields how late it woke,
    each time."""
    lateness: list[float] = []

    async def probe() -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(period)
            lateness.append(time.perf_counter() - started - period)

    task = asyncio.create_task(probe())
    await asyncio.sleep(0)  # let it start before the body
    try:
        yield lateness
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def drawn(work: Callable[[], Awaitable[int]]) -> Drawn:
    async with stall_probe() as lateness:
        started = time.perf_counter()
        pages = await work()
        seconds = time.perf_counter() - started
    ordered = sorted(lateness) or [0.0]
    return Drawn(seconds, pages, ordered[-1], ordered[int(len(ordered) * 0.99)])


def bench_group(index: int) -> Group:
    return Group(id=index + 1, org_id=1, slug=f"gruppe-{index + 1}", name=f"Skole {index + 1}")


def week_steps(catalogue: Catalogue) -> list[QuestionInfo]:
    """The five steps of the school package's first week (Monday to Friday)."""
    module = catalogue[PACKAGE].module(MODULE)
    return [question_info(step, MONDAY) for step in module.steps[:5]]


def sentence(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(8, 30))
    return " ".join(words).capitalize() + rng.choice((".", "!", "?", " 🙂"))


def chunks(rows: list[dict[str, Any]], size: int = 5000) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


async def seed(
    uow_factory: UnitOfWorkFactory, catalogue: Catalogue, groups: int, members: int
) -> Seeded:
    rng = random.Random(2026)
    steps = week_steps(catalogue)
    now = datetime.now(UTC)
    tables: dict[Any, list[dict[str, Any]]] = {
        table: []
        for table in (GroupRow, RolloutRow, MemberRow, MembershipRow, AnswerRow, ParticipationRow)
    }
    inputs = []
    for g in range(1, groups + 1):
        tables[GroupRow].append(
            {
                "id": g,
                "org_id": 1,
                "slug": f"gruppe-{g}",
                "name": f"Trinn {g % 10 + 1}, skole {g}",
                "summary_weekday": 4,
                "summary_time": clock_time(14),
            }
        )
        tables[RolloutRow].append(
            {
                "id": g,
                "group_id": g,
                "package_id": PACKAGE,
                "modules": str(MODULE),
                "start_date": MONDAY,
                "weekdays": "0,1,2,3,4",
                "send_time": clock_time(8),
                "status": "active",
                "created_at": now,
            }
        )
        answers: list[AnswerIn] = []
        answered: dict[str, int] = {}
        respondents: dict[tuple[str, date], frozenset[str]] = {}
        for n in range(members + 1):  # the last one leads the group
            member_id = (g - 1) * (members + 1) + n + 1
            role = Role.LEADER if n == members else Role.STAFF
            tables[MemberRow].append(
                {
                    "id": member_id,
                    "telegram_id": 10_000_000 + member_id,
                    "language": "nb",
                    "paused": False,
                    "unreachable": False,
                    "created_at": now,
                }
            )
            tables[MembershipRow].append(
                {"member_id": member_id, "group_id": g, "role": role.value, "joined_on": MONDAY}
            )
            if role is Role.LEADER:
                continue
            for day, step in enumerate(steps):
                if rng.random() > ANSWER_RATE:
                    continue
                answer = AnswerIn(secrets.token_hex(16), step.step_id, MONDAY)
                if step.kind is QuestionKind.SCALE:
                    answer = AnswerIn(
                        answer.answer_id, step.step_id, MONDAY, scale=rng.randint(1, 5)
                    )
                elif step.kind is QuestionKind.CHOICE:
                    value = rng.randrange(len(step.options))
                    answer = AnswerIn(answer.answer_id, step.step_id, MONDAY, choice=value)
                else:
                    answer = AnswerIn(answer.answer_id, step.step_id, MONDAY, text=sentence(rng))
                answers.append(answer)
                answered[step.step_id] = answered.get(step.step_id, 0) + 1
                key = (step.step_id, MONDAY)
                respondents[key] = respondents.get(key, frozenset()) | {
                    respondent_token(g, member_id)
                }
                tables[AnswerRow].append(
                    {
                        "id": answer.answer_id,
                        "group_id": g,
                        "rollout_id": g,
                        "step_id": step.step_id,
                        "week": MONDAY,
                        "kind": step.kind.value,
                        "scale": answer.scale,
                        "choice": answer.choice,
                        "text": answer.text,
                    }
                )
                tables[ParticipationRow].append(
                    {
                        "member_id": member_id,
                        "group_id": g,
                        "rollout_id": g,
                        "step_id": step.step_id,
                        "week": MONDAY,
                        "answered_on": date.fromordinal(MONDAY.toordinal() + day),
                    }
                )
        rng.shuffle(answers)  # the database hands them back in key order, which is random
        participation = ParticipationIn(members=members, answered_per_step=answered)
        inputs.append(SummaryInput(MONDAY, THRESHOLD, steps, answers, participation, respondents))

    async with uow_factory() as uow:
        await uow.session.execute(
            insert(OrganisationRow),
            [
                {
                    "id": 1,
                    "slug": "kommunen",
                    "name": "Kommunen",
                    "kind": "school",
                    "timezone": "Europe/Oslo",
                    "created_at": now,
                }
            ],
        )
        for model, rows in tables.items():
            for chunk in chunks(rows):
                await uow.session.execute(insert(model), chunk)
        await uow.commit()
    return Seeded(groups, len(tables[AnswerRow]), inputs)


async def freeze_all(
    uow_factory: UnitOfWorkFactory, summaries: Summaries, catalogue: Catalogue
) -> list[float]:
    """close_weeks for every group, WEEKS_CLOSED_PER_TRANSACTION groups per unit of work, as the
    planner does; returns the seconds per group of each transaction."""
    timings = []
    async with uow_factory() as uow:
        plans = await live_plans(uow, partial(outline, catalogue))
    groups = sorted({plan.group.id: plan.group for plan in plans}.values(), key=lambda g: g.id)
    for start in range(0, len(groups), WEEKS_CLOSED_PER_TRANSACTION):
        chunk = groups[start : start + WEEKS_CLOSED_PER_TRANSACTION]
        started = time.perf_counter()
        async with uow_factory() as uow:
            owed = await summaries.close_weeks(uow, chunk, MONDAY, CLOSES)
        timings += [(time.perf_counter() - started) / len(chunk)] * len(chunk)
        assert len(owed) == len(chunk), f"groups from {chunk[0].id}: not every one was frozen"
    return timings


async def render_all(uow_factory: UnitOfWorkFactory, summaries: Summaries, groups: int) -> int:
    """Each group's summary as its leader and as its staff get it, through the Renderer a claimed
    batch (the Deliverer's 200) per unit of work; returns the text parts."""
    renderer, parts = Renderer(summaries.catalogue, summaries), 0
    deliveries = [
        Delivery(
            id=number,
            kind=kind,
            chat_id=0,
            member_id=number,  # no such member: the default language
            group_id=(number // 2) + 1,
            rollout_id=None,
            step_id=None,
            week=MONDAY,
            status="claimed",
            due_at=CLOSES,
            attempts=1,
            sent_at=None,
            message_id=None,
        )
        for number, kind in enumerate([Kind.LEADER_SUMMARY, Kind.STAFF_SUMMARY] * groups)
    ]
    for start in range(0, len(deliveries), DELIVERIES_PER_BATCH):
        async with uow_factory() as uow:
            rendered = await renderer.batch(uow, deliveries[start : start + DELIVERIES_PER_BATCH])
        for number, found in rendered.items():
            assert isinstance(found, list) and found, f"delivery {number}: nothing to send"
            parts += len(found)
    return parts


def baseline(seeded: Seeded) -> tuple[float, list[WeekSummary]]:
    started = time.perf_counter()
    found = [summarize(data) for data in seeded.inputs]
    return time.perf_counter() - started, found


async def charts_inline(found: list[WeekSummary]) -> int:
    """The baseline: each group's pages drawn on the event loop, which gets a turn between (a
    real wait, as the renderer's database reads are: after a bare sleep(0) this task would be
    called again before the probe's timer)."""
    pages = 0
    for summary in found:
        pages += len(chart_pngs(summary, "nb"))
        await asyncio.sleep(0.001)
    return pages


async def charts_pooled(found: list[WeekSummary], summaries: Summaries, at_once: int) -> int:
    """Each group's pages through `Summaries.photos` (give it a fresh cache, so that every
    group is drawn), `at_once` groups at a time."""
    nb, gate = Texts("nb"), asyncio.Semaphore(at_once)

    async def one(index: int, summary: WeekSummary) -> int:
        async with gate:
            return len(await summaries.photos(summary, nb, bench_group(index)))

    return sum(await asyncio.gather(*(one(i, s) for i, s in enumerate(found))))


async def idle(seconds: float) -> int:
    await asyncio.sleep(seconds)
    return 0


async def charts(found: list[WeekSummary], workers: int) -> float:
    """Inline against the worker processes, on the same summaries, with the loop's stalls;
    returns the pool's seconds per group, one group at a time."""
    sample = len(found)
    quiet = await drawn(partial(idle, 1.0))
    chart_pngs(found[0], "nb")  # load Pillow and its fonts here, as the workers do first
    inline = await drawn(partial(charts_inline, found))
    drawer = ChartDrawer(workers)
    catalogue = load_packages()
    serial_summaries, parallel_summaries = (
        Summaries(catalogue, THRESHOLD, partial(outline, catalogue), drawer) for _ in range(2)
    )
    try:
        started = time.perf_counter()
        items = chart_items(found[0])  # start every worker, each loading Pillow:
        await asyncio.gather(*(drawer.draw(items, "nb") for _ in range(workers)))
        startup = time.perf_counter() - started
        serial = await drawn(partial(charts_pooled, found, serial_summaries, 1))
        parallel = await drawn(partial(charts_pooled, found, parallel_summaries, 2 * workers))
    finally:
        drawer.close()

    def line(label: str, run: Drawn, ratio: str) -> str:
        return (
            f"  {label:<34} {run.seconds:6.2f} s  {ms(run.seconds, sample):>9}/group  "
            f"{ratio:<26} {run.stalls()}"
        )

    def rate(run: Drawn) -> str:
        return f"{inline.seconds / run.seconds:4.2f} x the inline rate"

    print(
        f"charts: PNG pages of {sample} groups ({inline.pages} pages); {workers} worker "
        f"process(es) on {os.cpu_count()} CPUs, started in {startup:.2f} s (once)"
    )
    print(f"  {'idle loop (the probe alone)':<34} {'':>27}{'':<27}{quiet.stalls()}")
    print(line("inline on the event loop", inline, "(baseline)"))
    print(line("in the pool, one group at a time", serial, rate(serial)))
    print(line(f"in the pool, {2 * workers} groups at a time", parallel, rate(parallel)))
    print(
        f"  loop stall in the pool, one group at a time: longest "
        f"{inline.worst_stall / max(serial.worst_stall, 1e-6):.0f} x, p99 "
        f"{inline.p99_stall / max(serial.p99_stall, 1e-6):.0f} x shorter than inline"
    )
    emit(
        "summaries-charts",
        groups=sample,
        pages=inline.pages,
        workers=workers,
        inline_ms_per_group=round(inline.seconds * 1000 / sample, 1),
        pool_ms_per_group=round(serial.seconds * 1000 / sample, 1),
        pool_parallel_ms_per_group=round(parallel.seconds * 1000 / sample, 1),
        idle_stall_ms=round(quiet.worst_stall * 1000, 1),
        inline_p99_stall_ms=round(inline.p99_stall * 1000, 1),
        pool_p99_stall_ms=round(serial.p99_stall * 1000, 1),
        inline_stall_ms=round(inline.worst_stall * 1000, 1),
        pool_stall_ms=round(serial.worst_stall * 1000, 1),
        pool_parallel_stall_ms=round(parallel.worst_stall * 1000, 1),
    )
    return serial.seconds / sample


def ms(seconds: float, per: int) -> str:
    return f"{seconds * 1000 / max(per, 1):.2f} ms"


async def run(
    groups: int, members: int, chart_groups: int, chart_workers: int, url: str, where: str
) -> None:
    catalogue = load_packages()
    engine = make_engine(url)
    await upgrade(engine)
    uow_factory = UnitOfWorkFactory(make_sessions(engine))
    summaries = TextOnly(catalogue, THRESHOLD, partial(outline, catalogue))
    try:
        started = time.perf_counter()
        seeded = await seed(uow_factory, catalogue, groups, members)
        seeding = time.perf_counter() - started
        print(
            f"seeded {groups} groups x {members} staff (+1 leader), {seeded.answers} answers to "
            f"5 steps, by bulk insert: {seeding:.1f} s  ({where})"
        )

        pure, found = baseline(seeded)
        print(f"baseline: summarize() alone, in memory:   {pure:7.2f} s   {ms(pure, groups)}/group")

        frozen = await freeze_all(uow_factory, summaries, catalogue)
        freezing = sum(frozen)
        print(
            f"freeze: close_weeks for every group:      {freezing:7.2f} s   "
            f"{ms(freezing, groups)}/group"
        )
        tail = min(100, groups)
        first, last = statistics.fmean(frozen[:tail]), statistics.fmean(frozen[-tail:])
        print(
            f"        first {tail} groups {first * 1000:.2f} ms/group, "
            f"last {tail} {last * 1000:.2f} ms/group"
        )

        started = time.perf_counter()
        parts = await render_all(uow_factory, summaries, groups)
        rendering = time.perf_counter() - started
        print(
            f"render: leader + staff text, every group:  {rendering:7.2f} s   "
            f"{ms(rendering, groups)}/group  ({parts} text parts)"
        )

        sample = min(chart_groups, groups)
        per_group = await charts(found[:sample], chart_workers)

        total = freezing + rendering
        print()
        print(
            f"freeze + render of {groups} summaries: {total:.2f} s, {ms(total, groups)} per group, "
            f"{total / pure:.0f}x the pure aggregation"
        )
        print(
            f"with charts: {total + per_group * groups:.0f} s, "
            f"{(total / groups + per_group) * 1000:.1f} ms per group (charts in the pool, one "
            f"group at a time{'' if sample == groups else ', extrapolated'}; off the event loop)"
        )
        html = render_summary(found[0], Texts("nb"), "Trinn 2, skole 1", leader=True, modules=[])
        print(f"(one leader summary: {len(html)} characters, {len(split_message(html))} messages)")
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--groups", type=int, default=1000)
    parser.add_argument("--members", type=int, default=20, help="staff per group")
    parser.add_argument(
        "--chart-groups", type=int, default=100, help="groups whose charts are drawn and timed"
    )
    parser.add_argument(
        "--chart-workers",
        type=int,
        default=default_workers(),
        help="worker processes drawing charts (default: one fewer than the CPUs, 1 to 4)",
    )
    parser.add_argument(
        "--postgresql", action="store_true", help="on PostgreSQL (bench.support's server)"
    )
    args = parser.parse_args()
    sizes = (args.groups, args.members, args.chart_groups, args.chart_workers)

    async def on_database() -> None:
        if args.postgresql:
            async with bench_database("refleks_bench_summaries") as url:
                await run(*sizes, url, "PostgreSQL")
        else:
            async with sqlite_database() as url:
                await run(*sizes, url, "SQLite")

    asyncio.run(on_database())


if __name__ == "__main__":
    main()
