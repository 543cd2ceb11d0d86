"""Logging. Never a message's text: at most ids, kinds and outcomes, so answer text and a user
or chat id never share a log (a test reads a whole journey's log at DEBUG to check it).

Never a secret either: every record is redacted when it is made, whatever handler takes it,
because an HTTP library's error can carry the URL, and Telegram's URLs carry the bot token.
Nor a database error's message, which can quote the row (an answer): its class only."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any

from services.errors import describe, is_database_error, safe_traceback

# These echo SQL parameters or update payloads at DEBUG: answer text would end up in the log.
PAYLOAD_LOGGERS = ("aiosqlite", "sqlalchemy.engine", "asyncpg", "aiogram.event")

# a bot token anywhere in a text: in a URL (/bot123:ABC.../getMe) or on its own
TOKEN_IN_TEXT = re.compile(r"\d{1,20}:[A-Za-z0-9_-]{20,128}")
HIDDEN = "[hidden]"

_secrets: set[str] = set()
_factory_installed = False


def redact(text: str) -> str:
    """`text` with every bot token and every registered secret replaced by [hidden]."""
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, HIDDEN)
    return TOKEN_IN_TEXT.sub(HIDDEN, text)


def hide_secrets(secrets: Iterable[str | None]) -> None:
    """Register secrets that have no recognisable shape (a webhook secret), and redact every
    log record from now on."""
    _secrets.update(secret for secret in secrets if secret and len(secret) >= 4)
    _install_record_factory()


def _install_record_factory() -> None:
    global _factory_installed
    if _factory_installed:
        return
    make_record = logging.getLogRecordFactory()

    def redacted_record(*args: object, **kwargs: object) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        record.args = _without_database_errors(record.args)
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to logging to report
            return record
        record.msg, record.args = redact(message), None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(safe_traceback(record.exc_info[1]))
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return record

    logging.setLogRecordFactory(redacted_record)
    _factory_installed = True


def _without_database_errors(args: Any) -> Any:
    """A database error given as an argument ("%s: %s", name, error) becomes its description."""

    def safe(arg: object) -> object:
        return describe(arg) if isinstance(arg, BaseException) and is_database_error(arg) else arg

    if isinstance(args, tuple):
        return tuple(safe(arg) for arg in args)
    if isinstance(args, Mapping):
        return {key: safe(value) for key, value in args.items()}
    return args


def quiet_payload_loggers() -> None:
    for name in PAYLOAD_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def setup_logging(level: str = "INFO", secrets: Iterable[str | None] = ()) -> None:
    hide_secrets(secrets)
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    quiet_payload_loggers()
