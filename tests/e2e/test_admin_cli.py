"""The admin CLI as an operator runs it: a real process, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


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


def test_an_admin_sets_up_a_school_from_the_shell(database_url: str) -> None:
    steps = [
        ("admin", "org", "add", "nordby", "--name", "Nordby skole", "--kind", "school"),
        ("admin", "group", "add", "nordby/laerere", "--name", "Lærerne"),
        ("admin", "invite", "nordby/laerere", "--role", "staff", "--max-uses", "30"),
        (
            "admin",
            "rollout",
            "add",
            "nordby/laerere",
            "--package",
            "skolemiljo",
            "--modules",
            "0-2",
            "--start",
            "2027-01-04",
            "--at",
            "07:45",
            "--weekdays",
            "mon-fri",
        ),
    ]
    outputs = []
    for args in steps:
        done = refleks(database_url, *args)
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout.strip().splitlines())
    assert outputs[0] == ["created organisation nordby (school, Europe/Oslo): Nordby skole"]
    link = outputs[2][-1]
    assert link.startswith("https://t.me/refleks_test_bot?start=")
    assert len(link.rsplit("=", 1)[1]) >= 16
    assert "created rollout #1" in outputs[3][0]
    assert "2027-01-04" in outputs[3][0] and "07:45" in outputs[3][0]

    again = refleks(database_url, *steps[0])
    assert again.stdout.startswith("unchanged organisation nordby")
    status = refleks(database_url, "admin", "status", "nordby")
    assert "nordby/laerere: Lærerne: 0 staff, 0 leaders" in status.stdout
    assert "#1 nordby/laerere skolemiljo modules 0,1,2" in status.stdout


def test_an_organisation_gets_its_written_standard_and_concern_routine(database_url: str) -> None:
    add = ("admin", "org", "add", "vik", "--name", "Vik skule", "--kind", "school")
    made = refleks(database_url, *add, "--language", "nn")
    assert made.stdout.strip() == (
        "created organisation vik (school, Europe/Oslo, written in nn): Vik skule"
    )
    routine = refleks(
        database_url, *add, "--concern-contact", "Rektor Ola", "--concern-url", "https://vik.no/r"
    )
    assert routine.stdout.startswith("updated organisation vik")
    assert refleks(database_url, *add, "--language", "nn").stdout.startswith("unchanged")
    back = refleks(database_url, *add, "--language", "telegram")
    assert back.stdout.strip() == "updated organisation vik (school, Europe/Oslo): Vik skule"
    bad = refleks(database_url, *add, "--concern-url", "javascript:alert(1)")
    assert bad.returncode == 2 and "http(s) address" in bad.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("admin", "org", "add", "x", "--name", "X", "--kind", "school", "--language", "sv"),
            "invalid choice",
        ),
        (("admin", "group", "add", "nowhere/staff", "--name", "X"), "no organisation 'nowhere'"),
        (("admin", "group", "add", "no-slash", "--name", "X"), "is not ORG/GROUP"),
        (("admin", "org", "add", "Bad Slug", "--name", "X", "--kind", "school"), "lower-case"),
        (("admin", "org", "add", "x", "--name", "X", "--kind", "prison"), "invalid choice"),
        (("admin", "rollout", "pause", "99"), "no rollout #99"),
        (
            (
                "admin",
                "rollout",
                "add",
                "a/b",
                "--package",
                "p",
                "--modules",
                "0",
                "--start",
                "2027-13-01",
            ),
            "is not a date",
        ),
        (
            (
                "admin",
                "rollout",
                "add",
                "a/b",
                "--package",
                "p",
                "--modules",
                "0",
                "--start",
                "2027-01-04",
                "--at",
                "7.30",
            ),
            "--at",
        ),
    ],
)
def test_a_mistake_gets_one_clear_line_and_exit_status_2(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    done = refleks(f"sqlite+aiosqlite:///{tmp_path}/cli.db", *args)
    assert done.returncode == 2
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr


def test_admin_commands_do_not_import_aiogram(tmp_path: Path) -> None:
    code = (
        "import sys; from bot.cli import main; "
        "rc = main(['admin', 'status']); "
        "assert 'aiogram' not in sys.modules, 'aiogram was imported'; sys.exit(rc)"
    )
    env = dict(os.environ, DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/x.db")
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    assert "no organisations yet" in done.stdout
