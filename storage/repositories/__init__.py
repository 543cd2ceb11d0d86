"""Repositories: one per aggregate, each returning `domain.model` objects, never rows."""


class NotFound(LookupError):
    """What was asked for does not exist (or the asker may not see it)."""
