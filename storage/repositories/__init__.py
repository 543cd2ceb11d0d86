"""Repositories: one per aggregate, each returning `domain.model` objects, never rows."""

from domain.errors import NotFound

IDS_PER_QUERY = 500  # ids in one IN (...): SQLite's older builds allow 999 parameters

__all__ = ["IDS_PER_QUERY", "NotFound"]
