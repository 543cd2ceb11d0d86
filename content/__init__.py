"""The competence packages: YAML files in `packages/`, their schema, and the loader."""

# `lint` stays in content.loader: here the name belongs to the content.lint module (the command)
from content.loader import (
    PACKAGES_DIR,
    Catalogue,
    ContentError,
    LocalizedStep,
    load_package,
    load_packages,
    localized,
)
from domain.problems import Problem

__all__ = [
    "PACKAGES_DIR",
    "Catalogue",
    "ContentError",
    "LocalizedStep",
    "Problem",
    "load_package",
    "load_packages",
    "localized",
]
