"""`refleks demo`: a school week on a built-in local Bot API server, on SQLite, printed.

A school, a staff group of simulated staff and a leader; each school day the clock strikes
08:00, everyone gets the day's step and answers (buttons and free text, a phone number and
some markup among them, to show masking and escaping); on Friday at 14:00 the week closes and
the leader's summary is printed. Nothing leaves this machine.
"""

from __future__ import annotations

import random
import tempfile
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app import App, ManualClock, build_app, poll_in_background, stop_polling
from bot.clock import tick
from bot.config import Settings
from bot.local_api import DEFAULT_TOKEN, LocalBotAPI, SentMessage
from domain.model import OrgKind, Role
from domain.schedule_text import parse_modules, parse_weekdays
from services import admin

OSLO = ZoneInfo("Europe/Oslo")
LEADER = 9000
FIRST_STAFF = 1001
NAMES = ["Anne", "Bjørn", "Cecilie", "Dag", "Eva", "Fredrik", "Guro", "Hassan", "Ida", "Jonas"]
TEXT_ANSWERS = [
    "Vi hilser på alle elevene i døra hver morgen, og det merkes.",
    "Jeg vil bli flinkere til å følge med i friminuttene, særlig bak gymsalen.",
    "Ring meg gjerne på 912 34 567 hvis dere vil høre mer om hvordan vi gjør det.",
    "Vi sier at vi har <b>nulltoleranse</b>, men gjør vi det i praksis? 🤔",
    "Vi må snakke mer sammen om hva vi ser & hører i gangene.",
    "Elevrådet burde få være med å lage reglene for klassen.",
    "Jeg har prøvd å si navnet til hver elev minst én gang i løpet av dagen.",
]


def next_monday(today: date) -> date:
    return today + timedelta(days=7 - today.weekday())


def at_oslo(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), OSLO).astimezone(UTC)


async def run_demo(
    settings: Settings,
    *,
    days: int = 5,
    staff: int = 6,
    quiet: bool = False,
    api: LocalBotAPI | None = None,
) -> int:
    """The demo week; against `api` when given (a test reads its calls), else a server of its
    own."""
    staff = max(3, min(staff, len(NAMES)))
    days = max(1, min(days, 5))
    rng = random.Random(2026)
    monday = next_monday(datetime.now(OSLO).date())
    folder = Path(tempfile.mkdtemp(prefix="refleks-demo-"))
    own_api = api is None
    if api is None:
        api = LocalBotAPI()
        await api.start()
    clock = ManualClock(at_oslo(monday, 7))
    demo_settings = Settings(
        _env_file=None,
        bot_token=DEFAULT_TOKEN,
        telegram_api_url=api.base_url,
        database_url=f"sqlite+aiosqlite:///{folder / 'demo.db'}",
        anonymity_threshold=max(3, min(settings.anonymity_threshold, staff)),
        messages_per_second=200,
        chat_messages_per_second=30,
    )
    app = await build_app(demo_settings, clock=clock)
    say = print if not quiet else (lambda *a, **k: None)
    polling = poll_in_background(app)
    try:
        invites = await seed_school(app, start=monday, modules="1")
        say(
            f"Refleks demo: Nordby skole, {staff} staff and a leader, the week of {monday:%d.%m.%Y}"
        )
        say(f"(local Bot API at {api.base_url}, database {folder / 'demo.db'})\n")
        await _talk(api, LEADER, f"/start {invites['leader']}", "Rektor", say)
        for n in range(staff):
            user = FIRST_STAFF + n
            await _talk(api, user, f"/start {invites['staff']}", NAMES[n], say if n == 0 else None)
        for offset in range(days):
            day = monday + timedelta(days=offset)
            seen = {n: len(api.sent_messages(FIRST_STAFF + n)) for n in range(staff)}
            clock.now = at_oslo(day, 8)
            await tick(app, clock.now)
            say(f"\n— {day:%A %d.%m} 08:00 —")
            for n in range(staff):
                new = api.sent_messages(FIRST_STAFF + n)[seen[n] :]
                if new:
                    await _answer(
                        api, FIRST_STAFF + n, NAMES[n], new[-1], rng, say if n == 0 else None
                    )
        before = len(api.sent_messages(LEADER))
        clock.now = at_oslo(monday + timedelta(days=4), 14)
        await tick(app, clock.now)
        print("\n— Friday 14:00: the week closes. The leader's summary: —\n")
        pages = 0
        for message in api.sent_messages(LEADER)[before:]:
            if message.photo is not None:
                pages += 1
                chart = folder / f"chart-{pages}.png"
                chart.write_bytes(message.photo.data)
                print(f"[chart, {len(message.photo.data) // 1024} KB: {chart}]")
            if message.visible_text:
                print(message.visible_text)
        return 0
    finally:
        await stop_polling(app, polling)
        await app.close()
        if own_api:
            await api.stop()


async def seed_school(
    app: App,
    *,
    start: date,
    modules: str = "0",
    package: str = "skolemiljo",
    at: time = time(8, 0),
    weekdays: str = "mon-fri",
) -> dict[str, str]:
    """Nordby skole with one staff group, a rollout, and invite codes for staff and leaders
    (the demo's school, and the tests')."""
    now = datetime.now(UTC)
    async with app.uow_factory() as uow:
        await admin.add_org(uow, "nordby", "Nordby skole", OrgKind.SCHOOL, "Europe/Oslo")
        await admin.add_group(uow, "nordby/laerere", "Lærerne")
        request = admin.RolloutRequest(
            "nordby/laerere", package, parse_modules(modules), start, parse_weekdays(weekdays), at
        )
        await admin.add_rollout(uow, request, app.catalogue.module_numbers())
        staff = await admin.make_invite(uow, "nordby/laerere", Role.STAFF, now)
        leader = await admin.make_invite(uow, "nordby/laerere", Role.LEADER, now)
        await uow.commit()
    return {"staff": staff.code, "leader": leader.code}


async def _talk(api: LocalBotAPI, user: int, text: str, name: str, say: object) -> SentMessage:
    since = api.call_count
    command, _, args = text[1:].partition(" ")
    api.push_command(user, command, args, first_name=name)
    reply = await api.wait_for_message(user, since=since)
    if callable(say):
        say(f"{name}: {text}")
        say(f"Refleks: {reply.visible_text}\n")
    return reply


async def _answer(
    api: LocalBotAPI, user: int, name: str, step: SentMessage, rng: random.Random, say: object
) -> None:
    if callable(say):
        say(f"Refleks → {name}: {step.visible_text}")
    since = api.call_count
    labels = [b["text"] for b in step.buttons if str(b.get("callback_data", "")).startswith("a:")]
    if labels:
        choice = labels[
            min(len(labels) - 1, int(rng.triangular(0, len(labels), len(labels) * 0.7)))
        ]
        api.press_button(user, choice, message_id=step.message_id)
        await api.wait_for("answerCallbackQuery", since=since)
        if callable(say):
            say(f"{name} taps: {choice}")
    else:
        text = TEXT_ANSWERS[(user + len(api.sent_messages(user))) % len(TEXT_ANSWERS)]
        api.push_message(user, text, first_name=name, reply_to_message_id=step.message_id)
        reply = await api.wait_for_message(user, since=since)
        if callable(say):
            say(f"{name}: {text}\nRefleks: {reply.visible_text}")
