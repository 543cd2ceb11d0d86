"""Anonymous answers, and the separate record of who took part (never what they said)."""

from __future__ import annotations

import hashlib
import hmac
import random
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, delete, exists, func, insert, or_, select, update
from sqlalchemy import text as sql
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AnswerMarkRow, AnswerRow, ParticipationRow, random_key
from storage.repositories.upsert import insert_ignoring_conflicts


@dataclass(frozen=True)
class StoredAnswer:
    answer_id: str
    step_id: str
    week: date
    scale: int | None
    choice: int | None
    text: str | None


class AnswerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.stored = 0  # answers added in this unit of work: counted once it commits

    async def add(
        self,
        *,
        group_id: int,
        rollout_id: int,
        step_id: str,
        week: date,
        kind: str,
        scale: int | None = None,
        choice: int | None = None,
        text: str | None = None,
    ) -> None:
        """Stores one answer at once, as a statement that commits itself: a transaction of its
        own (on PostgreSQL a row carries the id of the transaction that wrote it, so sharing one
        would tie the answer to whatever else it wrote), in one round trip rather than a BEGIN,
        the INSERT and a COMMIT. Call it with nothing uncommitted in the unit of work."""
        if self.session.in_transaction():
            raise RuntimeError("an answer is stored in a transaction of its own: commit first")
        connection = await self.session.connection(
            execution_options={"isolation_level": "AUTOCOMMIT"}
        )
        # a plain INSERT (the key is drawn by the column's default), not an ORM object to flush
        await connection.execute(
            insert(AnswerRow.__table__).values(  # type: ignore[arg-type]
                group_id=group_id,
                rollout_id=rollout_id,
                step_id=step_id,
                week=week,
                kind=kind,
                scale=scale,
                choice=choice,
                text=text,
            )
        )
        self.stored += 1

    async def unshown(self, group_id: int, up_to_week: date) -> list[StoredAnswer]:
        """Answers of weeks up to this one that no summary has shown yet (the pool), in key
        order, which is random: nothing here keeps the order they came in."""
        return (await self.unshown_of([group_id], up_to_week)).get(group_id, [])

    async def unshown_of(
        self, group_ids: Collection[int], up_to_week: date
    ) -> dict[int, list[StoredAnswer]]:
        """As `unshown`, for many groups in one query (a Friday's freeze)."""
        rows = await self.session.execute(
            select(
                AnswerRow.group_id,
                AnswerRow.id,
                AnswerRow.step_id,
                AnswerRow.week,
                AnswerRow.scale,
                AnswerRow.choice,
                AnswerRow.text,
            )
            .where(
                AnswerRow.group_id.in_(group_ids),
                AnswerRow.week <= up_to_week,
                AnswerRow.shown_in_week.is_(None),
            )
            .order_by(AnswerRow.group_id, AnswerRow.id)
        )
        found: dict[int, list[StoredAnswer]] = {}
        for group_id, *answer in rows:
            found.setdefault(group_id, []).append(StoredAnswer(*answer))
        return found

    async def mark_shown(self, answer_ids: list[str], week: date) -> None:
        for start in range(0, len(answer_ids), 500):
            await self.session.execute(
                update(AnswerRow)
                .where(AnswerRow.id.in_(answer_ids[start : start + 500]))
                .values(shown_in_week=week)
            )

    async def rewrite_week(self, group_id: int, week: date) -> int:
        """The freeze's seal: the week's answers deleted and written anew, with fresh random keys,
        in a shuffled order, in the caller's transaction. Afterwards every one of them carries
        that transaction's id (PostgreSQL's xmin), none sits where it arrived, and no key is the
        one it had while the week was open; `storage.db.compact_answers` then clears the old
        versions out of the files. Returns how many were rewritten."""
        return len(await self.rewrite_weeks([group_id], week))

    async def rewrite_weeks(
        self, group_ids: Collection[int], week: date, shown: Collection[str] = frozenset()
    ) -> set[str]:
        """As `rewrite_week`, for many groups' week in one shuffled batch (a Friday's freeze).
        The answers in `shown` (a freeze's summary showed them) are written marked shown, rather
        than updated first and rewritten after. Returns the keys the rewritten answers had."""
        in_week = (AnswerRow.group_id.in_(group_ids), AnswerRow.week == week)
        if self.session.get_bind().dialect.name == "postgresql":
            return await self._rewrite_in_place(in_week, week, shown)
        table = AnswerRow.__table__
        found = await self.session.execute(select(table).where(*in_week))
        rows = [dict(row) for row in found.mappings()]
        old_keys = set()
        for row in rows:
            old_keys.add(row["id"])
            if row["id"] in shown:
                row["shown_in_week"] = week
            row["id"] = random_key()
        random.SystemRandom().shuffle(rows)
        await self.session.execute(delete(AnswerRow).where(*in_week))
        if rows:
            await self.session.execute(insert(table), rows)  # type: ignore[arg-type]
        return old_keys

    async def _rewrite_in_place(
        self, in_week: tuple[ColumnElement[bool], ...], week: date, shown: Collection[str]
    ) -> set[str]:
        """The rewrite on PostgreSQL: only the keys travel. The new keys and the shuffled order
        are drawn here, as on SQLite; one statement copies the rows under their new keys in
        that order (found by their old keys' index) and deletes the old ones, so a Friday's
        answer texts never leave the server."""
        old_keys = list(await self.session.scalars(select(AnswerRow.id).where(*in_week)))
        if not old_keys:
            return set()
        random.SystemRandom().shuffle(old_keys)
        new_keys = [random_key() for _ in old_keys]
        marked = [key in shown for key in old_keys]
        rewritten = ("id", "shown_in_week")
        kept = [c.name for c in AnswerRow.__table__.columns if c.name not in rewritten]
        names = ", ".join(kept)  # the table's own column names, never input
        picked = ", ".join(f"old.{name}" for name in kept)
        await self.session.execute(
            sql(
                "WITH new AS (SELECT * FROM unnest(CAST(:old_keys AS text[]),"
                " CAST(:new_keys AS text[]), CAST(:marked AS boolean[]))"
                " WITH ORDINALITY AS n(old_key, key, marked, place)),"
                f" copied AS (INSERT INTO answers (id, {names}, shown_in_week)"
                f" SELECT new.key, {picked},"
                " CASE WHEN new.marked THEN CAST(:week AS date) ELSE old.shown_in_week END"
                " FROM new JOIN answers AS old ON old.id = new.old_key ORDER BY new.place)"
                " DELETE FROM answers WHERE id = ANY(CAST(:old_keys AS text[]))"
            ),
            {"old_keys": old_keys, "new_keys": new_keys, "marked": marked, "week": week},
        )
        return set(old_keys)

    async def weeks_waiting(self, since: date) -> list[tuple[int, date]]:
        """(group, week) pairs from `since` on with answers no summary has shown yet."""
        rows = await self.session.execute(
            select(AnswerRow.group_id, AnswerRow.week)
            .where(AnswerRow.week >= since, AnswerRow.shown_in_week.is_(None))
            .distinct()
            .order_by(AnswerRow.group_id, AnswerRow.week)
        )
        return [(group_id, week) for group_id, week in rows]

    async def purge_text(self, shown_before: date) -> int:
        """Retention: deletes the text of answers shown in a summary before that week, and of
        answers of such a week that no summary ever showed (too few: their week's summary
        said so), so no text outlives the retention by waiting in a pool."""
        old = or_(
            AnswerRow.shown_in_week < shown_before,
            and_(AnswerRow.shown_in_week.is_(None), AnswerRow.week < shown_before),
        )
        result = await self.session.execute(
            update(AnswerRow).where(old, AnswerRow.text.is_not(None)).values(text=None)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def count(self, group_id: int) -> int:
        query = select(func.count()).where(AnswerRow.group_id == group_id)
        return int(await self.session.scalar(query) or 0)


def respondent_token(group_id: int, member_id: int) -> str:
    """An opaque stand-in for a member of a group, for the summary's count of people.

    The pure aggregation only needs to tell people apart, so it gets no member id: a hash of
    group and member, which differs from group to group (nothing links one person across groups).
    64 bits keep collisions out of reach, and one could only merge two people into one, which
    undercounts: the safe side. It is not a secret (whoever has the database can recompute it,
    and can read the participation table anyway); it is never stored, logged or shown."""
    return hashlib.sha256(f"{group_id}:{member_id}".encode()).hexdigest()[:16]


class ParticipationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(
        self, member_id: int, group_id: int, rollout_id: int, step_id: str, week: date, day: date
    ) -> bool:
        """True when this is the member's first answer to the step; False when answered before."""
        row = {
            "member_id": member_id,
            "group_id": group_id,
            "rollout_id": rollout_id,
            "step_id": step_id,
            "week": week,
            "answered_on": day,
        }
        table = ParticipationRow.__table__
        return await insert_ignoring_conflicts(self.session, table, [row]) == 1  # type: ignore[arg-type]

    async def forget_step(self, member_id: int, rollout_id: int, step_id: str) -> None:
        await self.session.execute(
            delete(ParticipationRow).where(
                ParticipationRow.member_id == member_id,
                ParticipationRow.rollout_id == rollout_id,
                ParticipationRow.step_id == step_id,
            )
        )

    async def answered(self, member_id: int, rollout_id: int, step_id: str) -> bool:
        query = select(ParticipationRow.id).where(
            ParticipationRow.member_id == member_id,
            ParticipationRow.rollout_id == rollout_id,
            ParticipationRow.step_id == step_id,
        )
        return await self.session.scalar(query) is not None

    async def answered_steps(self, member_id: int) -> set[tuple[int, str]]:
        rows = await self.session.execute(
            select(ParticipationRow.rollout_id, ParticipationRow.step_id).where(
                ParticipationRow.member_id == member_id
            )
        )
        return {(rollout_id, step_id) for rollout_id, step_id in rows}

    async def per_step(self, group_id: int, week: date) -> dict[str, int]:
        return (await self.per_step_of([group_id], week)).get(group_id, {})

    async def per_step_of(
        self, group_ids: Collection[int], week: date
    ) -> dict[int, dict[str, int]]:
        """How many answered each step of the week, per group, in one query."""
        rows = await self.session.execute(
            select(ParticipationRow.group_id, ParticipationRow.step_id, func.count())
            .where(ParticipationRow.group_id.in_(group_ids), ParticipationRow.week == week)
            .group_by(ParticipationRow.group_id, ParticipationRow.step_id)
        )
        found: dict[int, dict[str, int]] = {}
        for group_id, step_id, count in rows:
            found.setdefault(group_id, {})[step_id] = int(count)
        return found

    async def respondents(
        self, group_id: int, keys: Iterable[tuple[str, date]]
    ) -> dict[tuple[str, date], frozenset[str]]:
        """Who answered each (step id, week), as respondent tokens: the people behind the
        group's waiting answers, for the summary to count (domain/summary.py).

        A (step, week) with an answer a summary has already shown gets none: an answer that
        slipped in just as its week closed waits alone, and the week's other respondents wrote
        nothing in its pool. It then counts nobody, which errs on the safe side."""
        return (await self.respondents_of({group_id: keys})).get(group_id, {})

    async def respondents_of(
        self, keys: Mapping[int, Iterable[tuple[str, date]]]
    ) -> dict[int, dict[tuple[str, date], frozenset[str]]]:
        """As `respondents`, for many groups (each with its own keys) in one query."""
        wanted = {(group_id, *key) for group_id, group_keys in keys.items() for key in group_keys}
        if not wanted:
            return {}
        shown_before = exists().where(
            AnswerRow.group_id == ParticipationRow.group_id,
            AnswerRow.step_id == ParticipationRow.step_id,
            AnswerRow.week == ParticipationRow.week,
            AnswerRow.shown_in_week.is_not(None),
        )
        rows = await self.session.execute(
            select(
                ParticipationRow.group_id,
                ParticipationRow.step_id,
                ParticipationRow.week,
                ParticipationRow.member_id,
            ).where(
                ParticipationRow.group_id.in_({group_id for group_id, _, _ in wanted}),
                ParticipationRow.step_id.in_({step_id for _, step_id, _ in wanted}),
                ParticipationRow.week.in_({week for _, _, week in wanted}),
                ~shown_before,
            )
        )
        found: dict[int, dict[tuple[str, date], set[str]]] = {}
        for group_id, step_id, week, member_id in rows:
            if (group_id, step_id, week) in wanted:
                tokens = found.setdefault(group_id, {}).setdefault((step_id, week), set())
                tokens.add(respondent_token(group_id, member_id))
        return {
            group_id: {key: frozenset(tokens) for key, tokens in of_group.items()}
            for group_id, of_group in found.items()
        }

    async def of_member(self, member_id: int) -> list[tuple[str, date]]:
        rows = await self.session.execute(
            select(ParticipationRow.step_id, ParticipationRow.answered_on)
            .where(ParticipationRow.member_id == member_id)
            .order_by(ParticipationRow.answered_on)
        )
        return [(step_id, day) for step_id, day in rows]


class AnswerMarkRepository:
    """One answer per person and step, across /forget and rejoining, without a member.

    A mark is HMAC-SHA256 of (rollout, step, Telegram id) under the deployment's mark key
    (ANSWER_MARK_KEY, else one derived from the bot token): it holds no answer and no member, and
    without the key it cannot be tested against a Telegram id. With the key, one can test whether
    a given person answered a given step, which the participation table says anyway while they
    are a member; after /forget that remains, and nothing else."""

    def __init__(self, session: AsyncSession, key: bytes) -> None:
        self.session = session
        self.key = key

    def mark(self, rollout_id: int, step_id: str, telegram_id: int) -> str:
        message = f"{rollout_id}:{step_id}:{telegram_id}".encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()

    async def claim(self, rollout_id: int, step_id: str, telegram_id: int) -> bool:
        """True when nobody with this Telegram id answered the step before, ever."""
        row = {"mark": self.mark(rollout_id, step_id, telegram_id), "rollout_id": rollout_id}
        table = AnswerMarkRow.__table__
        return await insert_ignoring_conflicts(self.session, table, [row]) == 1  # type: ignore[arg-type]

    async def release(self, rollout_id: int, step_id: str, telegram_id: int) -> None:
        """Takes a claim back (its answer could not be stored)."""
        mark = self.mark(rollout_id, step_id, telegram_id)
        await self.session.execute(delete(AnswerMarkRow).where(AnswerMarkRow.mark == mark))
