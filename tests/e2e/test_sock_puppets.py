"""Sock puppets are made hard and visible: a link made without limits gets the defaults (staff:
60 uses, 14 days; leaders: 5 uses), the 61st account on a default staff link is turned away,
and admins see how many joined each week. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

from dialogues.i18n import Texts
from domain.invites import DEFAULT_MAX_USES, default_limits
from domain.model import Role
from domain.telegram_html import visible_text
from services import admin
from tests.e2e.test_admin_cli import refleks as run_cli
from tests.support.harness import oslo, running_refleks, seed_school

NB = Texts("nb")
MONDAY = date(2026, 11, 23)


def test_links_made_without_limits_get_the_defaults(database_url: str) -> None:
    for args in (
        ("admin", "org", "add", "nordby", "--name", "Nordby skole", "--kind", "school"),
        ("admin", "group", "add", "nordby/laerere", "--name", "Lærerne"),
    ):
        assert run_cli(database_url, *args).returncode == 0
    staff = run_cli(database_url, "admin", "invite", "nordby/laerere", "--role", "staff")
    leader = run_cli(database_url, "admin", "invite", "nordby/laerere", "--role", "leader")
    open_link = run_cli(
        database_url,
        *("admin", "invite", "nordby/laerere", "--role", "staff"),
        *("--unlimited-uses", "--no-expiry"),
    )
    both = run_cli(
        database_url,
        *("admin", "invite", "nordby/laerere", "--role", "staff"),
        *("--max-uses", "3", "--unlimited-uses"),
    )
    assert "as staff: 60 uses, expires " in staff.stdout
    assert "as leader: 5 uses, expires " in leader.stdout
    assert "as staff: unlimited uses, no expiry" in open_link.stdout
    assert both.returncode == 2 and "not allowed with" in both.stderr  # one or the other


async def test_the_61st_account_on_a_default_staff_link_is_turned_away(database_url: str) -> None:
    async with running_refleks(database_url, oslo(MONDAY, 9)) as refleks:
        refleks.invites = await seed_school(refleks.app, start=MONDAY)
        uses, days = default_limits(Role.STAFF)
        async with refleks.app.uow_factory() as uow:
            link = await admin.make_invite(
                uow,
                "nordby/laerere",
                Role.STAFF,
                datetime.now(UTC),
                max_uses=uses,
                expires_days=days,
            )
            await uow.commit()
        refleks.invites["default"] = link.code
        for user in range(3001, 3001 + DEFAULT_MAX_USES[Role.STAFF]):
            await refleks.join(user, "default")
        turned_away = await refleks.join(3999, "default")
        assert turned_away.visible_text == visible_text(NB("join.used_up"))

    status = run_cli(database_url, "admin", "status", "nordby")
    assert status.returncode == 0, status.stderr
    line = next(x for x in status.stdout.splitlines() if "joined per week" in x)
    assert line.strip().startswith("joined per week, last 6:")
    assert len(line.split(":")[1].split()) == 6  # the counting itself: tests/unit/test_invites.py
