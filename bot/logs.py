"""Logging. Never a message's text: at most ids, kinds and outcomes, so answer text and a user
or chat id never share a log (a test reads a whole journey's log at DEBUG to check it)."""

from __future__ import annotations

import logging

# These echo SQL parameters or update payloads at DEBUG: answer text would end up in the log.
PAYLOAD_LOGGERS = ("aiosqlite", "sqlalchemy.engine", "asyncpg", "aiogram.event")


def quiet_payload_loggers() -> None:
    for name in PAYLOAD_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def setup_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    quiet_payload_loggers()
