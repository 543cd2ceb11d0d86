"""Where a member may talk to the bot: only in their private chat with it.

Whatever a member writes or presses in a group chat would be seen by everyone there, next to
their name. So every journey's router takes updates from private chats only, set once on the
router (`private_only`), and the group chat router (`dialogues.group_chat`) takes the rest.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType

IN_PRIVATE = F.chat.type == ChatType.PRIVATE
PRESSED_IN_PRIVATE = F.message.chat.type == ChatType.PRIVATE  # a button under a bot message
IN_GROUP = F.chat.type.in_({ChatType.GROUP, ChatType.SUPERGROUP})
PRESSED_IN_GROUP = F.message.chat.type.in_({ChatType.GROUP, ChatType.SUPERGROUP})


def private_only(router: Router) -> Router:
    """The router sees messages and button presses from private chats, nothing else."""
    router.message.filter(IN_PRIVATE)
    router.callback_query.filter(PRESSED_IN_PRIVATE)
    return router
