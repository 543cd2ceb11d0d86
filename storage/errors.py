"""What of a database error may go into a log: its class and SQLSTATE, never its message.

A database error's message can quote the row it was writing: SQLAlchemy adds the statement's
parameters (the engine hides them, see storage/db.py, but not every engine is ours), and the
driver's own text can hold a value (asyncpg: `invalid input for query argument $9: '...'`,
`invalid input syntax for type integer: "..."`, a DETAIL `Key (text)=(...) already exists`).
An answer's text would then sit in the log next to the update that carried it.
"""

from __future__ import annotations

import re
import traceback

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, StatementError

DESCRIPTION = "a database error; its message is not logged, as it can quote the row"

# Exceptions of these modules come from a database driver (or SQLAlchemy's wrappers of one).
_DRIVER_MODULES = ("asyncpg", "aiosqlite", "sqlite3", "sqlalchemy.dialects")
_SQLSTATE = re.compile(r"[0-9A-Z]{5}")
_CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
_CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"


def is_database_error(error: BaseException) -> bool:
    if isinstance(error, StatementError):
        return True
    module = type(error).__module__
    return any(module == name or module.startswith(name + ".") for name in _DRIVER_MODULES)


def describe(error: BaseException) -> str:
    """One line to log for a database error: its class, the driver's error class and the
    SQLSTATE when there is one, and a constant text."""
    return type(error).__name__ + _details(error)


def _details(error: BaseException) -> str:
    chain: list[BaseException] = []  # SQLAlchemy's error, its adapter's, the driver's
    current: BaseException | None = error
    while current is not None and is_database_error(current) and len(chain) < 5:
        chain.append(current)
        current = getattr(current, "orig", None) or current.__cause__
    codes = (getattr(found, "sqlstate", None) for found in chain)
    sqlstate = next((c for c in codes if isinstance(c, str) and _SQLSTATE.fullmatch(c)), None)
    driver = type(chain[-1]).__name__ if chain else None
    found = [
        *([driver] if driver and driver != type(error).__name__ else []),
        *([f"SQLSTATE {sqlstate}"] if sqlstate else []),
    ]
    return (f" ({', '.join(found)})" if found else "") + ": " + DESCRIPTION


def safe_traceback(error: BaseException) -> str:
    """The traceback as Python prints it (chained exceptions too), but a database error's last
    line, where its message would be, is `describe(error)`, and its notes are left out."""
    return "".join(_lines(error, set())).rstrip("\n")


def _lines(error: BaseException, seen: set[int]) -> list[str]:
    seen.add(id(error))
    lines: list[str] = []
    cause, context = error.__cause__, error.__context__
    if cause is not None and id(cause) not in seen:
        lines += [*_lines(cause, seen), _CAUSE]
    elif context is not None and not error.__suppress_context__ and id(context) not in seen:
        lines += [*_lines(context, seen), _CONTEXT]
    if error.__traceback__ is not None:
        lines += ["Traceback (most recent call last):\n", *traceback.format_tb(error.__traceback__)]
    if is_database_error(error):
        kind = type(error)
        lines.append(f"{kind.__module__}.{kind.__qualname__}{_details(error)}\n")
    else:
        lines += traceback.format_exception_only(type(error), error)
    if isinstance(error, BaseExceptionGroup):
        for number, inner in enumerate(error.exceptions, 1):
            lines += [f"\nsub-exception {number}:\n", *_lines(inner, seen), "\n"]
    return lines


def is_database_away(error: BaseException) -> bool:
    """The database could not be reached (a lost connection, a server going away), as
    against a statement it refused."""
    if isinstance(error, OSError):
        return True
    return isinstance(error, DBAPIError) and (
        error.connection_invalidated or isinstance(error, OperationalError | InterfaceError)
    )
