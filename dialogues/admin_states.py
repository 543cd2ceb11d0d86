"""What an admin is typing, when the admin journey asks for text. /cancel leaves any of them;
a button press leaves them too (see AdminGuard), keeping the data of a wizard under way."""

from __future__ import annotations

from aiogram import F
from aiogram.fsm.state import State, StatesGroup


class AdminInput(StatesGroup):
    org_name = State()
    group_name = State()
    invite_uses = State()
    send_time = State()
    break_name = State()
    admin_id = State()


# Keys of the FSM data
DRAFT = "draft"  # the rollout wizard: see dialogues/admin_wizard.py
TYPING = "typing"  # what the typed text belongs to: {"org": id, "group": id, ...}


TYPED = F.text & ~F.text.startswith("/")  # an answer, not a command
