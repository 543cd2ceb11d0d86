"""A group's members in the admin menu: each by Telegram id, role and join date (leaders with
their name; staff stay nameless), with a button to remove them (after a confirmation) and one
to make them leader or staff. Nothing about anyone's participation is shown.

An admin tells who is who by the Telegram id, which every member sees with /mydata. Every
press goes through AdminGuard (the group must be the admin's organisation's), and the person
a button names is looked up in the group again when it is pressed."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.types import CallbackQuery, InlineKeyboardButton

from dialogues.admin_call import GroupCall
from dialogues.admin_views import Screen, button, keyboard, show
from dialogues.callbacks import AdminGroup
from dialogues.menus import set_personal_menu
from domain.model import Group, Organisation, Role
from services import membership, staff
from services.unit_of_work import UnitOfWork

PAGE = 10  # people a screen: Telegram allows 100 buttons under a message


async def members_screen(call: GroupCall, page: int = 0) -> Screen:
    texts, org, group = call.texts, call.org, call.group
    found = await membership.members_of(call.uow, group.id)
    pages = max(1, -(-len(found) // PAGE))
    page = min(max(page, 0), pages - 1)
    lines = [texts("admin.members_of", group=escape(group.name), org=escape(org.name))]
    rows: list[list[InlineKeyboardButton]] = []
    for m in found[page * PAGE : (page + 1) * PAGE]:
        role = texts("role." + m.role.value)
        line = f"• <code>{m.telegram_id}</code> · {role} · {m.joined_on:%d.%m.%Y}"
        lines.append(line + (f" · {escape(m.name)}" if m.name else ""))
        other = Role.STAFF if m.role is Role.LEADER else Role.LEADER
        rows.append(
            [
                button(
                    texts("admin.member_remove", id=m.telegram_id),
                    _group(org, group, "mrmq", str(m.telegram_id)),
                ),
                button(
                    texts(
                        "admin.member_make_leader"
                        if other is Role.LEADER
                        else "admin.member_make_staff",
                        id=m.telegram_id,
                    ),
                    _group(org, group, "mrole", f"{other.value[0]}{m.telegram_id}"),
                ),
            ]
        )
    if not found:
        lines.append(texts("admin.members_none"))
    lines += ["", texts("admin.members_howto")]
    paging = []
    if page > 0:
        paging.append(button("‹", _group(org, group, "members", str(page - 1))))
    if page < pages - 1:
        paging.append(button("›", _group(org, group, "members", str(page + 1))))
    rows.append(paging)
    rows.append([button(texts("admin.back"), _group(org, group, "show"))])
    return Screen("\n".join(lines), keyboard(*rows))


async def members_menu(query: CallbackQuery, callback_data: AdminGroup, call: GroupCall) -> None:
    page = int(callback_data.value) if callback_data.value.isdigit() else 0
    await show(query, await members_screen(call, page))


async def ask_remove(query: CallbackQuery, callback_data: AdminGroup, call: GroupCall) -> None:
    texts, org, group = call.texts, call.org, call.group
    telegram_id = await _member_named(call.uow, group, callback_data.value)
    if telegram_id is None:
        await show(query, await members_screen(call), texts("admin.member_gone"))
        return
    html = texts("admin.member_remove_confirm", id=telegram_id, group=escape(group.name))
    yes = button(texts("admin.member_remove_yes"), _group(org, group, "mrm", str(telegram_id)))
    back = button(texts("admin.back"), _group(org, group, "members"))
    await show(query, Screen(html, keyboard([yes], [back])))


async def remove(query: CallbackQuery, callback_data: AdminGroup, call: GroupCall) -> None:
    uow, texts, group = call.uow, call.texts, call.group
    telegram_id = await _member_named(uow, group, callback_data.value)
    left = None if telegram_id is None else await membership.remove(uow, group.id, telegram_id)
    if telegram_id is None or left is None:
        await show(query, await members_screen(call), texts("admin.member_gone"))
        return
    await uow.commit()
    await _refresh_menu(call, telegram_id)
    toast = texts("admin.member_removed", id=telegram_id)
    if left.unlinked_chat:
        toast += " " + texts("admin.member_chat_unlinked")
    await show(query, await members_screen(call), toast)


async def change_role(query: CallbackQuery, callback_data: AdminGroup, call: GroupCall) -> None:
    uow, texts, group = call.uow, call.texts, call.group
    wanted = {"l": Role.LEADER, "s": Role.STAFF}.get(callback_data.value[:1])
    telegram_id = await _member_named(uow, group, callback_data.value[1:])
    if wanted is None or telegram_id is None:
        await show(query, await members_screen(call), texts("admin.member_gone"))
        return
    await membership.set_role(uow, group.id, telegram_id, wanted)
    await uow.commit()
    await _refresh_menu(call, telegram_id)
    key = "admin.member_now_leader" if wanted is Role.LEADER else "admin.member_now_staff"
    await show(query, await members_screen(call), texts(key, id=telegram_id))


async def _member_named(uow: UnitOfWork, group: Group, value: str) -> int | None:
    """The Telegram id a button names, if that person is in the group now."""
    if not value.isdigit():
        return None
    found = {m.telegram_id for m in await membership.members_of(uow, group.id)}
    return int(value) if int(value) in found else None


async def _refresh_menu(call: GroupCall, telegram_id: int) -> None:
    """Their command menu follows the role: a former leader loses the leader commands (which
    would refuse them anyway), a new one gets them."""
    found = await staff.standing_of(call.uow, telegram_id, call.admin_ids)
    if found is not None:
        member, now_is = found
        await set_personal_menu(
            call.bot, telegram_id, member.language, leader=now_is.leader, admin=now_is.admin
        )


def _group(org: Organisation, group: Group, do: str, value: str = "") -> str:
    return AdminGroup(do=do, org=org.id, group=group.id, value=value).pack()


def register(router: Router) -> None:
    router.callback_query.register(members_menu, AdminGroup.filter(F.do == "members"))
    router.callback_query.register(ask_remove, AdminGroup.filter(F.do == "mrmq"))
    router.callback_query.register(remove, AdminGroup.filter(F.do == "mrm"))
    router.callback_query.register(change_role, AdminGroup.filter(F.do == "mrole"))
