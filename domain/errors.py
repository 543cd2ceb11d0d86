"""Errors every layer may raise and catch."""


class NotFound(LookupError):
    """What was asked for does not exist (or the asker may not see it)."""
