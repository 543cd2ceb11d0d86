"""Every text the code asks for exists in bokmål, nynorsk and English, and Telegram can show it.

The keys come from the source itself. Every call of a bound `Texts` in dialogues/ and bot/ (named
`texts`, `t` or `chosen`, or called straight away as `Texts(...)(...)`) is read with `ast`, so a
call over several lines, `texts("a" if x else "b")` and `key = "..."; texts(key)` are all seen,
together with the names of the values each call passes. Keys built at run time, such as
`f"join.{problem}"`, must have their family listed in DYNAMIC_FAMILIES, computed from the enum or
tuple the code builds them from.

A failure names the key and where the code uses it: add the text to all three catalogues in
dialogues/locales/, or remove the stale entry.
"""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from dialogues.i18n import LOCALES, Texts
from dialogues.menus import STAFF_COMMANDS
from domain.invites import InviteProblem
from domain.model import LANGUAGES, Role
from domain.telegram_html import html_errors
from services.answering import Outcome

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = ("dialogues", "bot")
# the names a bound Texts goes by, and members_only(key), whose key the refusal is sent with
TEXT_CALLS = frozenset({"texts", "t", "chosen", "members_only"})
TEXT_FACTORIES = frozenset({"Texts", "texts_for"})  # Texts("nb")("key") needs no name

# Keys the code builds at run time: the literal prefix, and every value that may follow it.
DYNAMIC_FAMILIES: dict[str, tuple[str, ...]] = {
    "join.": tuple(problem.value for problem in InviteProblem),
    "answer.": tuple(outcome.value for outcome in Outcome),
    "role.": tuple(role.value for role in Role),
    "command.": STAFF_COMMANDS,
}

# Telegram shows these as they are, without HTML: button labels, pop-up alerts, the command menu.
BUTTON_KEYS = frozenset(
    {
        "forget.yes",
        "forget.no",
        "step.catch_up_button",
        "answer.button_done",
        "answer.button_closed",
    }
)
ALERT_KEYS = frozenset(
    {
        "answer.not_yours",
        "fallback.stale_button",
        "catch_up.none",
        "language.set",
        "error.generic",
        "leader.not_yours",
        *(f"answer.{outcome}" for outcome in DYNAMIC_FAMILIES["answer."]),
    }
)
MENU_KEYS = frozenset(f"command.{command}" for command in STAFF_COMMANDS)
ALERT_LIMIT = 200  # answerCallbackQuery
MENU_LIMIT = 256  # BotCommand.description


# --- reading the source ------------------------------------------------------------------------


@dataclass(frozen=True)
class Use:
    """One place that asks for a key, and the names of the values it passes (None: unknown)."""

    where: str
    values: frozenset[str] | None


@dataclass
class Uses:
    keys: dict[str, list[Use]] = field(default_factory=dict)
    families: dict[str, list[Use]] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)  # where a key cannot be worked out


@dataclass
class _KeyExpression:
    keys: set[str] = field(default_factory=set)
    prefixes: set[str] = field(default_factory=set)
    readable: bool = True


def _is_text_call(call: ast.Call) -> bool:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id in TEXT_CALLS
    if isinstance(func, ast.Attribute):  # call.texts("key"), turn.texts("key")
        return func.attr == "texts"
    return (
        isinstance(func, ast.Call)
        and isinstance(func.func, ast.Name)
        and func.func.id in TEXT_FACTORIES
    )


def _read_key(expr: ast.expr, scope: ast.AST, found: _KeyExpression) -> None:
    """What `expr`, the first argument of a text call, can evaluate to."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        found.keys.add(expr.value)
    elif isinstance(expr, ast.IfExp):
        _read_key(expr.body, scope, found)
        _read_key(expr.orelse, scope, found)
    elif isinstance(expr, ast.JoinedStr) and expr.values and _literal_head(expr.values[0]):
        found.prefixes.add(_literal_head(expr.values[0]))
    elif isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add) and _literal_head(expr.left):
        found.prefixes.add(_literal_head(expr.left))
    elif isinstance(expr, ast.Name) and (assigned := _assignments(expr.id, scope)):
        for value in assigned:
            _read_key(value, scope, found)
    else:
        found.readable = False


def _literal_head(expr: ast.expr) -> str:
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return expr.value
    return ""


def _assignments(name: str, scope: ast.AST) -> list[ast.expr]:
    return [
        node.value
        for node in ast.walk(scope)
        if isinstance(node, ast.Assign)
        and any(isinstance(target, ast.Name) and target.id == name for target in node.targets)
    ]


def _scopes(tree: ast.Module) -> Iterator[tuple[ast.AST, ast.Call]]:
    """Every call with the innermost function (or the module) a variable key is looked up in."""
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)

    def visit(node: ast.AST, scope: ast.AST) -> Iterator[tuple[ast.AST, ast.Call]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Call):
                yield scope, child
            yield from visit(child, child if isinstance(child, functions) else scope)

    yield from visit(tree, tree)


@cache
def used_texts() -> Uses:
    uses = Uses()
    for directory in SOURCE_DIRS:
        for path in sorted((ROOT / directory).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for scope, call in _scopes(tree):
                if not _is_text_call(call) or not call.args:
                    continue
                where = f"{path.relative_to(ROOT)}:{call.lineno}"
                names = [keyword.arg for keyword in call.keywords]
                use = Use(where, None if None in names else frozenset(filter(None, names)))
                found = _KeyExpression()
                _read_key(call.args[0], scope, found)
                if not found.readable:
                    uses.unreadable.append(where)
                for key in found.keys:
                    uses.keys.setdefault(key, []).append(use)
                for prefix in found.prefixes:
                    uses.families.setdefault(prefix, []).append(use)
    for prefix, family_uses in uses.families.items():
        for value in DYNAMIC_FAMILIES.get(prefix, ()):
            uses.keys.setdefault(prefix + value, []).extend(family_uses)
    return uses


# --- reading the catalogues --------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    text: str
    fuzzy: bool
    line: int


@cache
def catalogue(language: str) -> dict[str, Entry]:
    path = LOCALES / f"{language}.po"
    with path.open("rb") as handle:
        po = read_po(handle, locale=language)
    return {
        str(message.id): Entry(
            message.string if isinstance(message.string, str) else "",
            message.fuzzy,
            message.lineno or 0,
        )
        for message in po
        if message.id
    }


def placeholders(text: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as error:  # a lone { or }: str.format would raise in the bot too
        raise AssertionError(f"{error} in {text!r} (write {{{{ or }}}} for a brace)") from None


class _Dummy:
    """Stands in for any value a text is given, whatever format it asks for."""

    def __format__(self, spec: str) -> str:
        return "7"


def filled_in(text: str) -> str:
    return (
        text.format(**dict.fromkeys(placeholders(text), _Dummy())) if placeholders(text) else text
    )


def all_entries() -> Iterator[tuple[str, str, Entry]]:
    for language in LANGUAGES:
        for key, entry in catalogue(language).items():
            yield language, key, entry


def where(key: str) -> str:
    return ", ".join(use.where for use in used_texts().keys.get(key, []))


# --- the tests ---------------------------------------------------------------------------------


def test_the_scan_finds_the_texts_the_code_is_known_to_use() -> None:
    keys = used_texts().keys
    for key in ("start.no_invite", "join.welcome_leader", "summary.header_staff", "command.help"):
        assert key in keys, f"the scanner no longer sees {key!r}: fix the scanner"
    assert "group" in (keys["join.welcome"][0].values or ())


def test_every_text_call_names_its_key_in_a_way_the_scan_can_follow() -> None:
    unreadable = used_texts().unreadable
    assert not unreadable, (
        "cannot tell which text these calls ask for; pass the key as a string literal, "
        "or a literal prefix plus a family in DYNAMIC_FAMILIES:\n" + "\n".join(unreadable)
    )


def test_every_key_built_at_run_time_belongs_to_a_known_family() -> None:
    families = used_texts().families
    unknown = {prefix: uses for prefix, uses in families.items() if prefix not in DYNAMIC_FAMILIES}
    assert not unknown, "add these key families to DYNAMIC_FAMILIES:\n" + "\n".join(
        f"{prefix}... at {', '.join(use.where for use in uses)}" for prefix, uses in unknown.items()
    )
    unused = set(DYNAMIC_FAMILIES) - set(families)
    assert not unused, f"no code builds keys starting with {sorted(unused)}: drop the family"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_key_the_code_uses_has_a_text(language: str) -> None:
    missing = sorted(set(used_texts().keys) - set(catalogue(language)))
    assert not missing, f"{language}.po lacks:\n" + "\n".join(
        f"{key}  (used at {where(key)})" for key in missing
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_catalogue_keeps_a_text_nobody_uses(language: str) -> None:
    stale = sorted(set(catalogue(language)) - set(used_texts().keys))
    assert not stale, f"{language}.po has texts no code asks for: {stale}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_key_has_one_finished_text(language: str) -> None:
    source = (LOCALES / f"{language}.po").read_text(encoding="utf-8")
    ids = re.findall(r'^msgid "(.+)"$', source, flags=re.MULTILINE)
    problems = [f"{key} appears more than once" for key in sorted(set(ids)) if ids.count(key) > 1]
    problems += [
        f"{key} at line {entry.line} is {'fuzzy' if entry.fuzzy else 'empty'}"
        for key, entry in catalogue(language).items()
        if entry.fuzzy or not entry.text.strip()
    ]
    assert not problems, f"{language}.po:\n" + "\n".join(problems)


def test_the_languages_agree_on_placeholders() -> None:
    differ = []
    for key, entry in catalogue("nb").items():
        expected = placeholders(entry.text)
        for language in LANGUAGES:
            other = catalogue(language).get(key)
            if other is not None and placeholders(other.text) != expected:
                differ.append(
                    f"{key}: nb {sorted(expected)}, {language} {sorted(placeholders(other.text))}"
                )
    assert not differ, "\n".join(differ)


def test_texts_ask_only_for_values_the_code_passes() -> None:
    wrong = []
    for language, key, entry in all_entries():
        for use in used_texts().keys.get(key, []):
            if use.values is None:
                continue
            extra = placeholders(entry.text) - use.values
            if extra:
                wrong.append(f"{language} {key}: {sorted(extra)} not passed at {use.where}")
            if not use.values and ("{" in entry.text or "}" in entry.text):
                # Texts formats only when given values, so here a brace would be shown as is.
                wrong.append(f"{language} {key}: braces in a text given no values ({use.where})")
    assert not wrong, "\n".join(wrong)


def test_every_text_is_telegram_html_once_filled_in() -> None:
    broken = [
        f"{language}.po:{entry.line} {key}: {'; '.join(errors)}"
        for language, key, entry in all_entries()
        if (errors := html_errors(filled_in(entry.text)))
    ]
    assert not broken, "\n".join(broken)


def test_buttons_alerts_and_the_menu_are_plain_short_text() -> None:
    plain = BUTTON_KEYS | ALERT_KEYS | MENU_KEYS
    unused = sorted(plain - set(used_texts().keys))
    assert not unused, f"no code uses {unused} any more: take them off the plain-text lists"
    wrong = []
    for language, key, entry in all_entries():
        text = filled_in(entry.text)
        if key in plain and re.search(r"<[a-z/]|&\w+;", text):
            wrong.append(f"{language} {key}: shown without HTML, so no tags or entities")
        if key in ALERT_KEYS and len(text) > ALERT_LIMIT:
            wrong.append(f"{language} {key}: {len(text)} characters, an alert holds {ALERT_LIMIT}")
        if key in MENU_KEYS and not 1 <= len(text) <= MENU_LIMIT:
            wrong.append(f"{language} {key}: a menu description holds 1-{MENU_LIMIT} characters")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_bot_finds_every_text_in_its_own_language(language: str) -> None:
    texts = Texts(language)
    for key, entry in catalogue(language).items():
        if entry.text and not entry.fuzzy:  # the unfinished fail above, and fall back to nb
            values = dict.fromkeys(placeholders(entry.text), "7")
            assert texts(key, **values) == filled_in(entry.text), key
