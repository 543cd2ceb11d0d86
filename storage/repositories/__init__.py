"""Repositories: one per aggregate, each returning `domain.model` objects, never rows."""

from domain.errors import NotFound

__all__ = ["NotFound"]
