"""Plan files and package files come from outside: a hostile one is refused at once, with
`file:line: message`, whoever reads it (the content lint, the loader, `refleks admin plan`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from content.loader import lint
from domain import yaml_lines
from services.plans import PlanError, parse_plan
from tests.unit.test_yaml_lines import BILLION_LAUGHS

RECURSIVE = "organisations: &loop\n  - name: x\n    groups: *loop\n"
OVERSIZED = "notes: |\n" + "  x\n" * (yaml_lines.MAX_CHARACTERS // 4 + 1)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (BILLION_LAUGHS, 6, "aliases expand"),
        (RECURSIVE, 3, "recursive alias"),
        (OVERSIZED, 1, "characters"),
    ],
)
def test_a_hostile_package_file_is_one_lint_problem(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    path = tmp_path / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    problems = lint([path])
    assert len(problems) == 1
    assert problems[0].line == line and words in problems[0].message
    assert str(problems[0]).startswith(f"{path}:{line}: ")


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (BILLION_LAUGHS, 6, "aliases expand"),
        (RECURSIVE, 3, "recursive alias"),
        (OVERSIZED, 1, "characters"),
    ],
)
def test_a_hostile_plan_file_is_one_plan_problem(text: str, line: int, words: str) -> None:
    with pytest.raises(PlanError) as raised:
        parse_plan(text, "plan.yaml", {})
    problems = [str(problem) for problem in raised.value.problems]
    assert len(problems) == 1
    assert problems[0].startswith(f"plan.yaml:{line}: ") and words in problems[0]
