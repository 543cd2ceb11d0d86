"""The weekly summary's use cases: close a group's week once (a frozen snapshot) and owe it to
every leader, every staff member (the staff version) and the linked group chat; the week so
far; what an export holds; a leader's note; the retention of answer texts.

Closing is idempotent across ticks, restarts and instances: the snapshot row is unique per
group and week, and only the transaction that inserts it marks answers shown and enqueues.

Retention: once a snapshot is older than ANSWER_RETENTION_WEEKS its answer texts are blanked
(`forget_texts`), as the answers' own texts are; its figures, and how many texts there were, stay.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from pydantic import TypeAdapter

from content.loader import Catalogue
from content.schema import Module, Step
from domain.calendar import current_week, local_datetime, week_closes_at
from domain.deliveries import Delivery, Kind
from domain.model import DEFAULT_LANGUAGE, Group, Member, Role
from domain.plan import RolloutPlan
from domain.summary import (
    AnswerIn,
    ParticipationIn,
    QuestionInfo,
    SummaryInput,
    TextResult,
    WeekSummary,
    summarize,
)
from domain.summary_words import in_words
from services.caching import RecentlyUsed
from services.schedule import Outline, group_plans, plans_by_group
from services.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)
SNAPSHOT = TypeAdapter(WeekSummary)
DELIVERED_WEEKS_KEPT = 512  # (group, week) snapshots kept for their recipients: two batches' worth
SUMMARY_KINDS = frozenset({Kind.LEADER_SUMMARY, Kind.STAFF_SUMMARY, Kind.CHAT_SUMMARY})


@dataclass(frozen=True)
class WeekSoFar:
    """This week so far: its live summary (participation only is ever shown), when it closes
    (local time), and the steps sent so far."""

    summary: WeekSummary
    closes: datetime
    sent: frozenset[str]


@dataclass(frozen=True)
class ClosedWeek:
    """A closed week as one reader gets it: the frozen summary in their language and, for a
    leader, the week's modules (their conversation starters; none for staff)."""

    group: Group
    summary: WeekSummary
    modules: tuple[Module, ...] = ()


class WeekSummaries:
    def __init__(
        self,
        catalogue: Catalogue,
        threshold: int,
        outline: Outline,
    ) -> None:
        self.catalogue = catalogue
        self.threshold = threshold
        self.outline = outline
        self._texts_forgotten_before: date | None = None  # the cut-off moves once a week
        self._sealed = False  # a freeze rewrote answers since the clock last asked
        # (group, week): its snapshot and modules, as its recipients' deliveries send them
        self._delivered: RecentlyUsed[tuple[int, date], tuple[WeekSummary, tuple[Module, ...]]]
        self._delivered = RecentlyUsed(DELIVERED_WEEKS_KEPT)

    async def compute(self, uow: UnitOfWork, group_id: int, week: date) -> WeekSummary:
        """The week's summary from the answers no earlier summary showed (pure aggregation)."""
        return (await self.compute_many(uow, [group_id], week))[group_id]

    async def compute_many(
        self, uow: UnitOfWork, group_ids: Collection[int], week: date
    ) -> dict[int, WeekSummary]:
        """As `compute` for each group, read in a handful of queries for all of them."""
        plans = await plans_by_group(uow, sorted(group_ids), self.outline)
        stored = await uow.answers.unshown_of(group_ids, week)
        # Who stands behind the waiting answers (opaque tokens), so that a set needs enough
        # people as well as enough answers.
        keys = {g: {(a.step_id, a.week) for a in answers} for g, answers in stored.items()}
        respondents = await uow.participation.respondents_of(keys)
        last_weeks = await uow.summaries.of_week(group_ids, week - timedelta(days=7))
        members = await uow.members.counts(group_ids, Role.STAFF)
        per_step = await uow.participation.per_step_of(group_ids, week)
        found = {}
        for group_id in group_ids:
            answers = [
                AnswerIn(a.answer_id, a.step_id, a.week, a.scale, a.choice, a.text)
                for a in stored.get(group_id, [])
            ]
            last = last_weeks.get(group_id)
            participation = ParticipationIn(
                members=members.get(group_id, 0),
                answered_per_step=per_step.get(group_id, {}),
                last_week_rate=SNAPSHOT.validate_json(last).participation.rate_percent
                if last
                else None,
            )
            questions = self.questions(plans.get(group_id, []), week)
            who = respondents.get(group_id, {})
            data = SummaryInput(week, self.threshold, questions, answers, participation, who)
            found[group_id] = summarize(data)
        return found

    def questions(self, plans: list[RolloutPlan], week: date) -> list[QuestionInfo]:
        found: dict[str, QuestionInfo] = {}
        for plan in plans:
            for index, ref in enumerate(plan.steps):
                step_week = plan.week(index)
                if step_week is None or step_week > week or not ref.asks:
                    continue
                _, step = self.catalogue.step(plan.rollout.package_id, ref.step_id)
                found[ref.step_id] = question_info(step, step_week)
        return sorted(found.values(), key=lambda q: (q.week, q.step_id))

    async def close_week(
        self, uow: UnitOfWork, plan: RolloutPlan, week: date, now: datetime
    ) -> int:
        """Freezes the week's summary and owes it to everyone; 0 when it was closed before."""
        return (await self.close_weeks(uow, [plan.group], week, now)).get(plan.group.id, 0)

    async def close_weeks(
        self, uow: UnitOfWork, groups: Sequence[Group], week: date, now: datetime
    ) -> dict[int, int]:
        """Freezes the week's summary of each group not closed before and owes it to everyone,
        in one transaction and a handful of queries for all of them (a Friday closes thousands,
        services.planning.WEEKS_CLOSED_PER_TRANSACTION at a time); returns the summaries owed
        per group it closed."""
        closed = await uow.summaries.closed([g.id for g in groups], week)
        groups = [g for g in groups if g.id not in closed]
        if not groups:
            return {}
        summaries = await self.compute_many(uow, [g.id for g in groups], week)
        # The snapshot keeps what was shown, not which rows: the rows get new keys below.
        frozen = {
            group_id: SNAPSHOT.dump_json(replace(summary, shown_answer_ids=frozenset())).decode()
            for group_id, summary in summaries.items()
        }
        # Only the groups whose snapshot this transaction stored go on: another tick or
        # instance closed the others a moment ago.
        stored = await uow.summaries.freeze_many(week, frozen)
        if not stored:
            await uow.rollback()
            return {}
        groups = [g for g in groups if g.id in stored]
        ids = [g.id for g in groups]
        shown = {answer for g in ids for answer in summaries[g].shown_answer_ids}
        rewritten = await self.seal(uow, ids, week, shown)
        await uow.answers.mark_shown(sorted(shown - rewritten), week)  # earlier weeks' pool
        leaders = await uow.members.of_groups(ids, Role.LEADER)
        staff = await uow.members.of_groups(ids, Role.STAFF)
        rows: list[dict[str, object]] = []
        owed: dict[int, int] = {}
        for group in groups:
            group_rows = _owed_summaries(
                group, week, now, leaders.get(group.id, []), staff.get(group.id, [])
            )
            rows += group_rows
            owed[group.id] = len(group_rows)
        await uow.deliveries.enqueue(rows)  # none there yet: only this transaction froze them
        await uow.commit()
        for group_id, added in owed.items():
            log.info("group %s: week %s closed, %s summaries owed", group_id, week, added)
        return owed

    async def seal(
        self, uow: UnitOfWork, group_ids: Collection[int], week: date, shown: Collection[str]
    ) -> set[str]:
        """The week's answers rewritten in one shuffled batch, in the freeze's transaction, so
        that nothing in the database ties one of them to its writer's participation row (see
        the README's threat model); the clock then compacts the table (`storage.db`). Those
        the summary showed are written marked so; returns the keys the answers had before."""
        rewritten = await uow.answers.rewrite_weeks(group_ids, week, shown)
        self._sealed = True
        return rewritten

    def take_sealed(self) -> bool:
        """Whether a freeze sealed a week since the last call: the clock then compacts."""
        sealed, self._sealed = self._sealed, False
        return sealed

    async def forget_texts(self, uow: UnitOfWork, before: date) -> int:
        """Retention for frozen summaries of weeks before `before`: the answer texts go, the
        figures stay. The caller commits (with the answers' own purge). The cut-off is a
        Monday, so after the first tick of a week there is nothing new to look at until the next
        one: the snapshots are searched once a week, not every minute."""
        if before == self._texts_forgotten_before:
            return 0
        stripped = 0
        for group_id, week, snapshot in await uow.summaries.with_texts_before(before):
            summary = without_texts(SNAPSHOT.validate_json(snapshot))
            await uow.summaries.replace(group_id, week, SNAPSHOT.dump_json(summary).decode())
            stripped += 1
        if stripped:
            log.info("retention: answer texts removed from %s weekly summaries", stripped)
            self._delivered.clear()  # none of them is sent with its texts again
        self._texts_forgotten_before = before
        return stripped

    async def closed_weeks(self, uow: UnitOfWork, group_id: int) -> list[date]:
        return await uow.summaries.weeks(group_id)

    async def snapshot(self, uow: UnitOfWork, group_id: int, week: date) -> WeekSummary | None:
        frozen = await uow.summaries.get(group_id, week)
        return None if frozen is None else SNAPSHOT.validate_json(frozen)

    async def snapshots(
        self, uow: UnitOfWork, group_id: int, language: str = DEFAULT_LANGUAGE
    ) -> list[WeekSummary]:
        """Every closed week's frozen summary, oldest first, in `language`: what an export
        holds (only what the summaries showed, so nothing below the threshold)."""
        weeks = await self.closed_weeks(uow, group_id)
        found = [s for w in weeks if (s := await self.snapshot(uow, group_id, w)) is not None]
        return [self.in_language(summary, language) for summary in found]

    async def closed_week(
        self, uow: UnitOfWork, group: Group, week: date, language: str, *, leader: bool
    ) -> ClosedWeek | None:
        """A closed week's summary as it was frozen, for a leader or a staff member; None for
        a week that is not closed."""
        frozen = await self.snapshot(uow, group.id, week)
        if frozen is None:
            return None
        modules = await self.modules_of_week(uow, group.id, week) if leader else []
        return ClosedWeek(group, self.in_language(frozen, language), tuple(modules))

    async def last_closed_week(
        self, uow: UnitOfWork, group: Group, language: str
    ) -> ClosedWeek | None:
        """The latest closed week, for its leader (/summary last); None before the first."""
        weeks = await self.closed_weeks(uow, group.id)
        if not weeks:
            return None
        return await self.closed_week(uow, group, weeks[-1], language, leader=True)

    async def delivered_week(
        self, uow: UnitOfWork, delivery: Delivery, language: str
    ) -> ClosedWeek | None:
        """What a summary delivery sends: the leader version to a leader, else the staff's.

        Every recipient of a week gets the same snapshot, so it is read (with the week's
        modules) once per group and week, not once per recipient; the group is read afresh
        (a new name shows at once)."""
        if delivery.group_id is None or delivery.week is None:
            return None
        key = (delivery.group_id, delivery.week)
        found = self._delivered.get(key)
        if found is None:
            frozen = await self.snapshot(uow, *key)
            if frozen is None:
                return None
            found = frozen, tuple(await self.modules_of_week(uow, *key))
            self._delivered.put(key, found)
        frozen, modules = found
        group = await uow.groups.get(delivery.group_id)
        leader = delivery.kind == Kind.LEADER_SUMMARY
        return ClosedWeek(group, self.in_language(frozen, language), modules if leader else ())

    async def so_far(
        self, uow: UnitOfWork, group: Group, now: datetime, language: str = DEFAULT_LANGUAGE
    ) -> WeekSoFar:
        """This week so far. Live figures would let anyone who knows who just answered read that
        answer off the change, so only participation is shown and answers wait for the week's
        close; the counts follow the summary's own rules (computed the same way), so no count
        shown now can be subtracted from the summary's figures later."""
        org = await uow.orgs.get(group.org_id)
        week = current_week(now, group.summary_weekday, group.summary_time, org.timezone)
        closes = local_datetime(
            week_closes_at(week, group.summary_weekday, group.summary_time, org.timezone),
            org.timezone,
        )
        sent = set()
        for plan in await group_plans(uow, [group.id], self.outline):
            for index, ref in enumerate(plan.steps):
                at = plan.send_at(index)
                if at is not None and at <= now and plan.week(index) == week:
                    sent.add(ref.step_id)
        live = self.in_language(await self.compute(uow, group.id, week), language)
        return WeekSoFar(live, closes, frozenset(sent))

    def in_language(self, summary: WeekSummary, language: str) -> WeekSummary:
        """A summary (frozen with bokmål words) in the reader's language."""
        if language == DEFAULT_LANGUAGE:
            return summary
        return in_words(summary, self.catalogue.step_words(language))

    async def send_note(self, uow: UnitOfWork, group: Group, text: str, now: datetime) -> int:
        """A leader's "you said, we will" note (escaped HTML), owed to everyone in the group."""
        org = await uow.orgs.get(group.org_id)
        week = current_week(now, group.summary_weekday, group.summary_time, org.timezone)
        note_id = await uow.summaries.add_note(group.id, week, text)
        rows = []
        seen: set[int] = set()
        for role in (Role.STAFF, Role.LEADER):
            for member in await uow.members.of_group(group.id, role):
                if member.id in seen or member.unreachable:
                    continue
                seen.add(member.id)
                rows.append(
                    {
                        "kind": Kind.NOTE,
                        "dedupe_key": f"note:{note_id}:{member.id}",
                        "chat_id": member.telegram_id,
                        "member_id": member.id,
                        "group_id": group.id,
                        "step_id": str(note_id),
                        "due_at": now,
                    }
                )
        added = await uow.deliveries.enqueue(rows)
        await uow.commit()
        return added

    async def note(self, uow: UnitOfWork, note_id: int) -> str | None:
        """A leader's note as written (escaped HTML); None once it is gone."""
        return await uow.summaries.note(note_id)

    async def modules_of_week(self, uow: UnitOfWork, group_id: int, week: date) -> list[Module]:
        return self._modules(await group_plans(uow, [group_id], self.outline), week)

    def _modules(self, plans: list[RolloutPlan], week: date) -> list[Module]:
        found: dict[tuple[str, int], Module] = {}
        for plan in plans:
            for index, ref in enumerate(plan.steps):
                if plan.week(index) == week:
                    package = self.catalogue[plan.rollout.package_id]
                    found[(package.id, ref.module)] = package.module(ref.module)
        return list(found.values())

    async def prepare(self, uow: UnitOfWork, deliveries: Collection[Delivery]) -> None:
        """Reads the snapshots and modules of a claimed batch's summary deliveries in bulk (a
        query per week and a few for the plans), rather than one group at a time."""
        wanted: dict[date, set[int]] = {}
        for d in deliveries:
            if d.kind not in SUMMARY_KINDS or d.group_id is None or d.week is None:
                continue
            if (d.group_id, d.week) not in self._delivered:
                wanted.setdefault(d.week, set()).add(d.group_id)
        if not wanted:
            return
        snapshots = {
            (group_id, week): SNAPSHOT.validate_json(snapshot)
            for week, group_ids in wanted.items()
            for group_id, snapshot in (await uow.summaries.of_week(group_ids, week)).items()
        }
        plans = await plans_by_group(uow, sorted({g for g, _ in snapshots}), self.outline)
        for (group_id, week), frozen in snapshots.items():
            modules = tuple(self._modules(plans.get(group_id, []), week))
            self._delivered.put((group_id, week), (frozen, modules))


def without_texts(summary: WeekSummary) -> WeekSummary:
    """The summary with every answer text blanked: how many there were stays, what they said
    goes (retention)."""
    results = tuple(
        replace(result, texts=("",) * len(result.texts))
        if isinstance(result, TextResult)
        else result
        for result in summary.results
    )
    return replace(summary, results=results)


def _owed_summaries(
    group: Group, week: date, now: datetime, leaders: list[Member], staff: list[Member]
) -> list[dict[str, object]]:
    """The week's summary deliveries of one group: its leaders', its staff's, its chat's."""
    leaders = [m for m in leaders if not m.unreachable]
    led = {m.id for m in leaders}
    # A leader who also answers as staff gets the leader version only: one summary each.
    staff = [m for m in staff if not m.unreachable and m.id not in led]
    rows = [
        _owed(kind, f"{kind}:{group.id}:{week}:{m.id}", m.telegram_id, group.id, week, now, m.id)
        for kind, members in ((Kind.LEADER_SUMMARY, leaders), (Kind.STAFF_SUMMARY, staff))
        for m in members
    ]
    if group.linked_chat_id is not None:
        key = f"{Kind.CHAT_SUMMARY}:{group.id}:{week}"
        rows.append(_owed(Kind.CHAT_SUMMARY, key, group.linked_chat_id, group.id, week, now))
    return rows


def _owed(
    kind: str,
    key: str,
    chat_id: int,
    group_id: int,
    week: date,
    now: datetime,
    member_id: int | None = None,
) -> dict[str, object]:
    return {
        "kind": kind,
        "dedupe_key": key,
        "chat_id": chat_id,
        "member_id": member_id,
        "group_id": group_id,
        "week": week,
        "due_at": now,
    }


def question_info(step: Step, week: date) -> QuestionInfo:
    """What a summary needs of a step's question, for the week it was asked in."""
    q = step.question
    return QuestionInfo(
        step_id=step.id,
        title=step.title,
        kind=q.kind,
        prompt=q.prompt,
        options=tuple(q.options or ()),
        scale_labels=(q.scale_labels[0], q.scale_labels[1]) if q.scale_labels else None,
        pool_key=q.pool or "",
        week=week,
    )
