"""A rollout's steps as the engine needs them: module, id, whether it asks something."""

from __future__ import annotations

from collections.abc import Mapping

from content.schema import Package
from domain.model import QuestionKind
from domain.plan import StepRef


def outline(
    packages: Mapping[str, Package], package_id: str, modules: tuple[int, ...]
) -> tuple[StepRef, ...] | None:
    """The steps in sending order, or None when the package or a module is unknown."""
    package = packages.get(package_id)
    if package is None:
        return None
    try:
        pairs = package.steps(modules)
    except KeyError:
        return None
    return tuple(
        StepRef(module.number, step.id, step.question.kind is not QuestionKind.NONE)
        for module, step in pairs
    )
