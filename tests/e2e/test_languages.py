"""Both packages from the first step to the last summary, in the reader's own written standard.

Six organisations, a school and a kindergarten for each of bokmål, nynorsk and English, run
their whole package through the clock, the real Bot and the local Bot API server. Everyone's
phone says bokmål (Telegram's `language_code` "nb"), so only the organisation's standard and a
member's own /language choice decide what they read: a nynorsk municipality's staff read
nynorsk, and one member in each organisation overrides it. Three staff answer every step (the
threshold), so every summary shows figures; the member who overrides never answers, so they get
every reminder.

One run on SQLite: the storage is not what is under test here, and a whole term takes a while.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, time, timedelta
from html import unescape
from pathlib import Path

import pytest

from bot.local_api import SentMessage
from content.loader import localized
from content.schema import Package
from dialogues.i18n import Texts
from dialogues.keyboards import LANGUAGE_NAMES
from domain.model import OrgKind, Role
from domain.schedule_text import parse_weekdays
from domain.telegram_html import visible_text
from services import admin
from tests.support.harness import Refleks, oslo, running_refleks

MONDAY = date(2027, 1, 4)  # no public holiday for the ten weeks a package takes
OVERRIDE = {"nb": "nn", "nn": "en", "en": "nb"}  # what the member who overrides picks
ANSWER = {"nb": "Vi snakket om det i pausen.", "nn": "Vi snakka om det.", "en": "We talked."}


@dataclass(frozen=True)
class Org:
    package: Package
    standard: str
    leader: int
    answerers: tuple[int, int, int]
    overrider: int

    @property
    def readers(self) -> Iterator[tuple[int, str]]:
        """Everyone who gets the steps, with the language they must read them in."""
        for member in self.answerers:
            yield member, self.standard
        yield self.overrider, OVERRIDE[self.standard]


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "refleks.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


async def set_up(refleks: Refleks) -> list[Org]:
    catalogue = refleks.app.catalogue
    packages = {p.id: tuple(m.number for m in p.modules) for p in catalogue.values()}
    orgs, user = [], 100
    for package_id, kind in (
        ("skolemiljo", OrgKind.SCHOOL),
        ("barnehagemiljo", OrgKind.KINDERGARTEN),
    ):
        for standard in ("nb", "nn", "en"):
            slug = f"{kind.value}-{standard}"
            async with refleks.app.uow_factory() as uow:
                org, _ = await admin.add_org(uow, slug, f"Org {slug}", kind, "Europe/Oslo")
                await admin.set_org_language(uow, org, standard)
                await admin.add_group(uow, f"{slug}/staff", "Personalet")
                request = admin.RolloutRequest(
                    f"{slug}/staff",
                    package_id,
                    packages[package_id],
                    MONDAY,
                    parse_weekdays("mon-fri"),
                    time(8, 0),
                )
                await admin.add_rollout(uow, request, packages)
                now = oslo(MONDAY, 6)
                staff = await admin.make_invite(uow, f"{slug}/staff", Role.STAFF, now)
                leader = await admin.make_invite(uow, f"{slug}/staff", Role.LEADER, now)
                await uow.commit()
            found = Org(
                catalogue[package_id], standard, user, (user + 1, user + 2, user + 3), user + 4
            )
            user += 10
            await refleks.say(found.leader, f"/start {leader.code}", language_code="nb")
            for member, _ in found.readers:
                welcome = await refleks.say(member, f"/start {staff.code}", language_code="nb")
                # the organisation's standard from the first message on, whatever the phone says
                assert welcome.text == Texts(standard)(
                    "join.welcome", group="Personalet", org=f"Org {slug}"
                )
            await refleks.say(found.overrider, "/language")
            await refleks.press(found.overrider, LANGUAGE_NAMES[OVERRIDE[standard]])
            orgs.append(found)
    return orgs


def new_since(refleks: Refleks, marks: dict[int, int], member: int) -> list[SentMessage]:
    return refleks.messages(member)[marks.get(member, 0) :]


def shown(html: str) -> str:
    """A content text as the reader sees it: without its tags."""
    return unescape(visible_text(html))


def visible(messages: list[SentMessage]) -> str:
    return "\n".join(unescape(m.visible_text or "") for m in messages)


async def answer(refleks: Refleks, member: int, step_message: SentMessage, language: str) -> None:
    labels = [
        b["text"] for b in step_message.buttons if str(b.get("callback_data", "")).startswith("a:")
    ]
    if labels:
        await refleks.press(member, labels[0], step_message.message_id)
    else:
        await refleks.say(member, ANSWER[language], reply_to_message_id=step_message.message_id)


async def test_every_text_of_both_packages_reaches_each_reader_in_their_own_standard(
    sqlite_url: str,
) -> None:
    async with running_refleks(sqlite_url, oslo(MONDAY, 6)) as refleks:
        orgs = await set_up(refleks)
        marks = {m: len(refleks.messages(m)) for org in orgs for m in (org.leader, *org.answerers)}
        marks |= {org.overrider: len(refleks.messages(org.overrider)) for org in orgs}
        start = dict(marks)
        steps = {
            org.standard + org.package.id: org.package.steps(
                tuple(m.number for m in org.package.modules)
            )
            for org in orgs
        }
        days = max(len(s) for s in steps.values())
        school_days = [
            MONDAY + timedelta(days=d)
            for d in range(7 * 12)
            if (MONDAY + timedelta(days=d)).weekday() < 5
        ]
        for index, day in enumerate(school_days[: days + 3]):
            await refleks.tick(oslo(day, 8))
            for org in orgs:
                plan = steps[org.standard + org.package.id]
                if index >= len(plan):
                    continue
                _, step = plan[index]
                for member in org.answerers:
                    today = [
                        m
                        for m in new_since(refleks, marks, member)
                        if shown(localized(step, org.standard).body)
                        in unescape(m.visible_text or "")
                    ]
                    assert len(today) == 1, (org.standard, org.package.id, step.id, member)
                    marks[member] = len(refleks.messages(member))
                    await answer(refleks, member, today[0], org.standard)
            await refleks.tick(oslo(day, 14, 30))  # Friday: the week closes and is sent

        for org in orgs:
            modules = org.package.modules
            plan = steps[org.standard + org.package.id]
            for member, language in org.readers:
                read = visible(refleks.messages(member)[start[member] :])
                for _, step in plan:
                    own, bokmal = localized(step, language), localized(step, "nb")
                    assert shown(own.body) in read, (language, step.id)
                    if own.practice:
                        assert shown(own.practice) in read
                    if language != "nb" and own.body != bokmal.body:
                        assert shown(bokmal.body) not in read, (language, step.id)
            # the one who never answers is reminded of every step, in their language, the next
            # school morning (a Friday's step is not: its week has closed by then)
            language = OVERRIDE[org.standard]
            reminded = [step for i, (_, step) in enumerate(plan) if school_days[i].weekday() < 4]
            reminders = [
                m
                for m in refleks.messages(org.overrider)[start[org.overrider] :]
                if (m.text or "").startswith(Texts(language)("reminder.body", title="")[:12])
            ]
            assert len(reminders) == len(reminded)
            for reminder, step in zip(reminders, reminded, strict=True):
                assert localized(step, language).title in unescape(reminder.visible_text or "")
            # leaders: every module's leader support, and every week's summary with starters
            led = visible(refleks.messages(org.leader)[start[org.leader] :])
            for module in modules:
                words = module.text(org.standard)
                assert words.leader_support.intro in led
                assert words.leader_support.discussion_questions[0] in led
            weeks = sorted({day.isocalendar().week for day in school_days[: len(plan)]})
            for week in weeks:
                header = Texts(org.standard)("summary.header_leader", group="Personalet", week=week)
                assert shown(header) in led, (org.standard, week)
            to_leader = refleks.messages(org.leader)[start[org.leader] :]
            assert sum(m.method == "sendPhoto" for m in to_leader) >= len(weeks)  # charts
            # staff summaries: the week's figures under the question in the reader's words
            for member, language in org.readers:
                read = visible(refleks.messages(member)[start[member] :])
                for week in weeks:
                    header = Texts(language)("summary.header_staff", group="Personalet", week=week)
                    assert shown(header) in read, (language, week)
                scale = next(step for _, step in plan if step.question.scale_labels)
                assert localized(scale, language).scale_labels[0] in read
