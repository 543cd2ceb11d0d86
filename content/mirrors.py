"""Mirror files: a package's nynorsk and English versions, held to the bokmål file's shape.

A mirror (`<id>.nn.yaml`, `<id>.en.yaml`) is the bokmål file with its texts translated. Ids,
numbers, question kinds, links and minutes stay as they are, and every list keeps its length,
because answers are counted by position and a meeting plan by its minutes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from content.schema import (
    TRANSLATED_LANGUAGES,
    ModuleText,
    Package,
    QuestionText,
    Step,
    StepText,
)
from domain.yaml_lines import YamlPath

PACKAGE_SUFFIX = ".yaml"
# values that say what a package is rather than how it reads: a mirror keeps them
KEPT_AS_IS = frozenset(
    {"id", "number", "kind", "pool", "link", "minutes", "audience", "source_url"}
)
# only the loader writes these, from the mirrors
LOADER_KEYS = frozenset({"translations", "titles"})
LANGUAGE_NAMES = {"nb": "bokmål", "nn": "nynorsk", "en": "English"}


def mirror_path(package_file: Path, language: str) -> Path:
    return package_file.with_name(f"{package_file.stem}.{language}{PACKAGE_SUFFIX}")


def language_of(path: Path) -> str | None:
    """`nn` for `skolemiljo.nn.yaml`; None for a bokmål package file."""
    parts = path.name.split(".")
    if len(parts) == 3 and parts[1] in TRANSLATED_LANGUAGES:
        return parts[1]
    return None


def package_file_of(mirror: Path) -> Path:
    return mirror.with_name(mirror.name.split(".")[0] + PACKAGE_SUFFIX)


def differences(original: object, mirror: object, language: str) -> Iterator[tuple[YamlPath, str]]:
    """Where a mirror's shape leaves its bokmål file's: (path in the mirror, what differs)."""
    if isinstance(mirror, dict) and isinstance(original, dict):
        package = mirror.get("package")
        if isinstance(package, dict) and package.get("language") != language:
            name = LANGUAGE_NAMES[language]
            yield ("package", "language"), f"must be '{language}' in a {name} file"
    yield from _compare(original, mirror, ())


def _compare(original: object, mirror: object, path: YamlPath) -> Iterator[tuple[YamlPath, str]]:
    if isinstance(original, dict) and isinstance(mirror, dict):
        for key in original:
            if key not in mirror and key not in LOADER_KEYS:
                yield path, f"missing '{key}', which bokmål has"
        for key, value in mirror.items():
            if path == ("package",) and key == "language":
                continue  # checked in `differences`: a mirror names its own language
            if key in LOADER_KEYS:
                yield (*path, key), f"'{key}' is not written in a mirror file"
            elif key not in original:
                yield (*path, key), f"'{key}' is not in bokmål"
            elif key in KEPT_AS_IS:
                if value != original[key]:
                    yield (*path, key), f"{value!r} here, {original[key]!r} in bokmål"
            else:
                yield from _compare(original[key], value, (*path, key))
    elif isinstance(original, list) and isinstance(mirror, list):
        if len(original) != len(mirror):
            yield path, f"{len(mirror)} items here, {len(original)} in bokmål"
        for index, (item, translated) in enumerate(zip(original, mirror, strict=False)):
            yield from _compare(item, translated, (*path, index))
    elif isinstance(original, dict | list) or isinstance(mirror, dict | list):
        yield path, "a different kind of value from bokmål's"


def with_translations(package: Package, mirrors: dict[str, Package]) -> Package:
    """`package` carrying each mirror's texts; mirrors are assumed to have passed `differences`."""
    modules = []
    for index, module in enumerate(package.modules):
        steps = []
        for step_index, step in enumerate(module.steps):
            texts = {
                language: _step_text(mirror.modules[index].steps[step_index])
                for language, mirror in mirrors.items()
            }
            steps.append(step.model_copy(update={"translations": texts}))
        module_texts = {
            language: ModuleText(
                title=mirror.modules[index].title,
                summary=mirror.modules[index].summary,
                leader_support=mirror.modules[index].leader_support,
            )
            for language, mirror in mirrors.items()
        }
        modules.append(module.model_copy(update={"steps": steps, "translations": module_texts}))
    titles = {language: mirror.package.title for language, mirror in mirrors.items()}
    info = package.package.model_copy(update={"titles": titles})
    return package.model_copy(update={"package": info, "modules": modules})


def _step_text(step: Step) -> StepText:
    question = step.question
    return StepText(
        title=step.title,
        body=step.body,
        practice=step.practice,
        question=QuestionText(
            prompt=question.prompt or None,
            options=question.options,
            scale_labels=question.scale_labels,
        ),
    )
