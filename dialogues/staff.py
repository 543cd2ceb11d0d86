"""Staff commands: today, progress, pause, resume, time, language, privacy, mydata, forget, help."""

from __future__ import annotations

import re
from datetime import date, time
from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from dialogues.callbacks import ForgetButton, LanguageButton
from dialogues.chats import private_only
from dialogues.i18n import Texts
from dialogues.journey import Journey
from dialogues.keyboards import LANGUAGE_NAMES, forget_keyboard, language_keyboard
from dialogues.registered import MembersOnly, members_only
from dialogues.render import step_message
from dialogues.turn import Turn
from domain.model import LANGUAGES, Member
from services import staff
from services.journey import PlanProgress


async def today(message: Message, bot: Bot, turn: Turn, member: Member, journey: Journey) -> None:
    uow, now, texts = turn.uow, turn.now, turn.texts
    found = await journey.today(uow, member.id, now)
    if found.open is not None:
        step, position = found.open, found.open.plan.module_span(found.open.index)
        parts = step_message(
            step.package,
            step.module,
            step.step,
            texts,
            step.delivery.id,
            position=position,
            again=True,
        )
        await message.answer(parts[0].html, reply_markup=parts[0].keyboard)  # type: ignore[union-attr]
    elif found.missed is not None:
        plan, index = found.missed
        await journey.send_step(uow, bot, member.id, message.chat.id, plan, index, texts, now)
    else:
        await message.answer(texts("today.nothing"))


async def progress(message: Message, turn: Turn, journey: Journey) -> None:
    uow, now, member, texts = turn.uow, turn.now, turn.member, turn.texts
    plans = await journey.progress(uow, member.id, now) if member else []
    if member is None or not plans:
        await message.answer(texts("progress.none"))
        return
    lines = [_progress_line(plan, texts) for plan in plans]
    if member.paused:
        until = member.paused_until
        paused = (
            texts("progress.paused", until=_day(until)) if until else texts("progress.paused_open")
        )
        lines.append(paused)
    await message.answer("\n\n".join(lines))


def _progress_line(plan: PlanProgress, texts: Texts) -> str:
    if plan.module is None:
        return texts(
            "progress.not_started",
            package=escape(plan.package.title(texts.language)),
            group=escape(plan.group.name),
            date=_day(plan.next_day),
        )
    return texts(
        "progress.line",
        group=escape(plan.group.name),
        module=plan.module.number,
        title=escape(plan.module.text(texts.language).title),
        position=plan.position,
        size=plan.size,
        answered=plan.answered,
        sent=plan.sent,
        next=_day(plan.next_day),
    )


async def pause(message: Message, command: CommandObject, turn: Turn, member: Member) -> None:
    uow, now, texts = turn.uow, turn.now, turn.texts
    until = _parse_day(command.args or "") if command.args else None
    if (command.args and until is None) or not await staff.pause(uow, member, until, now.date()):
        await message.answer(texts("pause.bad_date"))
        return
    await message.answer(texts("pause.until", date=_day(until)) if until else texts("pause.done"))


async def resume(message: Message, turn: Turn, member: Member) -> None:
    uow, texts = turn.uow, turn.texts
    was_paused = await staff.resume(uow, member)
    await message.answer(texts("resume.done" if was_paused else "resume.not_paused"))


async def own_time(message: Message, command: CommandObject, turn: Turn, member: Member) -> None:
    uow, texts = turn.uow, turn.texts
    arg = (command.args or "").strip().lower()
    if arg in ("reset", "standard", "default"):
        await staff.set_own_time(uow, member, None)
        await message.answer(texts("time.reset"))
        return
    chosen = _parse_time(arg)
    if chosen is None or not await staff.set_own_time(uow, member, chosen):
        current = (
            member.send_time.strftime("%H:%M") if member.send_time else texts("time.group_default")
        )
        await message.answer(texts("time.usage", current=current))
        return
    await message.answer(texts("time.set", time=chosen.strftime("%H:%M")))


async def language(message: Message, texts: Texts) -> None:
    await message.answer(texts("language.choose"), reply_markup=language_keyboard())


async def language_chosen(query: CallbackQuery, callback_data: LanguageButton, turn: Turn) -> None:
    if turn.member is not None:
        await staff.choose_language(turn.uow, turn.member, callback_data.code)
    chosen = Texts(callback_data.code)
    await query.answer(chosen("language.set"))
    if query.message is not None:
        await query.message.answer(chosen("language.set") + "\n\n" + chosen("help.staff"))


async def privacy(message: Message, texts: Texts, threshold: int, retention_weeks: int) -> None:
    await message.answer(texts("privacy.full", threshold=threshold, weeks=retention_weeks))


async def my_data(message: Message, turn: Turn, member: Member, journey: Journey) -> None:
    uow, texts = turn.uow, turn.texts
    stored = await staff.stored_about(uow, member)
    groups = [f"• {escape(g.name)} ({texts('role.' + role.value)})" for g, role in stored.groups]
    steps = "; ".join(
        f"{escape(journey.title_of(step, texts.language))} ({day:%d.%m})"
        for step, day in stored.answered
    )
    await message.answer(
        texts(
            "mydata.body",
            telegram_id=member.telegram_id,
            language=LANGUAGE_NAMES.get(member.reads, "Bokmål"),
            time=member.send_time.strftime("%H:%M")
            if member.send_time
            else texts("time.group_default"),
            paused=texts("yes") if member.paused else texts("no"),
            groups="\n".join(groups) or "–",
            name=escape(member.display_name or "–"),
            received=stored.received,
            answered=steps or "–",
        )
    )


async def forget(message: Message, member: Member, texts: Texts) -> None:
    await message.answer(texts("forget.confirm"), reply_markup=forget_keyboard(texts))


async def forget_chosen(query: CallbackQuery, callback_data: ForgetButton, turn: Turn) -> None:
    uow, member, texts = turn.uow, turn.member, turn.texts
    if callback_data.confirm and member is not None:
        await staff.forget(uow, member)
        await query.answer()
        done = texts("forget.done")
    else:
        await query.answer()
        done = texts("forget.kept")
    if query.message is not None and hasattr(query.message, "edit_text"):
        await query.message.edit_text(done)


async def help_command(message: Message, turn: Turn, admin_ids: frozenset[int]) -> None:
    uow, member, texts = turn.uow, turn.member, turn.texts
    user = message.from_user
    found = await staff.standing(uow, user.id, member, admin_ids) if user else None
    if found is None or (member is None and not found.admin):
        await message.answer(texts("start.no_invite"))
        return
    text = texts("help.staff")
    if found.leader:
        text += "\n\n" + texts("help.leader")
    if found.admin:
        text += "\n\n" + texts("help.admin")
    await message.answer(text)


def _day(day: date | None) -> str:
    return day.strftime("%d.%m.%Y") if day else "–"


def _parse_day(text: str) -> date | None:
    text = text.strip()
    for pattern in (r"^(\d{4})-(\d{2})-(\d{2})$", r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$"):
        found = re.match(pattern, text)
        if found:
            a, b, c = (int(x) for x in found.groups())
            try:
                return date(a, b, c) if a > 31 else date(c, b, a)
            except ValueError:
                return None
    return None


def _parse_time(text: str) -> time | None:
    found = re.match(r"^(\d{1,2})[:.](\d{2})$", text)
    if not found:
        return None
    hour, minute = int(found.group(1)), int(found.group(2))
    return time(hour, minute) if hour < 24 and minute < 60 else None


def make_router() -> Router:
    router = private_only(Router(name="staff"))
    router.message.middleware(MembersOnly())
    joined, known = members_only("start.no_invite"), members_only("mydata.nothing")
    router.message.register(today, Command("today"), flags=joined)
    router.message.register(progress, Command("progress"))
    router.message.register(pause, Command("pause"), flags=joined)
    router.message.register(resume, Command("resume"), flags=joined)
    router.message.register(own_time, Command("time"), flags=joined)
    router.message.register(language, Command("language"))
    router.callback_query.register(language_chosen, LanguageButton.filter(F.code.in_(LANGUAGES)))
    router.message.register(privacy, Command("privacy"))
    router.message.register(my_data, Command("mydata"), flags=known)
    router.message.register(forget, Command("forget"), flags=known)
    router.callback_query.register(forget_chosen, ForgetButton.filter())
    router.message.register(help_command, Command("help"))
    return router
