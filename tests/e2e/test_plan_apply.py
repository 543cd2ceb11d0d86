"""Plan files and breaks as an operator uses them: a real process, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PLAN = """\
organisations:
  - slug: nordby
    name: Nordby barnehage
    kind: kindergarten
    breaks:
      - {name: Vinterferie, from: 2027-03-01, to: 2027-03-05}
    groups:
      - slug: ansatte
        name: De ansatte
        rollouts:
          - {package: barnehagemiljo, modules: "0-2", start: 2027-01-04, at: "07:45"}
"""
CREATED = [
    "created organisation nordby (kindergarten, Europe/Oslo): Nordby barnehage",
    "created break nordby: Vinterferie 2027-03-01..2027-03-05",
    "created group nordby/ansatte: De ansatte",
    "created rollout nordby/ansatte barnehagemiljo 0-2 from 2027-01-04 mon-fri at 07:45",
    "4 created, 0 updated, 0 unchanged",
]


def refleks(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "BOT_TOKEN"}
    env.update(DATABASE_URL=database_url, BOT_USERNAME="refleks_test_bot")
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )


def apply(database_url: str, plan: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return refleks(database_url, "admin", "plan", "apply", str(plan), *options)


def lines(done: subprocess.CompletedProcess[str]) -> list[str]:
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()


def everything(database_url: str) -> list[str]:
    """What an operator can see of the database."""
    return lines(refleks(database_url, "admin", "status")) + lines(
        refleks(database_url, "admin", "rollout", "list")
    )


@pytest.fixture
def plan_file(tmp_path: Path) -> Path:
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN, encoding="utf-8")
    return path


def test_a_plan_sets_everything_up_and_a_second_run_changes_nothing(
    database_url: str, plan_file: Path
) -> None:
    assert lines(apply(database_url, plan_file)) == CREATED
    status = everything(database_url)
    assert "nordby/ansatte: De ansatte: 0 staff, 0 leaders" in "\n".join(status)
    assert "  break Vinterferie: 2027-03-01 to 2027-03-05" in status
    assert status[-1].startswith("#1 nordby/ansatte barnehagemiljo modules 0,1,2, from 2027-01-04")

    again = lines(apply(database_url, plan_file))
    assert again[:-1] == [line.replace("created", "unchanged", 1) for line in CREATED[:-1]]
    assert again[-1] == "0 created, 0 updated, 4 unchanged"
    assert everything(database_url) == status


def test_an_edited_plan_updates_only_what_was_edited(database_url: str, plan_file: Path) -> None:
    lines(apply(database_url, plan_file))
    plan_file.write_text(
        PLAN.replace("De ansatte", "Alle ansatte")
        .replace("07:45", "08:15")
        .replace("2027-03-05", "2027-03-04"),
        encoding="utf-8",
    )
    assert lines(apply(database_url, plan_file)) == [
        "unchanged organisation nordby (kindergarten, Europe/Oslo): Nordby barnehage",
        "updated break nordby: Vinterferie 2027-03-01..2027-03-04",
        "updated group nordby/ansatte: Alle ansatte",
        "updated rollout nordby/ansatte barnehagemiljo 0-2 from 2027-01-04 mon-fri at 08:15",
        "0 created, 3 updated, 1 unchanged",
    ]
    (rollout,) = lines(refleks(database_url, "admin", "rollout", "list"))
    assert rollout.startswith("#1 ") and "at 08:15" in rollout


def test_a_dry_run_shows_the_changes_and_saves_nothing(database_url: str, plan_file: Path) -> None:
    dry = lines(apply(database_url, plan_file, "--dry-run"))
    assert dry == ["dry run: " + line for line in CREATED] + ["dry run: rolled back, nothing saved"]
    assert lines(refleks(database_url, "admin", "status"))[0].startswith("no organisations yet")
    assert lines(apply(database_url, plan_file)) == CREATED


MISTAKES = [
    ("          - {package: barnehagemiljo, modules: '0', strat: 2027-01-04}\n", 12, "strat"),
    ("          - {package: barnehagemiljo, modules: '0', start: 2027-02-29}\n", 12, "not a date"),
    ("          - {package: barnehagemilj, modules: '0', start: 2027-01-04}\n", 12, "no package"),
    # refused by the use case after the lines above were written: all of it is rolled back
    ("          - {package: barnehagemiljo, modules: '3', start: 2027-01-04, at: '05:30'}\n", 12,
     "the send time must lie between 07:00 and 21:00"),
    ("  - slug: vestby\n    groups: [{slug: alle, name: Alle}]\n", 12,
     "no organisation 'vestby' in the database: give its name and kind to create it"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("appended", "line", "message"),
    MISTAKES,
    ids=["typo", "bad-date", "unknown-package", "refused-by-use-case", "unknown-organisation"],
)
def test_a_bad_plan_is_refused_at_its_line_and_changes_nothing(
    database_url: str, plan_file: Path, appended: str, line: int, message: str
) -> None:
    lines(apply(database_url, plan_file))
    before = everything(database_url)
    # valid edits and additions around the mistake, which must not be saved either
    plan_file.write_text(
        PLAN.replace("07:45", "08:15").replace("Vinterferie", "Vinterfri") + appended,
        encoding="utf-8",
    )
    done = apply(database_url, plan_file)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith(f"{plan_file}:{line}: ")
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert everything(database_url) == before


def test_a_break_shifts_the_next_step(database_url: str, plan_file: Path) -> None:
    lines(apply(database_url, plan_file))

    def next_step() -> str:
        (rollout,) = lines(refleks(database_url, "admin", "rollout", "list"))
        found = re.search(r"next step (\S+),", rollout)
        assert found is not None, rollout
        return found.group(1)

    add = ("admin", "break", "add", "nordby", "--name", "Planleggingsdager")
    days = ("--from", "2027-01-04", "--to", "2027-01-05")
    assert next_step() == "2027-01-04"
    assert lines(refleks(database_url, *add, *days)) == [
        "created break nordby: Planleggingsdager 2027-01-04..2027-01-05"
    ]
    assert next_step() == "2027-01-06"
    assert lines(refleks(database_url, *add, *days)) == [
        "unchanged break nordby: Planleggingsdager 2027-01-04..2027-01-05"
    ]
    assert lines(refleks(database_url, "admin", "break", "list", "nordby")) == [
        "nordby: Planleggingsdager 2027-01-04..2027-01-05",
        "nordby: Vinterferie 2027-03-01..2027-03-05",
    ]
    remove = ("admin", "break", "remove", "nordby", "--from", "2027-01-04")
    assert lines(refleks(database_url, *remove)) == [
        "removed break nordby: Planleggingsdager 2027-01-04..2027-01-05"
    ]
    assert next_step() == "2027-01-04"
    again = refleks(database_url, *remove)
    assert again.returncode == 2
    assert again.stderr.strip() == (
        "refleks admin: no break in 'nordby' starts on 2027-01-04 (its breaks start on 2027-03-01)"
    )


def test_a_break_cannot_rewrite_days_a_running_rollout_has_sent(
    database_url: str, plan_file: Path
) -> None:
    today = date.today()
    started = today - timedelta(days=21)
    plan_file.write_text(PLAN.replace("2027-01-04", started.isoformat()), encoding="utf-8")
    lines(apply(database_url, plan_file))
    add = ("admin", "break", "add", "nordby", "--name", "Høstferie")
    past = ("--from", str(today - timedelta(days=14)), "--to", str(today - timedelta(days=10)))
    refused = refleks(database_url, *add, *past)
    assert refused.returncode == 2
    assert "a break can only change days from today on" in refused.stderr
    future = ("--from", str(today + timedelta(days=7)), "--to", str(today + timedelta(days=11)))
    assert lines(refleks(database_url, *add, *future))[0].startswith("created break nordby")


def test_moving_a_rollouts_start_warns_that_the_old_one_still_sends(
    database_url: str, plan_file: Path
) -> None:
    lines(apply(database_url, plan_file))
    plan_file.write_text(PLAN.replace("2027-01-04", "2027-01-11"), encoding="utf-8")
    done = apply(database_url, plan_file)
    assert "created rollout nordby/ansatte barnehagemiljo 0-2 from 2027-01-11" in done.stdout
    assert done.stderr.startswith(f"{plan_file}:11: warning: nordby/ansatte also has rollout #1")
    assert "refleks admin rollout cancel 1" in done.stderr


def test_the_shipped_example_applies_cleanly(database_url: str) -> None:
    done = apply(database_url, ROOT / "docs" / "plan.example.yaml")
    assert done.stderr == ""
    assert lines(done)[-1].endswith(" created, 0 updated, 0 unchanged")
