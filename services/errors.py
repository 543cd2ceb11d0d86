"""What handlers and logs may say of a failure below them: a database error by its class and
SQLSTATE only, never its message, which can quote an answer (storage.errors says how)."""

from storage.errors import DESCRIPTION, describe, is_database_error, safe_traceback

__all__ = ["DESCRIPTION", "describe", "is_database_error", "safe_traceback"]
