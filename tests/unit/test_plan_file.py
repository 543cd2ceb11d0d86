"""Reading plan files: typed values, and every mistake as `file:line: message`."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path
from textwrap import dedent

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.model import OrgKind
from domain.schedule_text import parse_modules
from services.plans import PlanError, format_modules, parse_plan, read_plan

PACKAGES = {"barnehagemiljo": tuple(range(8)), "skolemiljo": tuple(range(7))}
MON_FRI = frozenset(range(5))

GOOD = """\
timezone: Europe/Oslo
organisations:
  - slug: nordby-skole
    name: Nordby skole
    kind: school
    breaks:
      - {name: Vinterferie, from: 2027-03-01, to: 2027-03-05}
    groups:
      - slug: laerere
        name: Lærerne
        rollouts:
          - {package: skolemiljo, modules: "0-2", start: 2027-01-04, weekdays: man-fre}
          - package: barnehagemiljo
            modules: 1,3,5
            start: 2027-08-16
            weekdays: mon,wed,fri
            at: 7:45
"""


def problems(text: str) -> list[str]:
    with pytest.raises(PlanError) as raised:
        parse_plan(dedent(text), "plan.yaml", PACKAGES)
    return [str(problem) for problem in raised.value.problems]


def test_a_plan_reads_into_typed_values_with_defaults() -> None:
    plan = parse_plan(GOOD, "plan.yaml", PACKAGES).plan
    assert plan.timezone == "Europe/Oslo"
    (org,) = plan.organisations
    assert (org.slug, org.name, org.kind, org.timezone) == (
        "nordby-skole",
        "Nordby skole",
        OrgKind.SCHOOL,
        None,
    )
    (winter,) = org.breaks
    assert (winter.name, winter.start, winter.end) == (
        "Vinterferie",
        date(2027, 3, 1),
        date(2027, 3, 5),
    )
    (group,) = org.groups
    first, second = group.rollouts
    assert (first.package, first.modules) == ("skolemiljo", (0, 1, 2))
    assert first.start == date(2027, 1, 4)
    assert (first.weekdays, first.at) == (MON_FRI, time(8, 0))
    assert (second.modules, second.at) == ((1, 3, 5), time(7, 45))
    assert second.weekdays == frozenset({0, 2, 4})


def test_plain_yaml_values_stay_what_was_written() -> None:
    # YAML 1.1 would read 10:30 as the number 630, No as false and 2027 as a number
    plan = parse_plan(
        dedent(
            """\
            organisations:
              - slug: "2027"
                name: No
                kind: kindergarten
                groups:
                  - slug: on
                    name: 2027
                    rollouts:
                      - {package: barnehagemiljo, modules: 4, start: 2027-01-04, at: 10:30}
            """
        ),
        "plan.yaml",
        PACKAGES,
    ).plan
    (org,) = plan.organisations
    assert (org.slug, org.name) == ("2027", "No")
    (group,) = org.groups
    assert (group.slug, group.name) == ("on", "2027")
    assert (group.rollouts[0].modules, group.rollouts[0].at) == ((4,), time(10, 30))


def test_anchors_share_settings_between_rollouts() -> None:
    plan = parse_plan(
        dedent(
            """\
            organisations:
              - slug: nordby
                name: Nordby
                kind: school
                groups:
                  - slug: a
                    name: A
                    rollouts:
                      - &usual {package: skolemiljo, modules: "0-2", start: 2027-01-04, at: "07:30"}
                  - slug: b
                    name: B
                    rollouts:
                      - {<<: *usual, start: 2027-01-11}
            """
        ),
        "plan.yaml",
        PACKAGES,
    ).plan
    a, b = (group.rollouts[0] for group in plan.organisations[0].groups)
    assert (b.package, b.modules, b.at, b.start) == (a.package, a.modules, a.at, date(2027, 1, 11))


ORG = """\
organisations:
  - slug: nordby
    name: Nordby
    kind: school
"""
ROLLOUTS = (
    ORG
    + """\
    groups:
      - slug: laerere
        name: Lærerne
        rollouts:
"""
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            ROLLOUTS + "          - {pakage: skolemiljo, modules: '0', start: 2027-01-04}\n",
            "plan.yaml:9: rollouts[0]: unknown key 'pakage' (did you mean 'package'?)",
        ),
        (
            ROLLOUTS + "          - {package: skolemiljo, modules: '0'}\n",
            "plan.yaml:9: rollouts[0]: missing field 'start'",
        ),
        (
            ROLLOUTS + "          - {package: skolemiljo, modules: '0', start: 2027-02-30}\n",
            "plan.yaml:9: start: '2027-02-30' is not a date: day is out of range for month",
        ),
        (
            ROLLOUTS + "          - {package: skolemiljo, modules: '0', start: 04.01.2027}\n",
            "plan.yaml:9: start: '04.01.2027' is not a date: write YYYY-MM-DD, for example "
            "2027-01-04",
        ),
        (
            ROLLOUTS + "          - package: skolemiljo\n"
            "            modules: '0'\n"
            "            start: 2027-01-04\n"
            "            weekdays: mon-fir\n",
            "plan.yaml:12: weekdays: 'fir' in 'mon-fir' is not a weekday: use mon tue wed thu fri "
            "sat sun or man tir ons tor fre lør søn",
        ),
        (
            ROLLOUTS + "          - {package: skolmiljo, modules: '0', start: 2027-01-04}\n",
            "plan.yaml:9: package: no package 'skolmiljo' (did you mean 'skolemiljo'?)",
        ),
        (
            ROLLOUTS + "          - {package: lesing, modules: '0', start: 2027-01-04}\n",
            "plan.yaml:9: package: no package 'lesing' (known: barnehagemiljo, skolemiljo)",
        ),
        (
            ROLLOUTS + "          - {package: skolemiljo, modules: '5-9', start: 2027-01-04}\n",
            "plan.yaml:9: modules: package 'skolemiljo' has no module 7 (it has 0-6)",
        ),
        (
            ROLLOUTS + "          - {package: skolemiljo, modules: '0', start: 2027-01-04, "
            "at: '7.30'}\n",
            "plan.yaml:9: at: '7.30' is not a time: write hours and minutes as HH:MM, e.g. 07:30",
        ),
        (
            ORG.replace("slug: nordby", "slug: Nordby Skole"),
            "plan.yaml:2: slug: organisation 'Nordby Skole' must be lower-case letters, digits "
            "and dashes (at most 40)",
        ),
        (
            ORG + "    groups:\n      - {slug: lærere, name: Lærerne}\n",
            "plan.yaml:6: slug: group 'lærere' must be lower-case letters, digits and dashes "
            "(at most 40)",
        ),
        (
            ORG.replace("kind: school", "kind: skole"),
            "plan.yaml:4: kind: Input should be 'school' or 'kindergarten'",
        ),
        (
            ORG + "    timezone: Europe/Nordby\n",
            "plan.yaml:5: timezone: unknown time zone 'Europe/Nordby'",
        ),
        (
            ORG + "    breaks:\n      - {name: Vinter, from: 2027-03-05, to: 2027-03-01}\n",
            "plan.yaml:6: to: the break ends (2027-03-01) before it starts (2027-03-05)",
        ),
        (
            ORG + f"    breaks:\n      - {{name: {'x' * 81}, from: 2027-03-01, to: 2027-03-05}}\n",
            "plan.yaml:6: name: String should have at most 80 characters",
        ),
        (
            ORG + "    breaks:\n      - {name: Vinter, form: 2027-03-01, to: 2027-03-05}\n",
            "plan.yaml:6: breaks[0]: unknown key 'form' (did you mean 'from'?)",
        ),
        (
            "organisations:\n  - slug: nordby\n    name: Nordby\n",
            "plan.yaml:2: organisations[0]: give 'nordby' both name and kind (and a timezone or "
            "bot_id if you like) to create or update it, or none of them to use it as it is in the "
            "database",
        ),
        (
            ORG + "    bot_id: the-new-one\n",
            "plan.yaml:5: bot_id: write a bot id (the digits before the colon of the bot's token) "
            "or 'default'",
        ),
        (
            ORG.replace("organisations:", "organizations:"),
            "plan.yaml:1: unknown key 'organizations' (did you mean 'organisations'?)",
        ),
        (ORG + "    name: Nordby igjen\n", "plan.yaml:5: key 'name' is already set at line 3"),
        (ORG + "    groups: [{slug: a, name: A}\n", "plan.yaml:6: expected ',' or ']', but got"),
        ("", "plan.yaml:1: the plan is empty: it needs 'organisations'"),
        (
            "organisations: []\n",
            "plan.yaml:1: organisations: List should have at least 1 item after validation, not 0",
        ),
        ("- nordby\n", "plan.yaml:1: Input should be a valid dictionary"),
        (ORG + ORG.removeprefix("organisations:\n"), "plan.yaml:5: organisation 'nordby' is "),
        (
            ORG + "    groups:\n      - {slug: a, name: A}\n      - {slug: a, name: B}\n",
            "plan.yaml:7: group 'a' is already in this plan at line 6",
        ),
        (
            ORG + "    breaks:\n"
            "      - {name: Vinter, from: 2027-03-01, to: 2027-03-05}\n"
            "      - {name: Vinterferie, from: 2027-03-01, to: 2027-03-03}\n",
            "plan.yaml:7: a break from 2027-03-01 is already in this plan at line 6",
        ),
        (
            ROLLOUTS + "          - {package: skolemiljo, modules: '0-2', start: 2027-01-04}\n"
            "          - {package: skolemiljo, modules: '0,1,2', start: 2027-01-04, at: '09:00'}\n",
            "plan.yaml:10: skolemiljo 0-2 from 2027-01-04 is already in this plan at line 9",
        ),
    ],
)
def test_a_mistake_is_reported_at_its_line(text: str, expected: str) -> None:
    (found,) = problems(text)
    assert found.startswith(expected)


def test_an_unknown_key_without_a_likely_meaning_lists_the_keys_allowed_there() -> None:
    found = problems(ORG + "    breaks:\n      - {name: X, start: 2027-03-01, to: 2027-03-05}\n")
    assert found == [
        "plan.yaml:6: breaks[0]: missing field 'from'",
        "plan.yaml:6: breaks[0]: unknown key 'start' (use name, from, to)",
    ]


def test_every_problem_is_reported_at_once_in_line_order() -> None:
    found = problems(
        ROLLOUTS + "          - {package: skolmiljo, modules: '0', start: 2027-13-01}\n"
        "          - {package: skolemiljo, modules: '0', start: 2027-01-04, weekdays: sun-mon}\n"
    )
    assert [line.split(": ", 2)[:2] for line in found] == [
        ["plan.yaml:9", "package"],
        ["plan.yaml:9", "start"],
        ["plan.yaml:10", "weekdays"],
    ]


def test_a_file_that_cannot_be_read_says_so(tmp_path: Path) -> None:
    with pytest.raises(PlanError) as missing:
        read_plan(tmp_path / "plan.yaml", PACKAGES)
    assert str(missing.value) == f"{tmp_path / 'plan.yaml'}: cannot read: No such file or directory"
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes(b"organisations:\n  - slug: nordby\n    name: N\xf8rdby\n")
    with pytest.raises(PlanError) as not_utf8:
        read_plan(latin1, PACKAGES)
    assert str(not_utf8.value) == f"{latin1}:3: not UTF-8 text"


def test_the_shipped_example_reads() -> None:
    example = Path(__file__).resolve().parents[2] / "docs" / "plan.example.yaml"
    plan = read_plan(example, PACKAGES).plan
    assert len(plan.organisations) >= 2
    assert any(org.breaks for org in plan.organisations)


@given(st.sets(st.integers(min_value=0, max_value=60), min_size=1))
def test_module_text_reads_back_as_the_same_modules(modules: set[int]) -> None:
    assert parse_modules(format_modules(modules)) == tuple(sorted(modules))


@pytest.mark.parametrize(("written", "read"), [("777000111", 777000111), ("default", "default")])
def test_an_organisation_may_name_its_own_bot(written: str, read: object) -> None:
    plan = parse_plan(ORG + f"    bot_id: {written}\n", "plan.yaml", PACKAGES).plan
    assert plan.organisations[0].bot_id == read
    assert parse_plan(ORG, "plan.yaml", PACKAGES).plan.organisations[0].bot_id is None


def test_an_organisation_may_give_its_written_standard_and_concern_routine() -> None:
    text = (
        ORG + "    language: nn\n    concern_contact: '  rektor   Ola  '\n"
        "    concern_url: https://vik.no/rutine\n"
    )
    (org,) = parse_plan(text, "plan.yaml", PACKAGES).plan.organisations
    assert (org.language, org.concern_contact, org.concern_url) == (
        "nn",
        "rektor Ola",  # one line, as /bekymring shows it
        "https://vik.no/rutine",
    )
    (wrong,) = problems(ORG + "    language: sv\n")
    assert wrong.startswith("plan.yaml:5: language: Input should be 'nb', 'nn', 'en' or 'telegram'")
    (link,) = problems(ORG + "    concern_url: ftp://vik.no\n")
    assert link.startswith("plan.yaml:5: concern_url: the concern routine's link must be")
