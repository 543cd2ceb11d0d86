"""Who is in: invite links for staff and leaders, with an expiry and a number of uses, shown
as t.me links to share, listed while usable, and revoked with one press."""

from __future__ import annotations

from html import escape

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, Message

from dialogues.admin_access import typed_for
from dialogues.admin_call import GroupCall
from dialogues.admin_states import TYPED, TYPING, AdminInput
from dialogues.admin_views import Screen, button, day_label, keyboard, send, show
from dialogues.bots import invite_link
from dialogues.callbacks import AdminGroup
from dialogues.i18n import Texts
from domain.calendar import local_date
from domain.model import Group, Invite, Organisation, Role
from services import admin, admin_views

ROLES = {"s": Role.STAFF, "l": Role.LEADER}
EXPIRY_DAYS = (14, 7, 30, 90)  # 14 first: the CLI's default (domain.invites)
USES = (1, 10, 50)
MAX_USES = 10_000
LISTED_INVITES = 15


def _parts(value: str) -> tuple[Role, int, int | None] | None:
    """ "s.30" or "s.30.10" -> (role, days, uses); days and uses 0 mean none."""
    role_code, _, rest = value.partition(".")
    days_text, _, uses_text = rest.partition(".")
    role = ROLES.get(role_code)
    if role is None or not days_text.isdigit() or (uses_text and not uses_text.isdigit()):
        return None
    days, uses = int(days_text), int(uses_text) if uses_text else None
    if days > 366 or (uses is not None and uses > MAX_USES):
        return None
    return role, days, uses


def _back_to_group(texts: Texts, org: Organisation, group: Group) -> InlineKeyboardButton:
    return button(texts("admin.back"), AdminGroup(do="show", org=org.id, group=group.id).pack())


async def ask_expiry(query: CallbackQuery, callback_data: AdminGroup, call: GroupCall) -> None:
    texts, org, group = call.texts, call.org, call.group
    role = ROLES.get(callback_data.value, Role.STAFF)
    code = "l" if role is Role.LEADER else "s"
    choices = [
        button(texts("admin.days", count=days), _group(org, group, "invd", f"{code}.{days}"))
        for days in EXPIRY_DAYS
    ]
    never = button(texts("admin.no_expiry"), _group(org, group, "invd", f"{code}.0"))
    html = texts("admin.ask_expiry", role=texts("role." + role.value), group=escape(group.name))
    await show(query, Screen(html, keyboard(choices, [never], [_back_to_group(texts, org, group)])))


async def ask_uses(query: CallbackQuery, callback_data: AdminGroup, call: GroupCall) -> None:
    texts, org, group = call.texts, call.org, call.group
    if _parts(callback_data.value) is None:
        await query.answer(texts("admin.not_allowed"), show_alert=True)
        return
    base = callback_data.value
    choices = [button(str(n), _group(org, group, "invn", f"{base}.{n}")) for n in USES]
    rows = [
        choices,
        [button(texts("admin.unlimited"), _group(org, group, "invn", f"{base}.0"))],
        [button(texts("admin.other_number"), _group(org, group, "invt", base))],
        [_back_to_group(texts, org, group)],
    ]
    await show(query, Screen(texts("admin.ask_uses"), keyboard(*rows)))


async def _make(call: GroupCall, role: Role, days: int, uses: int | None) -> Invite:
    return await admin.make_invite(
        call.uow,
        f"{call.org.slug}/{call.group.slug}",
        role,
        call.now,
        max_uses=uses or None,
        expires_days=days or None,
    )


async def invite_screen(call: GroupCall, invite: Invite) -> Screen:
    """The new link, naming the bot that serves the organisation: its members join through it."""
    texts, org, group = call.texts, call.org, call.group
    html = texts(
        "admin.invite_made",
        role=texts("role." + invite.role.value),
        group=escape(group.name),
        link=await link(call.bot, invite),
        about=about(texts, org, invite),
    )
    return Screen(html, keyboard([_back_to_group(texts, org, group)]))


async def link(bot: Bot, invite: Invite) -> str:
    return await invite_link(bot, invite.code)


def about(texts: Texts, org: Organisation, invite: Invite) -> str:
    uses = "∞" if invite.max_uses is None else str(invite.max_uses)
    expires = (
        texts("admin.never")
        if invite.expires_at is None
        else day_label(texts, local_date(invite.expires_at, org.timezone))
    )
    return texts("admin.invite_about", used=invite.uses, uses=uses, expires=expires)


async def invite_chosen(query: CallbackQuery, callback_data: AdminGroup, call: GroupCall) -> None:
    parts = _parts(callback_data.value)
    if parts is None or parts[2] is None:
        await query.answer(call.texts("admin.not_allowed"), show_alert=True)
        return
    await show(query, await invite_screen(call, await _make(call, *parts)))


async def ask_number(
    query: CallbackQuery, callback_data: AdminGroup, state: FSMContext, call: GroupCall
) -> None:
    texts, org, group = call.texts, call.org, call.group
    if _parts(callback_data.value) is None:
        await query.answer(texts("admin.not_allowed"), show_alert=True)
        return
    typing = {"org": org.id, "group": group.id, "invite": callback_data.value}
    await state.update_data({TYPING: typing})
    await state.set_state(AdminInput.invite_uses)
    html = texts("admin.ask_number", limit=MAX_USES)
    await show(query, Screen(html, keyboard([_back_to_group(texts, org, group)])))


async def number_typed(message: Message, state: FSMContext, call: GroupCall) -> None:
    texts = call.texts
    parts = _parts(str((await state.get_data()).get(TYPING, {}).get("invite", "")))
    if parts is None:
        await state.set_state(None)
        await message.answer(texts("admin.not_allowed"))
        return
    text = (message.text or "").strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_USES:
        await message.answer(texts("admin.ask_number", limit=MAX_USES))
        return
    await state.set_state(None)
    await state.update_data({TYPING: {}})
    invite = await _make(call, parts[0], parts[1], int(text))
    await send(message, await invite_screen(call, invite))


async def invites_screen(call: GroupCall) -> Screen:
    texts, org, group = call.texts, call.org, call.group
    usable = (await admin_views.usable_invites(call.uow, group, call.now))[-LISTED_INVITES:]
    lines = [texts("admin.invites" if usable else "admin.no_invites", group=escape(group.name))]
    rows = []
    for number, invite in enumerate(usable, start=1):
        role = texts("role." + invite.role.value)
        lines += [
            "",
            f"{number}. {role}: {await link(call.bot, invite)}",
            about(texts, org, invite),
        ]
        label = texts("admin.revoke", number=number, role=role)
        rows.append([button(label, _group(org, group, "rev", invite.code))])
    rows.append([_back_to_group(texts, org, group)])
    return Screen("\n".join(lines), keyboard(*rows))


async def invites_menu(query: CallbackQuery, call: GroupCall) -> None:
    await show(query, await invites_screen(call))


async def revoke(query: CallbackQuery, callback_data: AdminGroup, call: GroupCall) -> None:
    if not await admin_views.revoke_invite(call.uow, call.group, callback_data.value):
        await query.answer(call.texts("admin.not_allowed"), show_alert=True)
        return
    await show(query, await invites_screen(call), call.texts("admin.revoked"))


def _group(org: Organisation, group: Group, do: str, value: str = "") -> str:
    return AdminGroup(do=do, org=org.id, group=group.id, value=value).pack()


def register(router: Router) -> None:
    router.callback_query.register(ask_expiry, AdminGroup.filter(F.do == "inv"))
    router.callback_query.register(ask_uses, AdminGroup.filter(F.do == "invd"))
    router.callback_query.register(invite_chosen, AdminGroup.filter(F.do == "invn"))
    router.callback_query.register(ask_number, AdminGroup.filter(F.do == "invt"))
    router.message.register(number_typed, AdminInput.invite_uses, TYPED, flags=typed_for(TYPING))
    router.callback_query.register(invites_menu, AdminGroup.filter(F.do == "invites"))
    router.callback_query.register(revoke, AdminGroup.filter(F.do == "rev"))
