"""What the operator-proof freeze costs: Friday 14:00 for 1,000 groups of 20 staff, frozen the
old way and the new way in the same run, on SQLite and on PostgreSQL.

    .venv/bin/python bench/bench_freeze.py [--groups 1000] [--members 20] [--only sqlite,postgresql]

Each backend gets two databases seeded alike (bench_summaries' seeding: a week of five steps,
about 85 % answering each). Timed:

- old freeze (the baseline): `Summaries.close_weeks` for every group (200 per transaction, as
  the tick closes them) without the seal, the shown answers marked by an UPDATE, so the
  answers stay where and as they arrived;
- new freeze: the same with the seal (the transaction's weeks rewritten in one shuffled batch,
  the shown answers marked as they are written), then the one compaction the clock runs after
  the tick's freezes (PostgreSQL: VACUUM FULL of the answers table; SQLite: a truncating WAL
  checkpoint, with secure_delete zeroing what is deleted).

Prints seconds, milliseconds per group and the ratio of new to old. No assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Collection
from datetime import date
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_summaries import THRESHOLD, freeze_all, seed
from bench.support import bench_database, emit, machine, sqlite_database
from bot.summaries import Summaries
from content.loader import load_packages
from content.outline import outline
from storage.db import compact_answers, make_engine, make_sessions, upgrade
from storage.uow import UnitOfWork, UnitOfWorkFactory


class OldFreeze(Summaries):
    """The freeze before the seal: answers keep their keys, places and transaction ids."""

    async def seal(
        self, uow: UnitOfWork, group_ids: Collection[int], week: date, shown: Collection[str]
    ) -> set[str]:
        return set()  # nothing rewritten: the shown answers are marked by an UPDATE instead


async def one_freeze(url: str, groups: int, members: int, sealed: bool) -> tuple[float, float, int]:
    """Seeds a database and freezes its week; returns the freeze's and the compaction's
    seconds, and how many answers there were."""
    engine = make_engine(url)
    try:
        await upgrade(engine)
        catalogue = load_packages()
        uow_factory = UnitOfWorkFactory(make_sessions(engine))
        seeded = await seed(uow_factory, catalogue, groups, members)
        kind = Summaries if sealed else OldFreeze
        summaries = kind(catalogue, THRESHOLD, partial(outline, catalogue))
        try:
            started = time.perf_counter()
            await freeze_all(uow_factory, summaries, catalogue)
            frozen = time.perf_counter() - started
            started = time.perf_counter()
            if sealed:
                await compact_answers(engine)
            compacted = time.perf_counter() - started
        finally:
            summaries.close()
        return frozen, compacted, seeded.answers
    finally:
        await engine.dispose()


async def backend(name: str, groups: int, members: int) -> dict[str, float]:
    results = {}
    for sealed in (False, True):
        label = "new" if sealed else "old"
        database = (
            sqlite_database()
            if name == "sqlite"
            else bench_database(f"refleks_bench_freeze_{label}")
        )
        async with database as url:
            results[label] = await one_freeze(url, groups, members, sealed)
    (old, _, answers), (new, compaction, _) = results["old"], results["new"]
    total = new + compaction
    per_group = partial(lambda seconds: seconds / groups * 1000)
    print(f"{name}: {groups} groups, {answers} answers")
    print(f"  old freeze {old:7.2f} s  {per_group(old):6.2f} ms/group  (baseline)")
    print(
        f"  new freeze {new:7.2f} s  {per_group(new):6.2f} ms/group  "
        f"+ compaction {compaction:5.2f} s  = {total:7.2f} s, {total / old:4.2f}x the old freeze"
    )
    return {f"{name}_old_s": old, f"{name}_new_s": new, f"{name}_compaction_s": compaction}


async def run(groups: int, members: int, backends: list[str]) -> None:
    print(machine())
    figures: dict[str, float] = {}
    for name in backends:
        figures |= await backend(name, groups, members)
    emit("freeze", groups=groups, members=members, **figures)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--groups", type=int, default=1000)
    parser.add_argument("--members", type=int, default=20, help="staff per group")
    parser.add_argument("--only", default="sqlite,postgresql")
    args = parser.parse_args()
    asyncio.run(run(args.groups, args.members, args.only.split(",")))


if __name__ == "__main__":
    main()
