"""Which bot serves an organisation (one token per municipality) and the t.me links to it.

An organisation whose bot is not among the running ones is served by the default bot, as the
Deliverer does: the link, the joining and the steps all go through the same bot.
"""

from __future__ import annotations

from collections.abc import Mapping

from aiogram import Bot

from domain.model import Organisation


def serving_bot(bots: Mapping[int, Bot], default_bot_id: int, org: Organisation) -> Bot:
    if org.bot_id is not None and org.bot_id in bots:
        return bots[org.bot_id]
    return bots[default_bot_id]


async def username(bot: Bot) -> str:
    return (await bot.me()).username or ""


async def invite_link(bot: Bot, code: str) -> str:
    return f"https://t.me/{await username(bot)}?start={code}"
