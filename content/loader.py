"""Read package YAML files into checked `Package`s, every problem pinned to a file and a line.

PyYAML first composes a file into nodes, which remember their lines; pydantic then checks the
data against the schema, and each error's location is walked back to the nearest line. On top
of the schema we check what it cannot see: keys written twice (PyYAML silently keeps the last),
step ids used twice, Telegram HTML, and mirror files (translations) whose shape leaves the
bokmål file's (`content.mirrors`).
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from content import schema
from content.mirrors import (
    LANGUAGE_NAMES,
    LOADER_KEYS,
    PACKAGE_SUFFIX,
    differences,
    language_of,
    mirror_path,
    package_file_of,
    with_translations,
)
from content.schema import TRANSLATED_LANGUAGES, Module, Package, QuestionText, Step, StepText
from domain import yaml_lines
from domain.problems import Problem
from domain.summary_words import StepWords
from domain.telegram_html import html_errors
from domain.yaml_lines import Lines, YamlPath

PACKAGES_DIR = Path(__file__).parent / "packages"


# the fields Telegram shows as HTML; options and labels go on buttons, which show plain text
_HTML_FIELDS = ("title", "body", "practice")
_FIELD_NAMES = sorted(
    {
        name
        for model in vars(schema).values()
        if isinstance(model, type) and issubclass(model, BaseModel)
        for name in model.model_fields
    }
)


class ContentError(Exception):
    """One or more package files are missing or broken; `problems` says where and why."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


class Catalogue(Mapping[str, Package]):
    """The packages the bot can roll out, by package id; read-only."""

    def __init__(self, packages: Iterable[Package]) -> None:
        self._packages: dict[str, Package] = {}
        self._steps: dict[tuple[str, str], tuple[Module, Step]] = {}
        self._words: dict[str, dict[str, StepWords]] = {}
        for package in packages:
            if package.id in self._packages:
                raise ValueError(f"two packages have the id {package.id!r}")
            self._packages[package.id] = package
            for module in package.modules:
                for step in module.steps:
                    if (package.id, step.id) in self._steps:
                        raise ValueError(f"{package.id} has two steps with the id {step.id!r}")
                    self._steps[(package.id, step.id)] = (module, step)

    def __getitem__(self, package_id: str) -> Package:
        return self._packages[package_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._packages)

    def __len__(self) -> int:
        return len(self._packages)

    def __repr__(self) -> str:
        return f"Catalogue({sorted(self._packages)})"

    def step_words(self, language: str) -> Mapping[str, StepWords]:
        """Every step's words in `language`, by step id, for reading frozen summaries. A step id
        that two packages share is left out: its words could belong to either."""
        if language not in self._words:
            counts = Counter(step_id for _, step_id in self._steps)
            self._words[language] = {
                step_id: _words(localized(step, language))
                for (_, step_id), (_, step) in self._steps.items()
                if counts[step_id] == 1
            }
        return self._words[language]

    def module_numbers(self) -> dict[str, tuple[int, ...]]:
        """Each package's module numbers, by package id: what a rollout or plan may name."""
        return {
            package_id: tuple(module.number for module in package.modules)
            for package_id, package in self._packages.items()
        }

    def step(self, package_id: str, step_id: str) -> tuple[Module, Step]:
        try:
            return self._steps[(package_id, step_id)]
        except KeyError:
            raise KeyError(f"{package_id!r} has no step {step_id!r}") from None


@dataclass(frozen=True)
class LocalizedStep:
    """A step's texts in one language, with bokmål filling whatever the translation leaves out."""

    title: str
    body: str
    practice: str | None
    prompt: str | None
    options: tuple[str, ...]
    scale_labels: tuple[str, ...]


def localized(step: Step, language: str) -> LocalizedStep:
    text = step.translations.get(language) or StepText()
    question = text.question or QuestionText()
    original = step.question
    return LocalizedStep(
        title=text.title or step.title,
        body=text.body or step.body,
        practice=(text.practice or step.practice) if step.practice else None,
        prompt=(question.prompt or original.prompt) if original.prompt else None,
        options=_same_count(question.options, original.options),
        scale_labels=_same_count(question.scale_labels, original.scale_labels),
    )


def _words(step: LocalizedStep) -> StepWords:
    return StepWords(step.title, step.prompt, step.options, step.scale_labels)


def _same_count(translated: list[str] | None, original: list[str] | None) -> tuple[str, ...]:
    # answers are stored by position, so a translation may only rename, never add or drop
    if translated and original and len(translated) == len(original):
        return tuple(translated)
    return tuple(original or ())


def load_package(path: Path) -> Package:
    packages, problems = check([path])
    if problems:
        raise ContentError(problems)
    return packages[0]


def load_packages(paths: Iterable[Path] | None = None) -> Catalogue:
    """Every package in `paths` (files or folders; None: the packages shipped with Refleks)."""
    packages, problems = check([PACKAGES_DIR] if paths is None else paths)
    if problems:
        raise ContentError(problems)
    return Catalogue(packages)


def lint(paths: list[Path]) -> list[Problem]:
    """Every problem, a missing translation included."""
    return check(paths, complete=True)[1]


def check(paths: Iterable[Path], *, complete: bool = False) -> tuple[list[Package], list[Problem]]:
    """The packages that passed and the problems of those that did not, across all `paths`.

    A package's mirror files are checked with it. `complete` (the lint) also requires every
    translation; the bot reads a package whose mirrors are missing in bokmål."""
    packages: list[Package] = []
    problems: list[Problem] = []
    package_lines: dict[str, tuple[str, int]] = {}  # package id -> where it was first seen
    for file in _package_files(paths, problems):
        package, lines, file_problems = _check_package(file, complete=complete)
        problems.extend(file_problems)
        if package is None:
            continue
        id_line = lines.get(("package", "id"), 1)
        if package.id in package_lines:
            first_file, first_line = package_lines[package.id]
            problems.append(
                Problem(
                    str(file),
                    id_line,
                    f"package id '{package.id}' is already used at {first_file}:{first_line}",
                )
            )
            continue
        package_lines[package.id] = (str(file), id_line)
        packages.append(package)
    return packages, problems


def _package_files(paths: Iterable[Path], problems: list[Problem]) -> list[Path]:
    """The bokmål package files among `paths`; a mirror named on its own stands for its package."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = [f for f in sorted(path.glob(f"*{PACKAGE_SUFFIX}")) if not language_of(f)]
            if not found:
                problems.append(Problem(str(path), 0, f"no package files (*{PACKAGE_SUFFIX})"))
            files.extend(found)
        else:
            files.append(package_file_of(path) if language_of(path) else path)
    return list(dict.fromkeys(files))


def _check_package(path: Path, *, complete: bool) -> tuple[Package | None, Lines, list[Problem]]:
    package, data, lines, problems = _check_file(path)
    if package is not None and package.package.language != "nb":
        where = ("package", "language")
        problems.append(
            Problem(str(path), lines.get(where, 1), "package.language: a package file is bokmål")
        )
    mirrors: dict[str, Package] = {}
    for language in TRANSLATED_LANGUAGES if data is not None else ():  # unreadable: no mirrors
        mirror_file = mirror_path(path, language)
        if not mirror_file.exists():
            if complete:
                name = LANGUAGE_NAMES[language]
                problems.append(Problem(str(mirror_file), 0, f"missing: {path.name} in {name}"))
            continue
        mirror, mirror_problems = _check_mirror(mirror_file, language, data)
        problems.extend(mirror_problems)
        if mirror is not None:
            mirrors[language] = mirror
    if package is None or problems:
        return None, lines, sorted(set(problems))
    return with_translations(package, mirrors), lines, []


def _check_mirror(
    path: Path, language: str, original: object
) -> tuple[Package | None, list[Problem]]:
    mirror, data, lines, problems = _check_file(path)
    file = str(path)
    if data is not None and original is not None:
        problems.extend(
            Problem(file, yaml_lines.line_of(lines, where), f"{_where(where)}: {message}")
            for where, message in differences(original, data, language)
        )
    if problems:
        return None, sorted(set(problems))
    return mirror, []


def _check_file(path: Path) -> tuple[Package | None, object, Lines, list[Problem]]:
    """The package in one file (bokmål or a mirror), its raw data and lines, and its problems."""
    file = str(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        return None, None, {}, [Problem(file, 0, f"cannot read: {error.strerror or error}")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        return None, None, {}, [Problem(file, line, "not UTF-8 text")]
    try:
        data, lines, problems = _parse(file, text)
    except _Broken as broken:  # nothing more to see in a file YAML cannot read
        return None, None, {}, [broken.problem]
    package: Package | None = None
    try:
        package = Package.model_validate(data)
    except ValidationError as error:
        problems.extend(
            Problem(file, yaml_lines.line_of(lines, detail["loc"]), _message(detail))
            for detail in error.errors(include_url=False)
        )
    problems.extend(_beyond_schema(file, data, lines))
    if problems:
        return None, data, lines, sorted(set(problems))
    return package, data, lines, []


# --- YAML -------------------------------------------------------------------------------------


def _parse(file: str, text: str) -> tuple[Any, Lines, list[Problem]]:
    """The data, the line of every path in it, and duplicate keys; or a syntax error."""
    try:
        document = yaml_lines.load(text)
    except yaml.YAMLError as error:
        raise _Broken(_syntax_problem(file, text, error)) from error
    except ValueError as error:  # an explicit tag on a value that is not one: `!!int x`
        raise _Broken(Problem(file, 1, f"not valid YAML: {error}")) from error
    problems = [
        Problem(
            file,
            duplicate.line,
            f"key '{duplicate.key}' is already set at line {duplicate.first_line} "
            "(YAML would silently keep only the last one)",
        )
        for duplicate in document.duplicate_keys
    ]
    return document.data, document.lines, problems


class _Broken(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def _syntax_problem(file: str, text: str, error: yaml.YAMLError) -> Problem:
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        message = error.problem or "invalid YAML"
        if error.context:
            message = f"{message} ({error.context}"
            if error.context_mark is not None and error.context_mark is not mark:
                message += f" at line {error.context_mark.line + 1}"
            message += ")"
        return Problem(file, mark.line + 1 if mark is not None else 1, message)
    if isinstance(error, yaml.reader.ReaderError):
        line = text[: error.position].count("\n") + 1
        return Problem(file, line, f"character {error.character!r} is not allowed in YAML")
    return Problem(file, 1, str(error))


# --- pydantic's errors, in a writer's words ---------------------------------------------------


def _where(loc: Iterable[object]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


def _message(detail: ErrorDetails) -> str:
    loc, kind, message = tuple(detail["loc"]), detail["type"], detail["msg"]
    if kind == "missing":
        loc, message = loc[:-1], f"missing field '{loc[-1]}'"
    elif kind == "extra_forbidden":
        loc, message = loc[:-1], f"unknown key '{loc[-1]}'"
        close = difflib.get_close_matches(str(detail["loc"][-1]), _FIELD_NAMES, n=1)
        if close:
            message += f" (did you mean '{close[0]}'?)"
    elif kind == "string_too_long" and isinstance(detail["input"], str):
        limit = (detail.get("ctx") or {}).get("max_length")
        message = f"{len(detail['input'])} characters; at most {limit}"
    elif loc and loc[-1] == "[key]":
        loc, message = loc[:-2], f"key '{loc[-2]}': {message}"
    message = message.removeprefix("Value error, ")
    where = _where(loc)
    return f"{where}: {message}" if where else message


# --- what the schema cannot see ---------------------------------------------------------------


def _beyond_schema(file: str, data: object, lines: Lines) -> Iterator[Problem]:
    """Checked on the raw data, so that a file's schema errors do not hide these."""
    first_use: dict[str, int] = {}
    for path, step in _raw_steps(data):
        step_id = step.get("id")
        if isinstance(step_id, str):
            line = lines.get((*path, "id"), 1)
            first = first_use.setdefault(step_id, line)
            if first != line:
                yield Problem(file, line, f"step id '{step_id}' is already used at line {first}")
        yield from _html_problems(file, step, path, lines)
    yield from _loader_keys(file, data, lines, ())


def _loader_keys(file: str, data: object, lines: Lines, path: YamlPath) -> Iterator[Problem]:
    """`translations` and `titles` come from the mirror files, never from a file itself."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key in LOADER_KEYS:
                message = f"'{key}' is not written here: translations live in mirror files"
                yield _problem_at(file, lines, (*path, key), message)
            else:
                yield from _loader_keys(file, value, lines, (*path, key))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            yield from _loader_keys(file, item, lines, (*path, index))


def _raw_steps(data: object) -> Iterator[tuple[YamlPath, dict[Any, Any]]]:
    modules = data.get("modules") if isinstance(data, dict) else None
    for module_index, module in enumerate(modules if isinstance(modules, list) else []):
        steps = module.get("steps") if isinstance(module, dict) else None
        for step_index, step in enumerate(steps if isinstance(steps, list) else []):
            if isinstance(step, dict):
                yield ("modules", module_index, "steps", step_index), step


def _html_problems(
    file: str, texts: dict[Any, Any], path: YamlPath, lines: Lines
) -> Iterator[Problem]:
    question = texts.get("question")
    fields: list[tuple[YamlPath, object]] = [((name,), texts.get(name)) for name in _HTML_FIELDS]
    if isinstance(question, dict):
        fields.append((("question", "prompt"), question.get("prompt")))
    for field, text in fields:
        if isinstance(text, str):
            line = lines.get((*path, *field), 1)
            for error in html_errors(text):
                yield Problem(file, line, f"{_where((*path, *field))}: {error}")


def _problem_at(file: str, lines: Lines, path: YamlPath, message: str) -> Problem:
    return Problem(file, lines.get(path, 1), f"{_where(path)}: {message}")
