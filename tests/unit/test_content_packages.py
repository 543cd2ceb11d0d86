"""The packages Refleks ships: complete, shaped as the programme is, and exact about the law."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from content import Catalogue, load_packages
from content.schema import Package
from domain.model import OrgKind, QuestionKind

# package id -> (audience, module numbers as the directorate's programme has them)
SHIPPED = {
    "skolemiljo": (OrgKind.SCHOOL, list(range(7))),
    "barnehagemiljo": (OrgKind.KINDERGARTEN, list(range(8))),
}
UDIR_PACKAGES = "https://www.udir.no/kvalitet-og-kompetanse/kompetansepakker/"


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_packages()


def texts(value: object) -> Iterator[str]:
    """Every string a package holds, wherever it sits."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from texts(item)


def all_text(package: Package) -> str:
    return "\n".join(texts(package.model_dump(mode="json")))


def test_every_shipped_package_loads(catalogue: Catalogue) -> None:
    assert sorted(catalogue) == sorted(SHIPPED)


@pytest.mark.parametrize("package_id", SHIPPED)
def test_audience_and_modules_follow_the_programme(catalogue: Catalogue, package_id: str) -> None:
    audience, numbers = SHIPPED[package_id]
    package = catalogue[package_id]
    assert package.package.audience is audience
    assert [module.number for module in package.modules] == numbers


@pytest.mark.parametrize("package_id", SHIPPED)
def test_every_module_has_five_to_eight_steps(catalogue: Catalogue, package_id: str) -> None:
    for module in catalogue[package_id].modules:
        assert 5 <= len(module.steps) <= 8, f"module {module.number}"


@pytest.mark.parametrize("package_id", SHIPPED)
def test_at_least_half_the_steps_of_a_module_have_a_practice(
    catalogue: Catalogue, package_id: str
) -> None:
    for module in catalogue[package_id].modules:
        with_practice = sum(1 for step in module.steps if step.practice)
        assert 2 * with_practice >= len(module.steps), f"module {module.number}"


@pytest.mark.parametrize("package_id", SHIPPED)
def test_every_module_asks_in_words_on_a_scale_and_with_choices(
    catalogue: Catalogue, package_id: str
) -> None:
    wanted = {QuestionKind.TEXT, QuestionKind.SCALE, QuestionKind.CHOICE}
    for module in catalogue[package_id].modules:
        kinds = {step.question.kind for step in module.steps}
        assert wanted <= kinds, f"module {module.number} lacks {wanted - kinds}"


@pytest.mark.parametrize("package_id", SHIPPED)
def test_questions_that_pool_their_answers_are_the_same_question(
    catalogue: Catalogue, package_id: str
) -> None:
    by_pool: dict[str, set[tuple[object, ...]]] = {}
    for module in catalogue[package_id].modules:
        for step in module.steps:
            question = step.question
            if question.pool:
                shape = (question.kind, question.prompt, tuple(question.scale_labels or ()))
                by_pool.setdefault(question.pool, set()).add(shape)
    assert all(len(shapes) == 1 for shapes in by_pool.values()), by_pool


def test_every_school_module_ends_with_the_recurring_safety_question(
    catalogue: Catalogue,
) -> None:
    last_questions = [module.steps[-1].question for module in catalogue["skolemiljo"].modules]
    assert all(q.kind is QuestionKind.SCALE and q.pool == "trygghet" for q in last_questions)
    assert len({(q.prompt, tuple(q.scale_labels or ())) for q in last_questions}) == 1


def test_every_school_module_links_to_the_directorate_first(catalogue: Catalogue) -> None:
    for module in catalogue["skolemiljo"].modules:
        assert str(module.steps[0].link) == UDIR_PACKAGES, f"module {module.number}"


def test_the_school_package_cites_the_2023_act_and_never_the_old_one(
    catalogue: Catalogue,
) -> None:
    text = all_text(catalogue["skolemiljo"])
    assert "§ 12-4" in text
    assert "§ 12-5" in text
    assert not re.search(r"9 ?A", text), "the old act's § 9 A is not the law any more"
    # chapter 12's rights and duties; any other paragraph needs checking before it is cited
    assert set(re.findall(r"§ 12-(\d+)", text)) <= {"1", "2", "3", "4", "5", "6"}


def test_the_kindergarten_package_cites_chapter_viii_of_the_kindergarten_act(
    catalogue: Catalogue,
) -> None:
    assert "kapittel VIII" in all_text(catalogue["barnehagemiljo"])
