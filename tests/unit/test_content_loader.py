"""The loader tells a content writer what is wrong and on which line, before the bot ever starts."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from content import Catalogue, ContentError, Problem, load_package, load_packages, localized
from content.lint import main
from content.loader import lint
from content.schema import Question, Step, StepText
from domain.model import QuestionKind

ROOT = Path(__file__).resolve().parents[2]

GOOD = """\
package:
  id: test
  title: Testpakke
  audience: school
  source_url: https://www.udir.no/kvalitet-og-kompetanse/kompetansepakker/
modules:
  - number: 0
    title: Innledning
    summary: Hva pakken er.
    leader_support:
      intro: Slik leder du møtet.
      prepare: Skriv ut arket.
      discussion_questions: [Hva ser vi, Hva gjør vi, Hva lærer vi, Hva nå]
      meeting_plan:
        - {minutes: 15, activity: Innledning}
        - {minutes: 30, activity: Samtale}
    steps:
      - id: s0-1
        title: Første steg
        body: Litt tekst med <b>uthevet</b> ord.
        practice: Prøv dette i dag.
        question:
          kind: scale
          prompt: Hvor enig er du?
          scale_labels: [Lite, Mye]
      - id: s0-2
        title: Andre steg
        body: Mer tekst.
        question:
          kind: choice
          prompt: Hva velger du?
          options: [Ja, Nei, Vet ikke]
"""

# The English mirror of GOOD: the same shape, every text translated.
GOOD_EN = """\
package:
  id: test
  title: Test package
  audience: school
  language: en
  source_url: https://www.udir.no/kvalitet-og-kompetanse/kompetansepakker/
modules:
  - number: 0
    title: Introduction
    summary: What the package is.
    leader_support:
      intro: How to lead the meeting.
      prepare: Print the sheet.
      discussion_questions: [What do we see, What do we do, What do we learn, What now]
      meeting_plan:
        - {minutes: 15, activity: Introduction}
        - {minutes: 30, activity: Conversation}
    steps:
      - id: s0-1
        title: First step
        body: Some text with a <b>bold</b> word.
        practice: Try this today.
        question:
          kind: scale
          prompt: How much do you agree?
          scale_labels: [A little, A lot]
      - id: s0-2
        title: Second step
        body: More text.
        question:
          kind: choice
          prompt: What do you choose?
          options: [Agree, Disagree, Not sure]
"""

GOOD_NN = (
    GOOD_EN.replace("language: en", "language: nn")
    .replace("Test package", "Testpakke")
    .replace("Second step", "Andre steget")
    .replace("[Agree, Disagree, Not sure]", "[Ja, Nei, Veit ikkje]")
)


def write(folder: Path, text: str, name: str = "test.yaml") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """The 1-based line of the n-th line containing `needle`: what the loader should point at."""
    hits = [number for number, line in enumerate(text.splitlines(), 1) if needle in line]
    return hits[occurrence - 1]


def write_package(
    folder: Path, nb: str = GOOD, nn: str | None = GOOD_NN, en: str | None = GOOD_EN
) -> Path:
    """A package file and the mirrors given (None: that translation is missing)."""
    for language, text in (("nn", nn), ("en", en)):
        if text is not None:
            write(folder, text, f"test.{language}.yaml")
    return write(folder, nb)


def problems_of(tmp_path: Path, text: str) -> list[Problem]:
    """The problems of a bokmål file with no translations beside it."""
    path = write(tmp_path, text)
    with pytest.raises(ContentError) as caught:
        load_package(path)
    missing = [p for p in lint([path]) if p.message.startswith("missing: ")]
    assert [p for p in lint([path]) if p not in missing] == caught.value.problems
    return caught.value.problems


def mirror_problems(tmp_path: Path, en: str) -> list[Problem]:
    """What both the loader and the lint say of a broken English mirror."""
    path = write_package(tmp_path, en=en)
    with pytest.raises(ContentError) as caught:
        load_package(path)
    assert caught.value.problems == lint([path])
    assert {p.file for p in caught.value.problems} == {str(tmp_path / "test.en.yaml")}
    return caught.value.problems


def lines_mentioning(problems: list[Problem], words: str) -> list[int]:
    return [problem.line for problem in problems if words in problem.message]


def test_a_good_file_loads(tmp_path: Path) -> None:
    package = load_package(write_package(tmp_path))
    assert package.id == "test"
    assert [step.id for step in package.module(0).steps] == ["s0-1", "s0-2"]
    assert lint([tmp_path]) == []


def test_a_typo_in_a_key_names_the_key_and_the_field_it_left_missing(tmp_path: Path) -> None:
    text = GOOD.replace("title: Andre steg", "titel: Andre steg")
    problems = problems_of(tmp_path, text)
    assert lines_mentioning(problems, "unknown key 'titel'") == [line_of(text, "titel:")]
    assert "did you mean 'title'?" in str(problems)
    # the step lacking `title` starts on its `- id:` line
    assert lines_mentioning(problems, "missing field 'title'") == [line_of(text, "- id: s0-2")]


def test_a_missing_field_points_at_the_mapping_that_lacks_it(tmp_path: Path) -> None:
    text = GOOD.replace("    summary: Hva pakken er.\n", "")
    problems = problems_of(tmp_path, text)
    assert [(p.line, p.message) for p in problems] == [
        (line_of(text, "- number: 0"), "modules[0]: missing field 'summary'")
    ]


def test_a_question_that_does_not_fit_its_kind_points_at_the_question(tmp_path: Path) -> None:
    text = GOOD.replace("          scale_labels: [Lite, Mye]\n", "")
    problems = problems_of(tmp_path, text)
    assert lines_mentioning(problems, "scale question needs scale_labels") == [
        line_of(text, "question:")
    ]


def test_a_body_of_1001_characters_is_too_long(tmp_path: Path) -> None:
    text = GOOD.replace("body: Mer tekst.", "body: " + "x" * 1001)
    problems = problems_of(tmp_path, text)
    assert [(p.line, p.message) for p in problems] == [
        (line_of(text, "xxxx"), "modules[0].steps[1].body: 1001 characters; at most 1000")
    ]


def test_a_body_of_1000_characters_is_fine(tmp_path: Path) -> None:
    load_package(write(tmp_path, GOOD.replace("body: Mer tekst.", "body: " + "x" * 1000)))


def test_a_step_id_used_twice_names_both_lines(tmp_path: Path) -> None:
    text = GOOD.replace("id: s0-2", "id: s0-1")
    problems = problems_of(tmp_path, text)
    first, second = line_of(text, "id: s0-1"), line_of(text, "id: s0-1", 2)
    assert [(p.line, p.message) for p in problems] == [
        (second, f"step id 's0-1' is already used at line {first}")
    ]


def test_html_telegram_would_refuse_is_reported_on_its_line(tmp_path: Path) -> None:
    text = GOOD.replace("body: Mer tekst.", "body: <div>Mer tekst.</div>").replace(
        "practice: Prøv dette i dag.", "practice: <b>Prøv dette i dag."
    )
    problems = problems_of(tmp_path, text)
    assert set(lines_mentioning(problems, "<div>")) == {line_of(text, "<div>")}
    assert lines_mentioning(problems, "unclosed tag <b>") == [line_of(text, "practice:")]


def test_html_in_a_translation_is_checked_too(tmp_path: Path) -> None:
    text = GOOD_EN.replace("title: Second step", "title: Second & third step")
    problems = mirror_problems(tmp_path, text)
    assert [p.line for p in problems] == [line_of(text, "Second & third")]
    assert problems[0].message.startswith("modules[0].steps[1].title: ")


def test_a_yaml_syntax_error_is_reported_at_its_line(tmp_path: Path) -> None:
    text = GOOD.replace("body: Mer tekst.", "body: Mer tekst: med kolon")
    problems = problems_of(tmp_path, text)
    assert [(p.line, p.message) for p in problems] == [
        (line_of(text, "med kolon"), "mapping values are not allowed here")
    ]


def test_a_tag_that_does_not_fit_its_value_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    text = GOOD.replace("body: Mer tekst.", "body: !!int mer tekst")
    problems = problems_of(tmp_path, text)
    assert len(problems) == 1 and "not valid YAML" in problems[0].message


def test_bad_indentation_is_a_syntax_error_too(tmp_path: Path) -> None:
    text = GOOD.replace("        title: Andre steg", "       title: Andre steg")
    problems = problems_of(tmp_path, text)
    assert len(problems) == 1
    assert problems[0].line == line_of(text, "title: Andre steg")


def test_a_key_written_twice_is_caught_although_yaml_keeps_the_last(tmp_path: Path) -> None:
    text = GOOD.replace(
        "        body: Mer tekst.\n", "        body: Mer tekst.\n        body: Annen tekst.\n"
    )
    problems = problems_of(tmp_path, text)
    first, second = line_of(text, "body: Mer tekst."), line_of(text, "body: Annen tekst.")
    assert [(p.line, p.message) for p in problems] == [
        (
            second,
            f"key 'body' is already set at line {first} "
            "(YAML would silently keep only the last one)",
        )
    ]


def test_a_translation_may_not_add_or_drop_options(tmp_path: Path) -> None:
    text = GOOD_EN.replace("[Agree, Disagree, Not sure]", "[Agree, Disagree]")
    problems = mirror_problems(tmp_path, text)
    assert [(p.line, p.message) for p in problems] == [
        (
            line_of(text, "[Agree, Disagree]"),
            "modules[0].steps[1].question.options: 2 items here, 3 in bokmål",
        )
    ]


def test_a_translation_may_not_turn_a_choice_into_a_scale(tmp_path: Path) -> None:
    text = GOOD_EN.replace("options: [Agree, Disagree, Not sure]", "scale_labels: [Little, Much]")
    messages = [p.message for p in mirror_problems(tmp_path, text)]
    assert "modules[0].steps[1].question: missing 'options', which bokmål has" in messages
    assert "modules[0].steps[1].question.scale_labels: 'scale_labels' is not in bokmål" in messages


def test_an_empty_button_label_is_refused(tmp_path: Path) -> None:
    text = GOOD.replace("[Ja, Nei, Vet ikke]", "[Ja, Nei, '']")
    problems = problems_of(tmp_path, text)
    assert [p.line for p in problems] == [line_of(text, "[Ja, Nei, '']")]


def test_every_problem_of_a_file_is_reported_at_once(tmp_path: Path) -> None:
    text = (
        GOOD.replace("id: s0-2", "id: s0-1")
        .replace("title: Andre steg", "titel: Andre steg")
        .replace("body: Mer tekst.", "body: <div>Mer tekst.")
    )
    problems = problems_of(tmp_path, text)
    assert len(problems) >= 4
    assert [p.line for p in problems] == sorted(p.line for p in problems)


def test_the_error_message_is_one_file_line_message_per_problem(tmp_path: Path) -> None:
    text = GOOD.replace("id: s0-2", "id: s0-1").replace("body: Mer tekst.", "body: <div>x</div>")
    path = write(tmp_path, text)
    with pytest.raises(ContentError) as caught:
        load_package(path)
    lines = str(caught.value).splitlines()
    assert len(lines) == len(caught.value.problems) >= 2
    assert all(line.startswith(f"{path}:") for line in lines)
    assert str(caught.value.problems[0]).count(":") >= 2


def test_a_missing_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"
    with pytest.raises(ContentError) as caught:
        load_packages([missing])
    assert [p.file for p in caught.value.problems] == [str(missing)]


def test_an_empty_file_says_what_it_lacks(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, "")
    assert problems
    assert all(p.line == 1 for p in problems)


def test_load_packages_reports_every_file_s_problems(tmp_path: Path) -> None:
    write(tmp_path, GOOD.replace("id: s0-2", "id: s0-1"), "a.yaml")
    write(
        tmp_path,
        GOOD.replace("id: test", "id: other").replace("kind: scale", "kind: slider"),
        "b.yaml",
    )
    with pytest.raises(ContentError) as caught:
        load_packages([tmp_path])
    assert {Path(p.file).name for p in caught.value.problems} == {"a.yaml", "b.yaml"}


def test_two_files_with_one_package_id_name_both(tmp_path: Path) -> None:
    first = write(tmp_path, GOOD, "a.yaml")
    second = write(tmp_path, GOOD, "b.yaml")
    with pytest.raises(ContentError) as caught:
        load_packages([first, second])
    id_line = line_of(GOOD, "id: test")
    assert [str(p) for p in caught.value.problems] == [
        f"{second}:{id_line}: package id 'test' is already used at {first}:{id_line}"
    ]


def test_a_folder_without_packages_is_a_problem(tmp_path: Path) -> None:
    assert [p.line for p in lint([tmp_path])] == [0]


def test_the_catalogue_finds_packages_and_steps(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "a.yaml")
    write(tmp_path, GOOD.replace("id: test", "id: other"), "b.yaml")
    catalogue = load_packages([tmp_path])
    assert sorted(catalogue) == ["other", "test"]
    assert len(catalogue) == 2
    module, step = catalogue.step("test", "s0-2")
    assert (module.number, step.title) == (0, "Andre steg")
    with pytest.raises(KeyError):
        catalogue.step("test", "s9-9")
    with pytest.raises(KeyError):
        catalogue.step("nothing", "s0-1")
    with pytest.raises(TypeError):
        catalogue["new"] = catalogue["test"]  # type: ignore[index]


def test_the_catalogue_refuses_a_package_id_twice(tmp_path: Path) -> None:
    package = load_package(write(tmp_path, GOOD))
    with pytest.raises(ValueError, match="two packages"):
        Catalogue([package, package])


def test_a_package_reads_in_each_language_its_mirrors_give(tmp_path: Path) -> None:
    package = load_package(write_package(tmp_path, nn=None))
    module = package.module(0)
    step = module.steps[1]
    english = localized(step, "en")
    assert (english.title, english.body, english.prompt) == (
        "Second step",
        "More text.",
        "What do you choose?",
    )
    assert english.options == ("Agree", "Disagree", "Not sure")
    assert english.practice is None
    assert localized(module.steps[0], "en").practice == "Try this today."
    assert module.text("en").title == "Introduction"
    assert module.text("en").leader_support.discussion_questions[3] == "What now"
    assert package.title("en") == "Test package"
    # no nynorsk file: the bot reads bokmål rather than nothing
    nynorsk = localized(step, "nn")
    assert (nynorsk.title, nynorsk.options) == ("Andre steg", ("Ja", "Nei", "Vet ikke"))
    assert localized(step, "nb") == nynorsk
    assert (module.text("nn").title, package.title("nn")) == ("Innledning", "Testpakke")


labels = st.lists(st.text(min_size=1, max_size=10).filter(str.strip), min_size=2, max_size=2)


@given(
    title=st.none() | st.just("Translated"),
    practice=st.none() | st.just("Translated practice"),
    scale_labels=st.none() | labels,
    original_practice=st.none() | st.just("Prøv dette."),
)
def test_localized_always_has_every_field_a_reader_needs(
    title: str | None,
    practice: str | None,
    scale_labels: list[str] | None,
    original_practice: str | None,
) -> None:
    step = Step(
        id="s1-1",
        title="Tittel",
        body="Tekst.",
        practice=original_practice,
        question=Question(kind=QuestionKind.SCALE, prompt="Hvor?", scale_labels=["Lite", "Mye"]),
        translations={
            "en": StepText.model_validate(
                {"title": title, "practice": practice, "question": {"scale_labels": scale_labels}}
            )
        },
    )
    english = localized(step, "en")
    assert english.title == (title or "Tittel")
    assert english.body == "Tekst."
    assert english.prompt == "Hvor?"
    assert len(english.scale_labels) == 2
    assert english.options == ()
    # a practice only appears where bokmål has one
    assert (english.practice is None) == (original_practice is None)


def test_lint_prints_a_summary_when_all_is_well(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_package(tmp_path)
    assert main([str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert (out, err) == ("1 package, 1 module, 2 steps, in bokmål, nynorsk and English: ok\n", "")


def test_lint_prints_one_line_per_problem_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = GOOD.replace("id: s0-2", "id: s0-1").replace("body: Mer tekst.", "body: <div>x</div>")
    path = write(tmp_path, text)
    assert main([str(path)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [str(problem) for problem in lint([path])]
    assert len(err.splitlines()) >= 2


def test_lint_runs_without_the_bot_framework() -> None:
    code = "import sys, content.lint; sys.exit('aiogram' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=False).returncode == 0


# --- translations: the lint holds each mirror to its bokmål file --------------------------------


def test_the_lint_fails_on_a_missing_translation_that_the_bot_reads_in_bokmal(
    tmp_path: Path,
) -> None:
    path = write_package(tmp_path, en=None)
    assert [(p.file, p.line, p.message) for p in lint([path])] == [
        (str(tmp_path / "test.en.yaml"), 0, "missing: test.yaml in English")
    ]
    assert localized(load_package(path).module(0).steps[1], "en").title == "Andre steg"


@pytest.mark.parametrize(
    ("change", "needle", "message"),
    [
        (
            ("id: s0-2", "id: s0-3"),
            "id: s0-3",
            "modules[0].steps[1].id: 's0-3' here, 's0-2' in bokmål",
        ),
        (
            ("{minutes: 15, activity: Introduction}", "{minutes: 20, activity: Introduction}"),
            "minutes: 20",
            "modules[0].leader_support.meeting_plan[0].minutes: 20 here, 15 in bokmål",
        ),
        (
            ("        practice: Try this today.\n", ""),
            "id: s0-1",
            "modules[0].steps[0]: missing 'practice', which bokmål has",
        ),
        (
            ("        body: More text.\n", "        body: More text.\n        practice: Extra.\n"),
            "practice: Extra.",
            "modules[0].steps[1].practice: 'practice' is not in bokmål",
        ),
        (
            ("language: en", "language: nn"),
            "language: nn",
            "package.language: must be 'en' in a English file",
        ),
        (
            ("kind: scale", "kind: text"),
            "kind: text",
            "modules[0].steps[0].question.kind: 'text' here, 'scale' in bokmål",
        ),
    ],
    ids=["changed id", "changed minutes", "missing practice", "extra practice", "language", "kind"],
)
def test_the_lint_fails_on_each_kind_of_broken_translation(
    tmp_path: Path, change: tuple[str, str], needle: str, message: str
) -> None:
    text = GOOD_EN.replace(*change)
    assert text != GOOD_EN
    problems = mirror_problems(tmp_path, text)
    assert (line_of(text, needle), message) in [(p.line, p.message) for p in problems]


def test_a_missing_or_extra_step_in_a_translation_is_named(tmp_path: Path) -> None:
    second = GOOD_EN.index("      - id: s0-2")
    missing = mirror_problems(tmp_path, GOOD_EN[:second])
    assert "modules[0].steps: 1 items here, 2 in bokmål" in [p.message for p in missing]
    extra = GOOD_EN + GOOD_EN[second:].replace("id: s0-2", "id: s0-9")
    assert "modules[0].steps: 3 items here, 2 in bokmål" in [
        p.message for p in mirror_problems(tmp_path, extra)
    ]


def test_a_translation_longer_than_the_limits_is_refused(tmp_path: Path) -> None:
    text = GOOD_EN.replace("body: More text.", "body: " + "x" * 1001).replace(
        "Not sure]", "Not sure at all and I would like to think about it more]"
    )
    problems = mirror_problems(tmp_path, text)
    assert (line_of(text, "xxxx"), "modules[0].steps[1].body: 1001 characters; at most 1000") in [
        (p.line, p.message) for p in problems
    ]
    assert any(p.message.startswith("modules[0].steps[1].question.options[2]: ") for p in problems)


def test_a_package_file_may_not_carry_translations_itself(tmp_path: Path) -> None:
    text = GOOD.replace(
        "          options: [Ja, Nei, Vet ikke]\n",
        "          options: [Ja, Nei, Vet ikke]\n"
        "        translations:\n"
        "          en: {title: Second}\n",
    )
    problems = problems_of(tmp_path, text)
    assert (
        line_of(text, "translations:"),
        "modules[0].steps[1].translations: 'translations' is not written here: "
        "translations live in mirror files",
    ) in [(p.line, p.message) for p in problems]


def test_naming_a_mirror_checks_its_package(tmp_path: Path) -> None:
    write_package(tmp_path)
    assert lint([tmp_path / "test.en.yaml"]) == []
    assert list(load_packages([tmp_path])) == ["test"]


def test_the_catalogue_names_each_packages_modules_for_rollouts_and_plans() -> None:
    """An introduction module and six (school) or seven (kindergarten) more, in order."""
    assert load_packages().module_numbers() == {
        "barnehagemiljo": (0, 1, 2, 3, 4, 5, 6, 7),
        "skolemiljo": (0, 1, 2, 3, 4, 5, 6),
    }
